package com.targeting.core.text;

import static java.util.Objects.requireNonNull;
import static org.apache.spark.sql.functions.coalesce;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.when;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.targeting.core.TargetingException;
import com.targeting.core.fs.HadoopFiles;
import com.targeting.core.report.Figure;
import com.targeting.core.score.Scorer;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.ml.Pipeline;
import org.apache.spark.ml.PipelineModel;
import org.apache.spark.ml.PipelineStage;
import org.apache.spark.ml.Transformer;
import org.apache.spark.ml.classification.LogisticRegression;
import org.apache.spark.ml.evaluation.BinaryClassificationEvaluator;
import org.apache.spark.ml.feature.HashingTF;
import org.apache.spark.ml.feature.IDF;
import org.apache.spark.ml.feature.NGram;
import org.apache.spark.ml.feature.RegexTokenizer;
import org.apache.spark.ml.feature.SQLTransformer;
import org.apache.spark.ml.feature.StopWordsRemover;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

/**
 * A saved version of a {@link TextClassifierSpec}: its Spark ML pipeline (tokenizer, stop words,
 * n-grams, TF-IDF, logistic regression) and its metadata ({@value #METADATA_FILE}: the held-out
 * metrics, threshold, rows and the words that weigh most). Also how the pipeline is built
 * ({@link #pipeline}) and how its held-out metrics are computed ({@link #metrics}).
 *
 * <p>Every intermediate column is named {@code __<id>__...} and dropped after scoring. A missing
 * or blank text scores as missing (null), never as the empty text's probability.
 */
public final class TextClassifier {
  /** Written last in a version's directory: the version exists once it does. */
  public static final String METADATA_FILE = "text-model.json";
  static final String PIPELINE_DIRECTORY = "pipeline";
  static final String FAMILY = "text-classifier";
  private static final ObjectMapper JSON = new ObjectMapper();

  private final String id;
  private final PipelineModel pipeline;
  private final Map<String, Object> metadata;

  TextClassifier(String id, PipelineModel pipeline, Map<String, Object> metadata) {
    this.id = requireNonNull(id, "id is null");
    this.pipeline = requireNonNull(pipeline, "pipeline is null");
    this.metadata = requireNonNull(metadata, "metadata is null");
  }

  /**
   * The version at {@code path}, checked to be a text classifier of {@code spec}'s id.
   *
   * @throws TargetingException a user error when the version is missing, unreadable or of another model
   */
  public static TextClassifier load(SparkSession spark, String path, TextClassifierSpec spec) {
    Map<String, Object> metadata;
    try {
      metadata = JSON.readValue(HadoopFiles.readString(spark, path + "/" + METADATA_FILE), new TypeReference<>() {});
    } catch (IOException | RuntimeException e) {
      throw TargetingException.userError("Text model %s: cannot read %s/%s: %s", spec.id(), path, METADATA_FILE,
          TargetingException.firstLine(String.valueOf(e.getMessage())));
    }
    if (!FAMILY.equals(metadata.get("family")) || !spec.id().equals(metadata.get("id"))) {
      throw TargetingException.userError("Text model %s: %s holds %s %s, not text model %s", spec.id(), path,
          metadata.get("family"), metadata.get("id"), spec.id());
    }
    PipelineModel pipeline;
    try {
      pipeline = PipelineModel.load(path + "/" + PIPELINE_DIRECTORY);
    } catch (RuntimeException e) {
      throw TargetingException.userError("Text model %s: cannot load the pipeline at %s/%s: %s", spec.id(), path,
          PIPELINE_DIRECTORY, TargetingException.firstLine(String.valueOf(e.getMessage())));
    }
    return new TextClassifier(spec.id(), pipeline, metadata);
  }

  PipelineModel pipeline() {
    return pipeline;
  }

  public int version() {
    return ((Number) metadata.get("version")).intValue();
  }

  /** The probability from which a text counts as positive. */
  public double threshold() {
    return ((Number) metadata.get("threshold")).doubleValue();
  }

  /** The held-out metrics saved with the version. */
  @SuppressWarnings("unchecked")
  public Map<String, Object> heldOutMetrics() {
    return (Map<String, Object>) metadata.getOrDefault("metrics", Map.of());
  }

  /** The run summary's entry for this model: version, path, created_at, threshold, held-out metrics. */
  public Map<String, Object> summary() {
    Map<String, Object> summary = new LinkedHashMap<>();
    summary.put("version", version());
    summary.put("path", metadata.get("path"));
    summary.put("created_at", metadata.get("created_at"));
    summary.put("threshold", threshold());
    summary.put("metrics", heldOutMetrics());
    return summary;
  }

  /** A scorer adding {@code output} (the positive class's probability) from the spec's text column. */
  Scorer scorer(String output) {
    String textColumn = String.valueOf(metadata.get("text_column"));
    return new Scorer() {
      @Override
      public String id() {
        return id;
      }

      @Override
      public Dataset<Row> score(Dataset<Row> rows) {
        return TextClassifier.this.score(rows, textColumn, output);
      }
    };
  }

  /**
   * {@code rows} with {@code output}: the probability (0-1) that the text in {@code textColumn} is
   * of the positive class; null where the text is null or blank.
   */
  public Dataset<Row> score(Dataset<Row> rows, String textColumn, String output) {
    return withProbability(pipeline, id, rows, textColumn, output);
  }

  /** The prefix of every intermediate column of model {@code id}. */
  static String prefix(String id) {
    return "__" + id.replace('-', '_') + "__";
  }

  static String inputColumn(String id) {
    return prefix(id) + "text";
  }

  static String probabilityColumn(String id) {
    return prefix(id) + "probability";
  }

  /** The label column the pipeline is fitted on: 1.0 positive, 0.0 negative. */
  static String labelColumn(String id) {
    return prefix(id) + "label";
  }

  static Dataset<Row> withProbability(PipelineModel pipeline, String id, Dataset<Row> rows, String textColumn, String output) {
    Column text = col("`" + textColumn.replace("`", "``") + "`");
    Dataset<Row> scored = pipeline.transform(rows.withColumn(inputColumn(id), coalesce(text.cast("string"), lit(""))));
    Column probability = org.apache.spark.ml.functions.vector_to_array(col(probabilityColumn(id)), "float64").getItem(1);
    // A missing or blank text has nothing to read: not the intercept's probability.
    Column missing = text.isNull().or(org.apache.spark.sql.functions.trim(text.cast("string")).equalTo(""));
    scored = scored.withColumn(output, when(missing, lit(null).cast("double")).otherwise(probability));
    String prefix = prefix(id);
    return scored.drop(java.util.Arrays.stream(scored.columns()).filter(c -> c.startsWith(prefix)).toArray(String[]::new));
  }

  /**
   * The pipeline {@code spec} describes, reading {@link #inputColumn} and {@link #labelColumn}:
   * lower-cased tokens split on {@code tokens.pattern}, English stop words (Spark's list) less the
   * kept negations, word n-grams up to {@code tokens.ngrams} joined to the words, hashed term
   * frequencies (2^18 buckets by default) weighted by IDF, and an L2 (or elastic-net) logistic
   * regression.
   */
  static Pipeline pipeline(TextClassifierSpec spec) {
    String p = prefix(spec.id());
    List<String> stopWords = new ArrayList<>(List.of(StopWordsRemover.loadDefaultStopWords("english")));
    // The tokenizer lower-cases: so are the kept words, whatever the config's case.
    stopWords.removeAll(spec.negations().stream().map(w -> w.toLowerCase(java.util.Locale.ROOT)).toList());
    List<PipelineStage> stages = new ArrayList<>();
    stages.add(new RegexTokenizer().setInputCol(inputColumn(spec.id())).setOutputCol(p + "tokens")
        .setPattern(spec.tokenPattern()).setGaps(true).setToLowercase(true).setMinTokenLength(spec.minTokenLength()));
    stages.add(new StopWordsRemover().setInputCol(p + "tokens").setOutputCol(p + "words")
        .setStopWords(stopWords.toArray(String[]::new)));
    StringBuilder terms = new StringBuilder(p + "words");
    for (int n = 2; n <= spec.ngrams(); n++) {
      stages.add(new NGram().setN(n).setInputCol(p + "words").setOutputCol(p + "grams" + n));
      terms.append(", ").append(p).append("grams").append(n);
    }
    stages.add(new SQLTransformer().setStatement("SELECT *, concat(" + terms + ") AS " + p + "terms FROM __THIS__"));
    stages.add(new HashingTF().setInputCol(p + "terms").setOutputCol(p + "tf").setNumFeatures(spec.numFeatures()));
    stages.add(new IDF().setInputCol(p + "tf").setOutputCol(p + "tfidf").setMinDocFreq(spec.minDocFreq()));
    stages.add(new LogisticRegression().setFeaturesCol(p + "tfidf").setLabelCol(labelColumn(spec.id()))
        .setProbabilityCol(probabilityColumn(spec.id())).setRawPredictionCol(p + "raw").setPredictionCol(p + "prediction")
        .setRegParam(spec.regParam()).setElasticNetParam(spec.elasticNet()).setMaxIter(spec.maxIter()));
    return new Pipeline().setStages(stages.toArray(PipelineStage[]::new));
  }

  /**
   * Held-out metrics of {@code pipeline} on {@code labeled} (with {@link #labelColumn}): at {@code
   * threshold}, precision, recall and F1 of the positive class, F1 of the negative class, macro F1
   * (their mean), accuracy; and the area under the ROC curve of the probability; with the row count.
   */
  static Map<String, Double> metrics(PipelineModel pipeline, String id, Dataset<Row> labeled, String textColumn, double threshold) {
    // Outside the model's prefix: scoring drops the intermediate columns (the label among them).
    String probability = "__text_metrics_probability";
    String label = "__text_metrics_label";
    Dataset<Row> scored = withProbability(pipeline, id, labeled.withColumn(label, col(labelColumn(id))), textColumn, probability)
        .cache();
    try {
      Column predicted = col(probability).geq(threshold);
      Column actual = col(label).equalTo(1.0);
      Row counts = scored.agg(
          count(when(predicted.and(actual), 1)).as("tp"), count(when(predicted.and(actual.unary_$bang()), 1)).as("fp"),
          count(when(predicted.unary_$bang().and(actual), 1)).as("fn"),
          count(when(predicted.unary_$bang().and(actual.unary_$bang()), 1)).as("tn")).first();
      double tp = counts.getLong(0);
      double fp = counts.getLong(1);
      double fn = counts.getLong(2);
      double tn = counts.getLong(3);
      Map<String, Double> metrics = new LinkedHashMap<>();
      double precision = tp + fp == 0 ? 0 : tp / (tp + fp);
      double recall = tp + fn == 0 ? 0 : tp / (tp + fn);
      double f1 = precision + recall == 0 ? 0 : 2 * precision * recall / (precision + recall);
      double negativeF1 = 2 * tn + fn + fp == 0 ? 0 : 2 * tn / (2 * tn + fn + fp);
      metrics.put("precision", Figure.round4(precision));
      metrics.put("recall", Figure.round4(recall));
      metrics.put("f1", Figure.round4(f1));
      metrics.put("negative_f1", Figure.round4(negativeF1));
      metrics.put("macro_f1", Figure.round4((f1 + negativeF1) / 2));
      metrics.put("accuracy", Figure.round4((tp + tn) / Math.max(1, tp + fp + fn + tn)));
      Dataset<Row> forAuc = scored.select(
          org.apache.spark.ml.functions.array_to_vector(org.apache.spark.sql.functions.array(lit(1.0).minus(col(probability)), col(probability))).as("p"),
          col(label).as("label"));
      metrics.put("auc_roc", Figure.round4(new BinaryClassificationEvaluator().setRawPredictionCol("p").setLabelCol("label")
          .setMetricName("areaUnderROC").evaluate(forAuc)));
      metrics.put("rows", tp + fp + fn + tn);
      return metrics;
    } finally {
      scored.unpersist();
    }
  }

  /** The fitted logistic regression's stage. */
  static org.apache.spark.ml.classification.LogisticRegressionModel logistic(PipelineModel pipeline) {
    Transformer last = pipeline.stages()[pipeline.stages().length - 1];
    return (org.apache.spark.ml.classification.LogisticRegressionModel) last;
  }
}
