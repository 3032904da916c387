package com.targeting.core.program;

import static com.targeting.core.Columns.QUARANTINE_REASON;
import static com.targeting.core.Columns.QUARANTINE_RULE;
import static com.targeting.core.Columns.REMOVAL_REASON;
import static com.targeting.core.Columns.REMOVED_BY;
import static java.util.Objects.requireNonNull;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.lit;

import com.targeting.core.Observations;
import com.targeting.core.TargetingException;
import com.targeting.core.decide.Decision;
import com.targeting.core.decide.LearnedDecision;
import com.targeting.core.filter.FilterChain;
import com.targeting.core.filter.Funnel;
import com.targeting.core.model.ModelScorer;
import com.targeting.core.report.Figure;
import com.targeting.core.report.Groups;
import com.targeting.core.report.RunReport;
import com.targeting.core.report.SummarySection;
import com.targeting.core.score.Scorer;
import com.targeting.core.sink.PartitionedTableSink;
import com.targeting.core.sink.RunPartition;
import com.targeting.core.sink.dynamodb.DynamoDbExport;
import com.targeting.core.source.ReaderSource;
import com.targeting.core.source.Source;
import com.targeting.core.transform.DerivedColumn;
import com.targeting.core.text.TextFeature;
import com.targeting.core.transform.Enrichment;
import com.targeting.core.validate.ContractValidator;
import com.targeting.core.validate.QualityReport;
import com.targeting.core.validate.QualitySuite;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
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
 *       the date left unfinished is completed or rolled back first ({@link RunPublication}).
 *   <li>{@code load_models}: every model's version found (a missing one fails the run before any
 *       row is read) and its loading started on a thread of its own, which overlaps the next stage
 *       (the driver's work of loading a pipeline, seconds of class loading and code generation,
 *       runs while the executors read); the run waits for the models before scoring, and that wait
 *       counts as {@code load_models} too.
 *   <li>{@code read_classify}: the extract read, validated, enriched, derived and run through the
 *       filter chain: every row quarantined, removed by its first failing filter, or kept
 *       ({@link #classify}); one scan, into a cache.
 *   <li>{@code validate}: the program's data-quality suite over the cached extract, if it has one
 *       ({@link #validate}); a failed error-level check stops the run before anything is written.
 *   <li>a stage per decision that learns from the run's rows ({@link LearnedDecision}, named by
 *       it: {@code segments}, {@code anomalies}): fitted on the kept rows from the cache.
 *   <li>{@code score_decide}: the kept rows scored, decided and run through the post-score filters
 *       ({@link #scoreAndDecide}); one aggregation of them feeds the funnel and every section.
 *   <li>{@code report}: each part of the program that reports ({@link SummarySection}) adds its
 *       sections; the fairness report; the models' drift ({@link com.targeting.core.model.Drift}).
 *   <li>{@code prepare_tables}: quarantine, rejections and candidates written, not yet visible
 *       ({@link RunPublication}: all tables published or none).
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
  private final RunRecords records;
  /** The charts the program's parts drew, for the HTML report. */
  private final Map<String, byte[]> charts = new LinkedHashMap<>();
  /** The run's text features, prepared before the extract is classified ({@link #enrich}). */
  private final List<TextFeature.Prepared> textFeatures = new ArrayList<>();

  private ProgramRunner(SparkSession spark, ProgramConfig program) {
    this.spark = requireNonNull(spark, "spark is null");
    this.program = requireNonNull(program, "program is null");
    this.partition = new RunPartition(program.id(), program.runDate());
    this.timer = new StageTimer(spark.sparkContext(), program.id() + "@" + program.runDate());
    this.records = new RunRecords(spark, program);
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
    String startedAt = java.time.Instant.now().toString();
    RunSummary summary = RunSummary.started(program, program.runId(), startedAt);
    RunPublication publication = null;
    try {
      publication = timer.time("lock_recover", () -> RunPublication.open(spark, program, records, summary, startedAt));
      execute(summary, publication);
      summary.put("status", "succeeded");
    } catch (Exception | Error e) { // Spark's Scala code throws checked exceptions undeclared
      summary.failed(e);
      try {
        finish(summary, start); // under the lock: a successor that finds the journal also finds this summary
      } catch (RuntimeException writeFailure) {
        e.addSuppressed(writeFailure);
      }
      throw e;
    } finally {
      if (publication != null) {
        publication.close();
      }
    }
    finish(summary, start);
    return summary;
  }

  /** Completes the summary (timings, total, end time) and writes it with the run's HTML report. */
  private void finish(RunSummary summary, long start) {
    summary.put("stage_timings_ms", timer.millis());
    summary.put("total_ms", (System.nanoTime() - start) / 1_000_000);
    summary.put("finished_at", java.time.Instant.now().toString());
    records.write(summary, charts);
  }

  /** The classified rows (cached), their funnel and the rows the source produced. */
  private record Classified(Dataset<Row> rows, Funnel funnel, long sourceRows) {}

  /** The scored and decided rows (cached), the candidates among them, and the run's one aggregation of them. */
  private record Decided(Dataset<Row> rows, Dataset<Row> selected, Groups groups, Funnel funnel) {}

  private void execute(RunSummary summary, RunPublication publication) {
    ModelLoads loads = timer.time("load_models", () -> ModelLoads.start(spark, program, summary));
    Classified classified = null;
    textFeatures.clear();
    Decided decided = null;
    List<Decision> decisions = List.of();
    try {
      // Features from texts (the sentiment of each customer's recent messages), each in a stage of
      // its own: scored and aggregated once, joined onto the extract as it is classified.
      Map<String, Object> textSummaries = new LinkedHashMap<>();
      for (TextFeature feature : program.textFeatures()) {
        TextFeature.Prepared prepared = timer.time(feature.stage(), () -> feature.prepare(spark, program.runDate()),
            done -> done.summary().get("messages_scored") + " messages of " + done.summary().get("customers_with_messages")
                + " customers scored");
        textFeatures.add(prepared);
        textSummaries.put(feature.id(), prepared.summary());
      }
      if (!textSummaries.isEmpty()) {
        summary.put("text_features", textSummaries);
      }
      classified = timer.time("read_classify", this::classify,
          done -> done.sourceRows() + " rows read, " + done.funnel().quarantinedRows() + " quarantined, "
              + done.funnel().removedRows() + " removed by filters, " + done.funnel().candidates() + " kept");
      for (TextFeature.Prepared feature : textFeatures) {
        feature.countMatched(classified.rows(), ReaderSource.of(program.source()).describe());
      }
      Classified checked = classified;
      // The suite first: an extract broken beyond the quarantine limit still gets its data-quality record.
      program.validation().ifPresent(suite -> timer.time("validate", () -> validate(suite, checked, summary)));
      requireQuarantineWithinLimit(classified.funnel(), ReaderSource.of(program.source()));
      List<Decision> fitted = fitDecisions(classified);
      decisions = fitted;
      List<Scorer> scorers = timer.time("load_models", loads::await);
      compareTextModelVersions(summary);
      List<SummarySection> sections = sections(fitted, scorers);
      Classified rows = classified;
      decided = timer.time("score_decide", () -> scoreAndDecide(rows, scorers, fitted, sections),
          done -> rows.funnel().candidates() + " rows scored, " + done.funnel().removedRows() + " removed after scoring, "
              + done.funnel().candidates() + " candidates");
      Funnel funnel = classified.funnel().followedBy(decided.funnel());
      funnel.requireBalanced(classified.sourceRows());
      summary.funnel(funnel);
      Decided scored = decided;
      timer.time("report", () -> report(summary, rows, scored, sections, scorers));

      List<PartitionedTableSink.Prepared> prepared = timer.time("prepare_tables",
          () -> publication.prepare(funnel, tables -> prepareTables(tables, rows, scored)),
          tables -> tables.stream().map(table -> table.table() + " " + table.rows()).toList() + " rows prepared");
      // The point of no return: from here a crash is completed by the next run of the date.
      Map<String, Long> written = timer.time("publish", () -> publication.publish(prepared));
      // Contacts are recorded once the candidates are published: the eligibility filter of later runs reads them.
      program.outputs().contactHistory().ifPresent(history -> timer.time("contact_history",
          () -> written.put("contact_history", history.merge(scored.selected(), partition))));
      program.dynamodb().map(DynamoDbExport::newSink).ifPresent(sink -> {
        timer.time("export_dynamodb", () -> written.put(sink.name(), sink.write(scored.selected(), partition)));
        summary.put("dynamodb", sink.report());
      });
      summary.put("written", written);
      RunPublication.requireWrittenMatches(written, funnel);
    } finally {
      loads.close();
      close(decisions);
      textFeatures.forEach(TextFeature.Prepared::close);
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
   * same scan) against the funnel and the source's {@code min-rows} (the quarantine limit is
   * checked after the data-quality suite, still before anything is written). The whole
   * plan is analyzed before the scan, so a config that names a missing column fails before a row
   * is read.
   */
  private Classified classify() {
    ReaderSource source = ReaderSource.of(program.source());
    FilterChain chain = FilterChain.of(program.filters());
    Dataset<Row> extract = source.readForContract(spark);
    source.scanParallelismWarning(extract, ReaderSource.taskSlots(spark.sparkContext())).ifPresent(LOG::warn);
    Observations.Observed extractRows = Observations.observe(extract, "extract_rows", count(lit(1)).as("rows"));
    Dataset<Row> validated = ContractValidator.validate(extractRows.dataset(), program.contract(), source.describe());
    Dataset<Row> planned = chain.apply(DerivedColumn.addAll(enrich(validated), program.derived(), program.contract().limits()));
    program.fairness().ifPresent(fairness -> fairness.requireAttributes(planned));
    program.validation().ifPresent(suite -> suite.requireColumns(planned, "program.validation"));
    Dataset<Row> classified = planned.persist(StorageLevel.MEMORY_AND_DISK());
    try {
      Funnel funnel = Funnel.of(classified, chain.filterIds());
      long sourceRows = extractRowCount(extractRows, source);
      requireMinRows(sourceRows, source);
      funnel.requireBalanced(sourceRows);
      return new Classified(classified, funnel, sourceRows);
    } catch (RuntimeException | Error e) {
      classified.unpersist();
      throw e;
    }
  }

  /**
   * Runs the program's data-quality suite ({@link QualitySuite}) over the extract, every row of it
   * as read and typed (quarantined rows too: the suite judges what the warehouse delivered), from
   * the classified cache; puts the results in the summary's {@code validation} section and the
   * validation table, then stops the run (user error, nothing written) if an error-level check
   * failed.
   */
  private void validate(QualitySuite suite, Classified classified, RunSummary summary) {
    String source = ReaderSource.of(program.source()).describe();
    QualityReport report = suite.run(spark, classified.rows(), "program", program.id(), "extract", source, program.runDate());
    summary.put("validation", Map.of("extract", report.toSummary()));
    records.writeValidation(report);
    report.requirePassed("nothing was written");
  }

  /**
   * Scores the kept rows, applies the decisions and the post-score filters (declines that need the
   * scores) into the decided cache, built by the run's one aggregation of it: the post-score
   * funnel and every figure the program's parts asked for. Scoring, decisions and declines run
   * before the first write, so that a model or decision failure leaves every output of an earlier
   * run of the date as it was.
   */
  private Decided scoreAndDecide(Classified classified, List<Scorer> scorers, List<Decision> decisions, List<SummarySection> sections) {
    FilterChain postScoreChain = FilterChain.of(program.postScoreFilters());
    Dataset<Row> scored = kept(classified);
    for (Scorer scorer : scorers) {
      scored = scorer.score(scored);
    }
    for (Decision decision : decisions) {
      scored = decision.apply(scored);
    }
    // The null quarantine column lets the same chain and funnel code run over the scored rows.
    Dataset<Row> unpersisted = postScoreChain.apply(scored.withColumn(QUARANTINE_RULE, lit(null).cast("string")));
    program.fairness().ifPresent(fairness -> fairness.requireMixColumn(unpersisted));
    Dataset<Row> decided = unpersisted.persist(StorageLevel.MEMORY_AND_DISK());
    try {
      Dataset<Row> selected = decided.where(col(REMOVED_BY).isNull()).drop(QUARANTINE_RULE, REMOVED_BY, REMOVAL_REASON);
      // Analysis only: the DynamoDB layout's expressions and columns are checked before any action.
      program.dynamodb().ifPresent(export -> export.layout().items(selected, partition));
      List<Figure> figures = new ArrayList<>(List.of(Figure.dimension(REMOVED_BY, col(REMOVED_BY))));
      sections.forEach(section -> figures.addAll(section.figures()));
      Groups groups = Groups.of(decided, col(REMOVED_BY).isNull(), figures);
      Funnel funnel = Funnel.ofRemovals(groups.rows(Groups.Scope.SCORED), groups.countsBy(REMOVED_BY, Groups.Scope.SCORED),
          postScoreChain.filterIds(), groups.rows(Groups.Scope.SELECTED));
      return new Decided(decided, selected, groups, funnel);
    } catch (RuntimeException | Error e) {
      decided.unpersist();
      throw e;
    }
  }

  /** The rows the filters kept, from the classified cache, without the classification columns. */
  private static Dataset<Row> kept(Classified classified) {
    return classified.rows().where(col(QUARANTINE_RULE).isNull().and(col(REMOVED_BY).isNull()))
        .drop(QUARANTINE_RULE, QUARANTINE_REASON, REMOVED_BY, REMOVAL_REASON);
  }

  /**
   * The program's decisions, each that learns from the run's rows ({@link LearnedDecision}: segments,
   * anomaly scores, next best actions, recommendations) fitted on the kept rows in a stage of its
   * own, before any model scores them; a learned decision sees the columns of the learned decisions
   * before it (a segment, for the policy or the recommendations of a segment).
   */
  private List<Decision> fitDecisions(Classified classified) {
    LearnedDecision.Run run = new LearnedDecision.Run(spark, partition, program.contract().keyColumn(),
        program.outputs().candidatesTable());
    List<Decision> decisions = new ArrayList<>();
    try {
      Dataset<Row> rows = kept(classified);
      for (Decision decision : program.decisions()) {
        if (decision instanceof LearnedDecision learned) {
          Dataset<Row> seen = rows;
          Decision fitted = timer.time(learned.stage(), () -> learned.fit(seen, run));
          decisions.add(fitted);
          rows = fitted.apply(rows);
        } else {
          decisions.add(decision);
        }
      }
      return decisions;
    } catch (RuntimeException | Error e) {
      close(decisions);
      throw e;
    }
  }

  /** Releases what fitted decisions hold (cached recommendations). */
  private static void close(List<Decision> decisions) {
    for (Decision decision : decisions) {
      if (decision instanceof AutoCloseable closeable) {
        try {
          closeable.close();
        } catch (Exception e) {
          LOG.warn("Could not release {}: {}", decision.getClass().getSimpleName(), e.toString());
        }
      }
    }
  }

  /** The decisions and scorers that report ({@link SummarySection}), in config order: decisions first. */
  private List<SummarySection> sections(List<Decision> decisions, List<Scorer> scorers) {
    List<Object> parts = new ArrayList<>(decisions);
    parts.addAll(scorers);
    return parts.stream().filter(SummarySection.class::isInstance).map(SummarySection.class::cast).toList();
  }

  /**
   * {@code scored} (candidates), each reporting part's sections (in decision order, then the
   * scorers'), and the fairness report: selection rate per protected group among the rows that
   * passed validation, removed by a filter (before or after scoring) or selected.
   */
  private void report(RunSummary summary, Classified classified, Decided decided, List<SummarySection> sections,
      List<Scorer> scorers) {
    summary.put("scored", decided.groups().rows(Groups.Scope.SCORED));
    RunReport report = new RunReport(spark, program.id(), program.runDate(), partition.under(program.outputs().reports()),
        decided.rows(), decided.groups());
    sections.forEach(section -> section.report(report));
    report.sections().forEach(summary::put);
    charts.putAll(report.charts());
    program.fairness().ifPresent(fairness -> summary.put("fairness", fairness.reportRun(classified.rows(), decided.rows())));
    program.drift().ifPresent(drift -> {
      List<ModelScorer> models = scorers.stream().filter(ModelScorer.class::isInstance).map(ModelScorer.class::cast).toList();
      Map<String, Object> drifts = drift.report(decided.rows(), models);
      summary.put("drift", drifts);
      // Named at the top of the summary: the run succeeded, but these models' inputs no longer look like their training rows.
      summary.put("drifted_models", drifts.get("drifted_models"));
      if (!((List<?>) drifts.get("drifted_models")).isEmpty()) {
        LOG.warn("Models drifted (PSI above {}): {}", drift.alert(), drifts.get("drifted_models"));
      }
    });
  }

  /**
   * The run's three tables, prepared through {@link RunPublication#prepare} (written, not yet
   * visible): the quarantined rows with their rule and reason; the rows removed by a filter with
   * its id and reason (declined after scoring: with their scores and offer columns; earlier
   * rejections have them null); the candidates.
   */
  private void prepareTables(RunPublication.Tables tables, Classified classified, Decided decided) {
    tables.table(program.outputs().quarantineTable(),
        classified.rows().where(col(QUARANTINE_RULE).isNotNull()).drop(REMOVED_BY, REMOVAL_REASON));
    Dataset<Row> rejected = classified.rows().where(col(REMOVED_BY).isNotNull()).drop(QUARANTINE_RULE, QUARANTINE_REASON);
    if (!program.postScoreFilters().isEmpty()) {
      rejected = rejected.unionByName(decided.rows().where(col(REMOVED_BY).isNotNull()).drop(QUARANTINE_RULE), true);
    }
    tables.table(program.outputs().rejectionsTable(), rejected);
    // Nothing after this reads the classified rows: their memory goes to the candidates' sinks.
    classified.rows().unpersist();
    tables.table(program.outputs().candidatesTable(), decided.selected());
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


  /**
   * Names, in each text feature's summary ({@code models_trained_with_other_versions}) and in a
   * warning, the models whose labeled rows got the feature from another version of its text model
   * than this run's (a text model promoted after them, or a challenger that lost): their inputs
   * moved under them, as drift would show. The run goes on; retraining them (train-model) ends it.
   */
  private void compareTextModelVersions(RunSummary summary) {
    if (!(summary.get("models") instanceof Map<?, ?> models)) {
      return;
    }
    for (int i = 0; i < textFeatures.size(); i++) {
      String id = program.textFeatures().get(i).id();
      Map<String, Object> featureSummary = textFeatures.get(i).summary();
      int version = TextFeature.version(featureSummary);
      List<String> others = new ArrayList<>();
      for (Map.Entry<?, ?> model : models.entrySet()) {
        if (model.getValue() instanceof Map<?, ?> entry && entry.get("training_enrichments") instanceof Map<?, ?> lineage
            && lineage.get(id) instanceof Map<?, ?> used && used.get("version") instanceof Number trained
            && trained.intValue() != version) {
          others.add(model.getKey() + " (trained with version " + trained + ")");
        }
      }
      if (!others.isEmpty()) {
        featureSummary.put("models_trained_with_other_versions", others);
        LOG.warn("Text feature {} uses text model version {}; models trained on another version's figures: {}", id, version, others);
      }
    }
  }

  private Dataset<Row> enrich(Dataset<Row> rows) {
    Dataset<Row> result = rows;
    for (Enrichment enrichment : program.enrichments()) {
      result = enrichment.joinOnto(spark, result);
    }
    for (TextFeature.Prepared feature : textFeatures) {
      result = feature.joinOnto(result, ReaderSource.of(program.source()).describe());
    }
    return result;
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
}
