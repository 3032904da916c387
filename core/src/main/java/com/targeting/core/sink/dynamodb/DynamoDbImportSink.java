package com.targeting.core.sink.dynamodb;

import static java.util.Objects.requireNonNull;

import com.targeting.core.fs.HadoopFiles;
import com.targeting.core.sink.RunPartition;
import com.targeting.core.sink.Sink;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SaveMode;

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
    Dataset<Row> unique = layout.uniqueItems(candidates, partition).persist(org.apache.spark.storage.StorageLevel.MEMORY_AND_DISK());
    try {
      return writeItems(unique, candidates, partition, path);
    } finally {
      unique.unpersist();
    }
  }

  private long writeItems(Dataset<Row> unique, Dataset<Row> candidates, RunPartition partition, String path) {
    DynamoDbItemLayout.requireSizes(unique);
    Dataset<Row> items = unique.select("item");
    // Written beside the run's prefix and swapped in once complete: a failed write leaves the
    // previous export of this run date whole.
    String staging = partition.stagingUnder(basePath);
    HadoopFiles.deleteRecursively(candidates.sparkSession(), staging);
    items.write().mode(SaveMode.Overwrite).option("compression", "gzip").text(staging);
    HadoopFiles.replace(candidates.sparkSession(), staging, path);
    long written = candidates.sparkSession().read().text(path).count();
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
