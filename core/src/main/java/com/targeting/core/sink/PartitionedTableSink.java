package com.targeting.core.sink;

import static java.util.Objects.requireNonNull;
import static org.apache.spark.sql.functions.lit;

import com.targeting.core.TargetingException;
import com.targeting.core.fs.HadoopFiles;
import com.targeting.core.Columns;
import java.util.List;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SaveMode;
import org.apache.spark.sql.SparkSession;

/**
 * A table partitioned by {@code program} and {@code dt}, in Delta Lake (the default) or plain
 * Parquet. Writing replaces exactly the run's partition; other dates and programs are untouched,
 * and an empty result clears the partition so that no stale rows of an earlier attempt survive.
 *
 * <p>A write has two halves, so that a run can prepare all its tables before it publishes any:
 * {@link #prepare} writes the data, {@link #publish} makes it visible. Delta replaces the partition
 * in one atomic commit that only lists files already written: a reader (Athena, Trino, Spark) sees
 * the old rows or the new ones, never a mix and never none, and a writer that dies before its
 * commit leaves the old rows as they were. Programs share a table although their
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

  /** Prepares and publishes at once: for a table written on its own, outside a run's journal. */
  @Override
  public long write(Dataset<Row> rows, RunPartition partition) {
    Prepared prepared = prepare(rows, partition);
    publish(rows.sparkSession(), prepared, 1);
    return rowsOf(rows.sparkSession(), partition);
  }

  /**
   * The run's rows of this table, written but not yet visible to any reader: the expensive half
   * of a write. {@link #publish} then makes them the partition's rows in one atomic metadata step;
   * {@link #discard} deletes them. Between the two the table reads exactly as before.
   *
   * <p>Delta: a new table, or columns the table lacks, are first committed as schema only (no
   * rows: readers see nothing new); then the rows are written as data files in the table's folder
   * that no commit lists yet (Delta's {@code OptimisticTransaction.writeFiles}, as its own
   * {@code replaceWhere} writer does before committing). Parquet: the rows are written to the
   * staging folder beside the table ({@link RunPartition#stagingUnder}).
   *
   * @throws TargetingException a user error when the table exists in the other format, or holds a
   *     column of the same name with another type (naming the column)
   */
  public Prepared prepare(Dataset<Row> rows, RunPartition partition) {
    SparkSession spark = rows.sparkSession();
    requireFormatOfExistingTable(spark);
    if (format == Format.DELTA) {
      return DeltaPublishing.prepare(this, rows.withColumn(Columns.PROGRAM, lit(partition.program()))
          .withColumn(Columns.RUN_DATE, lit(partition.runDate().toString())), partition);
    }
    // Parquet: the run's rows are written beside the partition and swapped in once complete,
    // which works with every committer (the S3A magic committer cannot overwrite dynamically)
    // and leaves the previous rows whole if the write fails. Files hold no partition columns:
    // readers take program and dt from the path, as Athena's partition projection does.
    String staging = partition.stagingUnder(basePath);
    HadoopFiles.deleteRecursively(spark, staging);
    rows.write().mode(SaveMode.Overwrite).parquet(staging);
    long count = HadoopFiles.exists(spark, staging) ? spark.read().parquet(staging).count() : 0;
    return new Prepared(name, format, basePath, partition.program(), partition.runDate().toString(),
        staging, 0L, List.of(), count);
  }

  /**
   * Makes prepared rows the partition's rows. Idempotent: publishing what is already published
   * changes nothing, so a run that finds an unfinished publish in its journal can complete it.
   *
   * <p>Delta: one commit that adds the prepared files and removes the partition's current ones,
   * with a {@code SetTransaction} (application id per table and partition, version from the
   * preparation) by which a later publish sees that this one committed. A concurrent commit that
   * conflicts (Delta's optimistic concurrency) is retried with the table's new state up to
   * {@code maxAttempts} times, then reported as an outside failure (exit 3, retry the run).
   * Parquet: the staging folder replaces the partition by a delete and a rename.
   */
  public static void publish(SparkSession spark, Prepared prepared, int maxAttempts) {
    if (prepared.format() == Format.DELTA) {
      DeltaPublishing.publish(spark, prepared, maxAttempts);
      return;
    }
    String target = new RunPartition(prepared.program(), java.time.LocalDate.parse(prepared.runDate())).under(prepared.basePath());
    if (!HadoopFiles.exists(spark, prepared.staging())) {
      return; // the rename of an earlier publish went through (Spark writes the folder even for no rows)
    }
    HadoopFiles.replace(spark, prepared.staging(), target);
  }

  /** Deletes prepared rows that were never published; published ones are left alone. */
  public static void discard(SparkSession spark, Prepared prepared) {
    if (prepared.format() == Format.DELTA) {
      DeltaPublishing.discard(spark, prepared);
    } else {
      HadoopFiles.deleteRecursively(spark, prepared.staging());
    }
  }

  /** The rows the table holds for the run, counted by the store. */
  public long rowsOf(SparkSession spark, RunPartition partition) {
    if (format == Format.DELTA) {
      return HadoopFiles.exists(spark, basePath + "/_delta_log")
          ? spark.read().format("delta").load(basePath).where(runPredicate(partition)).count() : 0;
    }
    return readBack(spark, partition);
  }

  /**
   * Rows of one table and run date, written and not yet published: what a run journal records
   * (as JSON) between preparing and publishing.
   *
   * @param staging Parquet: the staging folder
   * @param version Delta: the SetTransaction version of this preparation (epoch milliseconds)
   * @param files Delta: the prepared files, as Delta AddFile actions in the log's JSON
   * @param rows rows prepared (Delta: from the files' statistics; -1 where they lack a count)
   */
  public record Prepared(String table, Format format, String basePath, String program, String runDate,
      String staging, long version, List<String> files, long rows) {
    public Prepared {
      requireNonNull(table, "table is null");
      requireNonNull(format, "format is null");
      requireNonNull(basePath, "basePath is null");
      requireNonNull(program, "program is null");
      requireNonNull(runDate, "runDate is null");
      requireNonNull(staging, "staging is null");
      files = List.copyOf(files);
    }
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

  /**
   * The latest run date before {@code before} for which the table holds rows of {@code program}
   * (a rerun or a backfill looks at the dates before its own); empty when there is none, or no table.
   */
  public java.util.Optional<java.time.LocalDate> latestRunBefore(SparkSession spark, String program, java.time.LocalDate before) {
    if (format == Format.DELTA) {
      if (!HadoopFiles.exists(spark, basePath + "/_delta_log")) {
        return java.util.Optional.empty();
      }
      Row latest = spark.read().format("delta").load(basePath)
          .where(org.apache.spark.sql.functions.col(Columns.PROGRAM).equalTo(program)
              .and(org.apache.spark.sql.functions.col(Columns.RUN_DATE).lt(lit(before.toString()).cast("date"))))
          .agg(org.apache.spark.sql.functions.max(Columns.RUN_DATE).cast("string")).first();
      return latest.isNullAt(0) ? java.util.Optional.empty() : java.util.Optional.of(java.time.LocalDate.parse(latest.getString(0)));
    }
    String programDirectory = new RunPartition(program, before).under(basePath);
    programDirectory = programDirectory.substring(0, programDirectory.lastIndexOf('/'));
    return HadoopFiles.globDirectories(spark, programDirectory + "/" + Columns.RUN_DATE + "=*").stream()
        .map(listed -> listed.name().substring(Columns.RUN_DATE.length() + 1))
        .flatMap(date -> {
          try {
            return java.util.stream.Stream.of(java.time.LocalDate.parse(date));
          } catch (java.time.format.DateTimeParseException e) {
            return java.util.stream.Stream.empty();
          }
        })
        .filter(date -> date.isBefore(before))
        .max(java.util.Comparator.naturalOrder());
  }

  /** Whether the table holds a partition for the run (possibly empty). */
  public boolean exists(SparkSession spark, RunPartition partition) {
    if (format == Format.DELTA) {
      return HadoopFiles.exists(spark, basePath + "/_delta_log") && !read(spark, partition).isEmpty();
    }
    return HadoopFiles.exists(spark, partition.under(basePath));
  }

  static String runPredicate(RunPartition partition) {
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
