"""The schedules of conf/schedules.json, written once for Airflow and EventBridge.

Each schedule is a 5-field cron expression (minute hour day-of-month month day-of-week, as
Airflow's ``CronTriggerTimetable`` and croniter read it) with an IANA time zone. EventBridge's
6-field form ``cron(m h dom mon dow year)`` is derived mechanically by ``eventbridge()``:

* EventBridge needs ``?`` in exactly one of day-of-month and day-of-week: the one that is ``*``
  here (day-of-week when both are). A schedule restricting both is refused, because cron runs
  when EITHER matches and EventBridge cannot say that.
* Days of the week are written by name (``MON``, ``MON-FRI``, ``MON#1`` for the first Monday):
  cron counts Sunday as 0 and EventBridge as 1, so a number would shift a day in translation.
* Steps (``*/15``) and ``L`` are refused: no schedule needs them, and their EventBridge spelling
  differs (``0/15``).

Run ``PYTHONPATH=dags python3 -m targeting_airflow.schedules`` for every schedule with its
EventBridge expression (JSON), e.g. for EventBridge Scheduler's ``ScheduleExpression`` and
``ScheduleExpressionTimezone``.
"""
from __future__ import annotations

import json
import re
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Optional, Tuple

from targeting_airflow import resources

KINDS = ("program", "retraining", "job")
DAY_NAMES = ("SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT")
_DAY = "(?:" + "|".join(DAY_NAMES) + ")"
_DAY_TOKEN = re.compile(rf"^(?:{_DAY}(?:-{_DAY})?|{_DAY}#[1-5])$")
_NUMBER_TOKEN = re.compile(r"^\d{1,2}(?:-\d{1,2})?$")
# (name, lowest, highest) of the four numeric fields.
_NUMERIC_FIELDS = (("minute", 0, 59), ("hour", 0, 23), ("day-of-month", 1, 31), ("month", 1, 12))


class ScheduleError(ValueError):
    """A schedule that conf/schedules.json should not hold; the message names it."""


@dataclass(frozen=True)
class Schedule:
    """One entry of conf/schedules.json.

    ``id`` is also the name of its request template (``<id>.json``) and, prefixed with
    ``targeting-``, of its DAG. ``programs`` lists the programs a per-program job runs for (one
    task each, ``${PROGRAM}`` in the template); ``program`` is the program a run or a retraining
    is for.
    """

    id: str
    kind: str
    cron: str
    timezone: str
    description: str
    program: Optional[str] = None
    programs: Tuple[str, ...] = ()

    @property
    def dag_id(self) -> str:
        return "targeting-" + self.id


def check_cron(cron: str, where: str = "cron") -> Tuple[str, str, str, str, str]:
    """The five fields of a cron expression this file allows; ScheduleError names the problem."""
    fields = cron.split()
    if len(fields) != 5:
        raise ScheduleError(f"{where}: '{cron}' has {len(fields)} fields, expected 5 "
                            "(minute hour day-of-month month day-of-week)")
    for (name, low, high), field in zip(_NUMERIC_FIELDS, fields[:4]):
        if field == "*":
            continue
        for token in field.split(","):
            if not _NUMBER_TOKEN.match(token):
                raise ScheduleError(f"{where}: {name} '{field}' in '{cron}': only *, numbers, "
                                    "ranges (a-b) and lists are used here")
            bounds = [int(part) for part in token.split("-")]
            if any(value < low or value > high for value in bounds) or bounds != sorted(bounds):
                raise ScheduleError(f"{where}: {name} '{field}' in '{cron}' is outside {low}-{high}")
    day_of_week = fields[4]
    if day_of_week != "*":
        for token in day_of_week.split(","):
            if token.isdigit() or re.match(r"^\d", token):
                raise ScheduleError(f"{where}: day-of-week '{day_of_week}' in '{cron}': write days by "
                                    "name (MON, MON#1): cron counts Sunday as 0, EventBridge as 1")
            if not _DAY_TOKEN.match(token):
                raise ScheduleError(f"{where}: day-of-week '{day_of_week}' in '{cron}': expected names "
                                    "such as MON, MON-FRI or MON#1")
    if fields[2] != "*" and day_of_week != "*":
        raise ScheduleError(f"{where}: '{cron}' restricts both day-of-month and day-of-week, which cron "
                            "ORs and EventBridge cannot express")
    return tuple(fields)  # type: ignore[return-value]


def eventbridge(cron: str) -> str:
    """EventBridge's ``cron(minutes hours day-of-month month day-of-week year)`` for a 5-field cron."""
    minute, hour, day_of_month, month, day_of_week = check_cron(cron)
    if day_of_week == "*":
        day_of_week = "?"
    else:
        day_of_month = "?"
    return f"cron({minute} {hour} {day_of_month} {month} {day_of_week} *)"


def load(path: Optional[Path] = None) -> Tuple[Schedule, ...]:
    """Every schedule of conf/schedules.json, checked; ScheduleError names the file and entry."""
    path = path or resources.schedules_file()
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as e:
        raise ScheduleError(f"Cannot read schedules {path}: {e}") from e
    entries = document.get("schedules")
    if not isinstance(entries, list) or not entries:
        raise ScheduleError(f"{path}: expected a non-empty list 'schedules'")
    schedules = []
    seen = set()
    for index, entry in enumerate(entries):
        where = f"{path}: schedules[{index}]"
        unknown = set(entry) - {"id", "kind", "cron", "timezone", "description", "program", "programs"}
        if unknown:
            raise ScheduleError(f"{where}: unknown keys {sorted(unknown)}")
        for key in ("id", "kind", "cron", "timezone", "description"):
            if not isinstance(entry.get(key), str) or not entry[key].strip():
                raise ScheduleError(f"{where}: '{key}' must be a non-empty string")
        where = f"{path}: schedule {entry['id']}"
        if entry["id"] in seen:
            raise ScheduleError(f"{where}: id used twice")
        seen.add(entry["id"])
        if not re.match(r"^[a-z0-9][a-z0-9-]*$", entry["id"]):
            raise ScheduleError(f"{where}: id must be lower-case letters, digits and dashes")
        if entry["kind"] not in KINDS:
            raise ScheduleError(f"{where}: kind '{entry['kind']}' is not one of {KINDS}")
        if entry["kind"] in ("program", "retraining") and not entry.get("program"):
            raise ScheduleError(f"{where}: a {entry['kind']} schedule names its program")
        check_cron(entry["cron"], where)
        schedules.append(Schedule(
            id=entry["id"], kind=entry["kind"], cron=entry["cron"], timezone=entry["timezone"],
            description=entry["description"], program=entry.get("program"),
            programs=tuple(entry.get("programs", ()))))
    return tuple(schedules)


def main(argv: list) -> int:
    schedules = load(Path(argv[0]) if argv else None)
    print(json.dumps([{"id": s.id, "cron": s.cron, "timezone": s.timezone,
                       "eventbridge": eventbridge(s.cron), "eventbridge_timezone": s.timezone}
                      for s in schedules], indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
