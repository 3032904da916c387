package com.targeting.core.decide;

import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

/** Program logic that is not a model (bands, allocations, top-N, channels): adds columns. */
public interface Decision {
  Dataset<Row> apply(Dataset<Row> scored);
}
