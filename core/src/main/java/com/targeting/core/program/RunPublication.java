package com.targeting.core.program;

import static java.util.Objects.requireNonNull;

import com.targeting.core.TargetingException;
import com.targeting.core.filter.Funnel;
import com.targeting.core.sink.PartitionedTableSink;
import com.targeting.core.sink.RunJournal;
import com.targeting.core.sink.RunLock;
import com.targeting.core.sink.RunPartition;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

/**
 * How a run's tables become visible, all of them or none: the run holds its program and date
 * ({@link RunLock}), completes or rolls back whatever an earlier run of the date left unfinished
 * ({@link RunJournal}), prepares every table (written, not yet visible, each recorded in the
 * journal), then publishes them with one commit per table. A crash before {@code publishing} leaves
 * readers the earlier run's outputs whole; a crash after it is completed by the next run of the
 * date.
 */
final class RunPublication implements AutoCloseable {
  private final SparkSession spark;
  private final ProgramConfig program;
  private final RunPartition partition;
  private final RunLock lock;
  private final RunJournal journal;

  private RunPublication(SparkSession spark, ProgramConfig program, RunLock lock, RunJournal journal) {
    this.spark = spark;
    this.program = program;
    this.partition = new RunPartition(program.id(), program.runDate());
    this.lock = lock;
    this.journal = journal;
  }

  /**
   * Takes the date's lock (refreshed while the run lasts) and recovers the date's journal; a run
   * that died without a summary gets one ({@link RunRecords#recordInterrupted}), and what was
   * recovered goes into this run's summary as {@code recovered}.
   *
   * @throws TargetingException a user error when another live run holds the date
   */
  static RunPublication open(SparkSession spark, ProgramConfig program, RunRecords records, RunSummary summary, String startedAt) {
    requireNonNull(spark, "spark is null");
    RunPartition partition = new RunPartition(program.id(), program.runDate());
    String directory = partition.under(program.outputs().journal());
    RunLock lock = RunLock.acquire(spark, directory + "/lock.json", program.runId(),
        "Program " + program.id() + ", run date " + program.runDate(), program.outputs().publishing().lock());
    try {
      RunJournal journal = RunJournal.of(spark, directory, program.runId(), startedAt);
      journal.recover(program.outputs().publishing().maxAttempts())
          .filter(recovery -> !records.hasSummary(recovery.runId()))
          .ifPresent(recovery -> {
            summary.put("recovered", recovery.report());
            records.recordInterrupted(recovery, program.runId());
          });
      journal.begin();
      return new RunPublication(spark, program, lock, journal);
    } catch (RuntimeException | Error e) {
      lock.close();
      throw e;
    }
  }

  /** Prepares tables: each {@link #table} call writes one, invisible to readers, and journals it. */
  interface Tables {
    void table(PartitionedTableSink table, Dataset<Row> rows);
  }

  /**
   * Every table of the run prepared by {@code writes}. The row counts from the prepared files are
   * checked against the funnel: a table that would not hold what the funnel counted is never
   * published. On failure the prepared files are deleted (the journal is rolled back) and the
   * failure rethrown.
   *
   * @throws TargetingException an internal error when a table's rows differ from the funnel's, or
   *     when the run lost its lock while preparing
   */
  List<PartitionedTableSink.Prepared> prepare(Funnel funnel, Consumer<Tables> writes) {
    List<PartitionedTableSink.Prepared> prepared = new ArrayList<>();
    try {
      writes.accept((table, rows) -> {
        PartitionedTableSink.Prepared done = table.prepare(rows, partition);
        prepared.add(done);
        journal.prepared(done);
      });
      Map<String, Long> counted = new LinkedHashMap<>();
      prepared.stream().filter(table -> table.rows() >= 0).forEach(table -> counted.put(table.table(), table.rows()));
      requireWrittenMatches(counted, funnel);
      lock.requireHeld();
      return prepared;
    } catch (RuntimeException | Error e) {
      try {
        journal.rollBack();
      } catch (RuntimeException rollBackFailure) {
        e.addSuppressed(rollBackFailure);
      }
      throw e;
    }
  }

  /**
   * The point of no return: one commit per prepared table, in order, then the journal marked
   * published.
   *
   * @return the rows each published table holds for the run, by table name
   */
  Map<String, Long> publish(List<PartitionedTableSink.Prepared> prepared) {
    journal.publishing();
    for (PartitionedTableSink.Prepared table : prepared) {
      PartitionedTableSink.publish(spark, table, program.outputs().publishing().maxAttempts());
    }
    journal.published();
    Map<String, Long> written = new LinkedHashMap<>();
    for (PartitionedTableSink.Prepared table : prepared) {
      // Files without a row count in their statistics: the published table is counted.
      written.put(table.table(), table.rows() >= 0 ? table.rows() : program.outputs().table(table.table()).rowsOf(spark, partition));
    }
    return written;
  }

  @Override
  public void close() {
    lock.close();
  }

  /**
   * The stores must hold exactly what the funnel counted (quarantine, rejections, candidates, and
   * the candidates' copies in DynamoDB and the contact history); anything else is lost or
   * duplicated rows.
   *
   * @throws TargetingException an internal error naming the store and both counts
   */
  static void requireWrittenMatches(Map<String, Long> written, Funnel funnel) {
    Map<String, Long> expected = new LinkedHashMap<>();
    expected.put("quarantine", funnel.quarantinedRows());
    expected.put("rejections", funnel.removedRows());
    expected.put("candidates", funnel.candidates());
    expected.put("dynamodb", funnel.candidates());
    expected.put("contact_history", funnel.candidates());
    for (Map.Entry<String, Long> sink : written.entrySet()) {
      Long want = expected.get(sink.getKey());
      if (want != null && want.longValue() != sink.getValue()) {
        throw TargetingException.internal("Sink %s holds %d rows for this run, expected %d",
            sink.getKey(), sink.getValue(), want);
      }
    }
  }
}
