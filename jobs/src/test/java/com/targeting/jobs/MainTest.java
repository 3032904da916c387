package com.targeting.jobs;

import static org.assertj.core.api.Assertions.assertThat;

import com.targeting.core.TargetingException;
import com.targeting.core.TargetingException.Category;
import com.targeting.core.testing.TestSpark;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import org.apache.spark.SparkException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Exit codes tell an orchestrator whether to fix input (2), retry (3) or page someone (4). */
class MainTest {
  @Test
  void aRunDateOutsideTheWindowIsAUserErrorBeforeSparkStarts() {
    // Before: --run-date 9999-12-31 was accepted, and the run wrote a dt=9999-12-31 partition.
    JobRun run = JobRun.of(java.util.List.of("investment-recommendations", "--run-date", "9999-12-31",
        "--conf-dir", com.targeting.core.testing.TestSpark.confDirectory().toString()));

    assertThat(run.code()).isEqualTo(2);
    assertThat(run.summary().get("error").get("message").asText())
        .startsWith("Invalid --run-date 9999-12-31: outside the run window")
        .contains("run.max-days-ahead = 7").contains("run.max-days-back = 3650");
  }

  @Test
  void anOptionTheJobDoesNotTakeIsAUserErrorBeforeAnythingRuns() {
    // Before: --run-dat was kept as a job option nobody read, and the run went on for today.
    JobRun typo = JobRun.of(List.of("investment-recommendations", "--run-dat", "2026-11-20",
        "--conf-dir", TestSpark.confDirectory().toString()));
    assertThat(typo.code()).isEqualTo(2);
    assertThat(typo.summary().get("error").get("message").asText())
        .startsWith("Unknown option --run-dat for investment-recommendations: did you mean --run-date? (it takes --conf, "
            + "--conf-dir, --config, --env, --run-date, --run-id).");
    // A program's own run does not read --program: it would have run this program, not that one.
    JobRun otherProgram = JobRun.of(List.of("investment-recommendations", "--program", "loan-offer-targeting"));
    assertThat(otherProgram.code()).isEqualTo(2);
    assertThat(otherProgram.summary().get("error").get("message").asText())
        .startsWith("Unknown option --program for investment-recommendations");
    assertThat(JobArguments.knownOptions("run-program")).contains("program");
    // A job's own options come from its usage lines: score-model takes --input, not --model.
    assertThat(JobArguments.knownOptions("score-model")).contains("input", "output", "format").doesNotContain("model");
    assertThat(JobArguments.knownOptions("train-model")).contains("model", "config", "program");
    JobRun misplaced = JobRun.of(List.of("score-model", "--model", "m1"));
    assertThat(misplaced.code()).isEqualTo(2);
    assertThat(misplaced.summary().get("error").get("message").asText()).startsWith("Unknown option --model for score-model (it takes");
  }

  @Test
  void theJobJarAloneListsNoToolsAndReadsAToolNameAsAProgram() {
    // The tools module (generate-sample-data, bench, bench-floor) is not on the jobs module's classpath,
    // as it is not in the jar that ships to EMR.
    JobRun help = JobRun.of(List.of("help"));
    assertThat(help.code()).isEqualTo(2);
    assertThat(help.summary().get("error").get("message").asText())
        .contains("  dynamodb-export --program P          re-export a run date's candidates to DynamoDB, no re-scoring\n"
            + "  daily-metrics ")
        .doesNotContain("generate-sample-data").doesNotContain("bench");

    String confDir = TestSpark.confDirectory().toString();
    JobRun generate = JobRun.of(List.of("generate-sample-data", "--conf-dir", confDir));
    assertThat(generate.code()).isEqualTo(2);
    assertThat(generate.summary().get("error").get("message").asText())
        .isEqualTo("Config file not found: " + confDir + "/programs/generate-sample-data.conf");
  }

  @Test
  void withoutTheToolsTheLocalBootstrapNamesTheMissingExtract(@TempDir Path root) {
    JobRun run = JobRun.of(List.of("investment-recommendations", "--run-date", "2026-11-20",
        "--conf-dir", TestSpark.confDirectory().toString(), "--conf", "paths.root=\"" + root + "\""));

    assertThat(run.code()).isEqualTo(2);
    assertThat(run.summary().get("error").get("message").asText()).isEqualTo("No extract at " + root
        + "/data/investment-recommendations/customer_investment_profiles for program investment-recommendations, and no "
        + "sample data generator to make one (bootstrap.enabled): the generators are in the tools module (targeting-tools), "
        + "which scripts/spark-submit/local.sh puts beside the job jar");
  }

  @Test
  void failuresAreCategorizedByTheirCause() {
    assertThat(Main.categorize(TargetingException.userError("bad config"))).isEqualTo(Category.USER_ERROR);
    assertThat(Main.categorize(new SparkException("job aborted", new IOException("connection reset")))).isEqualTo(Category.EXTERNAL);
    assertThat(Main.categorize(new IllegalStateException("bug"))).isEqualTo(Category.INTERNAL);
    assertThat(Main.categorize(new RuntimeException(TargetingException.external(null, "s3 down")))).isEqualTo(Category.EXTERNAL);
    assertThat(Category.USER_ERROR.exitCode()).isEqualTo(2);
    assertThat(Category.EXTERNAL.exitCode()).isEqualTo(3);
    assertThat(Category.INTERNAL.exitCode()).isEqualTo(4);
  }
}
