"""The EMR Serverless request templates, filled with sample values, against AWS's service model."""
import json
import os
import re
import subprocess
import tempfile
import unittest
from pathlib import Path

from tests import support  # noqa: F401  (sys.path first)
from tests.support import REPO, problems, sample_values

from botocore.exceptions import ParamValidationError
from targeting_airflow import emr_requests, schedules

DELTA_JARS = "/usr/share/aws/delta/lib/delta-spark.jar,/usr/share/aws/delta/lib/delta-storage.jar"
PROGRAMS = ("investment-recommendations", "loan-offer-targeting", "promotion-uplift", "engagement-prediction")
# EMR Serverless worker sizes: vCPU -> (least, most) GB of memory.
WORKER_MEMORY_GB = {1: (2, 8), 2: (4, 16), 4: (8, 30), 8: (16, 60), 16: (32, 120)}


def filled(name, program="loan-offer-targeting"):
    return emr_requests.fill(emr_requests.load(name), sample_values(program), name)


def arguments(request):
    return request["jobDriver"]["sparkSubmit"]["entryPointArguments"]


def option(request, flag):
    args = arguments(request)
    return [args[i + 1] for i, a in enumerate(args) if a == flag]


class TemplatesTest(unittest.TestCase):
    def test_there_is_a_template_per_schedule_and_no_other(self):
        ids = {s.id for s in schedules.load()}
        self.assertEqual(ids, set(emr_requests.names()))
        for program in PROGRAMS:
            self.assertIn(program, ids)
        for program in ("investment-recommendations", "loan-offer-targeting", "engagement-prediction"):
            self.assertIn(f"retrain-{program}", ids)

    def test_every_filled_template_is_a_valid_start_job_run_request(self):
        for name in emr_requests.names():
            with self.subTest(template=name):
                request = filled(name)
                self.assertEqual([], problems("StartJobRun", request))
                self.assertIsNone(support.ALL_PLACEHOLDERS.search(json.dumps(request)))

    def test_a_real_botocore_client_sends_each_request_unchanged(self):
        # The client validates against the model before the Stubber answers, as it would before sending.
        for name in emr_requests.names():
            with self.subTest(template=name):
                request = filled(name)
                client, stubber = support.stubbed_emr()
                stubber.add_response("start_job_run", {
                    "applicationId": request["applicationId"], "jobRunId": "00fr5t6u7v8w9x0y",
                    "arn": "arn:aws:emr-serverless:us-east-1:123456789012:/applications/"
                           f"{request['applicationId']}/jobruns/00fr5t6u7v8w9x0y"}, request)
                with stubber:
                    self.assertEqual("00fr5t6u7v8w9x0y", client.start_job_run(**request)["jobRunId"])
                stubber.assert_no_pending_responses()

    def test_each_run_is_the_job_jar_with_delta_on_emr_with_the_run_date_and_run_id(self):
        for name in emr_requests.names():
            with self.subTest(template=name):
                request = filled(name)
                driver = request["jobDriver"]["sparkSubmit"]
                conf = emr_requests.spark_conf(request)
                self.assertEqual(f"{support.DEPLOYMENT['ARTIFACTS_URI']}/targeting-jobs.jar", driver["entryPoint"])
                self.assertEqual("com.targeting.jobs.Main", conf["--class"])
                self.assertEqual(DELTA_JARS, conf["spark.jars"])
                self.assertEqual(["emr"], option(request, "--env"))
                self.assertEqual([f"{support.DEPLOYMENT['ARTIFACTS_URI']}/conf"], option(request, "--conf-dir"))
                self.assertEqual(["2026-11-20"], option(request, "--run-date"))
                self.assertEqual([support.RUN["RUN_ID"]], option(request, "--run-id"))
                self.assertEqual(support.RUN["CLIENT_TOKEN"], request["clientToken"])
                for variable, value in (("TARGETING_ROOT", "ROOT_URI"), ("TARGETING_ARTIFACTS", "ARTIFACTS_URI")):
                    self.assertEqual(support.DEPLOYMENT[value], conf[f"spark.emr-serverless.driverEnv.{variable}"])
                    self.assertEqual(support.DEPLOYMENT[value], conf[f"spark.executorEnv.{variable}"])
                self.assertEqual(f"{support.DEPLOYMENT['ROOT_URI']}/logs/emr-serverless/",
                                 request["configurationOverrides"]["monitoringConfiguration"]
                                 ["s3MonitoringConfiguration"]["logUri"])
                self.assertGreater(request["executionTimeoutMinutes"], 0)
                self.assertIn("2026-11-20", request["name"])
                self.assertEqual(support.RUN["RUN_ID"], request["tags"]["run-id"])

    def test_jobs_and_their_arguments(self):
        for program in PROGRAMS:
            self.assertEqual(program, arguments(filled(program))[0])
        for program in ("investment-recommendations", "loan-offer-targeting", "engagement-prediction"):
            request = filled(f"retrain-{program}")
            self.assertEqual(["retrain", "--program", program], arguments(request)[:3])
            self.assertEqual({"job": "retrain", "program": program}, {k: request["tags"][k] for k in ("job", "program")})
            self.assertIn(f"retrain-{program}", request["name"])
        self.assertEqual("daily-metrics", arguments(filled("daily-metrics"))[0])
        self.assertEqual("refresh-market-data", arguments(filled("refresh-market-data"))[0])
        for program in ("promotion-uplift", "engagement-prediction"):
            ttl = filled("dynamodb-ttl-check", program)
            self.assertEqual(["dynamodb-ttl-check", "--program", program], arguments(ttl)[:3])
            self.assertIn(program, ttl["name"])

    def test_the_redshift_source_finds_everything_it_reads_from_the_environment(self):
        source = (REPO / "conf/sources/investment-recommendations-redshift.conf").read_text()
        required = set(re.findall(r"\$\{([A-Z][A-Z0-9_]*)\}", source))  # ${?VAR} is optional, ${VAR} is not
        self.assertEqual({"TARGETING_ARTIFACTS", "TARGETING_ROOT", "REDSHIFT_JDBC_URL", "REDSHIFT_IAM_ROLE"}, required)
        request = filled("investment-recommendations")
        conf = emr_requests.spark_conf(request)
        for variable in required:
            self.assertIn(f"spark.emr-serverless.driverEnv.{variable}", conf)
        self.assertEqual(support.DEPLOYMENT["REDSHIFT_JDBC_URL"], conf["spark.emr-serverless.driverEnv.REDSHIFT_JDBC_URL"])
        # --config names the source file as deployed (conf/ is uploaded to <artifacts>/conf) ...
        [config] = option(request, "--config")
        self.assertTrue(config.startswith(support.DEPLOYMENT["ARTIFACTS_URI"] + "/conf/"))
        self.assertTrue((REPO / config[len(support.DEPLOYMENT["ARTIFACTS_URI"]) + 1:]).is_file())
        # ... and its query-file, ${TARGETING_ARTIFACTS}/sql/..., is a file deploy uploads (sql/).
        [query_file] = re.findall(r'query-file\s*=\s*\$\{TARGETING_ARTIFACTS\}"/([^"]+)"', source)
        self.assertTrue(query_file.startswith("sql/"))
        self.assertTrue((REPO / query_file).is_file(), query_file)
        for name in emr_requests.names():
            if name != "investment-recommendations":
                self.assertEqual([], option(filled(name), "--config"), name)

    def test_the_emr_environment_file_finds_what_it_reads(self):
        text = (REPO / "conf/env/emr.conf").read_text()
        for variable in re.findall(r"\$\{([A-Z][A-Z0-9_]*)\}", text):
            for name in emr_requests.names():
                self.assertIn(f"spark.emr-serverless.driverEnv.{variable}", emr_requests.spark_conf(filled(name)), name)

    def test_workers_are_sizes_emr_serverless_offers_and_training_runs_without_dynamic_allocation(self):
        for name in emr_requests.names():
            with self.subTest(template=name):
                conf = emr_requests.spark_conf(filled(name))
                for role in ("driver", "executor"):
                    cpu, memory = emr_requests.worker(conf, role)
                    self.assertIn(cpu, WORKER_MEMORY_GB)
                    low, high = WORKER_MEMORY_GB[cpu]
                    self.assertTrue(low <= memory <= high, f"{role}: {cpu} vCPU with {memory} GB")
                if name.startswith("retrain-"):
                    # XGBoost trains in barrier tasks, which Spark refuses under dynamic allocation.
                    self.assertEqual("false", conf["spark.dynamicAllocation.enabled"])
                    self.assertGreaterEqual(int(conf["spark.executor.instances"]), 1)
                else:
                    self.assertGreaterEqual(int(conf["spark.dynamicAllocation.maxExecutors"]), 1)
        self.assertEqual((18, 63), emr_requests.footprint(filled("investment-recommendations")))

    def test_the_application_holds_the_two_largest_jobs_at_once(self):
        application = emr_requests.load(emr_requests.APPLICATION)
        capacity = application["maximumCapacity"]
        cpu = int(capacity["cpu"].split()[0])
        memory = int(capacity["memory"].split()[0])
        largest = sorted((emr_requests.footprint(filled(name)) for name in emr_requests.names()), reverse=True)
        self.assertGreaterEqual(cpu, largest[0][0] + largest[1][0])
        self.assertGreaterEqual(memory, largest[0][1] + largest[1][1])

    def test_application_json_is_a_valid_create_application_request(self):
        application = emr_requests.load(emr_requests.APPLICATION)
        self.assertEqual(set(), emr_requests.placeholders(application))
        self.assertEqual("emr-7.9.0", application["releaseLabel"])
        self.assertEqual("SPARK", application["type"])
        self.assertTrue(application["autoStartConfiguration"]["enabled"])
        self.assertTrue(application["autoStopConfiguration"]["enabled"])
        # clientToken is an idempotency token: the CLI and SDKs fill it when a request has none.
        self.assertEqual([], problems("CreateApplication", dict(application, clientToken="create-targeting-1")))
        client, stubber = support.stubbed_emr()
        stubber.add_response("create_application", {
            "applicationId": "00fq1a2b3c4d5e6f", "name": "targeting",
            "arn": "arn:aws:emr-serverless:us-east-1:123456789012:/applications/00fq1a2b3c4d5e6f"})
        with stubber:
            self.assertEqual("00fq1a2b3c4d5e6f", client.create_application(**application)["applicationId"])

    def test_no_template_holds_a_secret(self):
        for file in sorted((REPO / "scripts/spark-submit/emr-serverless").glob("*.json")):
            text = file.read_text().lower()
            for word in ("password", "secret", "private_key", "pem_private_key", "access.key", "aws_access_key"):
                self.assertNotIn(word, text, file.name)
            self.assertIsNone(re.search(r"akia[0-9a-z]{16}", text), file.name)


class NegativeTest(unittest.TestCase):
    """The checks above would catch a broken request."""

    def test_an_unknown_key_and_a_missing_entry_point_are_caught(self):
        request = filled("loan-offer-targeting")
        request["jobDriver"]["sparkSubmit"]["entrypoint"] = request["jobDriver"]["sparkSubmit"].pop("entryPoint")
        found = problems("StartJobRun", request)
        self.assertEqual(1, len(found))
        self.assertIn("Unknown parameter in jobDriver.sparkSubmit: \"entrypoint\"", found[0])
        self.assertIn("Missing required parameter in jobDriver.sparkSubmit: \"entryPoint\"", found[0])
        client = support.emr_client()
        with self.assertRaises(ParamValidationError):
            client.start_job_run(**request)

    def test_a_too_long_client_token_and_a_bad_tag_value_are_caught(self):
        request = filled("loan-offer-targeting")
        request["clientToken"] = "x" * 65
        request["tags"]["run-id"] = "a#b"
        found = problems("StartJobRun", request)
        self.assertEqual(2, len(found), found)
        self.assertIn(".clientToken: 65 characters, more than 64", found[0])
        self.assertIn(".tags.run-id: 'a#b' does not match", found[1])

    def test_a_missing_value_or_one_with_spaces_is_refused(self):
        values = sample_values()
        del values["ROOT_URI"]
        with self.assertRaisesRegex(emr_requests.TemplateError, r"no value for \$\{ROOT_URI\}"):
            emr_requests.fill(emr_requests.load("loan-offer-targeting"), values)
        with self.assertRaisesRegex(emr_requests.TemplateError, r"\$\{ROOT_URI\} = 's3://b/x y'"):
            emr_requests.fill(emr_requests.load("loan-offer-targeting"), dict(sample_values(), ROOT_URI="s3://b/x y"))


class ScriptTest(unittest.TestCase):
    """scripts/spark-submit/emr-serverless.sh, with a recording stand-in for the AWS CLI."""

    def setUp(self):
        self.work = Path(tempfile.mkdtemp())
        self.calls = self.work / "aws-calls"
        fake = self.work / "aws"
        # STAND-IN for the AWS CLI: records its arguments (and a --cli-input-json file) and prints {}.
        fake.write_text("#!/usr/bin/env bash\n"
                        f"echo \"$*\" >> '{self.calls}'\n"
                        "for a in \"$@\"; do [[ $a == file://* ]] && cat \"${a#file://}\" >> '" + str(self.calls) + "'; done\n"
                        "echo '{}'\n")
        fake.chmod(0o755)
        self.env = dict(os.environ, AWS=str(fake), PYTHON="/usr/bin/python3",
                        EMR_APPLICATION_ID=support.DEPLOYMENT["APPLICATION_ID"],
                        EMR_EXECUTION_ROLE=support.DEPLOYMENT["EXECUTION_ROLE_ARN"],
                        TARGETING_ARTIFACTS=support.DEPLOYMENT["ARTIFACTS_URI"] + "/",
                        TARGETING_ROOT=support.DEPLOYMENT["ROOT_URI"])

    def script(self, *args, env=None):
        return subprocess.run(["bash", str(REPO / "scripts/spark-submit/emr-serverless.sh"), *args],
                              env=env or self.env, capture_output=True, text=True, timeout=60)

    def test_render_fills_a_template_from_the_environment(self):
        result = self.script("render", "loan-offer-targeting", "--run-date", "2026-11-16", "--run-id", "weekly-1")
        self.assertEqual(0, result.returncode, result.stderr)
        request = json.loads(result.stdout)
        self.assertEqual([], problems("StartJobRun", request))
        self.assertEqual(["2026-11-16"], option(request, "--run-date"))
        self.assertEqual("weekly-1", request["clientToken"])
        self.assertEqual(f"{support.DEPLOYMENT['ARTIFACTS_URI']}/targeting-jobs.jar",
                         request["jobDriver"]["sparkSubmit"]["entryPoint"])

    def test_render_names_what_is_missing(self):
        result = self.script("render", "investment-recommendations", "--run-date", "2026-11-20")
        self.assertEqual(2, result.returncode)
        self.assertIn("set REDSHIFT_IAM_ROLE (for ${REDSHIFT_IAM_ROLE}), REDSHIFT_JDBC_URL", result.stderr)

    def test_submit_sends_the_rendered_request_to_start_job_run(self):
        result = self.script("submit", "dynamodb-ttl-check", "--program", "promotion-uplift", "--run-date", "2026-11-22")
        self.assertEqual(0, result.returncode, result.stderr)
        recorded = self.calls.read_text()
        self.assertTrue(recorded.startswith("emr-serverless start-job-run --cli-input-json file://"))
        request = json.loads(recorded.split("\n", 1)[1])
        self.assertEqual([], problems("StartJobRun", request))
        self.assertEqual(["dynamodb-ttl-check", "--program", "promotion-uplift"], arguments(request)[:3])

    def test_deploy_uploads_the_jar_conf_and_sql(self):
        jar = self.work / "targeting-jobs.jar"
        jar.write_bytes(b"PK")
        result = self.script("deploy", env=dict(self.env, TARGETING_JAR=str(jar)))
        self.assertEqual(0, result.returncode, result.stderr)
        artifacts = support.DEPLOYMENT["ARTIFACTS_URI"]
        self.assertEqual([
            f"s3 cp {jar} {artifacts}/targeting-jobs.jar",
            f"s3 sync {REPO}/conf {artifacts}/conf --delete",
            f"s3 sync {REPO}/sql {artifacts}/sql --delete",
        ], self.calls.read_text().splitlines())

    def test_deploy_dags_makes_a_bundle_that_finds_its_own_resources(self):
        bundle = self.work / "dags"
        result = self.script("deploy-dags", str(bundle))
        self.assertEqual(0, result.returncode, result.stderr)
        self.assertTrue((bundle / "targeting_airflow/resources/conf/schedules.json").is_file())
        self.assertFalse((bundle / "tests").exists())
        check = ("import sys; sys.path[:0] = [sys.argv[1], sys.argv[2]]\n"
                 "from targeting_airflow import resources, dag_factory\n"
                 "print(resources.root()); print(len(dag_factory.build_all()))")
        run = subprocess.run(["/usr/bin/python3", "-c", check, str(bundle), str(support.TESTS / "stubs")],
                             capture_output=True, text=True, timeout=60, cwd=str(self.work),
                             env={k: v for k, v in os.environ.items() if k != "TARGETING_DAG_RESOURCES"})
        self.assertEqual(0, run.returncode, run.stderr)
        self.assertEqual([str(bundle / "targeting_airflow/resources"), str(len(schedules.load()))],
                         run.stdout.split())

    def test_eventbridge_prints_each_schedule(self):
        result = self.script("eventbridge")
        self.assertEqual(0, result.returncode, result.stderr)
        printed = {s["id"]: s["eventbridge"] for s in json.loads(result.stdout)}
        self.assertEqual("cron(0 3 ? * MON#1 *)", printed["retrain-loan-offer-targeting"])
        self.assertEqual("cron(0 3 ? * SUN *)", printed["retrain-engagement-prediction"])


if __name__ == "__main__":
    unittest.main()
