package com.targeting.core.segment;

import static java.util.Objects.requireNonNull;
import static org.apache.spark.sql.functions.abs;
import static org.apache.spark.sql.functions.array;
import static org.apache.spark.sql.functions.coalesce;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.concat;
import static org.apache.spark.sql.functions.desc;
import static org.apache.spark.sql.functions.format_number;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.not;
import static org.apache.spark.sql.functions.slice;
import static org.apache.spark.sql.functions.sort_array;
import static org.apache.spark.sql.functions.struct;
import static org.apache.spark.sql.functions.sum;
import static org.apache.spark.sql.functions.when;

import com.linkedin.relevance.isolationforest.IsolationForest;
import com.linkedin.relevance.isolationforest.IsolationForestModel;
import com.targeting.core.TargetingException;
import com.targeting.core.config.ConfigNode;
import com.targeting.core.decide.Decision;
import com.targeting.core.decide.LearnedDecision;
import com.targeting.core.report.Figure;
import com.targeting.core.report.Groups;
import com.targeting.core.report.RunReport;
import com.targeting.core.report.SummarySection;
import com.targeting.core.source.TableInput;
import com.targeting.core.transform.StandardizedFeatures;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.spark.ml.evaluation.BinaryClassificationEvaluator;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Unusual customers: an isolation forest (LinkedIn's {@code isolation-forest} for Spark ML) fitted
 * on each run's kept rows over standardized features ({@link StandardizedFeatures}). Every row gets
 * {@code score-output}, the forest's outlier score (0-1, 0.5 and above unusual: 2^(-E[h(x)]/c(n)),
 * the expected path length normalized by the average path of an unsuccessful search in a binary
 * search tree of {@code max-samples} points); the share {@code contamination} with the highest scores
 * gets {@code flag-output} true and, in {@code reasons-output}, the features that set it apart: the
 * {@code reasons} largest |z| among its features, each with its value and the run's typical value
 * (the value at the mean of the transformed feature). The rest get false and an empty list.
 *
 * <p>With {@code evaluation.labels} (a table of known anomalies: key and kind, for example the
 * injected anomalies of generated data or a QA team's confirmed cases), the summary reports the
 * flag's precision, recall and F1 against them, recall per kind, and the score's AUC-ROC (how well
 * the score ranks the labelled rows above the others).
 *
 * <pre>
 * { type = anomalies, features = [...], contamination = 0.01, trees = 100, max-samples = 256,
 *   evaluation { labels = "s3://.../anomaly_labels", format = csv, options { header = "true" } } }
 * </pre>
 *
 * <p>Source: Liu, Ting and Zhou, isolation forest (ICDM 2008); the score and its normalization are theirs.
 */
public record Anomalies(String id, String scoreOutput, String flagOutput, String reasonsOutput, StandardizedFeatures.Spec features,
    double contamination, int trees, double maxSamples, double maxFeatures, long seed, int reasons, int top,
    Optional<Evaluation> evaluation, String path) implements LearnedDecision {
  private static final Logger LOG = LoggerFactory.getLogger(Anomalies.class);
  private static final String VECTOR = "__anomaly_features";
  private static final String LABEL = "__anomaly_label";

  /**
   * Known anomalies to measure the flag against.
   *
   * @param labels the table (path, format, options)
   * @param kindColumn the column naming each anomaly's kind
   */
  public record Evaluation(TableInput labels, String kindColumn) {
    public Evaluation {
      requireNonNull(labels, "labels is null");
      requireNonNull(kindColumn, "kindColumn is null");
    }
  }

  public Anomalies {
    requireNonNull(id, "id is null");
    requireNonNull(scoreOutput, "scoreOutput is null");
    requireNonNull(flagOutput, "flagOutput is null");
    requireNonNull(reasonsOutput, "reasonsOutput is null");
    requireNonNull(features, "features is null");
    requireNonNull(evaluation, "evaluation is null");
    requireNonNull(path, "path is null");
  }

  /**
   * The decision of a {@code type = anomalies} block.
   *
   * @throws TargetingException a user error naming the path of a bad setting
   */
  public static Anomalies from(ConfigNode node) {
    double contamination = node.doubleValue("contamination", 0.01);
    if (!(contamination > 0 && contamination < 0.5)) {
      throw node.invalid("contamination", "must be above 0 and below 0.5 (the expected share of anomalies), got " + contamination);
    }
    int trees = node.integer("trees", 100);
    if (trees < 1) {
      throw node.invalid("trees", "must be at least 1, got " + trees);
    }
    double maxSamples = node.doubleValue("max-samples", 256);
    if (!(maxSamples > 0)) {
      throw node.invalid("max-samples", "must be above 0 (a count, or a share of the rows when at most 1), got " + maxSamples);
    }
    double maxFeatures = node.doubleValue("max-features", 1.0);
    if (!(maxFeatures > 0)) {
      throw node.invalid("max-features", "must be above 0 (a count, or a share of the features when at most 1), got " + maxFeatures);
    }
    int reasons = node.integer("reasons", 3);
    if (reasons < 1) {
      throw node.invalid("reasons", "must be at least 1, got " + reasons);
    }
    int top = node.integer("top", 10);
    if (top < 0) {
      throw node.invalid("top", "must not be negative, got " + top);
    }
    Optional<Evaluation> evaluation = node.optionalNode("evaluation").map(e -> new Evaluation(
        new TableInput(e.string("labels"), e.string("format", "csv"), e.has("options") ? e.stringMap("options") : Map.of()),
        e.string("kind-column", "anomaly_kind")));
    return new Anomalies(node.string("id", "anomalies"), node.string("score-output", "anomaly_score"),
        node.string("flag-output", "is_anomaly"), node.string("reasons-output", "anomaly_reasons"), StandardizedFeatures.Spec.from(node),
        contamination, trees, maxSamples, maxFeatures, node.longValue("seed", 11L), reasons, top, evaluation, node.path());
  }

  @Override
  public String stage() {
    return id;
  }

  @Override
  public Decision fit(Dataset<Row> kept, Run run) {
    StandardizedFeatures scaled = features.fit(kept, path);
    List<Column> keep = new ArrayList<>(features.columns().stream().map(org.apache.spark.sql.functions::col).toList());
    run.key().filter(key -> !features.columns().contains(key)).ifPresent(key -> keep.add(col(key)));
    Dataset<Row> input = kept.select(keep.toArray(Column[]::new));
    long rows = kept.count();
    if (rows < 2) {
      throw TargetingException.userError("%s: %d rows kept by the filters: an isolation forest needs at least 2", path, rows);
    }
    IsolationForest forest = new IsolationForest();
    // Scala setters return the params trait: one per statement.
    forest.setNumEstimators(trees);
    forest.setMaxSamples(maxSamples);
    forest.setMaxFeatures(maxFeatures);
    forest.setContamination(contamination);
    // The threshold as the exact quantile of the fitted rows' scores (Spark's approxQuantile with error 0): the
    // flagged share is the share asked for (an approximate one drifts by the error and logs a warning).
    forest.setContaminationError(0.0);
    forest.setRandomSeed(seed);
    forest.setFeaturesCol(VECTOR);
    forest.setScoreCol(scoreOutput);
    forest.setPredictionCol(LABEL);
    IsolationForestModel model = forest.fit(scaled.withVector(input, VECTOR));
    Map<String, Object> fitReport = new LinkedHashMap<>();
    fitReport.put("rows_fitted", rows);
    fitReport.put("features", features.columns().size());
    fitReport.put("contamination", contamination);
    fitReport.put("trees", trees);
    fitReport.put("samples_per_tree", model.getNumSamples());
    fitReport.put("score_threshold", Figure.round4(model.getOutlierScoreThreshold()));
    Fitted fitted = new Fitted(this, scaled, model, fitReport, run.key());
    evaluation.ifPresent(e -> fitReport.put("evaluation", evaluate(run, e, fitted.apply(input))));
    LOG.info("{}: isolation forest of {} trees on {} rows, threshold {}", path, trees, rows, Figure.round4(model.getOutlierScoreThreshold()));
    return fitted;
  }

  /**
   * Precision, recall and F1 of the flag against the labelled anomalies among the kept rows, recall
   * per kind, and the score's AUC-ROC; labels of customers not kept (filtered, quarantined, absent)
   * are counted apart.
   */
  private Map<String, Object> evaluate(Run run, Evaluation evaluation, Dataset<Row> scored) {
    String key = run.key().orElseThrow(() -> TargetingException.userError(
        "%s.evaluation: the program has no key column to join the labels on", path));
    Dataset<Row> labels = evaluation.labels().read(run.spark(), path + ".evaluation.labels", List.of(key, evaluation.kindColumn()));
    // One row per labelled key (a key given two kinds counts once, under the first kind by name).
    Dataset<Row> known = labels.where(col(key).isNotNull()).groupBy(col(key).cast("string").as("__label_key"))
        .agg(org.apache.spark.sql.functions.min(coalesce(col(evaluation.kindColumn()).cast("string"), lit("unknown"))).as("__kind"));
    Dataset<Row> joined = scored.select(col(key), col(flagOutput), col(scoreOutput))
        .join(known, col(key).equalTo(col("__label_key")), "full_outer").cache();
    try {
      Column labelled = col("__kind").isNotNull();
      Column inRun = col(key).isNotNull();
      Row counts = joined.agg(
          sum(when(inRun.and(labelled).and(col(flagOutput)), 1L).otherwise(0L)),
          sum(when(inRun.and(not(labelled)).and(col(flagOutput)), 1L).otherwise(0L)),
          sum(when(inRun.and(labelled).and(not(col(flagOutput))), 1L).otherwise(0L)),
          sum(when(not(inRun), 1L).otherwise(0L))).first();
      long truePositives = counts.getLong(0);
      long falsePositives = counts.getLong(1);
      long falseNegatives = counts.getLong(2);
      double precision = truePositives + falsePositives == 0 ? Double.NaN : (double) truePositives / (truePositives + falsePositives);
      double recall = truePositives + falseNegatives == 0 ? Double.NaN : (double) truePositives / (truePositives + falseNegatives);
      double f1 = precision + recall > 0 ? 2 * precision * recall / (precision + recall) : Double.NaN;
      Map<String, Object> result = new LinkedHashMap<>();
      result.put("labels", evaluation.labels().path());
      result.put("labelled_in_run", truePositives + falseNegatives);
      result.put("labelled_not_kept", counts.getLong(3));
      result.put("flagged", truePositives + falsePositives);
      result.put("true_positives", truePositives);
      result.put("precision", Figure.round4(precision));
      result.put("recall", Figure.round4(recall));
      result.put("f1", Figure.round4(f1));
      Map<String, Object> byKind = new LinkedHashMap<>();
      for (Row row : joined.where(inRun.and(labelled)).groupBy(col("__kind"))
          .agg(org.apache.spark.sql.functions.count(lit(1)), sum(when(col(flagOutput), 1L).otherwise(0L)))
          .orderBy(col("__kind")).collectAsList()) {
        byKind.put(row.getString(0), Map.of("labelled", row.getLong(1), "flagged", row.getLong(2),
            "recall", Figure.round4((double) row.getLong(2) / row.getLong(1))));
      }
      result.put("recall_by_kind", byKind);
      Dataset<Row> ranked = joined.where(inRun).select(col(scoreOutput).cast("double").as("__score"),
          when(labelled, 1.0).otherwise(0.0).as("__is_labelled"));
      // AUC needs labelled and unlabelled rows among the kept.
      boolean bothClasses = truePositives + falseNegatives > 0 && truePositives + falseNegatives < joined.where(inRun).count();
      result.put("auc_roc", bothClasses ? Figure.round4(new BinaryClassificationEvaluator().setRawPredictionCol("__score")
          .setLabelCol("__is_labelled").setMetricName("areaUnderROC").evaluate(ranked)) : null);
      return result;
    } finally {
      joined.unpersist();
    }
  }

  /** The forest fitted on one run: scores, flags and explains rows; reports the flagged and the top anomalies. */
  static final class Fitted implements Decision, SummarySection {
    private final Anomalies spec;
    private final StandardizedFeatures scaled;
    private final IsolationForestModel model;
    private final Map<String, Object> fitReport;
    private final Optional<String> key;

    Fitted(Anomalies spec, StandardizedFeatures scaled, IsolationForestModel model, Map<String, Object> fitReport, Optional<String> key) {
      this.spec = spec;
      this.key = key;
      this.scaled = scaled;
      this.model = model;
      this.fitReport = fitReport;
    }

    /** The fit's figures (and the evaluation's, with labels), as the summary gets them. */
    Map<String, Object> fitReport() {
      return java.util.Collections.unmodifiableMap(fitReport);
    }

    /** {@code score-output} (double), {@code flag-output} (boolean) and {@code reasons-output} (array of strings). */
    @Override
    public Dataset<Row> apply(Dataset<Row> scored) {
      Dataset<Row> predicted = model.transform(scaled.withVector(scored, VECTOR));
      Column flagged = coalesce(col(LABEL).equalTo(1.0), lit(false));
      Column[] candidates = new Column[scaled.columns().size()];
      for (int i = 0; i < candidates.length; i++) {
        String feature = scaled.columns().get(i);
        Column value = col(feature).cast("double");
        Column text = concat(lit(feature + " "), coalesce(format_number(value, 2), lit("missing")),
            lit(" (typical " + typical(i) + ")"));
        candidates[i] = struct(abs(scaled.z(i)).as("distance"), text.as("text"));
      }
      Column top = slice(sort_array(array(candidates), false), 1, spec.reasons());
      Column reasons = when(flagged, org.apache.spark.sql.functions.transform(top, reason -> reason.getField("text")))
          .otherwise(array().cast("array<string>"));
      return predicted.withColumn(spec.flagOutput(), flagged).withColumn(spec.reasonsOutput(), reasons).drop(VECTOR, LABEL);
    }

    private String typical(int i) {
      double value = scaled.original(i, 0);
      return String.format(java.util.Locale.ROOT, "%,.2f", value);
    }

    @Override
    public List<Figure> figures() {
      return List.of(Figure.measure(spec.flagOutput(), when(col(spec.flagOutput()), 1L).otherwise(0L)));
    }

    /** The fit, the flagged count among the selected rows, the evaluation if any, and the {@code top} highest scores. */
    @Override
    public void report(RunReport report) {
      Map<String, Object> section = new LinkedHashMap<>(fitReport);
      section.put("flagged", Math.round(report.groups().sum(spec.flagOutput(), Groups.Scope.SELECTED)));
      section.put("outputs", List.of(spec.scoreOutput(), spec.flagOutput(), spec.reasonsOutput()));
      if (spec.top() > 0 && key.isPresent()) {
        List<Map<String, Object>> top = new ArrayList<>();
        Dataset<Row> selected = report.scored().where(col(com.targeting.core.Columns.REMOVED_BY).isNull());
        for (Row row : selected.orderBy(desc(spec.scoreOutput())).limit(spec.top())
            .select(col(key.get()).cast("string"), col(spec.scoreOutput()), col(spec.reasonsOutput())).collectAsList()) {
          Map<String, Object> entry = new LinkedHashMap<>();
          entry.put(key.get(), row.getString(0));
          entry.put(spec.scoreOutput(), Figure.round4(row.getDouble(1)));
          entry.put(spec.reasonsOutput(), row.getList(2));
          top.add(entry);
        }
        section.put("top", top);
      }
      report.put(spec.id(), section);
    }

  }
}
