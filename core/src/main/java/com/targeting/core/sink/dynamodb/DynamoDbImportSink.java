package com.targeting.core.sink.dynamodb;

import static java.util.Objects.requireNonNull;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.max;
import static org.apache.spark.sql.functions.octet_length;

import com.targeting.core.Observations;
import com.targeting.core.fs.HadoopFiles;
import com.targeting.core.sink.RunPartition;
import com.targeting.core.sink.Sink;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SaveMode;
import org.apache.spark.sql.SparkSession;

/**
 * Candidates as DynamoDB Import-from-S3 input: gzip files of DynamoDB JSON, one item per line,
 * under a prefix per run ({@code program=<id>/dt=<date>/}), for the nightly full-refresh pattern
 * (import into {@code <table>-<run-date>}, then move the serving pointer).
 */
public final class DynamoDbImportSink implements DynamoDbSink {
  /** What the optional ImportTable step needs: the call's settings, the table's shape. */
  public record TableImport(ImportTable importTable, DynamoDbSettings settings, TableDefinition definition) {
    public TableImport {
      requireNonNull(importTable, "importTable is null");
      requireNonNull(settings, "settings is null");
      requireNonNull(definition, "definition is null");
    }
  }

  private final String basePath;
  private final DynamoDbItemLayout layout;
  private final Optional<TableImport> tableImport;
  private final Map<String, Object> report = new LinkedHashMap<>();

  public DynamoDbImportSink(String basePath, DynamoDbItemLayout layout) {
    this(basePath, layout, Optional.empty());
  }

  public DynamoDbImportSink(String basePath, DynamoDbItemLayout layout, Optional<TableImport> tableImport) {
    this.basePath = requireNonNull(basePath, "basePath is null");
    this.layout = requireNonNull(layout, "layout is null");
    this.tableImport = requireNonNull(tableImport, "tableImport is null");
  }

  public String basePath() {
    return basePath;
  }

  @Override
  public DynamoDbItemLayout layout() {
    return layout;
  }

  @Override
  public String name() {
    return "dynamodb";
  }

  @Override
  public long write(Dataset<Row> candidates, RunPartition partition) {
    layout.requireKeys(candidates);
    String path = partition.under(basePath);
    SparkSession spark = candidates.sparkSession();
    // Written beside the run's prefix and swapped in once complete: a failed write, or an item
    // found too large for DynamoDB, leaves the previous export of this run date whole. The items
    // are built once, by the write itself; the longest item text is observed on the way, and only
    // if it is over DynamoDB's limit are the items measured exactly (which then names the item).
    String staging = partition.stagingUnder(basePath);
    HadoopFiles.deleteRecursively(spark, staging);
    Dataset<Row> unique = layout.uniqueItems(candidates, partition);
    Observations.Observed observed = Observations.observe(unique, "dynamodb_items", max(octet_length(col("item"))).as("longest"),
        org.apache.spark.sql.functions.count(org.apache.spark.sql.functions.lit(1)).as("items"));
    observed.dataset()
        .select("item")
        .write().mode(SaveMode.Overwrite).option("compression", FastGzipCodec.class.getName()).text(staging);
    Map<String, Object> figures = observed.await("the DynamoDB export's item sizes", () -> null);
    Object longestText = figures != null ? figures.get("longest") : unique.agg(max(octet_length(col("item")))).first().get(0);
    if (longestText != null && ((Number) longestText).longValue() > DynamoDbItems.MAX_ITEM_BYTES) {
      try {
        DynamoDbItemLayout.requireSizes(unique);
      } catch (RuntimeException e) {
        HadoopFiles.deleteRecursively(spark, staging);
        throw e;
      }
    }
    HadoopFiles.replace(spark, staging, path);
    // The items the write itself counted (one line each); read back only when its figures did not arrive.
    long written = figures != null ? ((Number) figures.get("items")).longValue() : spark.read().text(path).count();
    report.put("mode", "import");
    report.put("path", path);
    report.put("items", written);
    tableImport.ifPresent(step -> report.put("import_table", step.importTable().run(step.settings(), step.definition(),
        layout.ttlAttribute(), partition.program(), partition.runDate().toString(), path, written)));
    return written;
  }

  @Override
  public Map<String, Object> report() {
    return java.util.Collections.unmodifiableMap(report);
  }
}
