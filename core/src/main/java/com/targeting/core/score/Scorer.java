package com.targeting.core.score;

import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

/** Adds score columns (probabilities, predictions, uplift, reason codes) to candidate rows. */
public interface Scorer {
  /** Names the scorer in the summary and in errors. */
  String id();

  /** The input rows with this scorer's columns added; never drops or duplicates a row. */
  Dataset<Row> score(Dataset<Row> rows);
}
