"""STAND-IN for the Amazon provider's EmrServerlessHook (tests only; see dags/tests/stubs/README.md).

``conn`` is whatever client the test installs with ``EmrServerlessHook.client_factory``: a real
botocore emr-serverless client whose calls a botocore Stubber answers."""


class EmrServerlessHook:
    JOB_INTERMEDIATE_STATES = {"PENDING", "RUNNING", "SCHEDULED", "SUBMITTED"}
    JOB_FAILURE_STATES = {"FAILED", "CANCELLING", "CANCELLED"}
    JOB_SUCCESS_STATES = {"SUCCESS"}
    JOB_TERMINAL_STATES = JOB_SUCCESS_STATES.union(JOB_FAILURE_STATES)
    APPLICATION_SUCCESS_STATES = {"CREATED", "STARTED"}
    client_factory = None

    def __init__(self, aws_conn_id="aws_default", **kwargs):
        self.aws_conn_id = aws_conn_id
        self._conn = None

    @property
    def conn(self):
        if self._conn is None:
            if EmrServerlessHook.client_factory is None:
                raise RuntimeError("stand-in EmrServerlessHook: the test installs client_factory")
            self._conn = EmrServerlessHook.client_factory()
        return self._conn
