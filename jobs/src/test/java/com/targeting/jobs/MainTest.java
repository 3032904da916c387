package com.targeting.jobs;

import static org.assertj.core.api.Assertions.assertThat;

import com.targeting.core.TargetingException;
import com.targeting.core.TargetingException.Category;
import java.io.IOException;
import org.apache.spark.SparkException;
import org.junit.jupiter.api.Test;

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
