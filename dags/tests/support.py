"""What the DAG tests share: the import path (stand-ins for Airflow), AWS's service model, samples.

Import this module first in a test module: it puts ``dags/`` and the Airflow stand-ins
(``dags/tests/stubs``, see its README.md: Airflow cannot be installed here) on ``sys.path``.
"""
from __future__ import annotations

import logging
import re
import sys
from pathlib import Path

TESTS = Path(__file__).resolve().parent
DAGS = TESTS.parent
REPO = DAGS.parent
for entry in (str(TESTS / "stubs"), str(DAGS)):
    if entry not in sys.path:
        sys.path.insert(0, entry)

import botocore.session  # noqa: E402
import botocore.validate  # noqa: E402
from botocore import UNSIGNED  # noqa: E402
from botocore.config import Config  # noqa: E402
from botocore.stub import Stubber  # noqa: E402

# The operators log each failure they classify; the assertions say what matters.
logging.getLogger("airflow.task").setLevel(logging.CRITICAL)

SESSION = botocore.session.get_session()
EMR = SESSION.get_service_model("emr-serverless")

# Deployment values as a user would set them (made up; none is a secret).
DEPLOYMENT = {
    "APPLICATION_ID": "00fq1a2b3c4d5e6f",
    "EXECUTION_ROLE_ARN": "arn:aws:iam::123456789012:role/targeting-emr-job",
    "ARTIFACTS_URI": "s3://bank-artifacts/targeting/releases/0.1.0",
    "ROOT_URI": "s3://bank-targeting/prod",
    "REDSHIFT_JDBC_URL": "jdbc:redshift:iam://warehouse.abc123xyz789.us-east-1.redshift.amazonaws.com:5439/customers",
    "REDSHIFT_IAM_ROLE": "arn:aws:iam::123456789012:role/redshift-unload",
}
RUN = {"RUN_DATE": "2026-11-20", "RUN_ID": "manual-20261120T060000Z", "CLIENT_TOKEN": "manual-20261120T060000Z"}


def sample_values(program: str = "loan-offer-targeting") -> dict:
    return dict(DEPLOYMENT, **RUN, PROGRAM=program)


def strict_problems(value, shape, name: str = "") -> list:
    """What botocore's ParamValidator leaves to the service: maximum lengths, patterns, enums.

    (ParamValidator checks types, required and unknown members and minimums only.) Patterns are
    AWS's, matched whole; one Python cannot compile is skipped.
    """
    found = []
    meta = shape.metadata
    kind = shape.type_name
    if kind == "structure" and isinstance(value, dict):
        for key, member in value.items():
            if key in shape.members:
                found += strict_problems(member, shape.members[key], f"{name}.{key}")
    elif kind == "list" and isinstance(value, list):
        if "max" in meta and len(value) > meta["max"]:
            found.append(f"{name}: {len(value)} items, more than {meta['max']}")
        for index, item in enumerate(value):
            found += strict_problems(item, shape.member, f"{name}[{index}]")
    elif kind == "map" and isinstance(value, dict):
        if "max" in meta and len(value) > meta["max"]:
            found.append(f"{name}: {len(value)} entries, more than {meta['max']}")
        for key, item in value.items():
            found += strict_problems(key, shape.key, f"{name} (key {key})")
            found += strict_problems(item, shape.value, f"{name}.{key}")
    elif kind == "string" and isinstance(value, str):
        if "max" in meta and len(value) > meta["max"]:
            found.append(f"{name}: {len(value)} characters, more than {meta['max']}")
        if "enum" in meta and value not in meta["enum"]:
            found.append(f"{name}: {value!r} is not one of {meta['enum']}")
        if "pattern" in meta:
            try:
                pattern = re.compile(meta["pattern"])
            except re.error:
                pattern = None
            if pattern is not None and not pattern.fullmatch(value):
                found.append(f"{name}: {value!r} does not match {meta['pattern']!r}")
    elif kind in ("integer", "long") and isinstance(value, int):
        if "max" in meta and value > meta["max"]:
            found.append(f"{name}: {value} is more than {meta['max']}")
    return found


def problems(operation: str, params: dict) -> list:
    """Everything AWS's model says is wrong with a request (empty when it is valid)."""
    shape = EMR.operation_model(operation).input_shape
    report = botocore.validate.ParamValidator().validate(params, shape)
    found = [report.generate_report()] if report.has_errors() else []
    return found + strict_problems(params, shape)


def emr_client():
    """A real botocore emr-serverless client that never signs or sends (a Stubber answers)."""
    return SESSION.create_client("emr-serverless", region_name="us-east-1", config=Config(signature_version=UNSIGNED))


def stubbed_emr():
    client = emr_client()
    return client, Stubber(client)


ALL_PLACEHOLDERS = re.compile(r"\$\{[A-Za-z0-9_]+\}")
