"""conf/schedules.json: one place for every schedule; EventBridge's form derived from it."""
import datetime
import re
import subprocess
import unittest

from tests import support  # noqa: F401  (sys.path first)
from tests.support import REPO

from croniter import croniter
from targeting_airflow import schedules
from targeting_airflow.schedules import ScheduleError, eventbridge

# What conf/programs/*.conf said before the schedules moved here (EventBridge's form).
FORMER_EVENTBRIDGE = {
    "investment-recommendations": "cron(0 6 * * ? *)",
    "retrain-investment-recommendations": "cron(0 3 ? * SUN *)",
    "loan-offer-targeting": "cron(0 2 ? * MON *)",
    "retrain-loan-offer-targeting": "cron(0 3 ? * MON#1 *)",
    "promotion-uplift": "cron(0 4 ? * MON *)",
}
# Programs added after the move: their schedule was written in conf/schedules.json first.
ADDED_EVENTBRIDGE = {
    "engagement-prediction": "cron(0 5 ? * SUN *)",
    "retrain-engagement-prediction": "cron(0 3 ? * SUN *)",
}


def fire_times(cron, start, count):
    iterator = croniter(cron, start)
    return [iterator.get_next(datetime.datetime) for _ in range(count)]


class SchedulesTest(unittest.TestCase):
    def test_every_schedule_reads_and_derives_the_eventbridge_expression_the_programs_had(self):
        loaded = {s.id: s for s in schedules.load()}
        for schedule_id, former in {**FORMER_EVENTBRIDGE, **ADDED_EVENTBRIDGE}.items():
            self.assertEqual(former, eventbridge(loaded[schedule_id].cron), schedule_id)
        self.assertEqual({"UTC"}, {s.timezone for s in loaded.values()})
        self.assertEqual(("investment-recommendations", "loan-offer-targeting", "promotion-uplift", "engagement-prediction"),
                         loaded["dynamodb-ttl-check"].programs)
        # Every scheduled program has its TTL checked (each one exports to DynamoDB).
        programs = {s.program for s in loaded.values() if s.kind == "program"}
        self.assertEqual(programs, set(loaded["dynamodb-ttl-check"].programs))

    def test_side_jobs_fire_when_seed_000_says(self):
        loaded = {s.id: s for s in schedules.load()}
        self.assertEqual("cron(59 23 * * ? *)", eventbridge(loaded["daily-metrics"].cron))
        self.assertEqual("cron(45 7 * * ? *)", eventbridge(loaded["refresh-market-data"].cron))
        self.assertEqual("cron(0 1 ? * SUN *)", eventbridge(loaded["dynamodb-ttl-check"].cron))
        # The day's investment run, then the market data refresh (the next run reads it), then the
        # metrics of the day, all on the same date.
        start = datetime.datetime(2026, 11, 20)
        investment, market, metrics = (fire_times(loaded[i].cron, start, 1)[0]
                                       for i in ("investment-recommendations", "refresh-market-data", "daily-metrics"))
        self.assertLess(investment, market)
        self.assertLess(market, metrics)
        self.assertEqual(investment.date(), metrics.date())

    def test_croniter_fires_the_loan_retraining_on_first_mondays(self):
        cron = {s.id: s for s in schedules.load()}["retrain-loan-offer-targeting"].cron
        times = fire_times(cron, datetime.datetime(2026, 11, 20), 6)
        self.assertEqual([datetime.datetime(2026, 12, 7, 3), datetime.datetime(2027, 1, 4, 3),
                          datetime.datetime(2027, 2, 1, 3), datetime.datetime(2027, 3, 1, 3),
                          datetime.datetime(2027, 4, 5, 3), datetime.datetime(2027, 5, 3, 3)], times)
        self.assertTrue(all(t.weekday() == 0 and t.day <= 7 for t in times))

    def test_the_engagement_retraining_fires_two_hours_before_each_sunday_run(self):
        loaded = {s.id: s for s in schedules.load()}
        retraining = loaded["retrain-engagement-prediction"]
        self.assertEqual(("retraining", "engagement-prediction"), (retraining.kind, retraining.program))
        start = datetime.datetime(2026, 11, 20)
        trained = fire_times(retraining.cron, start, 4)
        runs = fire_times(loaded["engagement-prediction"].cron, start, 4)
        self.assertEqual([datetime.datetime(2026, 11, 22, 3), datetime.datetime(2026, 11, 29, 3),
                          datetime.datetime(2026, 12, 6, 3), datetime.datetime(2026, 12, 13, 3)], trained)
        self.assertEqual([t + datetime.timedelta(hours=2) for t in trained], runs)

    def test_every_cron_is_one_croniter_accepts(self):
        for schedule in schedules.load():
            self.assertTrue(croniter.is_valid(schedule.cron), schedule.cron)

    def test_the_eventbridge_rule_for_day_fields(self):
        self.assertEqual("cron(30 1 15 * ? *)", eventbridge("30 1 15 * *"))
        self.assertEqual("cron(0 9 ? * MON-FRI *)", eventbridge("0 9 * * MON-FRI"))
        self.assertEqual("cron(0 0 1,15 1-6 ? *)", eventbridge("0 0 1,15 1-6 *"))

    def test_what_eventbridge_cannot_say_is_refused(self):
        cases = {
            "0 3 1 * MON": "restricts both day-of-month and day-of-week",
            "0 3 * * 1": "write days by name",
            "0 3 * * MON#6": "expected names",
            "*/15 * * * *": "only \\*, numbers",
            "0 24 * * *": "outside 0-23",
            "0 3 * *": "has 4 fields",
        }
        for cron, message in cases.items():
            with self.subTest(cron=cron):
                with self.assertRaisesRegex(ScheduleError, message):
                    eventbridge(cron)

    def test_a_broken_file_is_named(self):
        path = support.TESTS / "broken-schedules.json"
        try:
            path.write_text('{"schedules": [{"id": "x", "kind": "program", "cron": "0 6 * * *", '
                            '"timezone": "UTC", "description": "d"}]}')
            with self.assertRaisesRegex(ScheduleError, r"broken-schedules.json: schedule x: a program schedule names"):
                schedules.load(path)
        finally:
            path.unlink()

    def test_program_configs_no_longer_hold_schedules(self):
        for conf in sorted((REPO / "conf/programs").glob("*.conf")):
            self.assertIsNone(re.search(r"^\s*(retraining\.)?schedule\s*=", conf.read_text(), re.M), conf.name)
        # The Java jobs never read a schedule: nothing to keep there.
        found = subprocess.run(["grep", "-rlE", r"\"(retraining\.)?schedule\"", str(REPO / "core/src/main"),
                                str(REPO / "jobs/src/main")], capture_output=True, text=True)
        self.assertEqual("", found.stdout)


if __name__ == "__main__":
    unittest.main()
