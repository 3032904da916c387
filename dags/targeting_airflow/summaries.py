"""Run summaries: where a program run leaves its summary, whether it is sound, whether to retry.

A program run writes its summary, succeeded or failed, to
``<root>/output/summaries/program=<program>/dt=<run-date>/<run-id>.json`` with ``status``
(``succeeded`` | ``failed``) and, when failed, ``error: {category, message}`` where category is
``user_error`` (exit code 2), ``external`` (exit code 3) or ``internal`` (exit code 4); a run that
died without writing one (killed, a lost driver) gets one with category ``interrupted`` from the
next run of its date, which first completes or rolls back what it left.
Only ``external`` is worth retrying: an outside store failed, and may not next time.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, List, Mapping, Optional

EXTERNAL = "external"
EXTERNAL_EXIT_CODE = 3
# EMR Serverless puts the driver's exit code in a failed job run's stateDetails:
# "Job failed, please check complete logs in configured logging destination. ExitCode: 3. ..."
_EXIT_CODE = re.compile(r"ExitCode:\s*(\d+)")


def summary_uri(root_uri: str, program: str, run_date: str, run_id: str) -> str:
    return f"{root_uri.rstrip('/')}/output/summaries/program={program}/dt={run_date}/{run_id}.json"


def problems(summary: Mapping[str, Any]) -> List[str]:
    """What is wrong with a run summary: not succeeded, or a funnel that does not balance.

    The funnel: ``input_rows == quarantined_rows + sum(removed_by_filter) + candidates``.
    """
    found = []
    if summary.get("status") != "succeeded":
        error = summary.get("error") or {}
        found.append(f"status is {summary.get('status')!r}, not 'succeeded'"
                     + (f" ({error.get('category')}: {error.get('message')})" if error else ""))
    counts = {}
    for key in ("input_rows", "quarantined_rows", "candidates"):
        value = summary.get(key)
        if not isinstance(value, int) or isinstance(value, bool) or value < 0:
            found.append(f"{key} is {value!r}, not a count")
        else:
            counts[key] = value
    removed = summary.get("removed_by_filter")
    if not isinstance(removed, dict) or not all(
            isinstance(v, int) and not isinstance(v, bool) and v >= 0 for v in removed.values()):
        found.append(f"removed_by_filter is {removed!r}, not counts by filter")
    elif len(counts) == 3:
        accounted = counts["quarantined_rows"] + sum(removed.values()) + counts["candidates"]
        if accounted != counts["input_rows"]:
            found.append(f"the funnel does not balance: input_rows {counts['input_rows']} != quarantined_rows "
                         f"{counts['quarantined_rows']} + removed_by_filter {sum(removed.values())} "
                         f"+ candidates {counts['candidates']} = {accounted}")
    return found


@dataclass(frozen=True)
class Decision:
    retry: bool
    reason: str


def retry_decision(summary: Optional[Mapping[str, Any]], failure_text: str) -> Decision:
    """Whether a failed job attempt is retried: only when it failed for an external reason.

    The program's run summary decides when there is one; otherwise (a job that writes none, or
    a run that died before writing it) the exit code EMR Serverless reports in the failure text.
    """
    if summary is not None:
        error = summary.get("error") or {}
        category = error.get("category")
        if summary.get("status") == "failed" and category == EXTERNAL:
            return Decision(True, f"the run summary says an outside store failed: {error.get('message')}")
        if summary.get("status") == "failed":
            return Decision(False, f"the run summary says {category}: {error.get('message')} (not retried)")
        return Decision(False, f"the job run failed although its summary says {summary.get('status')!r} "
                               "(not retried)")
    codes = [int(code) for code in _EXIT_CODE.findall(failure_text or "")]
    if EXTERNAL_EXIT_CODE in codes:
        return Decision(True, f"no run summary; the job exited with code {EXTERNAL_EXIT_CODE} (an outside store failed)")
    if codes:
        return Decision(False, f"no run summary; the job exited with code {codes[-1]} (not retried)")
    return Decision(False, "no run summary and no exit code in the job run's details (not retried): "
                           + (failure_text or "").strip()[:500])
