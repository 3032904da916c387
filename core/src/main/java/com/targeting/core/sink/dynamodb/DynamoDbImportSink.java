package com.targeting.core.sink.dynamodb;

import static java.util.Objects.requireNonNull;

import com.targeting.core.fs.HadoopFiles;
import com.targeting.core.sink.RunPartition;
import com.targeting.core.sink.Sink;
import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SaveMode;

/**
 * Candidates as DynamoDB Import-from-S3 input: gzip files of DynamoDB JSON, one item per line,
 * under a prefix per run ({@code program=<id>/dt=<date>/}), for the nightly full-refresh pattern
 * (import into {@code <table>-<run-date>}, then move the serving pointer).
 */
public record DynamoDbImportSink(String basePath, DynamoDbItemLayout layout) implements DynamoDbSink {

  public DynamoDbImportSink {
    requireNonNull(basePath, "basePath is null");
    requireNonNull(layout, "layout is null");
  }

  @Override
  public String name() {
    return "dynamodb";
  }

  @Override
  public long write(Dataset<Row> candidates, RunPartition partition) {
    layout.requireKeys(candidates);
    String path = partition.under(basePath);
    Dataset<Row> items = layout.items(candidates, partition).select("item");
    // Written beside the run's prefix and swapped in once complete: a failed write leaves the
    // previous export of this run date whole.
    String staging = path + ".staging";
    HadoopFiles.deleteRecursively(candidates.sparkSession(), staging);
    items.write().mode(SaveMode.Overwrite).option("compression", "gzip").text(staging);
    HadoopFiles.replace(candidates.sparkSession(), staging, path);
    return candidates.sparkSession().read().text(path).count();
  }

  @Override
  public Map<String, Object> report() {
    Map<String, Object> report = new LinkedHashMap<>();
    report.put("mode", "import");
    report.put("path", basePath);
    return report;
  }
}
