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
