package com.targeting.core.model;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import ml.dmlc.xgboost4j.scala.spark.XGBoostClassifier;
import ml.dmlc.xgboost4j.scala.spark.XGBoostRegressor;
import org.apache.spark.ml.Estimator;
import org.apache.spark.ml.Pipeline;
import org.apache.spark.ml.PipelineModel;
import org.apache.spark.ml.PipelineStage;
import org.apache.spark.ml.Transformer;
import org.apache.spark.ml.feature.SQLTransformer;
import org.apache.spark.ml.feature.StringIndexer;
import org.apache.spark.ml.feature.StringIndexerModel;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import scala.collection.JavaConverters;

/**
 * The stages of a model: categorical strings indexed (unseen values and nulls get their own
 * index), every feature cast to double with null as NaN (XGBoost's "missing") into one dense
 * array column, then XGBoost. Saving the fitted stages together saves the encoders with the
 * booster, so scoring applies exactly the training transforms.
 *
 * <p>With {@link CategoricalEncoding#ONE_HOT} each index becomes one 0/1 value per training value
 * plus one for "other" (unseen or null): {@code CAST(index = k AS DOUBLE)} in the same SQL
 * statement that builds the array, the statement written once the indexer has seen the training
 * values. That is exactly Spark ML's {@code OneHotEncoder} with {@code dropLast = false} over the
 * same indices (the indexer's {@code keep} makes an unseen value or a null the last index, its
 * {@code __unknown} label; {@code CategoricalEncodingTest} compares the two), but without its vector per column: the
 * encoder's sparse vectors would need a stage of our own to flatten into the one dense array
 * (SQL cannot read a vector), and a sparse zero must never reach XGBoost, which reads an absent
 * entry as missing. The indexer (values, order, unseen and null handling) and the statement are
 * Spark ML's own stages, saved and loaded by Spark.
 */
final class ModelPipeline {
  static final String LABEL = "label";

  private ModelPipeline() {}

  /** The name of the one-hot feature that is 1 for a value unseen in training or a null. */
  static final String OTHER = "__other__";

  /**
   * One feature the booster sees, by its booster name ({@code recency}, {@code channel=Web}), and
   * the config feature it comes from ({@code channel}).
   */
  record EncodedFeature(String name, String feature) {}

  /**
   * The feature encoding, fitted on training rows before the booster: an index per categorical
   * column, then the one array of doubles (indices, or their one-hot columns, after the numbers).
   */
  static PipelineModel fitFeatures(ModelSpec spec, Dataset<Row> rows) {
    List<PipelineStage> stages = new ArrayList<>();
    List<String> values = new ArrayList<>();
    for (String feature : spec.numericFeatures()) {
      values.add(asDouble("`" + feature + "`"));
    }
    if (!spec.categoricalFeatures().isEmpty()) {
      StringIndexerModel indexer = indexer(spec).fit(rows);
      stages.add(indexer);
      String[][] labels = indexer.labelsArray();
      for (int c = 0; c < spec.categoricalFeatures().size(); c++) {
        String index = "`" + indexColumn(spec, spec.categoricalFeatures().get(c)) + "`";
        switch (spec.categoricalEncoding()) {
          case INDEX -> values.add(asDouble(index));
          // keep: an unseen value or a null has index labels.length, the last (other) column.
          case ONE_HOT -> {
            for (int k = 0; k <= labels[c].length; k++) {
              values.add("CAST(" + index + " = " + k + " AS DOUBLE)");
            }
          }
        }
      }
    }
    // One dense array<double> column: XGBoost on CPU reads a single features column, and an
    // array (unlike a VectorAssembler's sparse vectors) never turns a zero into "missing".
    SQLTransformer toFeatures = new SQLTransformer();
    toFeatures.setStatement("SELECT *, array(" + String.join(", ", values) + ") AS `" + featuresColumn(spec) + "` FROM __THIS__");
    stages.add(toFeatures);
    if (spec.objective() == ModelSpec.Objective.REGRESSION) {
      // The regressor, a Spark Predictor, accepts only vectors: the same values, densely.
      stages.add(new ArrayToVector().setInputCol(featuresColumn(spec)).setOutputCol(vectorColumn(spec)));
    }
    // Only fitted stages and transformers: fitting the pipeline reads no rows.
    return new Pipeline().setStages(stages.toArray(PipelineStage[]::new)).fit(rows);
  }

  /**
   * The booster's features in array order: the numeric features, then per categorical feature its
   * index ({@code channel}) or its one-hot columns ({@code channel=Multichannel}, ...,
   * {@code channel=__other__}), as the fitted indexer among {@code stages} knows the values.
   */
  static List<EncodedFeature> encodedFeatures(ModelSpec spec, List<Transformer> stages) {
    List<EncodedFeature> encoded = new ArrayList<>();
    for (String feature : spec.numericFeatures()) {
      encoded.add(new EncodedFeature(feature, feature));
    }
    if (spec.categoricalFeatures().isEmpty()) {
      return encoded;
    }
    String[][] labels = stages.stream().filter(StringIndexerModel.class::isInstance).map(StringIndexerModel.class::cast)
        .findFirst().orElseThrow(() -> new IllegalStateException("No fitted indexer among the stages of " + spec.id()))
        .labelsArray();
    for (int c = 0; c < spec.categoricalFeatures().size(); c++) {
      String feature = spec.categoricalFeatures().get(c);
      switch (spec.categoricalEncoding()) {
        case INDEX -> encoded.add(new EncodedFeature(feature, feature));
        case ONE_HOT -> {
          for (String label : labels[c]) {
            encoded.add(new EncodedFeature(feature + "=" + label, feature));
          }
          encoded.add(new EncodedFeature(feature + "=" + OTHER, feature));
        }
      }
    }
    return encoded;
  }

  private static StringIndexer indexer(ModelSpec spec) {
    StringIndexer indexer = new StringIndexer();
    indexer.setInputCols(spec.categoricalFeatures().toArray(String[]::new));
    indexer.setOutputCols(spec.categoricalFeatures().stream().map(c -> indexColumn(spec, c)).toArray(String[]::new));
    indexer.setHandleInvalid("keep");
    indexer.setStringOrderType("alphabetAsc"); // stable indices, independent of data volume
    return indexer;
  }

  private static String indexColumn(ModelSpec spec, String feature) {
    return spec.columnPrefix() + "index_" + feature;
  }

  /** XGBoost's parameters for {@code spec}'s booster: the objective, seed and quiet logging, then the model's {@code xgboost} block. */
  static Map<String, Object> boosterParameters(ModelSpec spec, int numClasses) {
    Map<String, Object> params = new java.util.LinkedHashMap<>();
    switch (spec.objective()) {
      case BINARY -> params.put("objective", "binary:logistic");
      case MULTICLASS -> {
        params.put("objective", "multi:softprob");
        params.put("num_class", numClasses);
      }
      case REGRESSION -> params.put("objective", "reg:squarederror");
    }
    params.put("seed", spec.data().map(ModelSpec.TrainingData::seed).orElse(42L));
    params.put("verbosity", 0); // the native library prints to stdout, where only the summary belongs
    params.putAll(spec.xgboost());
    return params;
  }

  /** The booster's estimator, reading the features column (named {@code featureNames}) and writing prefixed output columns. */
  static Estimator<?> booster(ModelSpec spec, int numClasses, List<String> featureNames) {
    String prefix = spec.columnPrefix();
    Map<String, Object> params = boosterParameters(spec, numClasses);
    if (spec.objective() == ModelSpec.Objective.REGRESSION) {
      XGBoostRegressor regressor = new XGBoostRegressor(scalaMap(params));
      regressor.setFeaturesCol(vectorColumn(spec));
      regressor.setFeatureNames(featureNames.toArray(String[]::new));
      regressor.setLabelCol(LABEL);
      regressor.setPredictionCol(prefix + "prediction");
      spec.earlyStoppingRounds().ifPresent(regressor::setNumEarlyStoppingRounds);
      return regressor;
    }
    XGBoostClassifier classifier = new XGBoostClassifier(scalaMap(params));
    classifier.setFeaturesCol(featuresColumn(spec));
    classifier.setFeatureNames(featureNames.toArray(String[]::new));
    classifier.setLabelCol(LABEL);
    classifier.setProbabilityCol(prefix + "probability");
    classifier.setRawPredictionCol(prefix + "raw");
    classifier.setPredictionCol(prefix + "prediction");
    spec.earlyStoppingRounds().ifPresent(classifier::setNumEarlyStoppingRounds);
    return classifier;
  }

  /**
   * Fits the encoding, then the booster on the encoded rows (with {@code evaluation} rows, encoded
   * the same way, for early stopping; with sample weights from {@code weight}): the fitted stages.
   */
  static List<Transformer> fit(ModelSpec spec, Dataset<Row> rows, int numClasses, Optional<Dataset<Row>> evaluation,
      Optional<String> weight) {
    PipelineModel features = fitFeatures(spec, rows);
    List<String> featureNames = encodedFeatures(spec, Arrays.asList(features.stages())).stream().map(EncodedFeature::name).toList();
    Estimator<?> estimator = booster(spec, numClasses, featureNames);
    if (estimator instanceof XGBoostClassifier classifier) {
      evaluation.ifPresent(rowsToEvaluate -> classifier.setEvalDataset(features.transform(rowsToEvaluate)));
      weight.ifPresent(classifier::setWeightCol);
    } else if (estimator instanceof XGBoostRegressor regressor) {
      evaluation.ifPresent(rowsToEvaluate -> regressor.setEvalDataset(features.transform(rowsToEvaluate)));
      weight.ifPresent(regressor::setWeightCol);
    }
    List<Transformer> stages = new ArrayList<>(Arrays.asList(features.stages()));
    Dataset<Row> encoded = features.transform(rows);
    stages.add(ExactSplitTraining.requested(estimator)
        ? ExactSplitTraining.fit(spec, estimator, encoded, featureNames, weight)
        : (Transformer) estimator.fit(encoded));
    return stages;
  }

  static String featuresColumn(ModelSpec spec) {
    return spec.columnPrefix() + "features";
  }

  static String vectorColumn(ModelSpec spec) {
    return spec.columnPrefix() + "feature_vector";
  }

  private static String asDouble(String column) {
    return "coalesce(CAST(" + column + " AS DOUBLE), CAST('NaN' AS DOUBLE))";
  }

  private static scala.collection.immutable.Map<String, Object> scalaMap(Map<String, Object> params) {
    return JavaConverters.mapAsScalaMapConverter(params).asScala().toMap(scala.Predef$.MODULE$.$conforms());
  }
}
