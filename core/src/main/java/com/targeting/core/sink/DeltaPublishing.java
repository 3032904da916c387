package com.targeting.core.sink;

import com.targeting.core.TargetingException;
import com.targeting.core.Columns;
import com.targeting.core.sink.PartitionedTableSink.Format;
import com.targeting.core.sink.PartitionedTableSink.Prepared;
import io.delta.tables.DeltaTable;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SaveMode;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.delta.DeltaLog;
import org.apache.spark.sql.delta.DeltaOperations;
import org.apache.spark.sql.delta.OptimisticTransaction;
import org.apache.spark.sql.delta.actions.Action;
import org.apache.spark.sql.delta.actions.Action$;
import org.apache.spark.sql.delta.actions.AddFile;
import org.apache.spark.sql.delta.actions.FileAction;
import org.apache.spark.sql.delta.actions.SetTransaction;
import org.apache.spark.sql.delta.util.DeltaFileOperations;
import org.apache.spark.sql.types.StructField;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import scala.Option;
import scala.collection.JavaConverters;
import scala.collection.Seq;

/**
 * A Delta table's partition replaced in two halves, through Delta's transaction API: the files
 * written first ({@code OptimisticTransaction.writeFiles}, which lists nothing in the log), the
 * commit that swaps them in later, and idempotently ({@code SetTransaction}, as Delta's own
 * idempotent writes, {@code txnAppId} / {@code txnVersion}, record it). This is how Delta's
 * {@code replaceWhere} writer works inside, split at the point where a run can hold its tables'
 * files until all are written.
 */
final class DeltaPublishing {
  private static final Logger LOG = LoggerFactory.getLogger(DeltaPublishing.class);

  private DeltaPublishing() {}

  static Prepared prepare(PartitionedTableSink sink, Dataset<Row> rows, RunPartition partition) {
    SparkSession spark = rows.sparkSession();
    String basePath = sink.basePath();
    evolveSchema(sink.name(), basePath, rows);
    DeltaLog log = DeltaLog.forTable(spark, basePath);
    OptimisticTransaction txn = log.startTransaction();
    // Newer than any publish of this partition so far, whatever the clocks of earlier drivers said.
    long version = Math.max(System.currentTimeMillis(), txn.txnVersion(appId(partition.program(), partition.runDate().toString())) + 1);
    List<String> files = new ArrayList<>();
    long count = 0;
    boolean counted = true;
    for (FileAction action : JavaConverters.seqAsJavaList(txn.writeFiles(rows))) {
      if (action instanceof AddFile add) {
        files.add(add.json());
        Option<Object> records = add.numLogicalRecords();
        if (records.isDefined()) {
          count += ((Number) records.get()).longValue();
        } else {
          counted = false;
        }
      }
    }
    return new Prepared(sink.name(), Format.DELTA, basePath, partition.program(), partition.runDate().toString(),
        "", version, files, counted ? count : -1);
  }

  static void publish(SparkSession spark, Prepared prepared, int maxAttempts) {
    String appId = appId(prepared.program(), prepared.runDate());
    for (int attempt = 1; ; attempt++) {
      OptimisticTransaction txn = DeltaLog.forTable(spark, prepared.basePath()).startTransaction();
      if (txn.txnVersion(appId) >= prepared.version()) {
        LOG.info("{}: {} was published before", prepared.table(), appId);
        return;
      }
      List<Action> actions = new ArrayList<>();
      for (String file : prepared.files()) {
        actions.add(Action$.MODULE$.fromJson(file));
      }
      for (AddFile current : JavaConverters.seqAsJavaList(txn.filterFiles(partitionValues(prepared)))) {
        actions.add(current.remove());
      }
      actions.add(new SetTransaction(appId, prepared.version(), Option.apply(System.currentTimeMillis())));
      String predicate = PartitionedTableSink.runPredicate(
          new RunPartition(prepared.program(), java.time.LocalDate.parse(prepared.runDate())));
      try {
        long committed = txn.commit(seq(actions), new DeltaOperations.Write(SaveMode.Overwrite,
            Option.apply(seq(List.of(Columns.PROGRAM, Columns.RUN_DATE))), Option.apply(predicate), Option.empty()));
        LOG.info("{}: published {} ({} files) as version {}", prepared.table(), appId, prepared.files().size(), committed);
        return;
      } catch (java.util.ConcurrentModificationException conflict) {
        // Delta's optimistic concurrency: another writer committed something this commit conflicts
        // with (another program's schema change, a concurrent writer of the date). The files stay
        // valid; the removes are read again from the new state.
        if (attempt >= maxAttempts) {
          throw TargetingException.external(conflict, "Cannot publish %s for %s: %d commits conflicted with concurrent writers "
              + "of %s; the run's files are kept for a retry. Last conflict: %s", prepared.table(), appId, attempt,
              prepared.basePath(), TargetingException.firstLine(conflict.getMessage()));
        }
        LOG.warn("{}: commit conflicted with a concurrent writer ({}), attempt {} of {}", prepared.table(),
            TargetingException.firstLine(conflict.getMessage()), attempt, maxAttempts);
      }
    }
  }

  static void discard(SparkSession spark, Prepared prepared) {
    if (!DeltaTable.isDeltaTable(spark, prepared.basePath())) {
      return;
    }
    OptimisticTransaction txn = DeltaLog.forTable(spark, prepared.basePath()).startTransaction();
    if (txn.txnVersion(appId(prepared.program(), prepared.runDate())) >= prepared.version()) {
      return; // published: the files are the table's
    }
    for (String file : prepared.files()) {
      AddFile add = (AddFile) Action$.MODULE$.fromJson(file);
      Path path = DeltaFileOperations.absolutePath(prepared.basePath(), add.path());
      try {
        FileSystem fs = path.getFileSystem(spark.sparkContext().hadoopConfiguration());
        fs.delete(path, false);
      } catch (IOException e) {
        throw TargetingException.external(e, "Cannot delete the unpublished file %s: %s", path, e.getMessage());
      }
    }
  }

  /** Whether a preparation was published (its commit is in the table's log). */
  static boolean published(SparkSession spark, Prepared prepared) {
    return DeltaTable.isDeltaTable(spark, prepared.basePath())
        && DeltaLog.forTable(spark, prepared.basePath()).startTransaction()
            .txnVersion(appId(prepared.program(), prepared.runDate())) >= prepared.version();
  }

  /**
   * Creates the table, or adds the columns it lacks, in a commit of schema only (no rows: readers
   * see nothing new), through Delta's own schema merging. A column the table holds with another
   * type is refused, naming it.
   */
  private static void evolveSchema(String name, String basePath, Dataset<Row> rows) {
    SparkSession spark = rows.sparkSession();
    boolean exists = DeltaTable.isDeltaTable(spark, basePath);
    if (!exists || !differences(spark, basePath, rows).isEmpty() || hasNewColumns(spark, basePath, rows)) {
      rows.limit(0).write().format("delta").mode(SaveMode.Append).option("mergeSchema", "true")
          .partitionBy(Columns.PROGRAM, Columns.RUN_DATE).save(basePath);
    }
    List<String> differing = differences(spark, basePath, rows);
    if (!differing.isEmpty()) {
      throw TargetingException.userError("Cannot write %s: %s holds %s with other types than this run writes; "
          + "another program writes the same column names with other types", name, basePath, differing);
    }
  }

  private static boolean hasNewColumns(SparkSession spark, String basePath, Dataset<Row> rows) {
    Map<String, StructField> table = fields(spark.read().format("delta").load(basePath).schema().fields());
    for (StructField field : rows.schema().fields()) {
      if (!table.containsKey(field.name())) {
        return true;
      }
    }
    return false;
  }

  /** Columns of the run whose type differs from the table's (nullability aside). */
  private static List<String> differences(SparkSession spark, String basePath, Dataset<Row> rows) {
    Map<String, StructField> table = fields(spark.read().format("delta").load(basePath).schema().fields());
    List<String> differing = new ArrayList<>();
    for (StructField field : rows.schema().fields()) {
      StructField existing = table.get(field.name());
      if (existing != null && !existing.dataType().catalogString().equals(field.dataType().catalogString())) {
        differing.add(field.name() + " (table: " + existing.dataType().catalogString() + ", run: "
            + field.dataType().catalogString() + ")");
      }
    }
    return differing;
  }

  private static Map<String, StructField> fields(StructField[] fields) {
    Map<String, StructField> byName = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
    for (StructField field : fields) {
      byName.put(field.name(), field);
    }
    return byName;
  }

  private static String appId(String program, String runDate) {
    return "targeting:" + program + ":" + runDate;
  }

  private static scala.collection.immutable.Set<scala.collection.immutable.Map<String, String>> partitionValues(Prepared prepared) {
    return new scala.collection.immutable.Set.Set1<>(new scala.collection.immutable.Map.Map2<>(
        Columns.PROGRAM, prepared.program(), Columns.RUN_DATE, prepared.runDate()));
  }

  private static <T> Seq<T> seq(List<T> values) {
    return JavaConverters.asScalaBufferConverter(values).asScala().toSeq();
  }
}
