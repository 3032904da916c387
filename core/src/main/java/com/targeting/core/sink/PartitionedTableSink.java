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
 * A table partitioned by {@code program} and {@code dt}, the layout Athena's partition projection
 * reads, in Parquet or Delta Lake. Writing replaces exactly the run's partition; other dates and
 * programs are untouched, and an empty result clears the partition so that no stale rows of an
 * earlier attempt survive. Parquet replaces it by a swap of directories; Delta by one atomic
 * commit ({@code replaceWhere}), so readers see the old rows or the new ones, never a mix.
 */
public final class PartitionedTableSink implements Sink {
  /** Table formats a sink writes. */
  public enum Format {
    PARQUET,
    DELTA
  }

  private final String name;
  private final String basePath;
  private final Format format;

  private PartitionedTableSink(String name, String basePath, Format format) {
    this.name = requireNonNull(name, "name is null");
    this.basePath = requireNonNull(basePath, "basePath is null");
    this.format = requireNonNull(format, "format is null");
  }

  public static PartitionedTableSink of(String name, String basePath) {
    return new PartitionedTableSink(name, basePath, Format.PARQUET);
  }

  public static PartitionedTableSink of(String name, String basePath, Format format) {
    return new PartitionedTableSink(name, basePath, format);
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
    if (format == Format.DELTA) {
      String run = Columns.PROGRAM + " = '" + partition.program() + "' AND " + Columns.RUN_DATE + " = '" + partition.runDate() + "'";
      rows.withColumn(Columns.PROGRAM, lit(partition.program()))
          .withColumn(Columns.RUN_DATE, lit(partition.runDate().toString()))
          .write()
          .format("delta")
          .mode(SaveMode.Overwrite)
          .option("replaceWhere", run)
          .partitionBy(Columns.PROGRAM, Columns.RUN_DATE)
          .save(basePath);
      return spark.read().format("delta").load(basePath).where(run).count();
    }
    // Parquet: the run's rows are written beside the partition and swapped in once complete,
    // which works with every committer (the S3A magic committer cannot overwrite dynamically)
    // and leaves the previous rows whole if the write fails. Files hold no partition columns:
    // readers take program and dt from the path, as Athena's partition projection does.
    String target = partition.under(basePath);
    String staging = partition.stagingUnder(basePath);
    HadoopFiles.deleteRecursively(spark, staging);
    rows.write().mode(SaveMode.Overwrite).parquet(staging);
    HadoopFiles.replace(spark, staging, target);
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

}
