package com.targeting.core.decide;

import static java.util.Objects.requireNonNull;

import com.targeting.core.sink.PartitionedTableSink;
import com.targeting.core.sink.RunPartition;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

/**
 * A decision that learns from each run's own rows before it decides: customer segments (K-Means),
 * anomaly scores (an isolation forest). The runner fits it on the rows the filters kept, read from
 * the run's classified cache, in a stage of its own ({@link #stage()}), before any model scores
 * them (so the fitting passes never score); the fitted decision then applies like any other, in
 * config order, and reports if it is a {@link com.targeting.core.report.SummarySection}.
 */
public interface LearnedDecision extends Decision {
  /** The run's stage name for the fit (its time in the summary's {@code stage_timings_ms}). */
  String stage();

  /**
   * This decision fitted on {@code kept}.
   *
   * @param kept the rows the filters kept, typed and derived (cached: a fit may read them several times)
   * @param run the run: its session, partition and the candidates table earlier runs published
   * @throws com.targeting.core.TargetingException a user error naming the config path of a column
   *     the rows lack or cannot use
   */
  Decision fit(Dataset<Row> kept, Run run);

  /** Unfitted, there is nothing to apply. */
  @Override
  default Dataset<Row> apply(Dataset<Row> scored) {
    throw new IllegalStateException("decision " + stage() + " applied before it was fitted on the run's rows");
  }

  /**
   * The run a decision learns in.
   *
   * @param spark the session
   * @param partition the run's program and date
   * @param key the program's customer key column, if it has one
   * @param candidates the program's candidates table: earlier runs' published rows (a segment's
   *     earlier members, for ids that stay stable week to week)
   */
  record Run(SparkSession spark, RunPartition partition, java.util.Optional<String> key, PartitionedTableSink candidates) {
    public Run {
      requireNonNull(spark, "spark is null");
      requireNonNull(partition, "partition is null");
      requireNonNull(key, "key is null");
      requireNonNull(candidates, "candidates is null");
    }
  }
}
