package com.targeting.core.validate;

import static java.util.Objects.requireNonNull;

import com.amazon.deequ.AnomalyCheckConfig;
import com.amazon.deequ.VerificationResult;
import com.amazon.deequ.VerificationRunBuilder;
import com.amazon.deequ.VerificationRunBuilderWithRepository;
import com.amazon.deequ.VerificationSuite;
import com.amazon.deequ.analyzers.Analyzer;
import com.amazon.deequ.analyzers.Completeness;
import com.amazon.deequ.analyzers.Mean;
import com.amazon.deequ.analyzers.Size;
import com.amazon.deequ.analyzers.runners.AnalyzerContext;
import com.amazon.deequ.anomalydetection.AbsoluteChangeStrategy;
import com.amazon.deequ.anomalydetection.AnomalyDetectionStrategy;
import com.amazon.deequ.anomalydetection.RelativeRateOfChangeStrategy;
import com.amazon.deequ.checks.Check;
import com.amazon.deequ.checks.CheckLevel;
import com.amazon.deequ.checks.CheckResult;
import com.amazon.deequ.constraints.ConstraintResult;
import com.amazon.deequ.constraints.ConstraintStatus;
import com.amazon.deequ.metrics.Metric;
import com.amazon.deequ.repository.ResultKey;
import com.amazon.deequ.repository.fs.FileSystemMetricsRepository;
import com.targeting.core.TargetingException;
import com.targeting.core.config.ConfigNode;
import java.io.Serializable;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import scala.Option;
import scala.collection.JavaConverters;
import scala.runtime.AbstractFunction1;

/**
 * A data-quality suite over one dataset (the extract a run scores, or a model's training rows),
 * read from config and run with Amazon Deequ's {@code VerificationSuite}: every check's metric is
 * computed together (Deequ shares one scan among the analyzers that can share it; uniqueness adds
 * one aggregation by its columns). Each check has a level: a failed {@code error} check stops the
 * run before anything is written ({@link QualityReport#requirePassed}); a failed {@code warning}
 * is reported and the run goes on.
 *
 * <p>Config (a {@code validation} block):
 *
 * <pre>
 * validation {
 *   repository = "s3://bucket/validation-metrics"   # Deequ's metrics repository; needed by *-change checks
 *   checks = [
 *     { id = enough-rows, level = error, type = row-count, min = 50000 }
 *     { level = error, type = complete, columns = [customer_id] }           # share of non-null values, min-fraction = 1
 *     { level = error, type = unique, columns = [customer_id] }             # share of rows whose value occurs once; min-fraction = 1
 *     { level = warning, type = allowed-values, column = device_type, values = [ios, android, web] }
 *     { level = warning, type = range, column = virality_score, min = 0, max = 1 }   # nulls pass; min-fraction = 1
 *     { level = warning, type = mean, column = sessions_30d, min = 5, max = 40 }
 *     { level = warning, type = row-count-change, max-relative-change = 0.3 }
 *     { level = warning, type = mean-change, column = sessions_30d, max-relative-change = 0.25 }
 *     { level = warning, type = null-rate-change, column = avg_gig_rating, max-change = 0.05 }
 *   ]
 * }
 * </pre>
 *
 * <p>Run over run: the {@code *-change} checks compare this run's metric with the one of the
 * latest earlier run date of the same program and dataset in Deequ's {@code
 * FileSystemMetricsRepository} (one JSON file per program (or model) and dataset under {@code repository}),
 * through Deequ's anomaly checks: {@code RelativeRateOfChangeStrategy} for row counts and means
 * (the ratio to the previous value must lie within {@code 1 +/- max-relative-change}) and {@code
 * AbsoluteChangeStrategy} on completeness for null rates (the null rate may move by at most
 * {@code max-change}, in share points). Only earlier run dates are history, so a rerun or a
 * backfill compares with the dates before it; with no earlier run the check is {@code skipped}.
 * A run's metrics join the history only when it passes every error check, so that a broken
 * extract does not become the next run's baseline.
 */
public final class QualitySuite implements Serializable {
  private static final long serialVersionUID = 1L;
  private static final Logger LOG = LoggerFactory.getLogger(QualitySuite.class);

  /** How a failure counts: {@code error} stops the run, {@code warning} is reported. */
  public enum Level {
    ERROR, WARNING;

    public String configName() {
      return name().toLowerCase(Locale.ROOT);
    }
  }

  /** The kinds of check, by config {@code type}. */
  public enum Type {
    ROW_COUNT("row-count", false), COMPLETE("complete", false), UNIQUE("unique", false),
    ALLOWED_VALUES("allowed-values", false), RANGE("range", false), MEAN("mean", false),
    ROW_COUNT_CHANGE("row-count-change", true), MEAN_CHANGE("mean-change", true), NULL_RATE_CHANGE("null-rate-change", true);

    private final String configName;
    private final boolean runOverRun;

    Type(String configName, boolean runOverRun) {
      this.configName = configName;
      this.runOverRun = runOverRun;
    }

    public String configName() {
      return configName;
    }

    static Type of(ConfigNode node) {
      String name = node.string("type");
      for (Type type : values()) {
        if (type.configName.equals(name)) {
          return type;
        }
      }
      List<String> names = java.util.Arrays.stream(values()).map(Type::configName).toList();
      throw node.invalid("type", "unknown check type '" + name + "'; one of " + names
          + ConfigNode.closest(name, names).map(close -> " (did you mean " + close + "?)").orElse(""));
    }
  }

  /**
   * One check of the suite.
   *
   * @param columns the columns it reads (none for row counts)
   * @param min lower bound (row count, values of a range, mean), or the least share of rows that
   *     must comply ({@code complete}, {@code allowed-values}, {@code range}: {@code minFraction})
   * @param maxChange the largest relative ({@code row-count-change}, {@code mean-change}) or
   *     absolute ({@code null-rate-change}) change from the previous run
   */
  public record QualityCheck(String id, Level level, Type type, List<String> columns, Optional<Double> min,
      Optional<Double> max, double minFraction, List<String> values, double maxChange) implements Serializable {
    public QualityCheck {
      requireNonNull(id, "id is null");
      requireNonNull(level, "level is null");
      requireNonNull(type, "type is null");
      columns = List.copyOf(columns);
      values = List.copyOf(values);
      requireNonNull(min, "min is null");
      requireNonNull(max, "max is null");
    }

    /** What the check asserts, in words, for the summary and the validation table. */
    public String describe() {
      String on = String.join(", ", columns);
      String bounds = min.map(m -> ">= " + number(m)).orElse("") + (min.isPresent() && max.isPresent() ? " and " : "")
          + max.map(m -> "<= " + number(m)).orElse("");
      String share = minFraction < 1 ? " in at least " + number(100 * minFraction) + "% of rows" : " in every row";
      return switch (type) {
        case ROW_COUNT -> "row count " + bounds;
        case COMPLETE -> on + " not null" + share;
        case UNIQUE -> (columns.size() > 1 ? "(" + on + ")" : on) + " unique" + (minFraction < 1 ? share : "");
        case ALLOWED_VALUES -> on + " one of " + values + " (or null)" + share;
        case RANGE -> on + " " + bounds + " (or null)" + share;
        case MEAN -> "mean of " + on + " " + bounds;
        case ROW_COUNT_CHANGE -> "row count within " + number(100 * maxChange) + "% of the previous run's";
        case MEAN_CHANGE -> "mean of " + on + " within " + number(100 * maxChange) + "% of the previous run's";
        case NULL_RATE_CHANGE -> "null rate of " + on + " within " + number(100 * maxChange) + " points of the previous run's";
      };
    }
  }

  private final List<QualityCheck> checks;
  private final Optional<String> repository;

  public QualitySuite(List<QualityCheck> checks, Optional<String> repository) {
    this.checks = List.copyOf(checks);
    this.repository = requireNonNull(repository, "repository is null");
  }

  public List<QualityCheck> checks() {
    return checks;
  }

  public Optional<String> repository() {
    return repository;
  }

  /**
   * A {@code validation} block.
   *
   * @throws TargetingException (user error) naming the config path of an unknown type, a missing
   *     or contradictory bound, a duplicate id, or a run-over-run check without a repository
   */
  public static QualitySuite from(ConfigNode node) {
    Optional<String> repository = node.optionalString("repository");
    List<QualityCheck> checks = new ArrayList<>();
    Set<String> ids = new LinkedHashSet<>();
    List<ConfigNode> nodes = node.nodes("checks");
    for (ConfigNode check : nodes) {
      QualityCheck parsed = check(check);
      if (!ids.add(parsed.id())) {
        throw check.invalid("id", "two checks are called '" + parsed.id() + "': give one an id of its own");
      }
      if (parsed.type().runOverRun && repository.isEmpty()) {
        throw node.invalid("repository", "check " + parsed.id() + " compares with earlier runs and needs the metrics "
            + "repository's location (for example ${paths.output}\"/validation-metrics\")");
      }
      checks.add(parsed);
    }
    return new QualitySuite(checks, repository);
  }

  private static QualityCheck check(ConfigNode node) {
    Type type = Type.of(node);
    String levelName = node.string("level");
    Level level = switch (levelName) {
      case "error" -> Level.ERROR;
      case "warning" -> Level.WARNING;
      default -> throw node.invalid("level", "must be error or warning, was '" + levelName + "'");
    };
    List<String> columns = switch (type) {
      case ROW_COUNT, ROW_COUNT_CHANGE -> List.of();
      case COMPLETE, UNIQUE -> node.strings("columns");
      default -> List.of(node.string("column"));
    };
    if ((type == Type.COMPLETE || type == Type.UNIQUE) && columns.isEmpty()) {
      throw node.invalid("columns", "names no column");
    }
    Optional<Double> min = Optional.empty();
    Optional<Double> max = Optional.empty();
    if (type == Type.ROW_COUNT || type == Type.RANGE || type == Type.MEAN) {
      min = node.has("min") ? Optional.of(node.doubleValue("min")) : Optional.empty();
      max = node.has("max") ? Optional.of(node.doubleValue("max")) : Optional.empty();
      if (min.isEmpty() && max.isEmpty()) {
        throw node.invalid("min", "a " + type.configName + " check needs min, max or both");
      }
      if (min.isPresent() && max.isPresent() && min.get() > max.get()) {
        throw node.invalid("max", "is below min (" + number(min.get()) + ")");
      }
    }
    double minFraction = 1.0;
    if (type == Type.COMPLETE || type == Type.UNIQUE || type == Type.ALLOWED_VALUES || type == Type.RANGE) {
      minFraction = node.doubleValue("min-fraction", 1.0);
      if (!(minFraction > 0 && minFraction <= 1)) {
        throw node.invalid("min-fraction", "must be a share above 0 and at most 1, was " + minFraction);
      }
    }
    List<String> values = type == Type.ALLOWED_VALUES ? node.strings("values") : List.of();
    if (type == Type.ALLOWED_VALUES && values.isEmpty()) {
      throw node.invalid("values", "names no value");
    }
    double maxChange = 0;
    if (type.runOverRun) {
      String key = type == Type.NULL_RATE_CHANGE ? "max-change" : "max-relative-change";
      maxChange = node.doubleValue(key);
      if (!(maxChange >= 0) || (type != Type.NULL_RATE_CHANGE && maxChange >= 1) || maxChange > 1) {
        throw node.invalid(key, "must be a share from 0 (below 1 for a relative change), was " + maxChange);
      }
    }
    String id = node.string("id", type.configName + (columns.isEmpty() ? "" : "(" + String.join(",", columns) + ")"));
    return new QualityCheck(id, level, type, columns, min, max, minFraction, values, maxChange);
  }

  /**
   * Runs the suite over {@code rows} (Deequ computes every metric before any check is judged) and,
   * when every error check passed and a repository is configured, adds the run's metrics to the
   * history under the run date and the tags {@code <ownerKind>=<owner>} and {@code dataset}, in
   * {@code <repository>/<ownerKind>=<owner>/<dataset>.json}.
   *
   * @param ownerKind {@code program} (a program's extract) or {@code model} (a model's training rows)
   * @param owner the program's or model's id
   * @param dataset the dataset's name in the report and the repository ({@code extract}, {@code
   *     training})
   * @param describe the dataset's location for messages
   * @throws TargetingException (user error) when a check names a column {@code rows} lacks
   */
  public QualityReport run(SparkSession spark, Dataset<Row> rows, String ownerKind, String owner, String dataset,
      String describe, LocalDate runDate) {
    requireColumns(rows, "validation of " + dataset + " (" + describe + ")");
    long dateMillis = runDate.atStartOfDay(ZoneOffset.UTC).toInstant().toEpochMilli();
    scala.collection.immutable.Map<String, String> tags = scalaMap(Map.of(ownerKind, owner, "dataset", dataset));
    Optional<FileSystemMetricsRepository> history = repository.map(location ->
        new FileSystemMetricsRepository(spark, historyPath(ownerKind, owner, dataset)));

    VerificationRunBuilder builder = new VerificationSuite().onData(withMeanColumns(rows));
    Map<String, String> skipped = new LinkedHashMap<>();
    Map<String, Previous> previous = new LinkedHashMap<>();
    List<Check> deequChecks = new ArrayList<>();
    for (QualityCheck check : checks) {
      if (!check.type().runOverRun) {
        deequChecks.add(deequCheck(check));
      }
    }
    builder = builder.addChecks(JavaConverters.asScalaBufferConverter(deequChecks).asScala().toSeq());
    // The run-over-run metrics are computed (and saved) even where there is no history to judge them against yet.
    for (QualityCheck check : checks) {
      if (check.type().runOverRun) {
        builder = builder.addRequiredAnalyzer(erase(analyzer(check)));
      }
    }
    if (history.isPresent()) {
      VerificationRunBuilderWithRepository withHistory = builder.useRepository(history.get());
      for (QualityCheck check : checks) {
        if (!check.type().runOverRun) {
          continue;
        }
        Analyzer<?, Metric<Object>> analyzer = analyzer(check);
        Optional<Previous> earlier = latestEarlierValue(history.get(), analyzer, tags, dateMillis, historyPath(ownerKind, owner, dataset));
        if (earlier.isEmpty()) {
          skipped.put(check.id(), "no earlier run date has this metric in " + repository.get());
          continue;
        }
        previous.put(check.id(), earlier.get());
        withHistory = withHistory.addAnomalyCheck(strategy(check), rawAnalyzer(analyzer), Option.apply(new AnomalyCheckConfig(
            level(check.level()), check.id(), tags, Option.empty(), Option.apply((Object) (dateMillis - 1)))));
      }
      builder = withHistory;
    }
    VerificationResult result = builder.run();
    QualityReport report = report(result, dataset, describe, skipped, previous);
    if (history.isPresent() && !report.hasErrors()) {
      try {
        history.get().save(new ResultKey(dateMillis, tags), new AnalyzerContext(finiteMetrics(result)));
      } catch (RuntimeException e) {
        throw TargetingException.external(e, "Cannot save this run's data-quality metrics to the metrics repository %s: %s",
            historyPath(ownerKind, owner, dataset), TargetingException.messageOf(e));
      }
    }
    LOG.info("Validation of {} ({}): {}", dataset, describe, report.counts());
    for (QualityReport.Result warning : report.failures(Level.WARNING)) {
      LOG.warn("Validation of {} ({}): warning {} ({}) failed: {}", dataset, describe, warning.check().id(),
          warning.check().describe(), warning.outcome().message());
    }
    return report;
  }

  /**
   * Fails (user error) when a check names a column {@code rows} lacks: checked on the plan, before
   * a row is read.
   *
   * @param where names the suite in the message (its config path or dataset)
   */
  public void requireColumns(Dataset<Row> rows, String where) {
    List<String> present = List.of(rows.columns());
    for (QualityCheck check : checks) {
      for (String column : check.columns()) {
        if (!present.contains(column)) {
          throw TargetingException.userError("%s: check %s names column %s, which the rows do not have%s (has %s)", where,
              check.id(), column, ConfigNode.closest(column, present).map(c -> ": did you mean " + c + "?").orElse(""), present);
        }
      }
    }
  }

  /**
   * The rows with a double copy ({@link #meanColumn}) of each column a mean is taken of (training
   * rows are read as text; Deequ takes means of numeric columns only): a value that does not parse
   * counts as missing, as it does in the contract, and NaN counts as missing too. The other checks
   * keep reading the column as it is.
   */
  private Dataset<Row> withMeanColumns(Dataset<Row> rows) {
    Dataset<Row> result = rows;
    for (QualityCheck check : checks) {
      if (check.type() == Type.MEAN || check.type() == Type.MEAN_CHANGE) {
        String column = check.columns().get(0);
        Column number = result.col(quoted(column)).cast("double");
        result = result.withColumn(meanColumn(column), org.apache.spark.sql.functions.when(
            org.apache.spark.sql.functions.isnan(number), org.apache.spark.sql.functions.lit(null).cast("double")).otherwise(number));
      }
    }
    return result;
  }

  /** The double copy of {@code column} means are taken of; its name keys the metric in the repository. */
  static String meanColumn(String column) {
    return "__mean__" + column;
  }

  private static String quoted(String column) {
    return "`" + column.replace("`", "``") + "`";
  }

  private String historyPath(String ownerKind, String owner, String dataset) {
    return repository.orElseThrow() + "/" + ownerKind + "=" + owner + "/" + dataset + ".json";
  }

  /**
   * The run's metrics that can be history: computed, and finite (a NaN mean would make every later
   * ratio NaN, which no bound catches).
   */
  private static scala.collection.immutable.Map<Analyzer<?, Metric<?>>, Metric<?>> finiteMetrics(VerificationResult result) {
    Map<Analyzer<?, Metric<?>>, Metric<?>> kept = new LinkedHashMap<>();
    JavaConverters.mapAsJavaMapConverter(result.metrics()).asJava().forEach((analyzer, metric) -> {
      if (metric.value().isSuccess() && !(metric.value().get() instanceof Double value && !Double.isFinite(value))) {
        kept.put(analyzer, metric);
      }
    });
    return scala.collection.immutable.Map$.MODULE$.<Analyzer<?, Metric<?>>, Metric<?>>empty()
        .$plus$plus(JavaConverters.mapAsScalaMapConverter(kept).asScala());
  }

  /** The metric of the latest earlier run date that has it: what a run-over-run check compares with. */
  private record Previous(LocalDate date, double value) {}

  private static Optional<Previous> latestEarlierValue(FileSystemMetricsRepository repository, Analyzer<?, Metric<Object>> analyzer,
      scala.collection.immutable.Map<String, String> tags, long dateMillis, String path) {
    scala.collection.Seq<com.amazon.deequ.repository.AnalysisResult> results;
    try {
      results = repository.load().withTagValues(tags).before(dateMillis - 1)
          .forAnalyzers(JavaConverters.asScalaBufferConverter(List.<Analyzer<?, Metric<?>>>of(erase(analyzer))).asScala().toSeq())
          .get();
    } catch (RuntimeException e) {
      throw TargetingException.external(e, "Cannot read the data-quality history in the metrics repository %s: %s",
          path, TargetingException.messageOf(e));
    }
    Previous latest = null;
    for (com.amazon.deequ.repository.AnalysisResult earlier : JavaConverters.seqAsJavaListConverter(results).asJava()) {
      for (Metric<?> metric : JavaConverters.seqAsJavaListConverter(earlier.analyzerContext().metricMap().values().toSeq()).asJava()) {
        if (metric.value().isSuccess() && metric.value().get() instanceof Number number
            && (latest == null || earlier.resultKey().dataSetDate() > latest.date().atStartOfDay(ZoneOffset.UTC).toInstant().toEpochMilli())) {
          latest = new Previous(java.time.Instant.ofEpochMilli(earlier.resultKey().dataSetDate()).atZone(ZoneOffset.UTC).toLocalDate(),
              number.doubleValue());
        }
      }
    }
    return Optional.ofNullable(latest);
  }

  /**
   * A run-over-run check's outcome in the terms of its config: the value it judged (a null rate,
   * not Deequ's completeness), the previous run date's, and the change; NaN fails.
   */
  private static QualityReport.Outcome changeOutcome(QualityCheck check, QualityReport.Outcome deequ, Previous previous) {
    if (deequ.value().isEmpty() || !Double.isFinite(deequ.value().get())) {
      return new QualityReport.Outcome(QualityReport.Status.FAILED, Optional.empty(),
          "this run's metric could not be computed or is not a number (" + deequ.message() + ")");
    }
    boolean nullRate = check.type() == Type.NULL_RATE_CHANGE;
    double now = nullRate ? 1 - deequ.value().get() : deequ.value().get();
    double before = nullRate ? 1 - previous.value() : previous.value();
    String change = nullRate
        ? String.format(java.util.Locale.ROOT, "%+.2f points", 100 * (now - before))
        : before == 0 ? "from zero" : String.format(java.util.Locale.ROOT, "%+.1f%%", 100 * (now / before - 1));
    String message = "previous run date " + previous.date() + ": " + number(before) + "; now " + number(now) + " (" + change + ")";
    return new QualityReport.Outcome(deequ.status(), Optional.of(now), message);
  }

  private QualityReport report(VerificationResult result, String dataset, String describe, Map<String, String> skipped,
      Map<String, Previous> previous) {
    Map<String, QualityReport.Outcome> byId = new LinkedHashMap<>();
    Map<Check, CheckResult> results = JavaConverters.mapAsJavaMapConverter(result.checkResults()).asJava();
    for (Map.Entry<Check, CheckResult> entry : results.entrySet()) {
      String id = entry.getKey().description();
      List<ConstraintResult> constraints = JavaConverters.seqAsJavaListConverter(entry.getValue().constraintResults()).asJava();
      boolean passed = true;
      List<String> messages = new ArrayList<>();
      List<Double> values = new ArrayList<>();
      for (ConstraintResult constraint : constraints) {
        boolean ok = constraint.status() == ConstraintStatus.Success();
        passed &= ok;
        if (!ok) {
          messages.add(constraint.message().isDefined() ? constraint.message().get() : constraint.constraint().toString());
        }
        if (constraint.metric().isDefined() && constraint.metric().get().value().isSuccess()) {
          Object value = constraint.metric().get().value().get();
          if (value instanceof Number number) {
            values.add(number.doubleValue());
          }
        }
      }
      byId.put(id, new QualityReport.Outcome(passed ? QualityReport.Status.PASSED : QualityReport.Status.FAILED,
          values.size() == 1 ? Optional.of(values.get(0)) : Optional.empty(), String.join("; ", messages)));
    }
    skipped.forEach((id, why) -> byId.put(id, new QualityReport.Outcome(QualityReport.Status.SKIPPED, Optional.empty(), why)));
    for (QualityCheck check : checks) {
      if (previous.containsKey(check.id()) && byId.containsKey(check.id())) {
        byId.put(check.id(), changeOutcome(check, byId.get(check.id()), previous.get(check.id())));
      }
    }
    List<QualityReport.Result> ordered = new ArrayList<>();
    for (QualityCheck check : checks) {
      QualityReport.Outcome outcome = byId.get(check.id());
      if (outcome == null) {
        throw TargetingException.internal("Deequ returned no result for check %s of %s", check.id(), dataset);
      }
      ordered.add(new QualityReport.Result(check, outcome));
    }
    return new QualityReport(dataset, describe, ordered);
  }

  /** One Deequ check per configured check, named by its id, so that each result maps back. */
  private static Check deequCheck(QualityCheck check) {
    Check deequ = new Check(level(check.level()), check.id(), JavaConverters.asScalaBufferConverter(List.<com.amazon.deequ.constraints.Constraint>of()).asScala().toSeq());
    Option<String> hint = Option.apply(check.describe());
    Option<com.amazon.deequ.analyzers.AnalyzerOptions> noOptions = Option.empty();
    String column = check.columns().isEmpty() ? null : check.columns().get(0);
    return switch (check.type()) {
      case ROW_COUNT -> deequ.hasSize(new Within(check.min(), check.max()), hint);
      case COMPLETE -> {
        Check all = deequ;
        for (String each : check.columns()) {
          all = all.hasCompleteness(each, new AtLeast(check.minFraction()), hint, noOptions);
        }
        yield all;
      }
      case UNIQUE -> deequ.hasUniqueness(JavaConverters.asScalaBufferConverter(check.columns()).asScala().toSeq(),
          new AtLeast(check.minFraction()), hint);
      case ALLOWED_VALUES -> deequ.isContainedIn(column, check.values().toArray(String[]::new), new AtLeast(check.minFraction()), hint);
      case RANGE -> deequ.satisfies(rangeCondition(column, check), check.id(), new AtLeast(check.minFraction()), hint,
          JavaConverters.asScalaBufferConverter(List.of(column)).asScala().toList(), noOptions);
      case MEAN -> deequ.hasMean(meanColumn(column), new Within(check.min(), check.max()), hint);
      default -> throw new IllegalArgumentException("Not a single-run check: " + check.type());
    };
  }

  /**
   * Null passes; a value passes when within the bounds, compared as a double: a text column (the
   * training rows) is cast, so that "1.7" is 1.7 (Spark would otherwise compare it as the bound's
   * integer type, 1) and text that does not parse fails. NaN fails.
   */
  static String rangeCondition(String column, QualityCheck check) {
    String value = "CAST(" + quoted(column) + " AS DOUBLE)";
    List<String> bounds = new ArrayList<>(List.of("NOT isnan(" + value + ")"));
    check.min().ifPresent(min -> bounds.add(value + " >= " + Double.toString(min)));
    check.max().ifPresent(max -> bounds.add(value + " <= " + Double.toString(max)));
    return quoted(column) + " IS NULL OR (" + String.join(" AND ", bounds) + ")";
  }

  @SuppressWarnings({"unchecked", "rawtypes"})
  private static Analyzer<?, Metric<Object>> analyzer(QualityCheck check) {
    Option<String> noFilter = Option.empty();
    Object analyzer = switch (check.type()) {
      case ROW_COUNT_CHANGE -> new Size(noFilter);
      case MEAN_CHANGE -> new Mean(meanColumn(check.columns().get(0)), noFilter);
      case NULL_RATE_CHANGE -> new Completeness(check.columns().get(0), noFilter, Option.empty());
      default -> throw new IllegalArgumentException("Not a run-over-run check: " + check.type());
    };
    return (Analyzer) analyzer;
  }

  @SuppressWarnings({"unchecked", "rawtypes"})
  private static Analyzer rawAnalyzer(Analyzer<?, Metric<Object>> analyzer) {
    return analyzer;
  }

  @SuppressWarnings({"unchecked", "rawtypes"})
  private static Analyzer<?, Metric<?>> erase(Analyzer<?, Metric<Object>> analyzer) {
    return (Analyzer) analyzer;
  }

  private static AnomalyDetectionStrategy strategy(QualityCheck check) {
    double change = check.maxChange();
    if (check.type() == Type.NULL_RATE_CHANGE) {
      // Completeness = 1 - null rate: the same bound on the change of either.
      return new AbsoluteChangeStrategy(Option.apply((Object) (-change)), Option.apply((Object) change), 1);
    }
    return new RelativeRateOfChangeStrategy(Option.apply((Object) (1 - change)), Option.apply((Object) (1 + change)), 1);
  }

  private static scala.Enumeration.Value level(Level level) {
    return level == Level.ERROR ? CheckLevel.Error() : CheckLevel.Warning();
  }

  private static scala.collection.immutable.Map<String, String> scalaMap(Map<String, String> map) {
    return scala.collection.immutable.Map$.MODULE$.<String, String>empty()
        .$plus$plus(JavaConverters.mapAsScalaMapConverter(new java.util.TreeMap<>(map)).asScala());
  }

  static String number(double value) {
    return value == Math.rint(value) && Math.abs(value) < 1e15 ? Long.toString((long) value) : Double.toString(value);
  }

  /** A metric at least {@code min} (Deequ calls it with a boxed Double or Long). */
  private static final class AtLeast extends AbstractFunction1<Object, Object> implements Serializable {
    private static final long serialVersionUID = 1L;
    private final double min;

    AtLeast(double min) {
      this.min = min;
    }

    @Override
    public Object apply(Object value) {
      return ((Number) value).doubleValue() >= min;
    }
  }

  /** A metric within the optional bounds, both inclusive. */
  private static final class Within extends AbstractFunction1<Object, Object> implements Serializable {
    private static final long serialVersionUID = 1L;
    private final Double min;
    private final Double max;

    Within(Optional<Double> min, Optional<Double> max) {
      this.min = min.orElse(null);
      this.max = max.orElse(null);
    }

    @Override
    public Object apply(Object value) {
      double metric = ((Number) value).doubleValue();
      return (min == null || metric >= min) && (max == null || metric <= max);
    }
  }
}
