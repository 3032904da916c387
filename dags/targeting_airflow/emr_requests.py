"""EMR Serverless request templates: scripts/spark-submit/emr-serverless/<name>.json.

A template is a whole StartJobRun request (``application.json``: a CreateApplication request)
with placeholders ``${NAME}`` for what differs between deployments and runs. Filling replaces
every one; a placeholder left without a value is an error that names it and the template.

Deployment values, the same for every job (from the environment in emr-serverless.sh, from
Airflow Variables in the DAGs, see ``DEPLOYMENT``):

  ${APPLICATION_ID}      the EMR Serverless application id
  ${EXECUTION_ROLE_ARN}  the job role ARN (signs S3, DynamoDB and Redshift requests: no keys)
  ${ARTIFACTS_URI}       s3://bucket/prefix holding targeting-jobs.jar, conf/ and sql/
  ${ROOT_URI}            s3://bucket/prefix where data/, models/, output/ and logs/ live
  ${REDSHIFT_JDBC_URL}   the Redshift JDBC URL (IAM authentication: no password)
  ${REDSHIFT_IAM_ROLE}   the role Redshift assumes to UNLOAD to S3

Run values:

  ${RUN_DATE}      the run date, YYYY-MM-DD
  ${RUN_ID}        the run id, [A-Za-z0-9._-]{1,128}, also in the summary's file name
  ${CLIENT_TOKEN}  StartJobRun's idempotency token, [A-Za-z0-9._-]{1,64}
  ${PROGRAM}       the program, in templates of per-program jobs

Values are URIs, ARNs, ids and dates: they may hold no whitespace or quotes, since several end
up inside ``sparkSubmitParameters``, one space-separated string.
"""
from __future__ import annotations

import argparse
import datetime
import hashlib
import json
import os
import re
import sys
from pathlib import Path
from typing import Any, Dict, Mapping, Optional, Tuple

from targeting_airflow import resources

PLACEHOLDER = re.compile(r"\$\{([A-Za-z0-9_]+)\}")

# placeholder -> (environment variable for emr-serverless.sh, Airflow Variable for the DAGs)
DEPLOYMENT: Dict[str, Tuple[str, str]] = {
    "APPLICATION_ID": ("EMR_APPLICATION_ID", "targeting_emr_application_id"),
    "EXECUTION_ROLE_ARN": ("EMR_EXECUTION_ROLE", "targeting_emr_execution_role_arn"),
    "ARTIFACTS_URI": ("TARGETING_ARTIFACTS", "targeting_artifacts_uri"),
    "ROOT_URI": ("TARGETING_ROOT", "targeting_root_uri"),
    "REDSHIFT_JDBC_URL": ("REDSHIFT_JDBC_URL", "targeting_redshift_jdbc_url"),
    "REDSHIFT_IAM_ROLE": ("REDSHIFT_IAM_ROLE", "targeting_redshift_iam_role"),
}
RUN = ("RUN_DATE", "RUN_ID", "CLIENT_TOKEN", "PROGRAM")
RUN_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$")
CLIENT_TOKEN = re.compile(r"^[A-Za-z0-9._-]{1,64}$")
_UNSAFE_VALUE = re.compile(r"[\s'\"\\]")

APPLICATION = "application"


class TemplateError(ValueError):
    """A template that cannot be read or filled; the message names it and the placeholder."""


def names() -> Tuple[str, ...]:
    """Every StartJobRun template, by name (file name without .json)."""
    return tuple(sorted(p.stem for p in resources.templates_dir().glob("*.json") if p.stem != APPLICATION))


def path(name: str) -> Path:
    return resources.templates_dir() / f"{name}.json"


def load(name: str) -> Dict[str, Any]:
    file = path(name)
    try:
        return json.loads(file.read_text(encoding="utf-8"))
    except FileNotFoundError as e:
        raise TemplateError(f"No request template {file} (templates: {', '.join(names())})") from e
    except ValueError as e:
        raise TemplateError(f"Request template {file} is not valid JSON: {e}") from e


def placeholders(value: Any) -> set:
    """The placeholder names in a template (any depth)."""
    if isinstance(value, str):
        return set(PLACEHOLDER.findall(value))
    if isinstance(value, dict):
        return set().union(*(placeholders(k) | placeholders(v) for k, v in value.items())) if value else set()
    if isinstance(value, list):
        return set().union(*(placeholders(v) for v in value)) if value else set()
    return set()


def fill(template: Any, values: Mapping[str, str], where: str = "template", check: bool = True) -> Any:
    """The template with every placeholder replaced; TemplateError names a missing one.

    ``check=False`` lets values be Airflow templates (``{{ ... }}``), which hold spaces.
    """
    missing = sorted(placeholders(template) - set(values))
    if missing:
        raise TemplateError(f"{where}: no value for {', '.join('${' + m + '}' for m in missing)}")
    if check:
        for name in placeholders(template):
            if _UNSAFE_VALUE.search(values[name]) or not values[name]:
                raise TemplateError(f"{where}: ${{{name}}} = '{values[name]}' is empty or holds "
                                    "whitespace or quotes")

    def replace(value: Any) -> Any:
        if isinstance(value, str):
            return PLACEHOLDER.sub(lambda m: values[m.group(1)], value)
        if isinstance(value, dict):
            return {replace(k): replace(v) for k, v in value.items()}
        if isinstance(value, list):
            return [replace(v) for v in value]
        return value

    return replace(template)


def client_token(*parts: str) -> str:
    """An idempotency token for a run: the run id when it fits, else a digest of the parts."""
    joined = "/".join(parts)
    if len(parts) == 1 and CLIENT_TOKEN.match(joined):
        return joined
    return hashlib.sha256(joined.encode("utf-8")).hexdigest()


def default_run_id(now: Optional[datetime.datetime] = None) -> str:
    now = now or datetime.datetime.now(datetime.timezone.utc)
    return "manual-" + now.strftime("%Y%m%dT%H%M%SZ")


def spark_conf(request: Mapping[str, Any]) -> Dict[str, str]:
    """``--conf key=value`` pairs (and ``--class``) of a StartJobRun request's sparkSubmitParameters."""
    words = request["jobDriver"]["sparkSubmit"].get("sparkSubmitParameters", "").split()
    conf: Dict[str, str] = {}
    for flag, value in zip(words[0::2], words[1::2]):
        if flag == "--conf":
            key, _, setting = value.partition("=")
            conf[key] = setting
        else:
            conf[flag] = value
    if len(words) % 2:
        raise TemplateError(f"sparkSubmitParameters has an odd number of words: {words}")
    return conf


def _memory_gb(value: str) -> float:
    match = re.match(r"^(\d+)([gGmM])$", value)
    if not match:
        raise TemplateError(f"memory '{value}': expected e.g. 12g or 512m")
    amount = int(match.group(1))
    return amount if match.group(2) in "gG" else amount / 1024


def worker(conf: Mapping[str, str], role: str) -> Tuple[int, int]:
    """(vCPU, GB) of the EMR Serverless worker a driver or executor asks for.

    Spark asks for its memory plus memoryOverhead (max(384 MiB, 10%)); EMR Serverless sizes the
    worker in whole GB.
    """
    cores = int(conf.get(f"spark.{role}.cores", "4"))
    memory = _memory_gb(conf.get(f"spark.{role}.memory", "14g"))
    overhead = max(0.375, 0.1 * memory)
    return cores, int(-(-(memory + overhead) // 1))


def max_executors(conf: Mapping[str, str]) -> int:
    if conf.get("spark.dynamicAllocation.enabled", "true") == "false":
        return int(conf["spark.executor.instances"])
    return int(conf["spark.dynamicAllocation.maxExecutors"])


def footprint(request: Mapping[str, Any]) -> Tuple[int, int]:
    """(vCPU, GB) a job holds at most: its driver and all its executors."""
    conf = spark_conf(request)
    driver_cpu, driver_gb = worker(conf, "driver")
    executor_cpu, executor_gb = worker(conf, "executor")
    executors = max_executors(conf)
    return driver_cpu + executors * executor_cpu, driver_gb + executors * executor_gb


def _environment_values() -> Dict[str, str]:
    values = {}
    for placeholder, (variable, _) in DEPLOYMENT.items():
        if os.environ.get(variable):
            values[placeholder] = os.environ[variable].rstrip("/")
    return values


def main(argv: list) -> int:
    parser = argparse.ArgumentParser(prog="emr_requests", description="Fill an EMR Serverless request template "
                                     "with deployment values from the environment (" +
                                     ", ".join(v for v, _ in DEPLOYMENT.values()) + ").")
    parser.add_argument("template", help="template name: " + ", ".join(names() + (APPLICATION,)))
    parser.add_argument("--run-date", default=datetime.datetime.now(datetime.timezone.utc).date().isoformat())
    parser.add_argument("--run-id", default=None)
    parser.add_argument("--program", default=None)
    arguments = parser.parse_args(argv)
    run_id = arguments.run_id or default_run_id()
    if not RUN_ID.match(run_id):
        raise TemplateError(f"--run-id '{run_id}': expected 1 to 128 of A-Z a-z 0-9 . _ -, starting with a letter or digit")
    try:
        datetime.date.fromisoformat(arguments.run_date)
    except ValueError as e:
        raise TemplateError(f"--run-date '{arguments.run_date}': expected YYYY-MM-DD") from e
    values = _environment_values()
    values.update({"RUN_DATE": arguments.run_date, "RUN_ID": run_id, "CLIENT_TOKEN": client_token(run_id)})
    if arguments.program:
        values["PROGRAM"] = arguments.program
    template = load(arguments.template)
    where = str(path(arguments.template))
    missing = sorted(placeholders(template) - set(values))
    if missing:
        hints = [f"{DEPLOYMENT[m][0]} (for ${{{m}}})" if m in DEPLOYMENT else f"--{m.lower().replace('_', '-')}"
                 for m in missing]
        raise TemplateError(f"{where}: set {', '.join(hints)}")
    print(json.dumps(fill(template, values, where), indent=2))
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main(sys.argv[1:]))
    except TemplateError as e:
        print(f"emr_requests: {e}", file=sys.stderr)
        sys.exit(2)
