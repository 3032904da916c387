"""The DAGs, imported against the Airflow stand-ins (dags/tests/stubs: Airflow is not installable
here), checked against conf/schedules.json and the templates; the StartJobRun request each task
sends goes to a real botocore client (a Stubber answers) and is validated with AWS's model."""
import datetime
import importlib.util
import json
import re
import types
import unittest

from tests import support
from tests.support import REPO, problems

from botocore.exceptions import ClientError
from airflow.exceptions import AirflowFailException, TaskDeferralError, TaskDeferred
from airflow.providers.amazon.aws.hooks.emr import EmrServerlessHook
from airflow.providers.amazon.aws.hooks.s3 import S3Hook
from airflow.timetables.trigger import CronTriggerTimetable
from targeting_airflow import dag_factory, emr_requests, schedules, summaries
from targeting_airflow.operators import SummaryCheckOperator, TargetingJobOperator

DELTA_JARS = "spark.jars=/usr/share/aws/delta/lib/delta-spark.jar,/usr/share/aws/delta/lib/delta-storage.jar"
AIRFLOW_VARIABLES = {variable: support.DEPLOYMENT[name] for name, (_, variable) in emr_requests.DEPLOYMENT.items()}
AIRFLOW_VARIABLES["targeting_root_uri"] += "/"  # as a user may set it: the DAGs strip it
DAG_RUN_ID = "scheduled__2026-11-20T06:00:00+00:00"
JOB_RUN_ID = "00fr5t6u7v8w9x0y"
NOW = datetime.datetime(2026, 11, 20, 6, 0, tzinfo=datetime.timezone.utc)


def load_dag_module():
    spec = importlib.util.spec_from_file_location("targeting_dags_under_test", support.DAGS / "targeting.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


MODULE = load_dag_module()
DAGS = {name: value for name, value in vars(MODULE).items() if name.startswith("targeting-")}
SCHEDULES = {s.dag_id: s for s in schedules.load()}


class TaskInstance:
    """STAND-IN for Airflow's TaskInstance: try number and XCom, shared by a DAG run's tasks."""

    def __init__(self, task_id, try_number, xcoms):
        self.task_id = task_id
        self.try_number = try_number
        self.xcoms = xcoms

    def xcom_push(self, key, value):
        self.xcoms[(self.task_id, key)] = value

    def xcom_pull(self, task_ids, key="return_value"):
        return self.xcoms.get((task_ids, key))


def context(dag, task, try_number, xcoms, ds="2026-11-20"):
    return {"ds": ds, "run_id": DAG_RUN_ID, "dag": dag, "task": task,
            "ti": TaskInstance(task.task_id, try_number, xcoms),
            "var": types.SimpleNamespace(value=types.SimpleNamespace(**AIRFLOW_VARIABLES))}


def expected_request(dag, task, try_number, program):
    values = dict(support.DEPLOYMENT, RUN_DATE="2026-11-20",
                  RUN_ID=dag_factory.run_id_macro(DAG_RUN_ID, try_number),
                  CLIENT_TOKEN=dag_factory.client_token_macro(dag.dag_id, task.task_id, DAG_RUN_ID, try_number))
    if program:
        values["PROGRAM"] = program
    schedule = SCHEDULES[dag.dag_id]
    return emr_requests.fill(emr_requests.load(schedule.id), values)


class Emr:
    """A real botocore emr-serverless client; a Stubber answers; StartJobRun params are recorded."""

    def __init__(self):
        self.client, self.stubber = support.stubbed_emr()
        self.sent = []
        self.client.meta.events.register("provide-client-params.emr-serverless.StartJobRun",
                                         lambda params, **_: self.sent.append(dict(params)))
        EmrServerlessHook.client_factory = lambda: self.client
        self.stubber.activate()

    def application_started(self):
        self.stubber.add_response("get_application", {"application": {
            "applicationId": support.DEPLOYMENT["APPLICATION_ID"], "name": "targeting",
            "arn": "arn:aws:emr-serverless:us-east-1:123456789012:/applications/00fq1a2b3c4d5e6f",
            "releaseLabel": "emr-7.9.0", "type": "SPARK", "state": "STARTED", "createdAt": NOW, "updatedAt": NOW}},
            {"applicationId": support.DEPLOYMENT["APPLICATION_ID"]})

    def job_started(self):
        self.stubber.add_response("start_job_run", {
            "applicationId": support.DEPLOYMENT["APPLICATION_ID"], "jobRunId": JOB_RUN_ID,
            "arn": "arn:aws:emr-serverless:us-east-1:123456789012:/applications/00fq1a2b3c4d5e6f/jobruns/" + JOB_RUN_ID,
            "ResponseMetadata": {"HTTPStatusCode": 200}})

    def job_failed(self, details):
        self.stubber.add_response("get_job_run", {"jobRun": {
            "applicationId": support.DEPLOYMENT["APPLICATION_ID"], "jobRunId": JOB_RUN_ID,
            "arn": "arn:aws:emr-serverless:us-east-1:123456789012:/applications/00fq1a2b3c4d5e6f/jobruns/" + JOB_RUN_ID,
            "createdBy": "arn:aws:iam::123456789012:role/airflow", "createdAt": NOW, "updatedAt": NOW,
            "executionRole": support.DEPLOYMENT["EXECUTION_ROLE_ARN"], "state": "FAILED", "stateDetails": details,
            "releaseLabel": "emr-7.9.0", "jobDriver": {"sparkSubmit": {"entryPoint": "s3://a/b.jar"}}}},
            {"applicationId": support.DEPLOYMENT["APPLICATION_ID"], "jobRunId": JOB_RUN_ID})

    def close(self):
        self.stubber.assert_no_pending_responses()
        self.stubber.deactivate()
        EmrServerlessHook.client_factory = None


def start(dag, task, try_number, xcoms):
    """Runs a job task as Airflow does until it defers; returns (deferral, context)."""
    ctx = context(dag, task, try_number, xcoms)
    with_templates = task.rendered(ctx)
    try:
        with_templates.execute(ctx)
    except TaskDeferred as deferred:
        return deferred, ctx
    raise AssertionError("the task did not defer")


def resume(task, ctx, next_method, next_kwargs):
    """Resumes a deferred task in a new operator object, as Airflow does."""
    return task.rendered(ctx).resume_execution(next_method, next_kwargs, ctx)


TRIGGER_FAILED = {"error": "Trigger failure", "traceback": [
    "Traceback (most recent call last):", "airflow.exceptions.AirflowException: Serverless Job failed: "
    "Waiter job_run_success failed: Waiter encountered a terminal failure state"]}


class DagsTest(unittest.TestCase):
    def setUp(self):
        S3Hook.objects = {}

    def test_one_dag_per_schedule_on_its_cron_in_utc(self):
        self.assertEqual(set(SCHEDULES), set(DAGS))
        for dag_id, dag in DAGS.items():
            with self.subTest(dag=dag_id):
                schedule = SCHEDULES[dag_id]
                self.assertIsInstance(dag.timetable, CronTriggerTimetable)
                self.assertEqual(schedule.cron, dag.timetable._expression)
                self.assertEqual("UTC", dag.timetable._timezone)
                self.assertFalse(dag.catchup)
                self.assertEqual(1, dag.max_active_runs)
                self.assertIsNotNone(dag.start_date.tzinfo)

    def test_program_dags_run_the_program_then_check_its_summary(self):
        for program in ("investment-recommendations", "loan-offer-targeting", "promotion-uplift", "engagement-prediction"):
            dag = DAGS[f"targeting-{program}"]
            self.assertEqual({"run", "check-summary"}, set(dag.task_dict))
            run, check = dag.task_dict["run"], dag.task_dict["check-summary"]
            self.assertIsInstance(run, TargetingJobOperator)
            self.assertIsInstance(check, SummaryCheckOperator)
            self.assertEqual({"check-summary"}, run.downstream_task_ids)
            history = program not in ("promotion-uplift", "engagement-prediction")
            self.assertEqual(history, run.depends_on_past, program)
            self.assertEqual(history, run.wait_for_downstream, program)
            self.assertEqual(history, check.depends_on_past, program)
            self.assertEqual("{{ ti.xcom_pull(task_ids='run', key='summary_uri') }}", check.summary_uri)

    def test_depends_on_past_follows_the_programs_that_read_their_own_contact_history(self):
        reading = {conf.stem for conf in (REPO / "conf/programs").glob("*.conf")
                   if re.search(r"^\s*id = contact-history\s*$", conf.read_text(), re.M)}
        self.assertEqual(set(dag_factory.READS_OWN_CONTACT_HISTORY), reading)

    def test_job_tasks_are_deferrable_with_waiters_from_the_run_timeout(self):
        expected_attempts = {30: 70, 60: 130, 20: 50}  # (timeout + 5 min grace) * 60 s / 30 s
        for dag_id, dag in DAGS.items():
            for task in dag.tasks:
                if not isinstance(task, TargetingJobOperator):
                    continue
                with self.subTest(dag=dag_id, task=task.task_id):
                    timeout = task.config["executionTimeoutMinutes"]
                    self.assertTrue(task.deferrable)
                    self.assertTrue(task.wait_for_completion)
                    self.assertEqual(30, task.waiter_delay)
                    self.assertEqual(expected_attempts[timeout], task.waiter_max_attempts)
                    self.assertEqual(2, task.retries)
                    self.assertNotEqual((60, 25), (task.waiter_delay, task.waiter_max_attempts))
                    driver = task.job_driver["sparkSubmit"]
                    self.assertIn("{{ ds }}", driver["entryPointArguments"])
                    self.assertIn(DELTA_JARS, driver["sparkSubmitParameters"])
                    self.assertIn("{{ var.value.targeting_root_uri.rstrip('/') }}/logs/emr-serverless/",
                                  task.configuration_overrides["monitoringConfiguration"]
                                  ["s3MonitoringConfiguration"]["logUri"])
                    self.assertEqual("{{ var.value.targeting_emr_application_id.rstrip('/') }}", task.application_id)
        program = DAGS["targeting-investment-recommendations"].task_dict["run"]
        self.assertEqual("investment-recommendations", program.job_driver["sparkSubmit"]["entryPointArguments"][0])
        self.assertIn("--conf spark.driver.cores=2 --conf spark.driver.memory=6g --conf spark.executor.cores=4 "
                      "--conf spark.executor.memory=12g --conf spark.dynamicAllocation.maxExecutors=4",
                      program.job_driver["sparkSubmit"]["sparkSubmitParameters"])
        ttl = DAGS["targeting-dynamodb-ttl-check"]
        self.assertEqual({"investment-recommendations", "loan-offer-targeting", "promotion-uplift", "engagement-prediction"},
                         set(ttl.task_dict))
        self.assertEqual(["dynamodb-ttl-check", "--program", "loan-offer-targeting"],
                         ttl.task_dict["loan-offer-targeting"].job_driver["sparkSubmit"]["entryPointArguments"][:3])
        for program in ("investment-recommendations", "loan-offer-targeting", "engagement-prediction"):
            retrain = DAGS[f"targeting-retrain-{program}"].task_dict
            self.assertEqual({"retrain"}, set(retrain))
            self.assertEqual(["retrain", "--program", program],
                             retrain["retrain"].job_driver["sparkSubmit"]["entryPointArguments"][:3])

    def test_every_task_sends_its_template_as_a_valid_start_job_run_request(self):
        for dag_id, dag in DAGS.items():
            for task in dag.tasks:
                if not isinstance(task, TargetingJobOperator):
                    continue
                with self.subTest(dag=dag_id, task=task.task_id):
                    emr = Emr()
                    try:
                        emr.application_started()
                        emr.job_started()
                        deferral, _ = start(dag, task, 1, {})
                    finally:
                        emr.close()
                    [sent] = emr.sent
                    self.assertEqual([], problems("StartJobRun", sent))
                    program = task.task_id if SCHEDULES[dag_id].programs else None
                    self.assertEqual(expected_request(dag, task, 1, program), sent)
                    self.assertEqual(task.waiter_delay, deferral.trigger.waiter_delay)
                    self.assertEqual(task.waiter_max_attempts, deferral.trigger.waiter_max_attempts)
                    self.assertEqual(datetime.timedelta(seconds=task.waiter_delay * task.waiter_max_attempts),
                                     deferral.timeout)

    def test_each_attempt_has_its_own_run_id_summary_and_client_token(self):
        dag = DAGS["targeting-loan-offer-targeting"]
        task = dag.task_dict["run"]
        seen = []
        for try_number in (1, 2):
            xcoms = {}
            emr = Emr()
            try:
                emr.application_started()
                emr.job_started()
                start(dag, task, try_number, xcoms)
            finally:
                emr.close()
            [sent] = emr.sent
            run_id = xcoms[("run", "targeting_run_id")]
            self.assertEqual(f"scheduled__2026-11-20T06-00-00-00-00.try{try_number}", run_id)
            args = sent["jobDriver"]["sparkSubmit"]["entryPointArguments"]
            self.assertEqual(run_id, args[args.index("--run-id") + 1])
            self.assertEqual(summaries.summary_uri(support.DEPLOYMENT["ROOT_URI"], "loan-offer-targeting",
                                                   "2026-11-20", run_id), xcoms[("run", "summary_uri")])
            self.assertEqual(JOB_RUN_ID, xcoms[("run", "job_run_id")])
            seen.append(sent["clientToken"])
        self.assertNotEqual(seen[0], seen[1])

    def test_a_successful_job_run_completes_the_task(self):
        dag = DAGS["targeting-promotion-uplift"]
        task = dag.task_dict["run"]
        emr = Emr()
        try:
            emr.application_started()
            emr.job_started()
            deferral, ctx = start(dag, task, 1, {})
            event = {"status": "success", "job_details": {"application_id": support.DEPLOYMENT["APPLICATION_ID"],
                                                          "job_id": JOB_RUN_ID}}
            self.assertEqual(JOB_RUN_ID, resume(task, ctx, deferral.method_name, {"event": event}))
        finally:
            emr.close()

    def failed_attempt(self, dag_id, task_id, summary=None, details=None):
        """Starts a job, puts its summary on 'S3', fails the wait; returns what resuming raises."""
        dag = DAGS[dag_id]
        task = dag.task_dict[task_id]
        xcoms = {}
        emr = Emr()
        try:
            emr.application_started()
            emr.job_started()
            _, ctx = start(dag, task, 1, xcoms)
            if summary is not None:
                bucket, key = xcoms[("run", "summary_uri")][len("s3://"):].split("/", 1)
                S3Hook.objects[(bucket, key)] = json.dumps(summary)
            if details is not None:
                emr.job_failed(details)
            with self.assertRaises(Exception) as raised:
                resume(task, ctx, "__fail__", TRIGGER_FAILED)
        finally:
            emr.close()
        return raised.exception

    def test_an_external_failure_in_the_summary_is_retried(self):
        raised = self.failed_attempt("targeting-investment-recommendations", "run", details="ExitCode: 3.",
                                     summary={"status": "failed", "error": {"category": "external", "message": "S3 503"}})
        self.assertIsInstance(raised, TaskDeferralError)  # an ordinary failure: Airflow retries it

    def test_a_user_error_or_a_bug_is_not_retried(self):
        for category in ("user_error", "internal"):
            raised = self.failed_attempt("targeting-loan-offer-targeting", "run", details="ExitCode: 2.",
                                         summary={"status": "failed", "error": {"category": category, "message": "x"}})
            self.assertIsInstance(raised, AirflowFailException, category)
            self.assertIn(f"the run summary says {category}: x", str(raised))

    def test_without_a_summary_the_exit_code_in_the_job_run_decides(self):
        text = "Job failed, please check complete logs in configured logging destination. ExitCode: {}. Last few"
        retried = self.failed_attempt("targeting-promotion-uplift", "run", details=text.format(3))
        self.assertIsInstance(retried, TaskDeferralError)
        refused = self.failed_attempt("targeting-promotion-uplift", "run", details=text.format(1))
        self.assertIsInstance(refused, AirflowFailException)
        self.assertIn("exited with code 1", str(refused))

    def test_side_jobs_retry_on_exit_code_3_only(self):
        text = "Job failed, please check complete logs in configured logging destination. ExitCode: {}."
        self.assertIsInstance(self.failed_attempt("targeting-daily-metrics", "run", details=text.format(3)),
                              TaskDeferralError)
        self.assertIsInstance(self.failed_attempt("targeting-daily-metrics", "run", details=text.format(4)),
                              AirflowFailException)

    def test_an_aws_api_failure_to_start_is_retried_a_refused_request_is_not(self):
        dag = DAGS["targeting-refresh-market-data"]
        task = dag.task_dict["run"]
        for code, status, retried in (("InternalServerException", 500, True), ("ThrottlingException", 400, True),
                                      ("ValidationException", 400, False)):
            with self.subTest(code=code):
                emr = Emr()
                try:
                    emr.application_started()
                    emr.stubber.add_client_error("start_job_run", service_error_code=code, http_status_code=status)
                    ctx = context(dag, task, 1, {})
                    with self.assertRaises(Exception) as raised:
                        task.rendered(ctx).execute(ctx)
                finally:
                    emr.close()
                if retried:
                    self.assertIsInstance(raised.exception, ClientError)
                else:
                    self.assertIsInstance(raised.exception, AirflowFailException)
                    self.assertIn("ValidationException", str(raised.exception))

    def check(self, summary):
        dag = DAGS["targeting-investment-recommendations"]
        check = dag.task_dict["check-summary"]
        uri = summaries.summary_uri(support.DEPLOYMENT["ROOT_URI"], "investment-recommendations", "2026-11-20",
                                    "scheduled__2026-11-20T06-00-00-00-00.try1")
        bucket, key = uri[len("s3://"):].split("/", 1)
        S3Hook.objects = {} if summary is None else {(bucket, key): json.dumps(summary)}
        xcoms = {("run", "summary_uri"): uri}
        ctx = context(dag, check, 1, xcoms)
        return check.rendered(ctx).execute(ctx)

    def test_the_check_passes_a_succeeded_run_whose_funnel_balances(self):
        summary = {"status": "succeeded", "input_rows": 150000, "quarantined_rows": 1010,
                   "removed_by_filter": {"trust": 7486, "qualification": 96752}, "candidates": 44752}
        self.assertEqual({"input_rows": 150000, "candidates": 44752}, self.check(summary))

    def test_the_check_fails_an_unbalanced_funnel_a_failed_run_or_no_summary(self):
        unbalanced = {"status": "succeeded", "input_rows": 150000, "quarantined_rows": 1010,
                      "removed_by_filter": {"trust": 7486}, "candidates": 44752}
        with self.assertRaisesRegex(AirflowFailException, "the funnel does not balance: input_rows 150000"):
            self.check(unbalanced)
        with self.assertRaisesRegex(AirflowFailException, "status is 'failed'"):
            self.check(dict(unbalanced, status="failed", removed_by_filter={"trust": 104238}))
        with self.assertRaisesRegex(AirflowFailException, "No run summary at s3://bank-targeting/prod/output/summaries/"
                                                          "program=investment-recommendations/dt=2026-11-20/"):
            self.check(None)

    def test_run_ids_are_safe_and_bounded(self):
        self.assertEqual("manual__2026-11-20T07-15-02.123456-00-00.try3",
                         dag_factory.run_id_macro("manual__2026-11-20T07:15:02.123456+00:00", 3))
        long = dag_factory.run_id_macro("x" * 300, 12)
        self.assertEqual(128, len(long))
        self.assertTrue(emr_requests.RUN_ID.match(long) and long.endswith(".try12"))
        token = dag_factory.client_token_macro("targeting-daily-metrics", "run", DAG_RUN_ID, 1)
        self.assertTrue(emr_requests.CLIENT_TOKEN.match(token))


if __name__ == "__main__":
    unittest.main()
