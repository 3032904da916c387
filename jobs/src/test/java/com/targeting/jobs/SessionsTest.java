package com.targeting.jobs;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Optional;
import org.junit.jupiter.api.Test;

class SessionsTest {
  @Test
  void aJvmThatLeavesHugeMethodsInterpretedIsToldOfTheFlag() {
    assertThat(Sessions.hugeMethodWarning(Optional.of("true"))).hasValueSatisfying(warning -> assertThat(warning)
        .contains("-XX:-DontCompileHugeMethods", "spark.driver.extraJavaOptions", "spark.executor.extraJavaOptions"));
  }

  @Test
  void aJvmThatCompilesThemOrHasNoSuchOptionIsNotWarned() {
    assertThat(Sessions.hugeMethodWarning(Optional.of("false"))).isEmpty();
    assertThat(Sessions.hugeMethodWarning(Optional.empty())).isEmpty();
  }
}
