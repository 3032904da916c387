package com.targeting.core.model;

import java.util.List;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

/**
 * A feature a program adds to its rows at run time from a table beside the extract (the per-customer
 * sentiment of recent messages, {@link com.targeting.core.text.TextFeature}), added to a model's
 * labeled rows the same way when the model is trained, so that the model learns the feature it will
 * be given. Each labeled row gets the value as of its own date (the day it was observed), never
 * from what happened after it.
 */
public interface TrainingEnrichment {
  /** Names the enrichment in errors and summaries. */
  String id();

  /** The columns it adds. */
  List<String> outputs();

  /**
   * {@code rows} with {@link #outputs} added; one row out for each row in.
   *
   * @param rowsName the source of the rows (a path), for errors
   * @throws com.targeting.core.TargetingException a user error when the rows lack the key or date
   *     column it needs, or its table or model cannot be read
   */
  Dataset<Row> enrich(SparkSession spark, Dataset<Row> rows, String rowsName);

  /**
   * What the last {@link #enrich} used (a text model's id and version), saved with the trained
   * model's metadata ({@code training_enrichments}); empty before any.
   */
  java.util.Map<String, Object> lineage();
}
