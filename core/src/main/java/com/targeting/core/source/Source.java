package com.targeting.core.source;

import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

/** Where a program's rows come from: a warehouse extract, a file set, a lookup table. */
public interface Source {
  /** A short description for messages and the summary; never includes credentials. */
  String describe();

  /** The rows, lazily: reading the schema may touch the store, scanning waits for an action. */
  Dataset<Row> read(SparkSession spark);
}
