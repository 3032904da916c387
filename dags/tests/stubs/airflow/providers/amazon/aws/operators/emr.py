"""STAND-IN for the Amazon provider's EmrServerlessStartJobOperator (tests only; see
dags/tests/stubs/README.md). The constructor's signature and defaults, the template fields, the
StartJobRun arguments, the deferral and execute_complete follow the provider's
airflow/providers/amazon/aws/operators/emr.py; links, OpenLineage and the non-deferrable wait
are left out."""
from datetime import timedelta
from uuid import uuid4

from airflow.exceptions import AirflowException
from airflow.models.baseoperator import BaseOperator
from airflow.providers.amazon.aws.hooks.emr import EmrServerlessHook

NOTSET = object()


class EmrServerlessStartJobTrigger:
    def __init__(self, application_id, job_id, waiter_delay, waiter_max_attempts, aws_conn_id, cancel_on_kill=True):
        self.application_id = application_id
        self.job_id = job_id
        self.waiter_delay = waiter_delay
        self.waiter_max_attempts = waiter_max_attempts
        self.aws_conn_id = aws_conn_id
        self.cancel_on_kill = cancel_on_kill


class EmrServerlessStartJobOperator(BaseOperator):
    template_fields = ("application_id", "config", "execution_role_arn", "job_driver", "configuration_overrides",
                       "name", "aws_conn_id", "region_name", "verify", "botocore_config")

    def __init__(self, application_id, execution_role_arn, job_driver, configuration_overrides=None,
                 client_request_token="", config=None, wait_for_completion=True, name=None,
                 waiter_max_attempts=NOTSET, waiter_delay=NOTSET, deferrable=False,
                 enable_application_ui_links=False, cancel_on_kill=True, aws_conn_id="aws_default",
                 region_name=None, verify=None, botocore_config=None, **kwargs):
        waiter_delay = 60 if waiter_delay is NOTSET else waiter_delay
        waiter_max_attempts = 25 if waiter_max_attempts is NOTSET else waiter_max_attempts
        self.application_id = application_id
        self.execution_role_arn = execution_role_arn
        self.job_driver = job_driver
        self.configuration_overrides = configuration_overrides
        self.wait_for_completion = wait_for_completion
        self.config = config or {}
        self.name = name
        self.waiter_max_attempts = int(waiter_max_attempts)
        self.waiter_delay = int(waiter_delay)
        self.job_id = None
        self.deferrable = deferrable
        self.enable_application_ui_links = enable_application_ui_links
        self.cancel_on_kill = cancel_on_kill
        self.aws_conn_id = aws_conn_id
        self.region_name = region_name
        self.verify = verify
        self.botocore_config = botocore_config
        super().__init__(**kwargs)
        self.client_request_token = client_request_token or str(uuid4())

    @property
    def hook(self):
        if not hasattr(self, "_hook"):
            self._hook = EmrServerlessHook(aws_conn_id=self.aws_conn_id)
        return self._hook

    def execute(self, context, event=None):
        app_state = self.hook.conn.get_application(applicationId=self.application_id)["application"]["state"]
        if app_state not in EmrServerlessHook.APPLICATION_SUCCESS_STATES:
            raise NotImplementedError("stand-in: the tests' application is STARTED or CREATED")
        self.name = self.name or self.config.pop("name", f"emr_serverless_job_airflow_{uuid4()}")
        args = {
            "clientToken": self.client_request_token,
            "applicationId": self.application_id,
            "executionRoleArn": self.execution_role_arn,
            "jobDriver": self.job_driver,
            "name": self.name,
            **self.config,
        }
        if self.configuration_overrides is not None:
            args["configurationOverrides"] = self.configuration_overrides
        response = self.hook.conn.start_job_run(**args)
        if response["ResponseMetadata"]["HTTPStatusCode"] != 200:
            raise AirflowException(f"EMR serverless job failed to start: {response}")
        self.job_id = response["jobRunId"]
        if self.wait_for_completion and self.deferrable:
            self.defer(
                trigger=EmrServerlessStartJobTrigger(
                    application_id=self.application_id, job_id=self.job_id, waiter_delay=self.waiter_delay,
                    waiter_max_attempts=self.waiter_max_attempts, aws_conn_id=self.aws_conn_id,
                    cancel_on_kill=self.cancel_on_kill),
                method_name="execute_complete",
                timeout=timedelta(seconds=self.waiter_max_attempts * self.waiter_delay),
            )
        return self.job_id

    def execute_complete(self, context, event=None):
        if event["status"] == "success":
            return event["job_details"]["job_id"]
        self.hook.conn.cancel_job_run(applicationId=event["job_details"]["application_id"],
                                      jobRunId=event["job_details"]["job_id"])
        raise AirflowException("EMR Serverless job failed or timed out in deferrable mode")
