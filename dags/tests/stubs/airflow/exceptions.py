"""STAND-IN for airflow.exceptions (tests only; see dags/tests/stubs/README.md)."""


class AirflowException(Exception):
    pass


class AirflowFailException(AirflowException):
    """Fails the task without retrying."""


class TaskDeferralError(AirflowException):
    """What BaseOperator.resume_execution raises when a trigger failed (next_method '__fail__')."""


class TaskDeferred(BaseException):
    """As in Airflow, a BaseException: `except Exception` does not swallow a deferral."""

    def __init__(self, *, trigger, method_name, kwargs=None, timeout=None):
        super().__init__(trigger, method_name, kwargs, timeout)
        self.trigger = trigger
        self.method_name = method_name
        self.kwargs = kwargs
        self.timeout = timeout
