package com.targeting.core.sink;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.targeting.core.TargetingException;
import com.targeting.core.fs.HadoopFiles;
import com.targeting.core.sink.PartitionedTableSink.Prepared;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.spark.sql.SparkSession;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The journal of a program's run date ({@code <journal>/program=<id>/dt=<date>/journal.json}): what
 * the latest run prepared and how far it got publishing. A run first prepares every table
 * ({@link PartitionedTableSink#prepare}), recording each, then records {@code publishing} (the
 * point of no return), publishes the tables one atomic commit each, and records {@code
 * published}.
 *
 * <p>The next run of the date, holding the {@link RunLock}, looks at the journal before anything
 * else ({@link #recover}): a run that died while preparing is rolled back (its unpublished files
 * deleted), one that died while publishing is rolled forward (the remaining commits made, each
 * idempotent). So readers see the earlier run's outputs or the new run's, never a mix, except
 * between the commits of a publishing step that a crash interrupted, until the next run.
 *
 * <p>The journal is one small JSON document, replaced whole at each step (one PUT on S3).
 */
public final class RunJournal {
  private static final Logger LOG = LoggerFactory.getLogger(RunJournal.class);
  private static final ObjectMapper JSON = new ObjectMapper();

  /** Journal states, in order. */
  public static final String PREPARING = "preparing";
  public static final String PUBLISHING = "publishing";
  public static final String PUBLISHED = "published";
  public static final String ROLLED_BACK = "rolled_back";
  /** {@link Recovery#action()} when the earlier run's tables were all published. */
  public static final String NOTHING_TO_DO = "none";

  /** What {@link #recover} found and did about an unfinished run. */
  public record Recovery(String runId, String startedAt, String stateFound, String action, List<String> tables) {
    public Map<String, Object> report() {
      Map<String, Object> report = new LinkedHashMap<>();
      report.put("run_id", runId);
      report.put("state_found", stateFound);
      report.put("action", action);
      report.put("tables", tables);
      return report;
    }
  }

  private final SparkSession spark;
  private final String location;
  private final String runId;
  private final String startedAt;
  private final List<Prepared> prepared = new ArrayList<>();

  private RunJournal(SparkSession spark, String location, String runId, String startedAt) {
    this.spark = requireNonNull(spark, "spark is null");
    this.location = requireNonNull(location, "location is null");
    this.runId = requireNonNull(runId, "runId is null");
    this.startedAt = requireNonNull(startedAt, "startedAt is null");
  }

  /** The journal file of a run date: {@code <directory>/journal.json}. */
  public static RunJournal of(SparkSession spark, String directory, String runId, String startedAt) {
    return new RunJournal(spark, directory + "/journal.json", runId, startedAt);
  }

  public String location() {
    return location;
  }

  /**
   * Completes or rolls back what the latest earlier run of the date left unfinished. Empty when
   * there was none or it rolled back by itself (a failure before publishing); action {@value
   * #NOTHING_TO_DO} when its tables were all published (it may still have died after that, before
   * its summary). Call while holding the date's {@link RunLock}, before anything else.
   *
   * @param maxAttempts commit attempts per table when rolling forward
   */
  public Optional<Recovery> recover(int maxAttempts) {
    if (!HadoopFiles.exists(spark, location)) {
      return Optional.empty();
    }
    JsonNode journal;
    try {
      journal = JSON.readTree(HadoopFiles.readString(spark, location));
    } catch (java.io.IOException e) {
      throw TargetingException.internal("Unreadable run journal %s (%s): no run of this date starts until it is "
          + "looked at; if its tables are as they should be, delete it", location, e.getMessage());
    }
    String state = journal.path("state").asText();
    String earlierRun = journal.path("run_id").asText();
    if (state.equals(PUBLISHED)) {
      // Complete as far as the tables go; whether the run itself ended is for its summary to say.
      return Optional.of(new Recovery(earlierRun, journal.path("started_at").asText(), state, NOTHING_TO_DO, List.of()));
    }
    if (!state.equals(PREPARING) && !state.equals(PUBLISHING)) {
      return Optional.empty();
    }
    List<Prepared> tables = new ArrayList<>();
    for (JsonNode table : journal.path("tables")) {
      tables.add(JSON.convertValue(table, Prepared.class));
    }
    List<String> names = tables.stream().map(Prepared::table).toList();
    if (state.equals(PUBLISHING)) {
      LOG.warn("Run {} died while publishing {}: completing its publish", earlierRun, names);
      for (Prepared table : tables) {
        PartitionedTableSink.publish(spark, table, maxAttempts);
      }
      write(journal, PUBLISHED);
      return Optional.of(new Recovery(earlierRun, journal.path("started_at").asText(), state, "rolled_forward", names));
    }
    LOG.warn("Run {} died while preparing {}: deleting its unpublished files", earlierRun, names);
    for (Prepared table : tables) {
      PartitionedTableSink.discard(spark, table);
    }
    write(journal, ROLLED_BACK);
    return Optional.of(new Recovery(earlierRun, journal.path("started_at").asText(), state, "rolled_back", names));
  }

  /** Records that this run starts: from here on a crash of it is found by the next run. */
  public void begin() {
    record(PREPARING);
  }

  /** Records a table this run prepared (so that a crash from here on is rolled back). */
  public void prepared(Prepared table) {
    prepared.add(table);
    record(PREPARING);
  }

  /** Records that this run publishes its prepared tables: from here on a crash is rolled forward. */
  public void publishing() {
    record(PUBLISHING);
  }

  /** Records that every prepared table was published. */
  public void published() {
    record(PUBLISHED);
  }

  /** Deletes what this run prepared and records it: for a run that fails before publishing. */
  public void rollBack() {
    for (Prepared table : prepared) {
      PartitionedTableSink.discard(spark, table);
    }
    record(ROLLED_BACK);
  }

  public List<Prepared> tables() {
    return List.copyOf(prepared);
  }

  private void record(String state) {
    ObjectNode journal = JSON.createObjectNode();
    journal.put("run_id", runId);
    journal.put("started_at", startedAt);
    ArrayNode tables = journal.putArray("tables");
    prepared.forEach(table -> tables.add(JSON.valueToTree(table)));
    write(journal, state);
  }

  private void write(JsonNode journal, String state) {
    ObjectNode updated = ((ObjectNode) journal.deepCopy()).put("state", state).put("updated_at", Instant.now().toString());
    try {
      HadoopFiles.writeStringAtomically(spark, location, JSON.writerWithDefaultPrettyPrinter().writeValueAsString(updated));
    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
      throw TargetingException.internal("Cannot write the run journal %s: %s", location, e.getMessage());
    }
  }
}
