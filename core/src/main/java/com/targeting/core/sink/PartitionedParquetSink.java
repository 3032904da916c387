package com.targeting.core.sink;

import static java.util.Objects.requireNonNull;
import static org.apache.spark.sql.functions.lit;

import com.targeting.core.fs.HadoopFiles;
import com.targeting.core.program.Columns;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SaveMode;
import org.apache.spark.sql.SparkSession;

/**
 * A Parquet table partitioned by {@code program} and {@code dt}, the layout Athena's partition
 * projection reads. Writing replaces exactly the run's partition (dynamic partition overwrite);
 * other dates and programs are untouched, and an empty result clears the partition so that no
 * stale rows of an earlier attempt survive.
 */
public final class PartitionedParquetSink implements Sink {
  private final String name;
  private final String basePath;

  private PartitionedParquetSink(String name, String basePath) {
    this.name = requireNonNull(name, "name is null");
    this.basePath = requireNonNull(basePath, "basePath is null");
  }

  public static PartitionedParquetSink of(String name, String basePath) {
    return new PartitionedParquetSink(name, basePath);
  }

  @Override
  public String name() {
    return name;
  }

  public String basePath() {
    return basePath;
  }

  @Override
  public long write(Dataset<Row> rows, RunPartition partition) {
    SparkSession spark = rows.sparkSession();
    if (rows.isEmpty()) {
      // Dynamic overwrite replaces only partitions it writes: an empty result must clear the old one.
      deletePartition(spark, partition);
      return 0;
    }
    // Dynamic overwrite swaps the partition in at commit: until then the previous rows stay whole.
    rows.withColumn(Columns.PROGRAM, lit(partition.program()))
        .withColumn(Columns.RUN_DATE, lit(partition.runDate().toString()))
        .write()
        .mode(SaveMode.Overwrite)
        .option("partitionOverwriteMode", "dynamic")
        .partitionBy(Columns.PROGRAM, Columns.RUN_DATE)
        .parquet(basePath);
    return readBack(spark, partition);
  }

  /** Rows in the run's partition, from Parquet footers (no data scan). */
  private long readBack(SparkSession spark, RunPartition partition) {
    String path = partition.under(basePath);
    if (!HadoopFiles.exists(spark, path)) {
      return 0;
    }
    return spark.read().parquet(path).count();
  }

  private void deletePartition(SparkSession spark, RunPartition partition) {
    HadoopFiles.deleteRecursively(spark, partition.under(basePath));
  }
}
