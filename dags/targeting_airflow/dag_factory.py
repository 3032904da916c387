"""Builds one Airflow DAG per entry of conf/schedules.json from its request template.

Nothing is written twice: the schedule comes from conf/schedules.json, the whole StartJobRun
request from scripts/spark-submit/emr-serverless/<id>.json (the same file emr-serverless.sh
submits), its placeholders become Jinja that Airflow renders when the task runs:

  deployment values  -> Airflow Variables (``emr_requests.DEPLOYMENT``), read at run time
  ${RUN_DATE}        -> {{ ds }}: with CronTriggerTimetable the logical date is the fire time,
                        so the 06:00 run of 2026-11-20 runs --run-date 2026-11-20
  ${RUN_ID}          -> the DAG run id made safe, plus the try number: each attempt its own id,
                        its own summary file and its own clientToken
  ${PROGRAM}         -> the task's program (per-program jobs)

The waiter follows the template's ``executionTimeoutMinutes`` (see ``waiter``), so the time a
job may take is written once too.
"""
from __future__ import annotations

import datetime
import math
import re
from typing import Any, Dict, List, Optional, Tuple

from airflow.timetables.trigger import CronTriggerTimetable

try:  # Airflow 3
    from airflow.sdk import DAG
except ImportError:  # Airflow 2
    from airflow import DAG

from targeting_airflow import emr_requests, schedules, summaries
from targeting_airflow.operators import SummaryCheckOperator, TargetingJobOperator

AWS_CONN_ID = "aws_default"
# Programs whose eligibility reads the contact history their own earlier runs wrote (the
# contact-history enrichment of conf/programs/<program>.conf; promotion-uplift and
# engagement-prediction have none): a run waits for the previous one, and for its summary check,
# to succeed.
READS_OWN_CONTACT_HISTORY = frozenset({"investment-recommendations", "loan-offer-targeting"})
# The first date the DAGs may run; catchup is off, so enabling a DAG later starts at the next
# fire time, and a missed date is run on purpose (airflow dags backfill, or a manual run).
START_DATE = datetime.datetime(2026, 11, 1, tzinfo=datetime.timezone.utc)
# Retries are for external failures only (TargetingJobOperator refuses the others); an outside
# store that failed gets some minutes before the next attempt.
RETRIES = 2
RETRY_DELAY = datetime.timedelta(minutes=10)
# EMR Serverless cancels a run at executionTimeoutMinutes; Airflow waits this much longer so
# that it sees EMR's own cancellation rather than giving up first.
WAITER_GRACE_MINUTES = 5
WAITER_DELAY_SECONDS = 30

_UNSAFE_RUN_ID = re.compile(r"[^A-Za-z0-9._-]+")


def run_id_macro(dag_run_id: str, try_number: Any) -> str:
    """The jobs' --run-id for an attempt: the DAG run id with unsafe characters replaced, '.try<N>'."""
    suffix = f".try{try_number}"
    # The jobs refuse a run id that starts with '.' or '_' (a hidden file to Hadoop and Athena).
    safe = _UNSAFE_RUN_ID.sub("-", dag_run_id).strip("-").lstrip("._-") or "run"
    return safe[: 128 - len(suffix)] + suffix


def client_token_macro(dag_id: str, task_id: str, dag_run_id: str, try_number: Any) -> str:
    """StartJobRun's clientToken for an attempt: the same on a resumed attempt, new on a retry."""
    return emr_requests.client_token(dag_id, task_id, dag_run_id, str(try_number))


def waiter(execution_timeout_minutes: int) -> Tuple[int, int]:
    """(waiter_delay seconds, waiter_max_attempts) covering the run's timeout plus the grace."""
    window = (execution_timeout_minutes + WAITER_GRACE_MINUTES) * 60
    return WAITER_DELAY_SECONDS, math.ceil(window / WAITER_DELAY_SECONDS)


def airflow_values(program: Optional[str]) -> Dict[str, str]:
    """Placeholder -> Jinja rendered by Airflow when the task runs (macros from ``build``)."""
    # rstrip: a URI Variable set with a trailing slash must not give s3://bucket/prefix//conf.
    values = {name: "{{ var.value." + variable + ".rstrip('/') }}"
              for name, (_, variable) in emr_requests.DEPLOYMENT.items()}
    values["RUN_DATE"] = "{{ ds }}"
    values["RUN_ID"] = "{{ targeting_run_id(run_id, ti.try_number) }}"
    values["CLIENT_TOKEN"] = "{{ targeting_client_token(dag.dag_id, task.task_id, run_id, ti.try_number) }}"
    if program:
        values["PROGRAM"] = program
    return values


def operator_arguments(request: Dict[str, Any]) -> Dict[str, Any]:
    """EmrServerlessStartJobOperator's arguments for a StartJobRun request.

    The operator sends clientToken, applicationId, executionRoleArn, jobDriver, name, then
    ``config`` (the rest: executionTimeoutMinutes, tags) and configurationOverrides.
    """
    rest = {k: v for k, v in request.items() if k not in (
        "applicationId", "executionRoleArn", "jobDriver", "configurationOverrides", "name", "clientToken")}
    return {
        "application_id": request["applicationId"],
        "execution_role_arn": request["executionRoleArn"],
        "job_driver": request["jobDriver"],
        "configuration_overrides": request.get("configurationOverrides"),
        "name": request.get("name"),
        "client_request_token": request["clientToken"],
        "config": rest,
    }


def job_task(template_name: str, task_id: str, program: Optional[str], summary_program: Optional[str],
             reads_own_history: bool) -> TargetingJobOperator:
    values = airflow_values(program)
    request = emr_requests.fill(emr_requests.load(template_name), values,
                                str(emr_requests.path(template_name)), check=False)
    delay, attempts = waiter(int(request["executionTimeoutMinutes"]))
    summary_uri = None
    if summary_program:
        summary_uri = summaries.summary_uri(values["ROOT_URI"], summary_program, values["RUN_DATE"], values["RUN_ID"])
    return TargetingJobOperator(
        task_id=task_id,
        targeting_run_id=values["RUN_ID"],
        summary_uri=summary_uri,
        aws_conn_id=AWS_CONN_ID,
        deferrable=True,
        waiter_delay=delay,
        waiter_max_attempts=attempts,
        retries=RETRIES,
        retry_delay=RETRY_DELAY,
        depends_on_past=reads_own_history,
        wait_for_downstream=reads_own_history,
        **operator_arguments(request),
    )


def build(schedule: schedules.Schedule) -> DAG:
    reads_own_history = schedule.kind == "program" and schedule.program in READS_OWN_CONTACT_HISTORY
    dag = DAG(
        dag_id=schedule.dag_id,
        description=schedule.description,
        schedule=CronTriggerTimetable(schedule.cron, timezone=schedule.timezone),
        start_date=START_DATE,
        catchup=False,
        max_active_runs=1,
        default_args={"owner": "targeting"},
        user_defined_macros={"targeting_run_id": run_id_macro, "targeting_client_token": client_token_macro},
        tags=["targeting", schedule.kind],
        doc_md=f"{schedule.description}. Schedule `{schedule.cron}` ({schedule.timezone}) from "
               f"conf/schedules.json; request from scripts/spark-submit/emr-serverless/{schedule.id}.json.",
    )
    with dag:
        if schedule.kind == "program":
            run = job_task(schedule.id, "run", schedule.program, schedule.program, reads_own_history)
            check = SummaryCheckOperator(
                task_id="check-summary",
                summary_uri="{{ ti.xcom_pull(task_ids='run', key='summary_uri') }}",
                aws_conn_id=AWS_CONN_ID,
                retries=RETRIES,
                retry_delay=RETRY_DELAY,
                depends_on_past=reads_own_history,
            )
            run >> check
        elif schedule.programs:
            for program in schedule.programs:
                job_task(schedule.id, program, program, None, False)
        else:
            job_task(schedule.id, "retrain" if schedule.kind == "retraining" else "run", schedule.program, None, False)
    return dag


def build_all() -> List[DAG]:
    return [build(schedule) for schedule in schedules.load()]
