package com.targeting.core.text;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.rand;
import static org.apache.spark.sql.functions.trim;
import static org.apache.spark.sql.functions.when;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.targeting.core.TargetingException;
import com.targeting.core.model.TrainRecipe;
import com.targeting.core.source.ReaderSource;
import java.io.IOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import org.apache.spark.ml.PipelineModel;
import org.apache.spark.ml.feature.HashingTF;
import org.apache.spark.ml.feature.IDFModel;
import org.apache.spark.ml.linalg.Vector;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Trains a {@link TextClassifierSpec} into a new registry version ({@link TrainRecipe}): the labeled
 * texts are read; a row without text, without a label or with a label that is neither
 * {@code label.positive} nor {@code label.negative} is set aside and counted by reason (beyond
 * {@code data.max-quarantined-fraction} the training stops); the test rows are {@code data.test},
 * else a seeded {@code data.test-fraction} of the rows; the pipeline is fitted and measured on the
 * test rows (F1 and the rest, {@link TextClassifier#metrics}); the champion is measured on the same
 * rows before the pointer moves.
 */
final class TextClassifierTrainer extends TrainRecipe<Map<String, Object>> {
  private static final Logger LOG = LoggerFactory.getLogger(TextClassifierTrainer.class);
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String REASON = "__quarantine_reason";

  private final TextClassifierSpec spec;
  private final Dataset<Row> trainRows;
  private final String trainName;
  private final Optional<Dataset<Row>> testRows;
  private final Optional<String> testName;
  private final Map<String, Long> quarantined = new TreeMap<>();
  private final Map<String, Long> rows = new LinkedHashMap<>();
  private Dataset<Row> test;
  private PipelineModel fitted;
  private Map<String, Double> metrics;
  private Map<String, List<Map<String, Object>>> weightiest;

  private TextClassifierTrainer(SparkSession spark, TextClassifierSpec spec, Dataset<Row> trainRows, String trainName,
      Optional<Dataset<Row>> testRows, Optional<String> testName) {
    super(spark, spec, "Text model");
    this.spec = spec;
    this.trainRows = trainRows;
    this.trainName = trainName;
    this.testRows = testRows;
    this.testName = testName;
  }

  /** Trains from the spec's {@code data} sources; the train-model summary's entry. */
  static Map<String, Object> train(SparkSession spark, TextClassifierSpec spec) {
    ReaderSource train = ReaderSource.of(spec.data().train());
    Optional<ReaderSource> test = spec.data().test().map(ReaderSource::of);
    return train(spark, spec, train.read(spark), train.describe(), test.map(t -> t.read(spark)), test.map(ReaderSource::describe));
  }

  /** Trains from the given rows (tests; the names are how errors and the metadata name them). */
  static Map<String, Object> train(SparkSession spark, TextClassifierSpec spec, Dataset<Row> trainRows, String trainName,
      Optional<Dataset<Row>> testRows, Optional<String> testName) {
    return new TextClassifierTrainer(spark, spec, trainRows, trainName, testRows, testName).train();
  }

  @Override
  protected void requireInputs() {
    requireColumns(trainRows, trainName);
    testRows.ifPresent(rows -> requireColumns(rows, testName.orElse("test")));
    requireRows(trainRows, trainName);
    testRows.ifPresent(rows -> requireRows(rows, testName.orElse("test")));
    validateTrainingRows(spec.data().validation(), trainRows, trainName);
  }

  private void requireColumns(Dataset<Row> rows, String name) {
    for (String column : List.of(spec.textColumn(), spec.labelColumn())) {
      if (!Arrays.asList(rows.columns()).contains(column)) {
        throw TargetingException.userError("Text model %s: training data %s has no column %s (columns: %s)", spec.id(), name,
            column, Arrays.toString(rows.columns()));
      }
    }
  }

  @Override
  protected Challenger fitAndEvaluate() {
    Dataset<Row> cleanTrain = clean(trainRows, trainName);
    Dataset<Row> pool;
    if (testRows.isPresent()) {
      test = cache(clean(testRows.get(), testName.orElse("test")));
      pool = cleanTrain;
    } else {
      // Drawn once: the split must not change between the evaluations that build the two sides.
      Dataset<Row> drawn = cleanTrain.withColumn("__split", rand(spec.data().seed())).localCheckpoint(true);
      test = cache(drawn.where(col("__split").lt(spec.data().testFraction())).drop("__split"));
      pool = drawn.where(col("__split").geq(spec.data().testFraction())).drop("__split");
    }
    Dataset<Row> fit = cache(pool);
    for (Map.Entry<String, Dataset<Row>> side : List.of(Map.entry("train", fit), Map.entry("test", test))) {
      Map<Double, Long> byClass = new TreeMap<>();
      for (Row row : side.getValue().groupBy(TextClassifier.labelColumn(spec.id())).count().collectAsList()) {
        byClass.put(row.getDouble(0), row.getLong(1));
      }
      if (byClass.size() < 2) {
        throw TargetingException.userError("Text model %s: the %s rows hold %s; both %s and %s texts are needed", spec.id(),
            side.getKey(), byClass.isEmpty() ? "no labeled text" : "only " + (byClass.containsKey(1.0) ? spec.positive() : spec.negative()),
            spec.positive(), spec.negative());
      }
      rows.put(side.getKey(), byClass.values().stream().mapToLong(Long::longValue).sum());
    }
    LOG.info("Training text model {} v{} on {}", spec.id(), version, rows);
    fitted = TextClassifier.pipeline(spec).fit(fit);
    metrics = TextClassifier.metrics(fitted, spec.id(), test, spec.textColumn(), spec.threshold());
    LOG.info("Text model {} v{} held-out metrics {}", spec.id(), version, metrics);
    weightiest = weightiestTerms(fit);
    return new Challenger(spec.promotionMetric(), spec.promotionMargin(), true, metrics.get(spec.promotionMetric()));
  }

  /**
   * The usable rows of {@code rows} with {@link TextClassifier#labelColumn}; the others counted by
   * reason into {@link #quarantined} (one aggregation), refused beyond the quarantine limit.
   */
  private Dataset<Row> clean(Dataset<Row> rows, String name) {
    Column text = col("`" + spec.textColumn().replace("`", "``") + "`");
    Column label = col("`" + spec.labelColumn().replace("`", "``") + "`").cast("string");
    Column reason = when(text.isNull().or(trim(text.cast("string")).equalTo("")), lit("missing-text"))
        .when(label.isNull(), lit("missing-label"))
        .when(label.isin(spec.positive(), spec.negative()).unary_$bang(), lit("label-unexpected"));
    Dataset<Row> classified = rows.withColumn(REASON, reason);
    long total = 0;
    long set = 0;
    String example = null;
    for (Row row : classified.groupBy(col(REASON)).agg(count(lit(1)), org.apache.spark.sql.functions.first(
        when(col(REASON).equalTo("label-unexpected"), label), true)).collectAsList()) {
      total += row.getLong(1);
      if (!row.isNullAt(0)) {
        set += row.getLong(1);
        quarantined.merge(row.getString(0), row.getLong(1), Long::sum);
        if (!row.isNullAt(2)) {
          example = row.getString(2);
        }
      }
    }
    if (set > spec.data().maxQuarantinedFraction() * total) {
      throw TargetingException.userError("Text model %s: %d of %d rows of %s cannot be used (%s%s), more than"
          + " data.max-quarantined-fraction %.2f", spec.id(), set, total, name, quarantined,
          example == null ? "" : "; a label neither " + spec.positive() + " nor " + spec.negative() + ": " + example,
          spec.data().maxQuarantinedFraction());
    }
    return classified.where(col(REASON).isNull()).drop(REASON)
        .withColumn(TextClassifier.labelColumn(spec.id()), when(label.equalTo(spec.positive()), 1.0).otherwise(0.0))
        .withColumn(TextClassifier.inputColumn(spec.id()), text.cast("string"));
  }

  /**
   * The ten terms (words and word pairs occurring at least 20 times in the training texts) that push
   * most toward each class: the logistic regression's weight of the term's hash bucket times its
   * IDF. Hashed terms share a bucket now and then; a term is reported under its bucket's weight.
   */
  private Map<String, List<Map<String, Object>>> weightiestTerms(Dataset<Row> fit) {
    String p = TextClassifier.prefix(spec.id());
    // The pipeline without its last three stages (hashing, IDF, logistic regression) gives each text's terms.
    org.apache.spark.ml.Transformer[] stages = fitted.stages();
    PipelineModel toTerms = new PipelineModel("terms", Arrays.copyOf(stages, stages.length - 3));
    Dataset<Row> terms = toTerms.transform(fit.withColumn(TextClassifier.inputColumn(spec.id()),
        org.apache.spark.sql.functions.coalesce(col("`" + spec.textColumn() + "`").cast("string"), lit(""))));
    List<Row> frequent = terms.select(org.apache.spark.sql.functions.explode(col(p + "terms")).as("term"))
        .groupBy("term").count().where(col("count").geq(20)).collectAsList();
    HashingTF hashing = (HashingTF) stages[stages.length - 3];
    Vector idf = ((IDFModel) stages[stages.length - 2]).idf();
    Vector weights = TextClassifier.logistic(fitted).coefficients();
    List<Map<String, Object>> all = new ArrayList<>();
    for (Row row : frequent) {
      String term = row.getString(0);
      int bucket = hashing.indexOf(term);
      Map<String, Object> entry = new LinkedHashMap<>();
      entry.put("term", term);
      entry.put("weight", com.targeting.core.report.Figure.round4(weights.apply(bucket) * idf.apply(bucket)));
      entry.put("occurrences", row.getLong(1));
      all.add(entry);
    }
    Comparator<Map<String, Object>> byWeight = Comparator.comparingDouble(e -> (Double) e.get("weight"));
    Map<String, List<Map<String, Object>>> result = new LinkedHashMap<>();
    result.put(spec.positive(), all.stream().sorted(byWeight.reversed()).limit(10).toList());
    result.put(spec.negative(), all.stream().sorted(byWeight).limit(10).toList());
    return result;
  }

  @Override
  protected Double championValue(int championVersion) {
    TextClassifier champion = TextClassifier.load(spark, registry.versionPath(spec.id(), championVersion), spec);
    return TextClassifier.metrics(champion.pipeline(), spec.id(), test, spec.textColumn(), champion.threshold())
        .get(spec.promotionMetric());
  }

  @Override
  protected void writeArtifacts() {
    try {
      fitted.write().save(path + "/" + TextClassifier.PIPELINE_DIRECTORY);
    } catch (IOException e) {
      throw TargetingException.external(e, "Cannot save text model %s to %s: %s", spec.id(), path, e.getMessage());
    }
  }

  @Override
  protected String metadataJson() {
    Map<String, Object> metadata = new LinkedHashMap<>();
    metadata.put("family", TextClassifier.FAMILY);
    metadata.put("id", spec.id());
    metadata.put("version", version);
    metadata.put("path", path);
    metadata.put("text_column", spec.textColumn());
    metadata.put("label", Map.of("column", spec.labelColumn(), "positive", spec.positive(), "negative", spec.negative()));
    metadata.put("threshold", spec.threshold());
    Map<String, Object> parameters = new LinkedHashMap<>();
    parameters.put("token_pattern", spec.tokenPattern());
    parameters.put("min_token_length", spec.minTokenLength());
    parameters.put("ngrams", spec.ngrams());
    parameters.put("kept_stop_words", spec.negations());
    parameters.put("num_features", spec.numFeatures());
    parameters.put("min_doc_freq", spec.minDocFreq());
    parameters.put("reg_param", spec.regParam());
    parameters.put("elastic_net", spec.elasticNet());
    parameters.put("max_iter", spec.maxIter());
    metadata.put("parameters", parameters);
    metadata.put("metrics", metrics);
    metadata.put("rows", rows);
    metadata.put("quarantined_by_reason", quarantined);
    metadata.put("weightiest_terms", weightiest);
    metadata.put("train_source", trainName);
    metadata.put("test_source", testName.orElse("held out from " + trainName));
    metadata.put("created_at", Instant.now().toString());
    metadata.put("spark_version", spark.version());
    validation.ifPresent(report -> metadata.put("validation", report.toSummary()));
    try {
      return JSON.writerWithDefaultPrettyPrinter().writeValueAsString(metadata);
    } catch (JsonProcessingException e) {
      throw TargetingException.internal("Cannot write text model metadata: %s", e.getMessage());
    }
  }

  @Override
  protected Map<String, Object> result(Map<String, Object> promotion) {
    Map<String, Object> summary = new LinkedHashMap<>();
    summary.put("version", version);
    summary.put("path", path);
    summary.put("rows", rows);
    summary.put("quarantined_by_reason", quarantined);
    validation.ifPresent(report -> summary.put("validation", report.toSummary()));
    summary.put("metrics", metrics);
    summary.put("promotion", promotion);
    summary.put("weightiest_terms", weightiest);
    return summary;
  }
}
