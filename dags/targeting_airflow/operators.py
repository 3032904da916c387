"""Operators of the targeting DAGs, on the Amazon provider's EmrServerlessStartJobOperator.

``TargetingJobOperator`` starts a job run and waits for it in the triggerer (deferrable). When
the run fails, the attempt is retried only if the failure was external (an outside store, exit
code 3): it reads this attempt's run summary (programs write one per run id) or else the exit
code EMR Serverless reports, and raises ``AirflowFailException`` (no retry) for anything else.
EMR Serverless's own API failing (throttling, 5xx, no connection) is external too.
A deferred wait that fails comes back through ``resume_execution`` (the trigger raises; Airflow
resumes the task with ``__fail__``), so the decision is taken there as well as in ``execute``.

``SummaryCheckOperator`` reads a program run's summary and fails unless the run succeeded and
its funnel balances.
"""
from __future__ import annotations

import json
from typing import Any, Optional, Tuple

from botocore.exceptions import ClientError, ConnectionClosedError, EndpointConnectionError, ReadTimeoutError

from airflow.exceptions import AirflowFailException, TaskDeferred
from airflow.providers.amazon.aws.hooks.s3 import S3Hook
from airflow.providers.amazon.aws.operators.emr import EmrServerlessStartJobOperator

try:  # Airflow 3
    from airflow.sdk import BaseOperator
except ImportError:  # Airflow 2
    from airflow.models.baseoperator import BaseOperator

from targeting_airflow import summaries


# AWS API errors that say "try again" (throttling, the service's own failures); a request
# AWS refuses (ValidationException, AccessDenied) would fail the same way next time.
_TRANSIENT_CODES = frozenset({"ThrottlingException", "TooManyRequestsException", "RequestLimitExceeded",
                              "InternalServerException", "ServiceUnavailableException"})


def transient_aws_error(error: BaseException) -> bool:
    """Whether an AWS API call failed for a reason that a later attempt may not meet."""
    if isinstance(error, (EndpointConnectionError, ConnectionClosedError, ReadTimeoutError)):
        return True
    if isinstance(error, ClientError):
        code = error.response.get("Error", {}).get("Code", "")
        status = error.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0)
        return code in _TRANSIENT_CODES or status >= 500
    return False


def split_s3_uri(uri: str) -> Tuple[str, str]:
    """(bucket, key) of s3://bucket/key (also s3a://)."""
    scheme, _, rest = uri.partition("://")
    bucket, _, key = rest.partition("/")
    if scheme not in ("s3", "s3a") or not bucket or not key:
        raise AirflowFailException(f"Not an S3 object URI: {uri!r}")
    return bucket, key


def read_s3_text(uri: str, aws_conn_id: Optional[str]) -> Optional[str]:
    """The object's text, or None when there is no such object. Other S3 errors propagate."""
    bucket, key = split_s3_uri(uri)
    hook = S3Hook(aws_conn_id=aws_conn_id)
    if not hook.check_for_key(key, bucket_name=bucket):
        return None
    return hook.read_key(key, bucket_name=bucket)


class TargetingJobOperator(EmrServerlessStartJobOperator):
    """Starts one targeting job on EMR Serverless; retries only external failures.

    :param targeting_run_id: the job's ``--run-id`` (templated), pushed to XCom as ``targeting_run_id``
    :param summary_uri: where a program run writes its summary (templated), pushed to XCom as
        ``summary_uri``; None for jobs that write none
    """

    template_fields = tuple(EmrServerlessStartJobOperator.template_fields) + (
        "client_request_token", "targeting_run_id", "summary_uri")
    # summary_uri ends in .json: it is a value, never a template file to load.
    template_ext = ()

    def __init__(self, *, targeting_run_id: str, summary_uri: Optional[str] = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.targeting_run_id = targeting_run_id
        self.summary_uri = summary_uri

    def execute(self, context: Any, event: Any = None) -> Any:
        ti = context["ti"]
        ti.xcom_push(key="targeting_run_id", value=self.targeting_run_id)
        if self.summary_uri:
            ti.xcom_push(key="summary_uri", value=self.summary_uri)
        try:
            return super().execute(context, event)
        except TaskDeferred:
            if self.job_id:  # so that a failed wait, resumed in a new operator object, can ask for details
                ti.xcom_push(key="job_run_id", value=self.job_id)
            raise
        except AirflowFailException:
            raise
        except Exception as failure:
            self._retry_only_if_external(context, failure, ())

    def resume_execution(self, next_method: str, next_kwargs: Any, context: Any) -> Any:
        try:
            return super().resume_execution(next_method, next_kwargs, context)
        except (TaskDeferred, AirflowFailException):
            raise
        except Exception as failure:
            self._retry_only_if_external(context, failure, (next_kwargs or {}).get("traceback") or ())

    def _retry_only_if_external(self, context: Any, failure: Exception, trace: Any) -> None:
        if transient_aws_error(failure):  # EMR Serverless's API itself failed: external
            self.log.error("Job %s: AWS API call failed, retried: %s", self.task_id, failure)
            raise failure
        summary = self._summary()
        text = "\n".join([str(failure), *[str(line) for line in trace], self._job_run_details(context)])
        decision = summaries.retry_decision(summary, text)
        self.log.error("Job %s (run id %s) failed: %s", self.task_id, self.targeting_run_id, decision.reason)
        if decision.retry:
            raise failure
        raise AirflowFailException(f"{self.task_id} failed, not retried: {decision.reason}") from failure

    def _summary(self) -> Optional[dict]:
        if not self.summary_uri:
            return None
        try:
            text = read_s3_text(self.summary_uri, self.aws_conn_id)
            return json.loads(text) if text is not None else None
        except Exception as e:  # the decision falls back on the exit code
            self.log.warning("Cannot read run summary %s: %s", self.summary_uri, e)
            return None

    def _job_run_details(self, context: Any) -> str:
        job_id = self.job_id or context["ti"].xcom_pull(task_ids=self.task_id, key="job_run_id")
        if not job_id:
            return ""
        try:
            run = self.hook.conn.get_job_run(applicationId=self.application_id, jobRunId=job_id)["jobRun"]
            return f"job run {job_id}: {run.get('state')}: {run.get('stateDetails', '')}"
        except Exception as e:
            self.log.warning("Cannot read job run %s: %s", job_id, e)
            return ""


class SummaryCheckOperator(BaseOperator):
    """Fails unless the program run's summary says succeeded and its funnel balances.

    :param summary_uri: s3:// URI of the summary (templated; the job task pushes it to XCom)
    """

    template_fields = ("summary_uri",)

    def __init__(self, *, summary_uri: str, aws_conn_id: Optional[str] = "aws_default", **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.summary_uri = summary_uri
        self.aws_conn_id = aws_conn_id

    def execute(self, context: Any) -> dict:
        text = read_s3_text(self.summary_uri, self.aws_conn_id)  # S3 errors propagate: retried
        if text is None:
            raise AirflowFailException(f"No run summary at {self.summary_uri}")
        try:
            summary = json.loads(text)
        except ValueError as e:
            raise AirflowFailException(f"Run summary {self.summary_uri} is not JSON: {e}") from e
        found = summaries.problems(summary)
        if found:
            raise AirflowFailException(f"Run summary {self.summary_uri}: " + "; ".join(found))
        self.log.info("Run summary %s: %s input rows, %s candidates", self.summary_uri,
                      summary["input_rows"], summary["candidates"])
        return {"input_rows": summary["input_rows"], "candidates": summary["candidates"]}
