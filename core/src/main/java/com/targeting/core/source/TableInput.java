package com.targeting.core.source;

import static java.util.Objects.requireNonNull;

import com.targeting.core.TargetingException;
import com.targeting.core.config.ConfigNode;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

/**
 * A table a decision reads beside the extract (an interventions log, interactions, known
 * anomalies): {@code path}, {@code format} (csv by default) and reader {@code options}.
 *
 * @param path where the table is
 * @param format a Spark data source: csv, parquet, json, delta
 * @param options reader options (csv: header, ...)
 */
public record TableInput(String path, String format, Map<String, String> options) {
  public TableInput {
    requireNonNull(path, "path is null");
    requireNonNull(format, "format is null");
    options = Map.copyOf(options);
  }

  /** {@code path}, {@code format} and {@code options} of a config block. */
  public static TableInput from(ConfigNode node) {
    return new TableInput(node.string("path"), node.string("format", "csv"), node.has("options") ? node.stringMap("options") : Map.of());
  }

  /** "csv s3://...": the table in messages. */
  public String describe() {
    return format + " " + path;
  }

  /**
   * The table, checked for {@code columns}.
   *
   * @param where the config path of the block, for messages
   * @throws TargetingException a user error naming {@code where} and the table when it cannot be
   *     read or lacks a column
   */
  public Dataset<Row> read(SparkSession spark, String where, List<String> columns) {
    Dataset<Row> table;
    try {
      table = spark.read().format(format).options(options).load(path);
    } catch (Exception e) { // Spark's AnalysisException ("Path does not exist") is checked in Java's eyes
      throw TargetingException.userError("%s: cannot read %s: %s", where, describe(), e.getMessage());
    }
    for (String column : columns) {
      if (!Arrays.asList(table.columns()).contains(column)) {
        throw TargetingException.userError("%s: %s has no column %s (columns: %s)", where, describe(), column,
            Arrays.toString(table.columns()));
      }
    }
    return table;
  }
}
