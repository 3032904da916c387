package com.targeting.core.model;

import static com.targeting.core.Columns.QUARANTINE_REASON;
import static com.targeting.core.Columns.QUARANTINE_RULE;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.percent_rank;
import static org.apache.spark.sql.functions.rand;
import static org.apache.spark.sql.functions.when;

import com.targeting.core.TargetingException;
import com.targeting.core.fs.HadoopFiles;
import com.targeting.core.source.ReaderSource;
import com.targeting.core.validate.BinaryValues;
import com.targeting.core.validate.Contract;
import com.targeting.core.validate.ContractValidator;
import com.targeting.core.validate.QualityReport;
import java.io.IOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import ml.dmlc.xgboost4j.scala.spark.XGBoostClassificationModel;
import ml.dmlc.xgboost4j.scala.spark.XGBoostRegressionModel;
import org.apache.spark.ml.PipelineModel;
import org.apache.spark.ml.Transformer;
import org.apache.spark.ml.classification.LogisticRegression;
import org.apache.spark.ml.feature.StringIndexer;
import org.apache.spark.ml.feature.StringIndexerModel;
import org.apache.spark.ml.feature.VectorSlicer;
import org.apache.spark.ml.regression.IsotonicRegression;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Trains a {@link ModelSpec} into a new immutable registry version: the labeled rows are checked
 * (numbers parsed; unparseable values and missing labels quarantined with a reason), split into
 * train / validation / test (seeded, stratified by label), fitted, optionally calibrated,
 * evaluated on the held-out test rows and compared with the champion on those same rows. The
 * champion pointer moves only when the challenger wins by the configured margin.
 */
public final class ModelTrainer {
  private static final Logger LOG = LoggerFactory.getLogger(ModelTrainer.class);
  private static final String RANDOM = "__split_random";
  /** A binary label value that is neither the positive nor the negative one (or not 0/1). */
  public static final String LABEL_UNEXPECTED = "label-unexpected";

  private ModelTrainer() {}

  /** What a training run produced and decided. */
  public record Result(String path, ModelMetadata metadata, Map<String, Object> promotion, Map<String, Long> labelValues,
      Optional<QualityReport> validation) {
    public Map<String, Object> summary() {
      Map<String, Object> summary = new LinkedHashMap<>();
      summary.put("version", metadata.version());
      summary.put("path", path);
      summary.put("rows", metadata.rows());
      summary.put("quarantined_by_rule", metadata.quarantinedByRule());
      validation.ifPresent(report -> summary.put("validation", report.toSummary()));
      if (!labelValues.isEmpty()) {
        // Every value of a binary label, quarantined ones included: a label written several ways shows here.
        summary.put("label_values", labelValues);
      }
      summary.put("metrics", metadata.metrics());
      summary.put("promotion", promotion);
      List<Map.Entry<String, Double>> top = new ArrayList<>(metadata.featureImportance().entrySet());
      top.sort(Map.Entry.<String, Double>comparingByValue().reversed());
      Map<String, Double> importance = new LinkedHashMap<>();
      top.stream().limit(10).forEach(e -> importance.put(e.getKey(), e.getValue()));
      summary.put("top_features_by_gain", importance);
      return summary;
    }
  }

  /** Trains from the sources in the spec's {@code data} block. */
  public static Result train(SparkSession spark, ModelSpec spec) {
    ModelSpec.TrainingData data = spec.data().orElseThrow(() ->
        TargetingException.userError("Model %s has no data block: it needs data.train (and optionally data.test)", spec.id()));
    ReaderSource train = ReaderSource.of(data.train());
    Optional<ReaderSource> test = data.test().map(ReaderSource::of);
    return train(spark, spec, enriched(spark, data, train.readForContract(spark), train.describe()), train.describe(),
        test.map(t -> enriched(spark, data, t.readForContract(spark), t.describe())), test.map(ReaderSource::describe));
  }

  /**
   * What each enrichment of the labeled rows was made with (the text model's version), saved in
   * {@code model.json} so that a run using another can say so; null without enrichments.
   */
  private static Map<String, Object> lineage(ModelSpec.TrainingData data) {
    if (data.enrichments().isEmpty()) {
      return null;
    }
    Map<String, Object> lineage = new LinkedHashMap<>();
    for (TrainingEnrichment enrichment : data.enrichments()) {
      lineage.put(enrichment.id(), enrichment.lineage());
    }
    return lineage;
  }

  /** {@code rows} with the data block's enrichments ({@link TrainingEnrichment}) added in order. */
  private static Dataset<Row> enriched(SparkSession spark, ModelSpec.TrainingData data, Dataset<Row> rows, String name) {
    Dataset<Row> result = rows;
    for (TrainingEnrichment enrichment : data.enrichments()) {
      result = enrichment.enrich(spark, result, name);
    }
    return result;
  }

  public static Result train(SparkSession spark, ModelSpec spec, Dataset<Row> trainRows, String trainName,
      Optional<Dataset<Row>> testRows, Optional<String> testName) {
    return new Recipe(spark, spec, trainRows, trainName, testRows, testName).train();
  }

  /** The XGBoost family's steps of the {@link TrainRecipe}. */
  private static final class Recipe extends TrainRecipe<Result> {
    private final ModelSpec spec;
    private final ModelSpec.TrainingData data;
    private final Dataset<Row> trainRows;
    private final String trainName;
    private final Optional<Dataset<Row>> testRows;
    private final Optional<String> testName;
    private final Map<String, Dataset<Row>> quarantinedRows = new LinkedHashMap<>();
    private Map<String, Long> labelValues;
    private Dataset<Row> test;
    private PipelineModel fitted;
    private ModelMetadata metadata;
    private DriftBaseline driftBaseline;

    Recipe(SparkSession spark, ModelSpec spec, Dataset<Row> trainRows, String trainName, Optional<Dataset<Row>> testRows,
        Optional<String> testName) {
      super(spark, spec, "Model");
      this.spec = spec;
      this.data = spec.data().orElse(new ModelSpec.TrainingData(
          new com.targeting.core.source.SourceConfig("memory", Optional.empty(), Map.of()), Optional.empty(), 0.2, 0.2, 42L, 0.05,
          Optional.empty()));
      this.trainRows = trainRows;
      this.trainName = trainName;
      this.testRows = testRows;
      this.testName = testName;
    }

    @Override
    protected void requireInputs() {
      requireRows(trainRows, trainName);
      testRows.ifPresent(rows -> requireRows(rows, testName.orElse("test")));
      validateTrainingRows(data.validation(), trainRows, trainName);
    }

    @Override
    protected Challenger fitAndEvaluate() {
      String prefix = spec.columnPrefix();
      labelValues = labelValues(spec, trainRows, trainName, testRows, testName);
      Contract contract = contract(spec, data.maxQuarantinedFraction());
      Map<String, Long> quarantined = new TreeMap<>();
      Dataset<Row> cleanTrain = clean(ContractValidator.validate(trainRows, contract, trainName), contract, trainName,
          "train", quarantined, quarantinedRows);
      Optional<Dataset<Row>> cleanTest = testRows.map(rows -> clean(
          ContractValidator.validate(rows, contract, testName.orElse("test")), contract, testName.orElse("test"),
          "test", quarantined, quarantinedRows));

      List<String> classes = new ArrayList<>();
      Dataset<Row> labeledTrain = withNumericLabel(spec, cleanTrain, cleanTest, classes, trainName);
      Optional<Dataset<Row>> labeledTest = cleanTest.map(rows -> applyLabel(spec, rows, classes));

      // Each row's split number must not change between the evaluations that build test, train
      // and validation: from the row's id where there is one, else drawn once and checkpointed.
      Dataset<Row> pool = spec.idColumn().isPresent()
          ? labeledTrain.withColumn(RANDOM, splitNumber(col("`" + spec.idColumn().get() + "`"), data.seed()))
          : labeledTrain.withColumn(RANDOM, rand(data.seed())).localCheckpoint(true);
      if (labeledTest.isPresent()) {
        test = cache(labeledTest.get());
      } else {
        Column inTest = inFraction(spec, data.testFraction());
        test = cache(pool.withColumn("__in", inTest).where(col("__in")).drop("__in", RANDOM));
        pool = pool.withColumn("__in", inTest).where(col("__in").unary_$bang()).drop("__in");
      }
      boolean needsValidation = spec.earlyStoppingRounds().isPresent() || spec.calibration() != ModelSpec.Calibration.NONE;
      Dataset<Row> fit;
      Optional<Dataset<Row>> validation = Optional.empty();
      if (needsValidation) {
        Dataset<Row> reshuffled = spec.idColumn().isPresent()
            ? pool.drop(RANDOM).withColumn(RANDOM, splitNumber(col("`" + spec.idColumn().get() + "`"), data.seed() + 1))
            : pool.drop(RANDOM).withColumn(RANDOM, rand(data.seed() + 1)).localCheckpoint(true);
        Column inValidation = inFraction(spec, data.validationFraction());
        validation = Optional.of(cache(reshuffled.withColumn("__in", inValidation).where(col("__in")).drop("__in", RANDOM)));
        fit = cache(reshuffled.withColumn("__in", inValidation).where(col("__in").unary_$bang()).drop("__in", RANDOM));
      } else {
        fit = cache(pool.drop(RANDOM));
      }
      Map<String, Long> rows = new LinkedHashMap<>();
      rows.put("train", fit.count());
      validation.ifPresent(v -> rows.put("validation", v.count()));
      rows.put("test", test.count());
      if (rows.get("train") == 0 || rows.get("test") == 0) {
        throw TargetingException.userError("Model %s: too few labeled rows to train and test (%s)", spec.id(), rows);
      }
      LOG.info("Training model {} v{} on {}", spec.id(), version, rows);

      List<Transformer> stages = ModelPipeline.fit(spec, fit, Math.max(2, classes.size()),
          spec.earlyStoppingRounds().isPresent() ? validation : Optional.empty(), Optional.empty());
      Transformer booster = stages.get(stages.size() - 1);
      if (spec.calibration() != ModelSpec.Calibration.NONE) {
        Dataset<Row> validationPredictions = new PipelineModel("calibration-input", stages.toArray(Transformer[]::new))
            .transform(validation.get());
        stages.addAll(calibrate(spec, validationPredictions));
      }
      fitted = new PipelineModel(spec.id() + "-v" + version, stages.toArray(Transformer[]::new));

      String scoreSource = Predictions.scoreSource(spec);
      Dataset<Row> testPredictions = fitted.transform(test);
      Map<String, Double> metrics = ModelEvaluation.metrics(spec.objective(), testPredictions, prefix, scoreSource);
      List<Map<String, Object>> calibrationTable = spec.objective() == ModelSpec.Objective.BINARY
          ? ModelEvaluation.calibrationTable(testPredictions, prefix, scoreSource) : List.of();
      LOG.info("Model {} v{} held-out metrics {}", spec.id(), version, metrics);
      // What later runs' rows are compared with (PSI): the fitted rows' features, the held-out rows' scores.
      driftBaseline = DriftBaseline.of(fit, spec.numericFeatures(), spec.categoricalFeatures(), Optional.of(testPredictions),
          spec.objective() == ModelSpec.Objective.MULTICLASS ? Optional.empty() : Optional.of(Predictions.score(prefix, scoreSource)));

      metadata = new ModelMetadata(
          spec.id(), version, spec.objective().configName(), spec.label().column(), spec.label().positive().orElse(null),
          List.copyOf(classes), spec.numericFeatures(), spec.categoricalFeatures(), spec.categoricalEncoding().configName(),
          spec.protectedAttributes(),
          parameters(spec), spec.calibration().name().toLowerCase(java.util.Locale.ROOT), scoreSource, metrics,
          calibrationTable, importance(booster, spec, ModelPipeline.encodedFeatures(spec, stages)), rows, quarantined, trainName, testName.orElse("held out from " + trainName),
          Instant.now().toString(), spark.version(), trainingWindow(fit), this.validation.map(ModelTrainer::validationCounts).orElse(null),
          spec.fairness().map(odds -> odds.report(testPredictions, col(ModelPipeline.LABEL), Predictions.score(prefix, scoreSource)))
              .orElse(null),
          spec.about().intendedUse().orElse(null), spec.about().limitations(), lineage(data));
      ModelSpec.Promotion rule = spec.promotion();
      Double challenger = metrics.get(rule.metric());
      if (challenger == null) {
        throw TargetingException.userError("Model %s: promotion.metric %s is not one of the metrics %s",
            spec.id(), rule.metric(), metrics.keySet());
      }
      return new Challenger(rule.metric(), rule.margin(), rule.higherIsBetter(), challenger);
    }

    /** The current champion scores the same held-out rows. */
    @Override
    protected Double championValue(int championVersion) {
      SavedModel current = SavedModel.load(spark, registry.versionPath(spec.id(), championVersion));
      Dataset<Row> predictions = current.pipeline().transform(test);
      return ModelEvaluation.metrics(spec.objective(), predictions, spec.columnPrefix(), current.metadata().scoreSource())
          .get(spec.promotion().metric());
    }

    @Override
    protected void writeArtifacts() {
      try {
        fitted.write().save(path + "/" + SavedModel.PIPELINE_DIRECTORY);
      } catch (IOException e) {
        throw TargetingException.external(e, "Cannot save model %s to %s: %s", metadata.id(), path, e.getMessage());
      }
      HadoopFiles.writeString(spark, path + "/" + DriftBaseline.FILE_NAME, driftBaseline.toJson());
      HadoopFiles.writeString(spark, path + "/" + ModelCard.FILE_NAME, ModelCard.markdown(metadata));
    }

    /** The range of the card's window column over the fitted rows, if the config names one. */
    private Map<String, Object> trainingWindow(Dataset<Row> fit) {
      if (spec.about().windowColumn().isEmpty()) {
        return null;
      }
      String column = spec.about().windowColumn().get();
      if (!java.util.Arrays.asList(fit.columns()).contains(column)) {
        throw TargetingException.userError("Model %s: card.window-column names %s, which is not a column of the training rows %s (has %s)",
            spec.id(), column, trainName, List.of(fit.columns()));
      }
      Row range = fit.agg(org.apache.spark.sql.functions.min(col("`" + column + "`")).cast("string"),
          org.apache.spark.sql.functions.max(col("`" + column + "`")).cast("string")).first();
      Map<String, Object> window = new LinkedHashMap<>();
      window.put("column", column);
      window.put("from", range.isNullAt(0) ? null : range.getString(0));
      window.put("to", range.isNullAt(1) ? null : range.getString(1));
      return window;
    }

    @Override
    protected String metadataJson() {
      return metadata.toJson();
    }

    /** Beside the model, so that whoever reads its row counts can see what was left out and why. */
    @Override
    protected void afterSave() {
      quarantinedRows.forEach((name, bad) -> bad.write().parquet(path + "/training-quarantine/" + name));
    }

    @Override
    protected Result result(Map<String, Object> promotion) {
      return new Result(path, metadata, promotion, labelValues, validation);
    }
  }

  /** The training rows' data-quality outcome for model.json and the card: status and counts by status. */
  private static Map<String, Object> validationCounts(QualityReport report) {
    Map<String, Object> counts = new LinkedHashMap<>();
    counts.put("status", report.toSummary().get("status"));
    counts.putAll(report.counts());
    return counts;
  }

  /** A number in [0, 1) that depends only on the id and the seed. */
  public static Column splitNumber(Column id, long seed) {
    return org.apache.spark.sql.functions.pmod(org.apache.spark.sql.functions.xxhash64(id.cast("string"), lit(seed)), lit(1_000_000_007L))
        .divide(1_000_000_007.0);
  }

  /** Rows in the first {@code fraction} of each label class by the row's random number: stratified. */
  private static Column inFraction(ModelSpec spec, double fraction) {
    if (spec.objective() == ModelSpec.Objective.REGRESSION) {
      return col(RANDOM).lt(fraction);
    }
    return percent_rank().over(org.apache.spark.sql.expressions.Window.partitionBy(col(ModelPipeline.LABEL)).orderBy(col(RANDOM)))
        .lt(fraction);
  }

  /**
   * The contract rows to score must meet: the training contract's features (numeric as double,
   * categorical as text), with its value rules (unparseable and non-finite numbers quarantined),
   * no label, no key, no quarantine limit (every row is scored or quarantined, and counted).
   */
  public static Contract scoringContract(ModelMetadata metadata) {
    Map<String, DataType> columns = new LinkedHashMap<>();
    metadata.numericFeatures().forEach(f -> columns.put(f, DataTypes.DoubleType));
    metadata.categoricalFeatures().forEach(f -> columns.put(f, DataTypes.StringType));
    return new Contract(Optional.empty(), columns, List.of(), 1.0);
  }

  /** The contract of labeled rows: features typed, label present. */
  static Contract contract(ModelSpec spec, double maxQuarantinedFraction) {
    Map<String, DataType> columns = new LinkedHashMap<>();
    spec.numericFeatures().forEach(f -> columns.put(f, DataTypes.DoubleType));
    spec.categoricalFeatures().forEach(f -> columns.put(f, DataTypes.StringType));
    if (spec.objective() == ModelSpec.Objective.REGRESSION) {
      columns.put(spec.label().column(), DataTypes.DoubleType);
    } else if (spec.objective() == ModelSpec.Objective.MULTICLASS || spec.label().positive().isPresent()) {
      columns.put(spec.label().column(), DataTypes.StringType);
    }
    spec.idColumn().ifPresent(id -> columns.putIfAbsent(id, DataTypes.StringType));
    String label = "`" + spec.label().column().replace("`", "``") + "`";
    List<Contract.Rule> rules = new ArrayList<>();
    rules.add(new Contract.Rule("missing-label", label + " IS NULL", "missing label " + spec.label().column()));
    if (spec.objective() == ModelSpec.Objective.BINARY) {
      BinaryValues.rule(LABEL_UNEXPECTED, "label", spec.label().column(), spec.label().positive(), spec.label().negative(),
          "set label.positive to name the positive value").ifPresent(rules::add);
    }
    return new Contract(spec.idColumn(), columns, rules, maxQuarantinedFraction);
  }

  /**
   * A binary label's values with their counts in the training (and test) rows, for the summary;
   * refuses a label with a positive value, no label.negative and several other values
   * ({@link BinaryValues#requireOneNegative}). Empty for other objectives.
   */
  private static Map<String, Long> labelValues(ModelSpec spec, Dataset<Row> trainRows, String trainName,
      Optional<Dataset<Row>> testRows, Optional<String> testName) {
    if (spec.objective() != ModelSpec.Objective.BINARY) {
      return Map.of();
    }
    String column = spec.label().column();
    if (!List.of(trainRows.columns()).contains(column)) {
      return Map.of(); // the contract names the missing column
    }
    Map<String, Long> counts = new LinkedHashMap<>(BinaryValues.counts(trainRows, column));
    String sources = trainName;
    if (testRows.isPresent() && List.of(testRows.get().columns()).contains(column)) {
      BinaryValues.counts(testRows.get(), column).forEach((value, rows) -> counts.merge(value, rows, Long::sum));
      sources = trainName + " and " + testName.orElse("test");
    }
    List<Map.Entry<String, Long>> sorted = new ArrayList<>(counts.entrySet());
    sorted.sort(Map.Entry.<String, Long>comparingByValue().reversed());
    Map<String, Long> result = new LinkedHashMap<>();
    sorted.forEach(e -> result.put(e.getKey(), e.getValue()));
    if (spec.label().positive().isPresent() && spec.label().negative().isEmpty()) {
      BinaryValues.requireOneNegative(result, "Model " + spec.id(), "label", column, spec.label().positive().get(),
          "label.negative", sources);
    }
    return result;
  }

  /** Counts quarantined rows by rule and fails past the limit; returns the rest, keeps the bad rows to write. */
  private static Dataset<Row> clean(Dataset<Row> validated, Contract contract, String sourceName, String name,
      Map<String, Long> quarantined, Map<String, Dataset<Row>> quarantinedRows) {
    // One reason per rule comes with the counts, so that the error names a column; only the text
    // before the value ("unparseable x" of "unparseable x: 'n/a' is not double"): no customer
    // data in an error, which reaches logs and the summary.
    Row[] groups = (Row[]) validated.groupBy(col(QUARANTINE_RULE))
        .agg(count(lit(1)), org.apache.spark.sql.functions.min(
            org.apache.spark.sql.functions.regexp_extract(col(QUARANTINE_REASON), "^[^:']*", 0))).collect();
    long total = 0;
    long bad = 0;
    Map<String, String> examples = new java.util.TreeMap<>();
    for (Row group : groups) {
      total += group.getLong(1);
      if (group.get(0) != null) {
        bad += group.getLong(1);
        quarantined.merge(group.getString(0), group.getLong(1), Long::sum);
        examples.put(group.getString(0), group.getString(2));
      }
    }
    if (total > 0 && (double) bad / total > contract.maxQuarantinedFraction()) {
      throw TargetingException.userError("Training data %s: %d of %d rows break the contract, more than the limit of %.2f%% "
          + "(data.max-quarantined-fraction). By rule: %s; for example: %s", sourceName, bad, total,
          100 * contract.maxQuarantinedFraction(), quarantined, examples);
    }
    if (bad > 0) {
      quarantinedRows.put(name, validated.where(col(QUARANTINE_RULE).isNotNull()));
    }
    return validated.where(col(QUARANTINE_RULE).isNull()).drop(QUARANTINE_RULE, QUARANTINE_REASON);
  }

  /** Adds the numeric {@code label}; for multi-class fills {@code classes} in index order. */
  private static Dataset<Row> withNumericLabel(ModelSpec spec, Dataset<Row> train, Optional<Dataset<Row>> test,
      List<String> classes, String sourceName) {
    if (spec.objective() == ModelSpec.Objective.MULTICLASS) {
      Dataset<Row> labels = train.select(spec.label().column());
      if (test.isPresent()) {
        labels = labels.union(test.get().select(spec.label().column()));
      }
      StringIndexer indexer = new StringIndexer();
      indexer.setInputCol(spec.label().column());
      indexer.setOutputCol(ModelPipeline.LABEL);
      indexer.setStringOrderType("alphabetAsc");
      StringIndexerModel model = indexer.fit(labels);
      classes.addAll(Arrays.asList(model.labelsArray()[0]));
      if (classes.size() < 2) {
        throw TargetingException.userError("Model %s: label %s has fewer than two classes in %s", spec.id(), spec.label().column(), sourceName);
      }
    } else if (spec.objective() == ModelSpec.Objective.BINARY && spec.label().positive().isEmpty()) {
      DataType type = train.schema().apply(spec.label().column()).dataType();
      if (!(type.equals(DataTypes.BooleanType) || type instanceof org.apache.spark.sql.types.NumericType)) {
        throw TargetingException.userError(
            "Model %s: label %s is %s; a binary model needs a boolean or 0/1 label, or label.positive naming the positive value",
            spec.id(), spec.label().column(), type.simpleString());
      }
    }
    return applyLabel(spec, train, classes);
  }

  private static Dataset<Row> applyLabel(ModelSpec spec, Dataset<Row> rows, List<String> classes) {
    Column label = col("`" + spec.label().column() + "`");
    Column numeric = switch (spec.objective()) {
      case REGRESSION -> label.cast("double");
      case BINARY -> spec.label().positive()
          .map(positive -> when(label.cast("string").equalTo(positive), 1.0).otherwise(0.0))
          .orElse(label.cast("double"));
      case MULTICLASS -> {
        Column index = lit(null).cast("double");
        for (int i = classes.size() - 1; i >= 0; i--) {
          index = when(label.equalTo(classes.get(i)), (double) i).otherwise(index);
        }
        yield index;
      }
    };
    return rows.withColumn(ModelPipeline.LABEL, numeric);
  }

  private static List<Transformer> calibrate(ModelSpec spec, Dataset<Row> validationPredictions) {
    String prefix = spec.columnPrefix();
    if (spec.calibration() == ModelSpec.Calibration.ISOTONIC) {
      IsotonicRegression isotonic = new IsotonicRegression()
          .setFeaturesCol(prefix + "probability")
          .setFeatureIndex(1)
          .setLabelCol(ModelPipeline.LABEL)
          .setPredictionCol(prefix + "calibrated");
      return List.of(isotonic.fit(validationPredictions));
    }
    // Platt scaling: a logistic regression on the booster's margin.
    VectorSlicer margin = new VectorSlicer().setInputCol(prefix + "raw").setIndices(new int[] {1}).setOutputCol(prefix + "margin");
    LogisticRegression platt = new LogisticRegression()
        .setFeaturesCol(prefix + "margin")
        .setLabelCol(ModelPipeline.LABEL)
        .setProbabilityCol(prefix + "calibrated_probability")
        .setPredictionCol(prefix + "calibrated_prediction")
        .setRawPredictionCol(prefix + "calibrated_raw");
    return List.of(margin, platt.fit(margin.transform(validationPredictions)));
  }

  /**
   * Total gain per config feature, by the feature names the booster was trained with: a one-hot
   * feature's gain is the sum of its columns' (gains add: each is the loss reduction of its splits).
   */
  private static Map<String, Double> importance(Transformer booster, ModelSpec spec, List<ModelPipeline.EncodedFeature> encoded) {
    ml.dmlc.xgboost4j.scala.Booster nativeBooster;
    if (booster instanceof XGBoostClassificationModel model) {
      nativeBooster = model.nativeBooster();
    } else if (booster instanceof XGBoostRegressionModel model) {
      nativeBooster = model.nativeBooster();
    } else {
      return Map.of();
    }
    Map<String, Double> gains = new LinkedHashMap<>();
    try {
      scala.collection.immutable.Map<String, Object> scores =
          nativeBooster.getScore(encoded.stream().map(ModelPipeline.EncodedFeature::name).toArray(String[]::new), "total_gain");
      Map<String, Double> sums = new LinkedHashMap<>();
      for (String feature : spec.features()) {
        sums.put(feature, 0.0);
      }
      for (ModelPipeline.EncodedFeature feature : encoded) {
        Object gain = scores.get(feature.name()).getOrElse(() -> 0.0);
        sums.merge(feature.feature(), ((Number) gain).doubleValue(), Double::sum);
      }
      sums.forEach((feature, gain) -> gains.put(feature, Math.round(gain * 1000) / 1000.0));
    } catch (Exception e) { // XGBoostError is checked and thrown undeclared
      LOG.warn("Cannot read feature importance of {}: {}", spec.id(), e.getMessage());
    }
    return gains;
  }

  private static Map<String, Object> parameters(ModelSpec spec) {
    Map<String, Object> parameters = new LinkedHashMap<>(spec.xgboost());
    spec.earlyStoppingRounds().ifPresent(rounds -> parameters.put("early_stopping_rounds", rounds));
    return parameters;
  }
}
