package com.targeting.core.program;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Supplier;
import org.apache.spark.SparkContext;

/**
 * Times the steps of a recipe and labels them in the Spark UI (job group and description), so a
 * slow stage in the summary can be found in the UI under the same name.
 */
public final class StageTimer {
  private final SparkContext context;
  private final String runLabel;
  private final Map<String, Long> millis = new LinkedHashMap<>();

  public StageTimer(SparkContext context, String runLabel) {
    this.context = context;
    this.runLabel = runLabel;
  }

  public <T> T time(String stage, Supplier<T> step) {
    context.setJobGroup(runLabel + ":" + stage, runLabel + " " + stage, false);
    long start = System.nanoTime();
    try {
      return step.get();
    } finally {
      millis.merge(stage, (System.nanoTime() - start) / 1_000_000, Long::sum);
      context.clearJobGroup();
    }
  }

  public void time(String stage, Runnable step) {
    time(stage, () -> {
      step.run();
      return null;
    });
  }

  public Map<String, Long> millis() {
    return java.util.Collections.unmodifiableMap(new LinkedHashMap<>(millis));
  }
}
