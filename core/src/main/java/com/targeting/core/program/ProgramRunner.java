package com.targeting.core.program;

import static com.targeting.core.Columns.QUARANTINE_REASON;
import static com.targeting.core.Columns.QUARANTINE_RULE;
import static com.targeting.core.Columns.REMOVAL_REASON;
import static com.targeting.core.Columns.REMOVED_BY;
import static java.util.Objects.requireNonNull;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.lit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.targeting.core.Observations;
import com.targeting.core.TargetingException;
import com.targeting.core.decide.Decision;
import com.targeting.core.fairness.AdverseImpact;
import com.targeting.core.filter.FilterChain;
import com.targeting.core.filter.Funnel;
import com.targeting.core.fs.HadoopFiles;
import com.targeting.core.model.ModelRegistry;
import com.targeting.core.model.ModelSpec;
import com.targeting.core.model.SavedModel;
import com.targeting.core.report.Figure;
import com.targeting.core.report.Groups;
import com.targeting.core.report.HtmlReport;
import com.targeting.core.report.RunReport;
import com.targeting.core.report.SummarySection;
import com.targeting.core.model.ModelFamilySpec;
import com.targeting.core.score.Scorer;
import com.targeting.core.sink.PartitionedTableSink;
import com.targeting.core.sink.RunJournal;
import com.targeting.core.sink.RunLock;
import com.targeting.core.sink.RunPartition;
import com.targeting.core.source.ReaderSource;
import com.targeting.core.source.Source;
import com.targeting.core.transform.DerivedColumn;
import com.targeting.core.transform.Enrichment;
import com.targeting.core.uplift.UpliftModelStore;
import com.targeting.core.uplift.UpliftScorer;
import com.targeting.core.uplift.UpliftSpec;
import com.targeting.core.validate.ContractValidator;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.storage.StorageLevel;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;


/**
 * The recipe of a targeting run, one named dataset at a time:
 *
 * <ol>
 *   <li>{@code lock_recover}: one run of a program and date at a time; whatever an earlier run of
 *       the date left unfinished is completed or rolled back first ({@link RunJournal}).
 *   <li>{@code load_models}: every scorer, before any row is read.
 *   <li>{@code read_classify}: the extract read, validated, enriched, derived and run through the
 *       filter chain: every row quarantined, removed by its first failing filter, or kept
 *       ({@link #classify}); one scan, into a cache.
 *   <li>{@code score_decide}: the kept rows scored, decided and run through the post-score filters
 *       ({@link #scoreAndDecide}); one aggregation of them feeds the funnel and every section.
 *   <li>{@code report}: each part of the program that reports ({@link SummarySection}) adds its
 *       sections; the fairness report.
 *   <li>{@code prepare_tables}: quarantine, rejections and candidates written, not yet visible.
 *   <li>{@code publish}: one commit per table; then {@code contact_history} and {@code export_dynamodb}.
 * </ol>
 *
 * <p>Each stage logs its start and end (seconds, rows in and out) and its time goes into the
 * summary's {@code stage_timings_ms}; the stages cover the run from lock to last write. The
 * summary accounts for every input row:
 * {@code input_rows = quarantined_rows + sum(removed_by_filter) + candidates}. No program and no
 * decision is named here: a decision or scorer reports through {@link SummarySection}, and a
 * program adds decision types through {@link com.targeting.core.decide.DecisionType}.
 */
public final class ProgramRunner {
  private static final Logger LOG = LoggerFactory.getLogger(ProgramRunner.class);

  private final SparkSession spark;
  private final ProgramConfig program;
  private final RunPartition partition;
  private final StageTimer timer;
  /** The charts the program's parts drew, for the HTML report. */
  private final Map<String, byte[]> charts = new LinkedHashMap<>();

  private ProgramRunner(SparkSession spark, ProgramConfig program) {
    this.spark = requireNonNull(spark, "spark is null");
    this.program = requireNonNull(program, "program is null");
    this.partition = new RunPartition(program.id(), program.runDate());
    this.timer = new StageTimer(spark.sparkContext(), program.id() + "@" + program.runDate());
  }

  /**
   * Runs the program for its run date and writes the attempt's summary to
   * {@code <summaries>/program=<id>/dt=<date>/<run-id>.json}, failed or not, so that every attempt
   * leaves a row for analysts and on-call (status, error category and message); a failure is then
   * rethrown as it was.
   */
  public static RunSummary run(SparkSession spark, ProgramConfig program) {
    return new ProgramRunner(spark, program).attempt();
  }

  private RunSummary attempt() {
    long start = System.nanoTime();
    String summaryPath = summaryPath(program.runId());
    String startedAt = java.time.Instant.now().toString();
    RunSummary summary = new RunSummary()
        .put("program", program.id())
        .put("run_date", program.runDate().toString())
        .put("run_id", program.runId())
        .put("started_at", startedAt);
    RunLock lock = null;
    try {
      lock = timer.time("lock_recover", this::lock);
      RunJournal journal = timer.time("lock_recover", () -> recover(summary, startedAt));
      execute(summary, journal, lock);
      summary.put("status", "succeeded");
    } catch (Exception | Error e) { // Spark's Scala code throws checked exceptions undeclared
      summary.failed(e);
      try {
        finish(summary, start, summaryPath);
      } catch (RuntimeException writeFailure) {
        e.addSuppressed(writeFailure);
      }
      throw e;
    } finally {
      if (lock != null) {
        lock.close();
      }
    }
    finish(summary, start, summaryPath);
    return summary;
  }

  /** One run of the date at a time: the lock beside the date's journal, refreshed while the run lasts. */
  private RunLock lock() {
    return RunLock.acquire(spark, partition.under(program.outputs().journal()) + "/lock.json", program.runId(),
        "Program " + program.id() + ", run date " + program.runDate(), program.outputs().publishing().lock());
  }

  /**
   * Whatever an earlier run of the date left unfinished is completed or rolled back, so that this
   * run starts from whole outputs; a run that died without a summary gets one ({@link #recordInterrupted}).
   */
  private RunJournal recover(RunSummary summary, String startedAt) {
    RunJournal journal = RunJournal.of(spark, partition.under(program.outputs().journal()), program.runId(), startedAt);
    journal.recover(program.outputs().publishing().maxAttempts())
        .filter(recovery -> !HadoopFiles.exists(spark, summaryPath(recovery.runId())))
        .ifPresent(recovery -> {
          summary.put("recovered", recovery.report());
          recordInterrupted(recovery);
        });
    journal.begin();
    return journal;
  }

  private String summaryPath(String runId) {
    return partition.under(program.outputs().summaries()) + "/" + runId + ".json";
  }

  /**
   * The summary of a run that died (SIGKILL, a lost driver) and left no summary of its own, so that
   * the attempt shows in the run history: failed, with what the recovery did about its outputs.
   */
  private void recordInterrupted(RunJournal.Recovery recovery) {
    String path = summaryPath(recovery.runId());
    String done = switch (recovery.action()) {
      case "rolled_forward" -> "completed its publish";
      case "rolled_back" -> "deleted its unpublished files";
      default -> "found its outputs published";
    };
    RunSummary interrupted = new RunSummary()
        .put("program", program.id())
        .put("run_date", program.runDate().toString())
        .put("run_id", recovery.runId())
        .put("started_at", recovery.startedAt())
        .put("status", "failed")
        .put("error", Map.of("category", "interrupted", "message", "The run stopped without a summary (killed or lost) "
            + "with its outputs " + recovery.stateFound() + "; run " + program.runId() + " found it and " + done))
        .put("recovered_by", program.runId())
        .put("summary_path", path);
    HadoopFiles.writeString(spark, path, interrupted.toJson());
  }

  /**
   * Completes the summary (timings, total, end time), writes the run's HTML report
   * ({@link HtmlReport}) to {@code <outputs.reports>/program=<id>/dt=<date>/<run-id>.html}, named in
   * the summary as {@code report_path}, with each figure's change from the program's previous
   * succeeded run, then writes the summary. A report that cannot be drawn or written does not fail
   * the run: the summary says why ({@code report_error}) instead of naming it.
   */
  private void finish(RunSummary summary, long start, String summaryPath) {
    summary.put("stage_timings_ms", timer.millis());
    summary.put("total_ms", (System.nanoTime() - start) / 1_000_000);
    summary.put("finished_at", java.time.Instant.now().toString());
    summary.put("summary_path", summaryPath);
    // Not in the summaries' folder: that is a table Athena reads as JSON, every file in it.
    String htmlPath = partition.under(program.outputs().reports()) + "/" + program.runId() + ".html";
    summary.put("report_path", htmlPath);
    try {
      HadoopFiles.writeString(spark, htmlPath, HtmlReport.render(readJson(summary.toJson(), summaryPath), charts, previousRun()));
      LOG.info("Run report written to {}", htmlPath);
    } catch (RuntimeException e) {
      // The report is for people: the run's outputs and its summary stand without it, and the summary says why it is missing.
      LOG.warn("No run report: {}", TargetingException.messageOf(e));
      summary.remove("report_path");
      summary.put("report_error", TargetingException.messageOf(e));
    }
    HadoopFiles.writeString(spark, summaryPath, summary.toJson());
  }

  /**
   * The summary of the program's latest succeeded run before this one: of this run date or the
   * latest earlier one that has one.
   */
  private Optional<JsonNode> previousRun() {
    List<HadoopFiles.Listed> summaries = new ArrayList<>(HadoopFiles.glob(spark,
        program.outputs().summaries() + "/program=" + program.id() + "/dt=*/*.json"));
    summaries.sort(java.util.Comparator.comparing(HadoopFiles.Listed::path).reversed());
    String thisDate = "dt=" + program.runDate();
    JsonNode best = null;
    String bestDate = null;
    for (HadoopFiles.Listed listed : summaries) {
      String directory = listed.path().substring(0, listed.path().lastIndexOf('/'));
      String date = directory.substring(directory.lastIndexOf('/') + 1);
      if (date.compareTo(thisDate) > 0 || listed.name().equals(program.runId() + ".json")) {
        continue;
      }
      if (bestDate != null && !date.equals(bestDate)) {
        break; // the latest date with a succeeded run has been read whole
      }
      JsonNode candidate = readJson(HadoopFiles.readString(spark, listed.path()), listed.path());
      if (candidate.path("status").asText().equals("succeeded")
          && (best == null || candidate.path("finished_at").asText().compareTo(best.path("finished_at").asText()) > 0)) {
        best = candidate;
        bestDate = date;
      }
    }
    return Optional.ofNullable(best);
  }

  private static JsonNode readJson(String json, String path) {
    try {
      return JSON.readTree(json);
    } catch (java.io.IOException e) {
      throw TargetingException.internal("Run summary %s is not JSON: %s", path, e.getMessage());
    }
  }

  /** The classified rows (cached), their funnel and the rows the source produced. */
  private record Classified(Dataset<Row> rows, Funnel funnel, long sourceRows) {}

  /** The scored and decided rows (cached), the candidates among them, and the run's one aggregation of them. */
  private record Decided(Dataset<Row> rows, Dataset<Row> selected, Groups groups, Funnel funnel) {}

  private void execute(RunSummary summary, RunJournal journal, RunLock lock) {
    List<Scorer> scorers = timer.time("load_models", () -> loadModels(summary));
    Classified classified = null;
    Decided decided = null;
    try {
      classified = timer.time("read_classify", this::classify,
          done -> done.sourceRows() + " rows read, " + done.funnel().quarantinedRows() + " quarantined, "
              + done.funnel().removedRows() + " removed by filters, " + done.funnel().candidates() + " kept");
      Classified rows = classified;
      decided = timer.time("score_decide", () -> scoreAndDecide(rows, scorers),
          done -> rows.funnel().candidates() + " rows scored, " + done.funnel().removedRows() + " removed after scoring, "
              + done.funnel().candidates() + " candidates");
      Funnel funnel = classified.funnel().followedBy(decided.funnel());
      funnel.requireBalanced(classified.sourceRows());
      putFunnel(summary, funnel);
      Decided scored = decided;
      timer.time("report", () -> report(summary, rows, scored, scorers));

      List<PartitionedTableSink.Prepared> prepared = timer.time("prepare_tables", () -> prepareTables(journal, lock, rows, scored, funnel),
          tables -> tables.stream().map(table -> table.table() + " " + table.rows()).toList() + " rows prepared");
      // The point of no return: from here a crash is completed by the next run of the date.
      timer.time("publish", () -> publish(journal, prepared));
      Map<String, Long> written = new LinkedHashMap<>();
      for (PartitionedTableSink.Prepared table : prepared) {
        // Files without a row count in their statistics: the published table is counted.
        written.put(table.table(), table.rows() >= 0 ? table.rows() : tableOf(table.table()).rowsOf(spark, partition));
      }
      // Contacts are recorded once the candidates are published: the eligibility filter of later runs reads them.
      program.outputs().contactHistory().ifPresent(history -> timer.time("contact_history",
          () -> written.put("contact_history", history.merge(scored.selected(), partition))));
      program.dynamodb().ifPresent(sink -> {
        timer.time("export_dynamodb", () -> written.put(sink.name(), sink.write(scored.selected(), partition)));
        summary.put("dynamodb", sink.report());
      });
      summary.put("written", written);
      requireWrittenMatches(written, funnel);
    } finally {
      if (classified != null) {
        classified.rows().unpersist();
      }
      if (decided != null) {
        decided.rows().unpersist();
      }
    }
  }

  /**
   * Reads, validates, enriches, derives and filters the extract into the classified cache, built
   * by the funnel's aggregation; checks the rows the source produced (an observed metric of the
   * same scan) against the funnel, the source's {@code min-rows} and the quarantine limit. The whole
   * plan is analyzed before the scan, so a config that names a missing column fails before a row
   * is read.
   */
  private Classified classify() {
    ReaderSource source = ReaderSource.of(program.source());
    FilterChain chain = FilterChain.of(program.filters());
    Observations.Observed extractRows = Observations.observe(source.readForContract(spark), "extract_rows", count(lit(1)).as("rows"));
    Dataset<Row> validated = ContractValidator.validate(extractRows.dataset(), program.contract(), source.describe());
    Dataset<Row> classified = chain.apply(DerivedColumn.addAll(enrich(validated), program.derived()))
        .persist(StorageLevel.MEMORY_AND_DISK());
    try {
      Funnel funnel = Funnel.of(classified, chain.filterIds());
      long sourceRows = extractRowCount(extractRows, source);
      requireMinRows(sourceRows, source);
      funnel.requireBalanced(sourceRows);
      requireQuarantineWithinLimit(funnel, source);
      return new Classified(classified, funnel, sourceRows);
    } catch (RuntimeException | Error e) {
      classified.unpersist();
      throw e;
    }
  }

  /**
   * Scores the kept rows, applies the decisions and the post-score filters (declines that need the
   * scores) into the decided cache, built by the run's one aggregation of it: the post-score
   * funnel and every figure the program's parts asked for. Scoring, decisions and declines run
   * before the first write, so that a model or decision failure leaves every output of an earlier
   * run of the date as it was.
   */
  private Decided scoreAndDecide(Classified classified, List<Scorer> scorers) {
    FilterChain postScoreChain = FilterChain.of(program.postScoreFilters());
    Dataset<Row> kept = classified.rows().where(col(QUARANTINE_RULE).isNull().and(col(REMOVED_BY).isNull()))
        .drop(QUARANTINE_RULE, QUARANTINE_REASON, REMOVED_BY, REMOVAL_REASON);
    Dataset<Row> scored = kept;
    for (Scorer scorer : scorers) {
      scored = scorer.score(scored);
    }
    for (Decision decision : program.decisions()) {
      scored = decision.apply(scored);
    }
    // The null quarantine column lets the same chain and funnel code run over the scored rows.
    Dataset<Row> decided = postScoreChain.apply(scored.withColumn(QUARANTINE_RULE, lit(null).cast("string")))
        .persist(StorageLevel.MEMORY_AND_DISK());
    try {
      Dataset<Row> selected = decided.where(col(REMOVED_BY).isNull()).drop(QUARANTINE_RULE, REMOVED_BY, REMOVAL_REASON);
      // Analysis only: the DynamoDB layout's expressions and columns are checked before any action.
      program.dynamodb().ifPresent(sink -> sink.layout().items(selected, partition));
      List<Figure> figures = new ArrayList<>(List.of(Figure.dimension(REMOVED_BY, col(REMOVED_BY))));
      sections(scorers).forEach(section -> figures.addAll(section.figures()));
      Groups groups = Groups.of(decided, col(REMOVED_BY).isNull(), figures);
      Funnel funnel = Funnel.ofRemovals(groups.rows(Groups.Scope.SCORED), groups.countsBy(REMOVED_BY, Groups.Scope.SCORED),
          postScoreChain.filterIds(), groups.rows(Groups.Scope.SELECTED));
      return new Decided(decided, selected, groups, funnel);
    } catch (RuntimeException | Error e) {
      decided.unpersist();
      throw e;
    }
  }

  /** The decisions and scorers that report ({@link SummarySection}), in config order: decisions first. */
  private List<SummarySection> sections(List<Scorer> scorers) {
    List<Object> parts = new ArrayList<>(program.decisions());
    parts.addAll(scorers);
    return parts.stream().filter(SummarySection.class::isInstance).map(SummarySection.class::cast).toList();
  }

  /**
   * {@code scored} (candidates), each reporting part's sections (in decision order, then the
   * scorers'), and the fairness report: selection rate per protected group among the rows that
   * passed validation, removed by a filter (before or after scoring) or selected.
   */
  private void report(RunSummary summary, Classified classified, Decided decided, List<Scorer> scorers) {
    summary.put("scored", decided.groups().rows(Groups.Scope.SELECTED));
    RunReport report = new RunReport(spark, program.id(), program.runDate(), partition.under(program.outputs().reports()),
        decided.rows(), decided.groups());
    sections(scorers).forEach(section -> section.report(report));
    report.sections().forEach(summary::put);
    charts.putAll(report.charts());
    program.fairness().ifPresent(fairness -> summary.put("fairness",
        fairness.report(fairnessPopulation(classified.rows(), decided.rows(), fairness), col(FAIRNESS_SELECTED))));
  }

  /**
   * Every table of the run prepared (written, not yet visible), each recorded in the run journal:
   * a crash here leaves readers the earlier run's outputs whole. The row counts from the prepared
   * files are checked against the funnel: a table that would not hold what the funnel counted is
   * never published. On failure the prepared files are deleted (the journal is rolled back).
   */
  private List<PartitionedTableSink.Prepared> prepareTables(RunJournal journal, RunLock lock, Classified classified, Decided decided,
      Funnel funnel) {
    List<PartitionedTableSink.Prepared> prepared = new ArrayList<>();
    try {
      prepare(journal, prepared, program.outputs().quarantineTable(),
          classified.rows().where(col(QUARANTINE_RULE).isNotNull()).drop(REMOVED_BY, REMOVAL_REASON));
      Dataset<Row> rejected = classified.rows().where(col(REMOVED_BY).isNotNull()).drop(QUARANTINE_RULE, QUARANTINE_REASON);
      if (!program.postScoreFilters().isEmpty()) {
        // Declined after scoring: with their scores and offer columns; earlier rejections have them null.
        rejected = rejected.unionByName(decided.rows().where(col(REMOVED_BY).isNotNull()).drop(QUARANTINE_RULE), true);
      }
      prepare(journal, prepared, program.outputs().rejectionsTable(), rejected);
      // Nothing after this reads the classified rows: their memory goes to the candidates' sinks.
      classified.rows().unpersist();
      prepare(journal, prepared, program.outputs().candidatesTable(), decided.selected());
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

  private void publish(RunJournal journal, List<PartitionedTableSink.Prepared> prepared) {
    journal.publishing();
    for (PartitionedTableSink.Prepared table : prepared) {
      PartitionedTableSink.publish(spark, table, program.outputs().publishing().maxAttempts());
    }
    journal.published();
  }

  private void prepare(RunJournal journal, List<PartitionedTableSink.Prepared> prepared, PartitionedTableSink table, Dataset<Row> rows) {
    PartitionedTableSink.Prepared done = table.prepare(rows, partition);
    prepared.add(done);
    journal.prepared(done);
  }

  private PartitionedTableSink tableOf(String name) {
    return switch (name) {
      case "quarantine" -> program.outputs().quarantineTable();
      case "rejections" -> program.outputs().rejectionsTable();
      default -> program.outputs().candidatesTable();
    };
  }

  /**
   * The rows the reader produced: observed while the classified cache was built and delivered once
   * the funnel's aggregation over that cache completed; counted by reading the source again when
   * that query ran without collecting them (Spark drops the collecting node from plans it proves
   * empty).
   */
  private long extractRowCount(Observations.Observed extractRows, ReaderSource source) {
    Object rows = extractRows.await("the extract's row count",
        () -> Map.of("rows", source.readForContract(spark).count())).get("rows");
    return ((Number) rows).longValue();
  }

  /**
   * Fails the run (user error, before anything is written) when the extract has fewer rows than
   * its source's {@code min-rows}: a daily extract with no rows is usually an upstream failure, and
   * a run over it would replace the date's outputs with nothing.
   */
  private void requireMinRows(long sourceRows, ReaderSource source) {
    long minRows = program.source().minRows();
    if (sourceRows < minRows) {
      throw TargetingException.userError("Extract %s has %d rows, fewer than program.source.min-rows = %d: nothing was written "
          + "(an empty extract is usually an upstream failure; set program.source.min-rows = 0 to accept it)",
          source.describe(), sourceRows, minRows);
    }
  }

  private static final String FAIRNESS_SELECTED = "__selected";
  private static final ObjectMapper JSON = new ObjectMapper();

  /**
   * Every row that passed validation once, with the protected attributes, whether it was selected,
   * and the fairness mix column (null for rows removed before scoring, which lack it).
   */
  private static Dataset<Row> fairnessPopulation(Dataset<Row> classified, Dataset<Row> decided, AdverseImpact fairness) {
    List<Column> columns = new ArrayList<>();
    fairness.attributes().forEach(attribute -> columns.add(col("`" + attribute + "`")));
    List<Column> removedColumns = new ArrayList<>(columns);
    removedColumns.add(lit(false).as(FAIRNESS_SELECTED));
    List<Column> decidedColumns = new ArrayList<>(columns);
    decidedColumns.add(col(REMOVED_BY).isNull().as(FAIRNESS_SELECTED));
    fairness.mixColumn().ifPresent(mix -> {
      removedColumns.add(lit(null).cast("string").as(mix));
      decidedColumns.add(col("`" + mix + "`").cast("string").as(mix));
    });
    return classified.where(col(QUARANTINE_RULE).isNull().and(col(REMOVED_BY).isNotNull()))
        .select(removedColumns.toArray(Column[]::new))
        .unionByName(decided.select(decidedColumns.toArray(Column[]::new)));
  }

  private Dataset<Row> enrich(Dataset<Row> rows) {
    Dataset<Row> result = rows;
    for (Enrichment enrichment : program.enrichments()) {
      result = enrichment.joinOnto(spark, result);
    }
    return result;
  }

  /**
   * Loads every model first, into {@code models} of the summary (version, path, creation time and
   * metrics of each): a missing or unreadable model fails the run before any work.
   */
  private List<Scorer> loadModels(RunSummary summary) {
    Map<String, Object> modelsUsed = new LinkedHashMap<>();
    summary.put("models", modelsUsed);
    List<Scorer> scorers = new ArrayList<>();
    List<ModelFamilySpec> specs = new ArrayList<>(program.models());
    specs.addAll(program.upliftModels());
    for (ModelFamilySpec spec : specs) {
      var model = ModelRegistry.at(spark, spec.registry()).load(spec);
      scorers.add(model.scorer());
      modelsUsed.put(spec.id(), model.summary());
    }
    return scorers;
  }

  private static void putFunnel(RunSummary summary, Funnel funnel) {
    summary.put("input_rows", funnel.inputRows());
    summary.put("quarantined_rows", funnel.quarantinedRows());
    summary.put("quarantined_by_rule", funnel.quarantinedByRule());
    summary.put("removed_by_filter", funnel.removedByFilter());
    List<Map<String, Object>> steps = new ArrayList<>();
    long remaining = funnel.inputRows() - funnel.quarantinedRows();
    for (Map.Entry<String, Long> filter : funnel.removedByFilter().entrySet()) {
      remaining -= filter.getValue();
      Map<String, Object> step = new LinkedHashMap<>();
      step.put("filter", filter.getKey());
      step.put("removed", filter.getValue());
      step.put("removed_pct_of_input", percent(filter.getValue(), funnel.inputRows()));
      step.put("remaining", remaining);
      steps.add(step);
    }
    summary.put("funnel", steps);
    summary.put("candidates", funnel.candidates());
    summary.put("pass_rate_pct", percent(funnel.candidates(), funnel.inputRows()));
  }

  private void requireQuarantineWithinLimit(Funnel funnel, Source source) {
    double limit = program.contract().maxQuarantinedFraction();
    if (funnel.quarantinedFraction() > limit) {
      throw TargetingException.userError(
          "Extract %s: %d of %d rows (%.2f%%) break the contract, more than the limit of %.2f%% "
              + "(program.contract.max-quarantined-fraction); nothing was written. By rule: %s",
          source.describe(), funnel.quarantinedRows(), funnel.inputRows(), 100 * funnel.quarantinedFraction(),
          100 * limit, funnel.quarantinedByRule());
    }
    LOG.info("Quarantined {} of {} rows", funnel.quarantinedRows(), funnel.inputRows());
  }

  /** The stores must hold exactly what the funnel counted; anything else is lost or duplicated rows. */
  private static void requireWrittenMatches(Map<String, Long> written, Funnel funnel) {
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

  private static double percent(long part, long whole) {
    return whole == 0 ? 0.0 : Math.round(10000.0 * part / whole) / 100.0;
  }
}
