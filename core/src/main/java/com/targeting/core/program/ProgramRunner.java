package com.targeting.core.program;

import static com.targeting.core.Columns.CHANNELS;
import static com.targeting.core.Columns.QUARANTINE_REASON;
import static com.targeting.core.Columns.QUARANTINE_RULE;
import static com.targeting.core.Columns.RECOMMENDATIONS;
import static com.targeting.core.Columns.REMOVAL_REASON;
import static com.targeting.core.Columns.REMOVED_BY;
import static com.targeting.core.Columns.SCORE_BAND;
import static java.util.Objects.requireNonNull;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.exists;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.sum;
import static org.apache.spark.sql.functions.when;

import com.targeting.core.Observations;
import com.targeting.core.TargetingException;
import com.targeting.core.decide.BudgetSelection;
import com.targeting.core.decide.ChannelAudiences;
import com.targeting.core.decide.Decision;
import com.targeting.core.decide.LoanOffers;
import com.targeting.core.fairness.AdverseImpact;
import com.targeting.core.filter.FilterChain;
import com.targeting.core.filter.Funnel;
import com.targeting.core.fs.HadoopFiles;
import com.targeting.core.model.ModelRegistry;
import com.targeting.core.model.ModelSpec;
import com.targeting.core.model.SavedModel;
import com.targeting.core.score.ModelScorer;
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
import com.targeting.core.uplift.UpliftReport;
import com.targeting.core.uplift.UpliftScorer;
import com.targeting.core.uplift.UpliftSpec;
import com.targeting.core.validate.ContractValidator;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.storage.StorageLevel;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The recipe of a targeting run: source, validate, enrich and derive, filter chain, score,
 * decide, sinks. Each step builds one named dataset; the summary accounts for every input row:
 * {@code input_rows = quarantined_rows + sum(removed_by_filter) + candidates}.
 */
public final class ProgramRunner {
  private static final Logger LOG = LoggerFactory.getLogger(ProgramRunner.class);

  private final SparkSession spark;
  private final ProgramConfig program;
  private final RunPartition partition;
  private final StageTimer timer;

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
      // Before anything else: one run of the date at a time, and whatever an earlier run of it left
      // unfinished is completed or rolled back, so that this run starts from whole outputs.
      String journalDirectory = partition.under(program.outputs().journal());
      lock = RunLock.acquire(spark, journalDirectory + "/lock.json", program.runId(),
          "Program " + program.id() + ", run date " + program.runDate(), program.outputs().publishing().lock());
      RunJournal journal = RunJournal.of(spark, journalDirectory, program.runId(), startedAt);
      journal.recover(program.outputs().publishing().maxAttempts())
          .filter(recovery -> !HadoopFiles.exists(spark, summaryPath(recovery.runId())))
          .ifPresent(recovery -> {
            summary.put("recovered", recovery.report());
            recordInterrupted(recovery);
          });
      journal.begin();
      execute(summary, journal, lock);
      summary.put("status", "succeeded");
    } catch (Exception | Error e) { // Spark's Scala code throws checked exceptions undeclared
      summary.failed(e);
      finish(summary, start, summaryPath);
      try {
        HadoopFiles.writeString(spark, summaryPath, summary.toJson());
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
    HadoopFiles.writeString(spark, summaryPath, summary.toJson());
    return summary;
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

  private void finish(RunSummary summary, long start, String summaryPath) {
    summary.put("stage_timings_ms", timer.millis());
    summary.put("total_ms", (System.nanoTime() - start) / 1_000_000);
    summary.put("finished_at", java.time.Instant.now().toString());
    summary.put("summary_path", summaryPath);
  }

  private void execute(RunSummary summary, RunJournal journal, RunLock lock) {
    ReaderSource source = ReaderSource.of(program.source());
    FilterChain chain = FilterChain.of(program.filters());
    FilterChain postScoreChain = FilterChain.of(program.postScoreFilters());
    Map<String, Object> models = new LinkedHashMap<>();
    List<Scorer> scorers = timer.time("load_models", () -> loadModels(models));
    summary.put("models", models);

    // The whole plan is built (and analyzed) before any action, so a config that names a missing
    // column fails here, before a single row is read or written.
    // The extract is scanned once, into the classified cache. The rows the reader produced are
    // counted on the way (an observed metric of that same scan), independently of everything after
    // it: the funnel must account for each of them.
    Observations.Observed extractRows = Observations.observe(source.readForContract(spark), "extract_rows", count(lit(1)).as("rows"));
    Dataset<Row> validated = ContractValidator.validate(extractRows.dataset(), program.contract(), source.describe());
    Dataset<Row> classified = null;
    Dataset<Row> decided = null;
    try {
      // Classified rows are read by the funnel, both reject sinks and scoring: cache.
      classified = timer.time("enrich_filter", () -> chain.apply(derive(enrich(validated)))
          .persist(StorageLevel.MEMORY_AND_DISK()));
      Dataset<Row> classifiedRows = classified;
      // The funnel's aggregation builds the classified cache: the extract's rows are counted (and
      // checked against the source's min-rows) before any scoring or write.
      Funnel filtered = timer.time("enrich_filter", () -> Funnel.of(classifiedRows, chain.filterIds()));
      long sourceRows = timer.time("read_validate", () -> extractRowCount(extractRows, source));
      requireMinRows(sourceRows, source);
      filtered.requireBalanced(sourceRows);
      requireQuarantineWithinLimit(filtered, source);
      // Scored and decided rows, classified again by the post-score filters (declines that need the
      // scores), feed the funnel, the sinks and the summary: cache. The null quarantine column lets
      // the same chain and funnel code run over them.
      // Timed: XGBoost4J-Spark's transform asks for its input's RDD (read from the classified cache,
      // built by the funnel above) here, while the plan is being built.
      decided = timer.time("build_score_plan", () -> postScoreChain.apply(decide(score(candidates(classifiedRows), scorers))
              .withColumn(QUARANTINE_RULE, lit(null).cast("string")))
          .persist(StorageLevel.MEMORY_AND_DISK()));
      Dataset<Row> decidedRows = decided;
      Dataset<Row> selected = decidedRows.where(col(REMOVED_BY).isNull()).drop(QUARANTINE_RULE, REMOVED_BY, REMOVAL_REASON);
      // Analysis only: the DynamoDB layout's expressions and columns are checked before any action.
      program.dynamodb().ifPresent(sink -> sink.layout().items(selected, partition));

      // Scoring, decisions and declines run (and are cached) before the first write, so that a model or
      // decision failure leaves every output of an earlier run of this date as it was.
      Funnel funnel = timer.time("score_decide", () -> {
        Funnel all = filtered.followedBy(Funnel.of(decidedRows, postScoreChain.filterIds()));
        putOutcomes(summary, outcomes(selected));
        putBudget(summary, decidedRows);
        return all;
      });
      funnel.requireBalanced(sourceRows);
      putFunnel(summary, funnel);
      // Selection rate per protected group among the rows that passed validation: removed by a filter
      // (before or after scoring) or selected.
      program.fairness().ifPresent(fairness -> summary.put("fairness", timer.time("fairness",
          () -> fairness.report(fairnessPopulation(classifiedRows, decidedRows, fairness), col(FAIRNESS_SELECTED)))));

      // Every table of the run is prepared (written, not yet visible) before any is published, each
      // recorded in the run journal: a crash here leaves readers the earlier run's outputs whole.
      Map<String, Long> written = new LinkedHashMap<>();
      List<PartitionedTableSink.Prepared> prepared = new ArrayList<>();
      try {
        timer.time("write_rejects", () -> {
          prepare(journal, prepared, program.outputs().quarantineTable(),
              classifiedRows.where(col(QUARANTINE_RULE).isNotNull()).drop(REMOVED_BY, REMOVAL_REASON));
          Dataset<Row> rejected = classifiedRows.where(col(REMOVED_BY).isNotNull()).drop(QUARANTINE_RULE, QUARANTINE_REASON);
          if (!program.postScoreFilters().isEmpty()) {
            // Declined after scoring: with their scores and offer columns; earlier rejections have them null.
            rejected = rejected.unionByName(decidedRows.where(col(REMOVED_BY).isNotNull()).drop(QUARANTINE_RULE), true);
          }
          prepare(journal, prepared, program.outputs().rejectionsTable(), rejected);
        });
        // Nothing after this reads the classified rows: their memory goes to the candidates' sinks.
        classifiedRows.unpersist();
        timer.time("write_candidates", () -> prepare(journal, prepared, program.outputs().candidatesTable(), selected));
        // Counts from the prepared files: a table that would not hold what the funnel counted is
        // never published.
        prepared.stream().filter(table -> table.rows() >= 0).forEach(table -> written.put(table.table(), table.rows()));
        requireWrittenMatches(written, funnel);
        lock.requireHeld();
      } catch (RuntimeException | Error e) {
        try {
          journal.rollBack();
        } catch (RuntimeException rollBackFailure) {
          e.addSuppressed(rollBackFailure);
        }
        throw e;
      }
      // The point of no return: from here a crash is completed by the next run of the date.
      timer.time("publish", () -> {
        journal.publishing();
        for (PartitionedTableSink.Prepared table : prepared) {
          PartitionedTableSink.publish(spark, table, program.outputs().publishing().maxAttempts());
        }
        journal.published();
      });
      for (PartitionedTableSink.Prepared table : prepared) {
        if (table.rows() < 0) { // files without a row count in their statistics: count the table
          written.put(table.table(), tableOf(table.table()).rowsOf(spark, partition));
        }
      }
      // Contacts are recorded once the candidates are published: the eligibility filter of later runs reads them.
      program.outputs().contactHistory().ifPresent(history -> timer.time("contact_history",
          () -> written.put("contact_history", history.merge(selected, partition))));
      program.dynamodb().ifPresent(sink -> {
        timer.time("export_dynamodb", () -> written.put(sink.name(), sink.write(selected, partition)));
        summary.put("dynamodb", sink.report());
      });
      summary.put("written", written);
      requireWrittenMatches(written, funnel);
    } finally {
      if (classified != null) {
        classified.unpersist();
      }
      if (decided != null) {
        decided.unpersist();
      }
    }
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
  private static final com.fasterxml.jackson.databind.ObjectMapper JSON = new com.fasterxml.jackson.databind.ObjectMapper();

  /**
   * The budget selection's report (spend, incremental conversions, profit, ROI against top-K by
   * propensity) and its budget/profit chart in the run's reports, and the uplift segments of the
   * scored customers.
   */
  private void putBudget(RunSummary summary, Dataset<Row> decided) {
    for (Decision decision : program.decisions()) {
      if (decision instanceof BudgetSelection budget) {
        Map<String, Object> report = budget.report(decided, 100);
        @SuppressWarnings("unchecked")
        Map<String, List<double[]>> curves = (Map<String, List<double[]>>) report.remove("curves");
        Map<String, double[][]> series = new LinkedHashMap<>();
        curves.forEach((name, points) -> series.put(name.equals("uplift") ? "by uplift x value / cost (selected)" : "top-K by propensity",
            new double[][] {points.stream().mapToDouble(p -> p[0]).toArray(), points.stream().mapToDouble(p -> p[1]).toArray()}));
        double top = curves.values().stream().flatMap(List::stream).mapToDouble(p -> p[1]).max().orElse(0.0);
        series.put("budget", new double[][] {{budget.budget(), budget.budget()}, {0.0, top}});
        String chart = partition.under(program.outputs().reports()) + "/budget-profit.png";
        report.put("chart", UpliftReport.chart(spark, chart, program.id() + " " + program.runDate() + ": expected incremental profit by spend",
            "spend", "expected incremental profit", series));
        summary.put("budget", report);
      }
    }
    for (UpliftSpec spec : program.upliftModels()) {
      String segment = spec.output() + com.targeting.core.uplift.UpliftColumns.SEGMENT_SUFFIX;
      Map<String, Long> counts = new TreeMap<>();
      for (Row row : (Row[]) decided.groupBy(col(segment)).agg(count(lit(1))).collect()) {
        counts.put(row.getString(0), row.getLong(1));
      }
      summary.put("uplift_segments", counts);
    }
  }

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

  private Dataset<Row> derive(Dataset<Row> rows) {
    return DerivedColumn.addAll(rows, program.derived());
  }

  private static Dataset<Row> candidates(Dataset<Row> classified) {
    return classified.where(col(QUARANTINE_RULE).isNull().and(col(REMOVED_BY).isNull()))
        .drop(QUARANTINE_RULE, QUARANTINE_REASON, REMOVED_BY, REMOVAL_REASON);
  }

  /** Loads every model first: a missing or unreadable model fails the run before any work. */
  private List<Scorer> loadModels(Map<String, Object> modelsUsed) {
    List<Scorer> scorers = new ArrayList<>();
    for (ModelSpec spec : program.models()) {
      String path = ModelRegistry.at(spark, spec.registry()).resolve(spec);
      SavedModel model = SavedModel.load(spark, path);
      model.requireTrainedAs(spec);
      scorers.add(ModelScorer.of(model, spec.output(), spec.reasonCodes()));
      Map<String, Object> used = new LinkedHashMap<>();
      used.put("version", model.metadata().version());
      used.put("path", path);
      used.put("created_at", model.metadata().createdAt());
      used.put("metrics", model.metadata().metrics());
      modelsUsed.put(spec.id(), used);
    }
    for (UpliftSpec spec : program.upliftModels()) {
      String path = ModelRegistry.at(spark, spec.registry()).resolve(spec.id(), spec.pinnedVersion(), UpliftModelStore.FILE_NAME);
      UpliftModelStore.Loaded model = UpliftModelStore.load(spark, path);
      scorers.add(UpliftScorer.of(model, spec));
      Map<String, Object> used = new LinkedHashMap<>();
      used.put("version", model.version());
      used.put("path", path);
      used.put("learner", model.metadata().path("learner").asText());
      used.put("created_at", model.metadata().path("created_at").asText());
      used.put("holdout_metrics", JSON.convertValue(model.metadata().path("metrics"), Map.class));
      modelsUsed.put(spec.id(), used);
    }
    return scorers;
  }

  private static Dataset<Row> score(Dataset<Row> candidates, List<Scorer> scorers) {
    Dataset<Row> scored = candidates;
    for (Scorer scorer : scorers) {
      scored = scorer.score(scored);
    }
    return scored;
  }

  private Dataset<Row> decide(Dataset<Row> scored) {
    Dataset<Row> result = scored;
    for (Decision decision : program.decisions()) {
      result = decision.apply(result);
    }
    return result;
  }

  /**
   * Counts per score band, top recommended asset class, credit tier and channel, and offered loan
   * amounts per tier, in one aggregation.
   */
  private Map<String, Object> outcomes(Dataset<Row> decided) {
    List<String> columns = Arrays.asList(decided.columns());
    Column band = columns.contains(SCORE_BAND) ? col(SCORE_BAND) : lit(null).cast("string");
    Column topClass = columns.contains(RECOMMENDATIONS)
        ? col(RECOMMENDATIONS).getItem(0).getField("asset_class") : lit(null).cast("string");
    boolean loans = columns.contains(LoanOffers.CREDIT_TIER) && columns.contains(LoanOffers.LOAN_AMOUNT);
    Column tier = loans ? col(LoanOffers.CREDIT_TIER) : lit(null).cast("string");
    Column amount = loans ? col(LoanOffers.LOAN_AMOUNT) : lit(0.0);
    List<String> channelIds = new ArrayList<>();
    for (Decision decision : program.decisions()) {
      if (decision instanceof ChannelAudiences audiences) {
        channelIds.addAll(audiences.ids());
      }
    }
    List<Column> aggregates = new ArrayList<>();
    aggregates.add(count(lit(1)).as("rows"));
    aggregates.add(sum(amount).cast("double"));
    for (String channel : channelIds) {
      aggregates.add(sum(when(exists(col(CHANNELS), c -> c.getField("channel").equalTo(channel)), 1).otherwise(0)));
    }
    Row[] groups = (Row[]) decided.groupBy(band.as("band"), topClass.as("top_class"), tier.as("tier"))
        .agg(aggregates.get(0), aggregates.subList(1, aggregates.size()).toArray(Column[]::new))
        .collect();
    long scored = 0;
    Map<String, Long> bands = new TreeMap<>();
    Map<String, Long> topClasses = new TreeMap<>();
    Map<String, Long> tiers = new TreeMap<>();
    Map<String, Double> tierAmounts = new TreeMap<>();
    Map<String, Long> audiences = new LinkedHashMap<>();
    channelIds.forEach(id -> audiences.put(id, 0L));
    for (Row group : groups) {
      long rows = group.getLong(3);
      scored += rows;
      if (group.get(0) != null) {
        bands.merge(group.getString(0), rows, Long::sum);
      }
      if (group.get(1) != null) {
        topClasses.merge(group.getString(1), rows, Long::sum);
      }
      if (group.get(2) != null) {
        tiers.merge(group.getString(2), rows, Long::sum);
        tierAmounts.merge(group.getString(2), group.isNullAt(4) ? 0.0 : group.getDouble(4), Double::sum);
      }
      for (int i = 0; i < channelIds.size(); i++) {
        audiences.merge(channelIds.get(i), group.getLong(5 + i), Long::sum);
      }
    }
    Map<String, Object> outcomes = new LinkedHashMap<>();
    outcomes.put("scored", scored);
    outcomes.put("score_bands", bands);
    outcomes.put("top_asset_classes", topClasses);
    if (loans) {
      outcomes.put("credit_tiers", tiers);
      Map<String, Object> offered = new LinkedHashMap<>();
      tierAmounts.forEach((name, total) -> {
        Map<String, Object> figures = new LinkedHashMap<>();
        figures.put("offers", tiers.get(name));
        figures.put("total_amount", Math.round(total * 100) / 100.0);
        figures.put("average_amount", Math.round(total / tiers.get(name) * 100) / 100.0);
        offered.put(name, figures);
      });
      outcomes.put("loan_amounts", offered);
    }
    outcomes.put("channel_audiences", audiences);
    return outcomes;
  }

  private static void putOutcomes(RunSummary summary, Map<String, Object> outcomes) {
    outcomes.forEach(summary::put);
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
