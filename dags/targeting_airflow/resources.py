"""Where conf/schedules.json and the EMR Serverless request templates are read from.

In the repository they are ``conf/schedules.json`` and ``scripts/spark-submit/emr-serverless/``.
``emr-serverless.sh deploy-dags`` copies them, in the same layout, under
``targeting_airflow/resources/`` of the DAG bundle, so one rule finds them in both places.
``TARGETING_DAG_RESOURCES`` points elsewhere (a folder with the same layout).
"""
from __future__ import annotations

import os
from pathlib import Path

SCHEDULES = Path("conf") / "schedules.json"
TEMPLATES = Path("scripts") / "spark-submit" / "emr-serverless"


def root() -> Path:
    configured = os.environ.get("TARGETING_DAG_RESOURCES")
    if configured:
        return Path(configured)
    bundled = Path(__file__).resolve().parent / "resources"
    if (bundled / SCHEDULES).is_file():
        return bundled
    # dags/targeting_airflow/resources.py -> the repository root
    return Path(__file__).resolve().parents[2]


def schedules_file() -> Path:
    return root() / SCHEDULES


def templates_dir() -> Path:
    return root() / TEMPLATES
