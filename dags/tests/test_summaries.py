"""Run summaries: the funnel check and the retry decision."""
import unittest

from tests import support  # noqa: F401  (sys.path first)

from targeting_airflow import summaries


def succeeded(**changes):
    summary = {"job": "investment-recommendations", "program": "investment-recommendations", "status": "succeeded",
               "run_date": "2026-11-20", "input_rows": 150000, "quarantined_rows": 1010,
               "removed_by_filter": {"trust": 7486, "qualification": 60000, "eligibility": 36752},
               "candidates": 44752}
    summary.update(changes)
    return summary


def failed(category, message="m"):
    return {"job": "loan-offer-targeting", "status": "failed", "error": {"category": category, "message": message}}


class SummaryProblemsTest(unittest.TestCase):
    def test_a_balanced_succeeded_run_has_none(self):
        self.assertEqual([], summaries.problems(succeeded()))

    def test_an_unbalanced_funnel_is_named_with_its_figures(self):
        found = summaries.problems(succeeded(candidates=44751))
        self.assertEqual(["the funnel does not balance: input_rows 150000 != quarantined_rows 1010 + "
                          "removed_by_filter 104238 + candidates 44751 = 149999"], found)

    def test_a_failed_run_and_missing_counts_are_named(self):
        found = summaries.problems({"status": "failed", "error": {"category": "user_error", "message": "bad"}})
        self.assertEqual("status is 'failed', not 'succeeded' (user_error: bad)", found[0])
        self.assertIn("input_rows is None, not a count", found)
        self.assertIn("removed_by_filter is None, not counts by filter", found)

    def test_counts_must_be_whole_and_not_negative(self):
        self.assertIn("candidates is 1.5, not a count", summaries.problems(succeeded(candidates=1.5)))
        self.assertEqual(["removed_by_filter is {'trust': -1}, not counts by filter"],
                         summaries.problems(succeeded(removed_by_filter={"trust": -1})))

    def test_the_summary_path(self):
        self.assertEqual("s3://b/p/output/summaries/program=promotion-uplift/dt=2026-11-23/r.try1.json",
                         summaries.summary_uri("s3://b/p/", "promotion-uplift", "2026-11-23", "r.try1"))


class RetryDecisionTest(unittest.TestCase):
    def test_only_an_external_failure_in_the_summary_is_retried(self):
        self.assertTrue(summaries.retry_decision(failed("external", "S3 503"), "").retry)
        for category in ("user_error", "internal"):
            decision = summaries.retry_decision(failed(category), "ExitCode: 3.")
            self.assertFalse(decision.retry, category)  # the summary wins over the text
            self.assertIn(category, decision.reason)
        self.assertFalse(summaries.retry_decision(succeeded(), "").retry)

    def test_without_a_summary_the_exit_code_emr_reports_decides(self):
        details = ("job run 00fr: FAILED: Job failed, please check complete logs in configured logging "
                   "destination. ExitCode: 3. Last few exceptions: com.targeting.core.TargetingException...")
        self.assertTrue(summaries.retry_decision(None, details).retry)
        self.assertFalse(summaries.retry_decision(None, details.replace("ExitCode: 3", "ExitCode: 2")).retry)
        self.assertFalse(summaries.retry_decision(None, "Job run timed out").retry)


if __name__ == "__main__":
    unittest.main()
