package com.targeting.jobs;

import static org.assertj.core.api.Assertions.assertThat;

import com.targeting.core.testing.TestSpark;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * With the tools jar on the classpath (as local.sh runs it), Main lists and runs the tools' jobs
 * exactly as when they were part of the job jar.
 */
class ToolJobsTest {
  private static String message(JobRun run) {
    return run.summary().get("error").get("message").asText();
  }

  @Test
  void theUsageListsTheToolsWhereTheyAlwaysWere() {
    JobRun help = JobRun.of(List.of("help"));

    assertThat(help.code()).isEqualTo(2);
    assertThat(message(help)).contains(String.join("\n",
        "  dynamodb-export --program P          re-export a run date's candidates to DynamoDB, no re-scoring",
        "  generate-sample-data --program P [--rows N] [--seed S] [--history-rows N] [--output DIR]",
        "  bench [--program P] [--rows 150000,1m,10m] [--repeats N] [--root DIR] [--output DIR] [--peer DIR]   time runs against "
            + "their floor (and the pandas peer's runs, investment-recommendations only)",
        "  bench-floor --program P              the floor alone: plain scan + plain model prediction of a run's rows",
        "  bench-shap [--rows N] [--trees T] [--depth D] [--features M] [--threads K]   exact SHAP: predictContrib vs TreeShap",
        "  daily-metrics                        the date's report of every program's runs, and CloudWatch EMF lines (stderr)"));
  }

  @Test
  void eachToolJobIsDispatchedByName() {
    String confDir = TestSpark.confDirectory().toString();

    // Each job's own argument check answers, before it starts Spark or a child process.
    JobRun generate = JobRun.of(List.of("generate-sample-data", "--program", "investment-recommendations", "--rows", "0",
        "--conf-dir", confDir));
    JobRun bench = JobRun.of(List.of("bench", "--repeats", "0"));

    assertThat(generate.code()).isEqualTo(2);
    assertThat(message(generate)).isEqualTo("--rows must be at least 1, was 0");
    assertThat(bench.code()).isEqualTo(2);
    assertThat(message(bench)).isEqualTo("--repeats must be at least 1, was 0");
    JobRun shap = JobRun.of(List.of("bench-shap", "--depth", "0"));
    assertThat(shap.code()).isEqualTo(2);
    assertThat(message(shap)).isEqualTo("bench-shap: --depth must be from 1 to 12, was 0");
    JobRun huge = JobRun.of(List.of("bench-shap", "--rows", "3000000000"));
    assertThat(huge.code()).isEqualTo(2);
    assertThat(message(huge)).isEqualTo("bench-shap: --rows must be from 1000 to 238609293, was 3000000000");
  }
}
