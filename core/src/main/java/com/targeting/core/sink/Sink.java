package com.targeting.core.sink;

import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

/** Where a run's rows go. Writing the same run twice must leave the same result as writing it once. */
public interface Sink {
  /** Names the sink in the summary ({@code written.<name>}). */
  String name();

  /**
   * Replaces this run's output with {@code rows} and returns the number of rows the store now
   * holds for this run, read back from the store rather than assumed.
   */
  long write(Dataset<Row> rows, RunPartition partition);
}
