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
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import scala.collection.JavaConverters;

/**
 * The stages of a model: categorical strings indexed (unseen values and nulls get their own
 * index), every feature cast to double with null as NaN (XGBoost's "missing") into one dense
 * array column, then XGBoost. Saving the fitted stages together saves the encoders with the
 * booster, so scoring applies exactly the training transforms.
 */
final class ModelPipeline {
  static final String LABEL = "label";

  private ModelPipeline() {}

  /** The feature encoding, fitted on training rows before the booster. */
  static Pipeline features(ModelSpec spec) {
    String prefix = spec.columnPrefix();
    List<PipelineStage> stages = new ArrayList<>();
    if (!spec.categoricalFeatures().isEmpty()) {
      StringIndexer indexer = new StringIndexer();
      indexer.setInputCols(spec.categoricalFeatures().toArray(String[]::new));
      indexer.setOutputCols(spec.categoricalFeatures().stream().map(c -> prefix + "index_" + c).toArray(String[]::new));
      indexer.setHandleInvalid("keep");
      indexer.setStringOrderType("alphabetAsc"); // stable indices, independent of data volume
      stages.add(indexer);
    }
    // One dense array<double> column: XGBoost on CPU reads a single features column, and an
    // array (unlike a VectorAssembler's sparse vectors) never turns a zero into "missing".
    List<String> values = new ArrayList<>();
    for (String feature : spec.numericFeatures()) {
      values.add(asDouble("`" + feature + "`"));
    }
    for (String feature : spec.categoricalFeatures()) {
      values.add(asDouble("`" + prefix + "index_" + feature + "`"));
    }
    SQLTransformer toFeatures = new SQLTransformer();
    toFeatures.setStatement("SELECT *, array(" + String.join(", ", values) + ") AS `" + featuresColumn(spec) + "` FROM __THIS__");
    stages.add(toFeatures);
    if (spec.objective() == ModelSpec.Objective.REGRESSION) {
      // The regressor, a Spark Predictor, accepts only vectors: the same values, densely.
      stages.add(new ArrayToVector().setInputCol(featuresColumn(spec)).setOutputCol(vectorColumn(spec)));
    }
    return new Pipeline().setStages(stages.toArray(PipelineStage[]::new));
  }

  /** The booster's estimator, reading the features column and writing prefixed output columns. */
  static Estimator<?> booster(ModelSpec spec, int numClasses) {
    String prefix = spec.columnPrefix();
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
    if (spec.objective() == ModelSpec.Objective.REGRESSION) {
      XGBoostRegressor regressor = new XGBoostRegressor(scalaMap(params));
      regressor.setFeaturesCol(vectorColumn(spec));
      regressor.setFeatureNames(spec.features().toArray(String[]::new));
      regressor.setLabelCol(LABEL);
      regressor.setPredictionCol(prefix + "prediction");
      spec.earlyStoppingRounds().ifPresent(regressor::setNumEarlyStoppingRounds);
      return regressor;
    }
    XGBoostClassifier classifier = new XGBoostClassifier(scalaMap(params));
    classifier.setFeaturesCol(featuresColumn(spec));
    classifier.setFeatureNames(spec.features().toArray(String[]::new));
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
    PipelineModel features = features(spec).fit(rows);
    Estimator<?> estimator = booster(spec, numClasses);
    if (estimator instanceof XGBoostClassifier classifier) {
      evaluation.ifPresent(rowsToEvaluate -> classifier.setEvalDataset(features.transform(rowsToEvaluate)));
      weight.ifPresent(classifier::setWeightCol);
    } else if (estimator instanceof XGBoostRegressor regressor) {
      evaluation.ifPresent(rowsToEvaluate -> regressor.setEvalDataset(features.transform(rowsToEvaluate)));
      weight.ifPresent(regressor::setWeightCol);
    }
    List<Transformer> stages = new ArrayList<>(Arrays.asList(features.stages()));
    stages.add((Transformer) estimator.fit(features.transform(rows)));
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
