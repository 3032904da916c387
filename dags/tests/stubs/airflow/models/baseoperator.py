"""STAND-IN for Airflow's BaseOperator (tests only; see dags/tests/stubs/README.md)."""
import copy
import logging
import re

from airflow.exceptions import TaskDeferralError, TaskDeferred
from airflow.models.dag import current_dag

_EXPRESSION = re.compile(r"\{\{(.*?)\}\}")


def render(value, namespace):
    """Each {{ expression }} evaluated as Python (see README.md); containers rendered in depth."""
    if isinstance(value, str):
        whole = _EXPRESSION.fullmatch(value.strip())
        if whole and value.strip() == value:
            return str(eval(whole.group(1).strip(), {"__builtins__": {}}, namespace))
        return _EXPRESSION.sub(lambda m: str(eval(m.group(1).strip(), {"__builtins__": {}}, namespace)), value)
    if isinstance(value, dict):
        return {render(k, namespace): render(v, namespace) for k, v in value.items()}
    if isinstance(value, list):
        return [render(v, namespace) for v in value]
    return value


class BaseOperator:
    template_fields = ()

    def __init__(self, *, task_id, owner="airflow", retries=0, retry_delay=None, depends_on_past=False,
                 wait_for_downstream=False, dag=None, **kwargs):
        if kwargs:  # Airflow refuses unknown arguments too
            raise TypeError(f"{type(self).__name__}: invalid arguments {sorted(kwargs)}")
        self.dag = dag or current_dag()
        defaults = self.dag.default_args if self.dag else {}
        self.task_id = task_id
        self.owner = defaults.get("owner", owner)
        self.retries = retries
        self.retry_delay = retry_delay
        self.depends_on_past = depends_on_past or wait_for_downstream
        self.wait_for_downstream = wait_for_downstream
        self.upstream_task_ids = set()
        self.downstream_task_ids = set()
        self.log = logging.getLogger(f"airflow.task.{task_id}")
        if self.dag:
            self.dag.add_task(self)

    def __rshift__(self, other):
        self.downstream_task_ids.add(other.task_id)
        other.upstream_task_ids.add(self.task_id)
        return other

    def rendered(self, context):
        """A copy with its template fields rendered, as Airflow runs a task."""
        task = copy.copy(self)
        namespace = dict(context)
        namespace.update(self.dag.user_defined_macros if self.dag else {})
        namespace.setdefault("task", task)
        for field in self.template_fields:
            setattr(task, field, render(getattr(self, field), namespace))
        return task

    def defer(self, *, trigger, method_name, kwargs=None, timeout=None):
        raise TaskDeferred(trigger=trigger, method_name=method_name, kwargs=kwargs, timeout=timeout)

    def resume_execution(self, next_method, next_kwargs, context):
        if next_method == "__fail__":
            next_kwargs = next_kwargs or {}
            if next_kwargs.get("traceback"):
                self.log.error("Trigger failed:\n%s", "\n".join(next_kwargs["traceback"]))
            raise TaskDeferralError(next_kwargs.get("error", "Unknown"))
        return getattr(self, next_method)(context, **(next_kwargs or {}))
