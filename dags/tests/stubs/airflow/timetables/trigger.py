"""STAND-IN for airflow.timetables.trigger (tests only; see dags/tests/stubs/README.md).

Parses the expression with croniter, the library Airflow's cron timetables use."""
from croniter import croniter


class CronTriggerTimetable:
    def __init__(self, cron, *, timezone, interval=None):
        if not croniter.is_valid(cron):
            raise ValueError(f"invalid cron expression {cron!r}")
        self._expression = cron
        self._timezone = timezone
        self._interval = interval
