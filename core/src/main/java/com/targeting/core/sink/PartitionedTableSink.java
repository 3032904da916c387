package com.targeting.core.sink;

import static java.util.Objects.requireNonNull;
import static org.apache.spark.sql.functions.lit;

import com.targeting.core.TargetingException;
import com.targeting.core.fs.HadoopFiles;
import com.targeting.core.program.Columns;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SaveMode;
import org.apache.spark.sql.SparkSession;

/**
 * A table partitioned by {@code program} and {@code dt}, in Delta Lake (the default) or plain
 * Parquet. Writing replaces exactly the run's partition; other dates and programs are untouched,
 * and an empty result clears the partition so that no stale rows of an earlier attempt survive.
 *
 * <p>Delta replaces the partition in one atomic commit ({@code replaceWhere}): a reader (Athena,
 * Trino, Spark) sees the old rows or the new ones, never a mix and never none, and a writer that
 * dies before its commit leaves the old rows as they were. Programs share a table although their
 * columns differ: a program's new columns are added to the table's schema ({@code mergeSchema});
 * a column another program wrote with another type fails the write, naming the column.
 *
 * <p>Parquet writes the partition beside the table and swaps it in by a delete and a rename. On
 * HDFS or a local disk the rename is atomic; on S3 it is a copy of every object, during which
 * readers see the date empty or half there, and a failure in between loses the old rows.
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
    requireFormatOfExistingTable(spark);
    if (format == Format.DELTA) {
      String run = runPredicate(partition);
      rows.withColumn(Columns.PROGRAM, lit(partition.program()))
          .withColumn(Columns.RUN_DATE, lit(partition.runDate().toString()))
          .write()
          .format("delta")
          .mode(SaveMode.Overwrite)
          .option("replaceWhere", run)
          .option("mergeSchema", "true")
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

  /**
   * A table is one format for good: Parquet written into a Delta table's folder would delete files
   * the Delta log still lists (every reader of the table then fails), and a Delta log started in a
   * Parquet table's folder would leave the old files for Parquet readers beside the new ones.
   */
  private void requireFormatOfExistingTable(SparkSession spark) {
    boolean delta = HadoopFiles.exists(spark, basePath + "/_delta_log");
    if (format == Format.PARQUET && delta) {
      throw TargetingException.userError("Cannot write %s as Parquet: %s is a Delta table (program.outputs.format = parquet); "
          + "write it as delta, or give the Parquet table a path of its own", name, basePath);
    }
    if (format == Format.DELTA && !delta && HadoopFiles.hasChildren(spark, basePath)) {
      throw TargetingException.userError("Cannot write %s as Delta: %s holds files but no Delta log (a Parquet table?); "
          + "write it as parquet (program.outputs.format), or give the Delta table a path of its own", name, basePath);
    }
  }

  /** The rows a run wrote, without the partition columns ({@code program}, {@code dt}): empty if none. */
  public Dataset<Row> read(SparkSession spark, RunPartition partition) {
    if (format == Format.DELTA) {
      return spark.read().format("delta").load(basePath).where(runPredicate(partition)).drop(Columns.PROGRAM, Columns.RUN_DATE);
    }
    return spark.read().parquet(partition.under(basePath));
  }

  /** Whether the table holds a partition for the run (possibly empty). */
  public boolean exists(SparkSession spark, RunPartition partition) {
    if (format == Format.DELTA) {
      return HadoopFiles.exists(spark, basePath + "/_delta_log") && !read(spark, partition).isEmpty();
    }
    return HadoopFiles.exists(spark, partition.under(basePath));
  }

  private static String runPredicate(RunPartition partition) {
    return Columns.PROGRAM + " = '" + partition.program() + "' AND " + Columns.RUN_DATE + " = '" + partition.runDate() + "'";
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
