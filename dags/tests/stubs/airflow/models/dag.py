"""STAND-IN for Airflow's DAG (tests only; see dags/tests/stubs/README.md)."""

_current = []


class DAG:
    def __init__(self, dag_id, *, description=None, schedule=None, start_date=None, catchup=True,
                 max_active_runs=16, default_args=None, user_defined_macros=None, tags=None, doc_md=None):
        self.dag_id = dag_id
        self.description = description
        self.timetable = schedule
        self.start_date = start_date
        self.catchup = catchup
        self.max_active_runs = max_active_runs
        self.default_args = dict(default_args or {})
        self.user_defined_macros = dict(user_defined_macros or {})
        self.tags = list(tags or [])
        self.doc_md = doc_md
        self.task_dict = {}

    def __enter__(self):
        _current.append(self)
        return self

    def __exit__(self, *exc):
        _current.pop()

    def add_task(self, task):
        if task.task_id in self.task_dict:
            raise ValueError(f"task {task.task_id} is already in DAG {self.dag_id}")
        self.task_dict[task.task_id] = task

    @property
    def tasks(self):
        return list(self.task_dict.values())


def current_dag():
    return _current[-1] if _current else None
