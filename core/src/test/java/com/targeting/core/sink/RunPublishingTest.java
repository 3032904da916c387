package com.targeting.core.sink;

import static com.targeting.core.testing.TestSpark.rows;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.targeting.core.TargetingException;
import com.targeting.core.sink.PartitionedTableSink.Format;
import com.targeting.core.sink.PartitionedTableSink.Prepared;
import com.targeting.core.testing.TestSpark;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * A run's tables prepared before any is published, published idempotently, and a crash at each
 * step of the journal completed or rolled back by the next run; one run of a date at a time.
 */
class RunPublishingTest {
  private static final RunPartition RUN = new RunPartition("investment-recommendations", LocalDate.of(2026, 11, 20));
  private static final RunLock.Settings LOCK = new RunLock.Settings(Duration.ofMinutes(10), Duration.ofSeconds(30));

  @TempDir
  Path temp;

  private static Dataset<Row> customers(String prefix, int count) {
    List<Object[]> values = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      values.add(new Object[] {prefix + i, 0.5 + i / 1000.0});
    }
    return rows("customer_id STRING, score DOUBLE", values.toArray(Object[][]::new));
  }

  private List<PartitionedTableSink> tables(Format format) {
    return List.of(PartitionedTableSink.of("quarantine", temp.resolve("quarantine").toString(), format),
        PartitionedTableSink.of("rejections", temp.resolve("rejections").toString(), format),
        PartitionedTableSink.of("candidates", temp.resolve("candidates").toString(), format));
  }

  /** The customer ids each table holds for the run, sorted. */
  private static List<List<String>> read(List<PartitionedTableSink> tables) {
    SparkSession spark = TestSpark.session();
    List<List<String>> contents = new ArrayList<>();
    for (PartitionedTableSink table : tables) {
      List<String> ids = new ArrayList<>();
      if (table.exists(spark, RUN)) {
        for (Row row : (Row[]) table.read(spark, RUN).select("customer_id").collect()) {
          ids.add(row.getString(0));
        }
      }
      ids.sort(null);
      contents.add(ids);
    }
    return contents;
  }

  private static List<Prepared> prepareAll(RunJournal journal, List<PartitionedTableSink> tables, String prefix) {
    List<Prepared> prepared = new ArrayList<>();
    int count = 3;
    for (PartitionedTableSink table : tables) {
      Prepared done = table.prepare(customers(prefix + table.name() + "-", count++), RUN);
      prepared.add(done);
      journal.prepared(done);
    }
    return prepared;
  }

  private static void publishAll(RunJournal journal, List<Prepared> prepared) {
    journal.publishing();
    prepared.forEach(table -> PartitionedTableSink.publish(TestSpark.session(), table, 3));
    journal.published();
  }

  private String journalDirectory() {
    return RUN.under(temp.resolve("journal").toString());
  }

  @ParameterizedTest
  @EnumSource(Format.class)
  void preparedTablesStayInvisibleUntilPublishedAndPublishingTwiceChangesNothing(Format format) {
    List<PartitionedTableSink> tables = tables(format);
    RunJournal first = RunJournal.of(TestSpark.session(), journalDirectory(), "run-1", "t1");
    publishAll(first, prepareAll(first, tables, "old-"));
    List<List<String>> old = read(tables);
    assertThat(old.get(2)).hasSize(5).allMatch(id -> id.startsWith("old-candidates-"));

    RunJournal second = RunJournal.of(TestSpark.session(), journalDirectory(), "run-2", "t2");
    List<Prepared> prepared = prepareAll(second, tables, "new-");
    assertThat(prepared).extracting(Prepared::rows).containsExactly(3L, 4L, 5L);
    assertThat(read(tables)).as("prepared, not published").isEqualTo(old);

    publishAll(second, prepared);
    List<List<String>> published = read(tables);
    assertThat(published.get(0)).hasSize(3).allMatch(id -> id.startsWith("new-quarantine-"));
    assertThat(published.get(2)).hasSize(5).allMatch(id -> id.startsWith("new-candidates-"));

    prepared.forEach(table -> PartitionedTableSink.publish(TestSpark.session(), table, 3));
    prepared.forEach(table -> PartitionedTableSink.discard(TestSpark.session(), table));
    assertThat(read(tables)).as("published again and discarded after publishing: no change").isEqualTo(published);
  }

  @ParameterizedTest
  @EnumSource(Format.class)
  void aRunThatDiedWhilePreparingIsRolledBackByTheNext(Format format) throws IOException {
    List<PartitionedTableSink> tables = tables(format);
    RunJournal first = RunJournal.of(TestSpark.session(), journalDirectory(), "run-1", "t1");
    publishAll(first, prepareAll(first, tables, "old-"));
    List<List<String>> old = read(tables);
    long filesBefore = dataFiles();

    RunJournal died = RunJournal.of(TestSpark.session(), journalDirectory(), "run-2", "t2");
    prepareAll(died, tables, "new-"); // then killed: nothing published
    assertThat(dataFiles()).isGreaterThan(filesBefore);
    assertThat(read(tables)).isEqualTo(old);

    RunJournal next = RunJournal.of(TestSpark.session(), journalDirectory(), "run-3", "t3");
    RunJournal.Recovery recovery = next.recover(3).orElseThrow();
    assertThat(recovery.runId()).isEqualTo("run-2");
    assertThat(recovery.stateFound()).isEqualTo(RunJournal.PREPARING);
    assertThat(recovery.action()).isEqualTo("rolled_back");
    assertThat(read(tables)).isEqualTo(old);
    assertThat(dataFiles()).as("the dead run's unpublished files are deleted").isEqualTo(filesBefore);
    assertThat(next.recover(3)).as("recovered once").isEmpty();
  }

  @ParameterizedTest
  @EnumSource(Format.class)
  void aRunThatDiedBetweenItsCommitsIsCompletedByTheNext(Format format) {
    List<PartitionedTableSink> tables = tables(format);
    RunJournal first = RunJournal.of(TestSpark.session(), journalDirectory(), "run-1", "t1");
    publishAll(first, prepareAll(first, tables, "old-"));

    RunJournal died = RunJournal.of(TestSpark.session(), journalDirectory(), "run-2", "t2");
    List<Prepared> prepared = prepareAll(died, tables, "new-");
    died.publishing();
    PartitionedTableSink.publish(TestSpark.session(), prepared.get(0), 3); // then killed

    RunJournal next = RunJournal.of(TestSpark.session(), journalDirectory(), "run-3", "t3");
    RunJournal.Recovery recovery = next.recover(3).orElseThrow();
    assertThat(recovery.action()).isEqualTo("rolled_forward");
    List<List<String>> after = read(tables);
    assertThat(after.get(0)).hasSize(3).allMatch(id -> id.startsWith("new-quarantine-"));
    assertThat(after.get(1)).hasSize(4).allMatch(id -> id.startsWith("new-rejections-"));
    assertThat(after.get(2)).hasSize(5).allMatch(id -> id.startsWith("new-candidates-"));
  }

  @Test
  void aRunOfTheSameDateIsRefusedWhileTheFirstHoldsItsLockAndAStaleLockIsTakenOver() throws IOException {
    SparkSession spark = TestSpark.session();
    String location = journalDirectory() + "/lock.json";
    try (RunLock first = RunLock.acquire(spark, location, "run-1", "Program p, run date d", LOCK)) {
      assertThatThrownBy(() -> RunLock.acquire(spark, location, "run-2", "Program p, run date d", LOCK))
          .isInstanceOf(TargetingException.class)
          .hasMessageContaining("Program p, run date d is already being run by run run-1")
          .hasMessageContaining("publishing.lock-timeout");
      first.requireHeld();
    }
    // Released: the next run takes it.
    RunLock second = RunLock.acquire(spark, location, "run-2", "Program p, run date d", LOCK);
    // run-2 dies without releasing it: the lock ages past the timeout (its next heartbeat is 30 s away).
    Path file = Path.of(location);
    Files.setLastModifiedTime(file, java.nio.file.attribute.FileTime.fromMillis(System.currentTimeMillis() - Duration.ofMinutes(11).toMillis()));
    try (RunLock third = RunLock.acquire(spark, location, "run-3", "Program p, run date d", LOCK)) {
      third.requireHeld();
      assertThatThrownBy(second::requireHeld).hasMessageContaining("lost its lock").hasMessageContaining("run-3");
      second.close(); // not the holder: leaves run-3's lock alone
      third.requireHeld();
    }
    assertThat(Files.exists(file)).as("released").isFalse();
  }

  private long dataFiles() throws IOException {
    try (Stream<Path> files = Files.walk(temp)) {
      return files.filter(file -> file.toString().endsWith(".parquet") && !file.toString().contains("_delta_log")).count();
    }
  }
}
