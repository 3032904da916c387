package com.targeting.core.program;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Supplier;
import org.apache.spark.SparkContext;

/**
 * Times the steps of a recipe, logs when each starts and ends, and labels them in the Spark UI
 * (job group and description), so a slow stage in the summary can be found in the log and the UI
 * under the same name. A stage run twice (a retry, two halves) adds up.
 */
public final class StageTimer {
  private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(StageTimer.class);

  private final SparkContext context;
  private final String runLabel;
  private final Map<String, Long> millis = new LinkedHashMap<>();

  public StageTimer(SparkContext context, String runLabel) {
    this.context = context;
    this.runLabel = runLabel;
  }

  /** Runs {@code step} as {@code stage}: labelled in the Spark UI, timed, its start and end logged. */
  public <T> T time(String stage, Supplier<T> step) {
    return time(stage, step, result -> null);
  }

  /**
   * Runs {@code step} as {@code stage}, and logs with its end what {@code outcome} says of its
   * result (rows in and out).
   */
  public <T> T time(String stage, Supplier<T> step, java.util.function.Function<T, String> outcome) {
    context.setJobGroup(runLabel + ":" + stage, runLabel + " " + stage, false);
    LOG.info("{}: stage {} started", runLabel, stage);
    long start = System.nanoTime();
    boolean ended = false;
    try {
      T result = step.get();
      ended = true;
      long took = (System.nanoTime() - start) / 1_000_000;
      String said = outcome.apply(result);
      LOG.info("{}: stage {} ended in {} s{}", runLabel, stage, String.format(java.util.Locale.ROOT, "%.1f", took / 1000.0),
          said == null ? "" : ": " + said);
      return result;
    } finally {
      long took = (System.nanoTime() - start) / 1_000_000;
      millis.merge(stage, took, Long::sum);
      context.clearJobGroup();
      if (!ended) {
        LOG.info("{}: stage {} failed after {} s", runLabel, stage, String.format(java.util.Locale.ROOT, "%.1f", took / 1000.0));
      }
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
