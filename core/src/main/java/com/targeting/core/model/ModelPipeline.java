package com.targeting.core.model;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import ml.dmlc.xgboost4j.scala.spark.XGBoostClassifier;
import org.apache.spark.ml.Pipeline;
import org.apache.spark.ml.PipelineStage;
import org.apache.spark.ml.feature.SQLTransformer;
import org.apache.spark.ml.feature.StringIndexer;
import scala.collection.JavaConverters;

/**
 * The Spark ML pipeline of a model: categorical strings indexed (unseen values and nulls get their
 * own index), every feature cast to double with null as NaN (XGBoost's "missing") into one dense
 * array column, then XGBoost. Saving the fitted pipeline saves the encoders with the booster, so
 * scoring applies exactly the training transforms.
 */
final class ModelPipeline {
  static final String LABEL = "label";

  private ModelPipeline() {}

  static Pipeline build(ModelSpec spec, int numClasses) {
    String prefix = spec.columnPrefix();
    List<PipelineStage> stages = new ArrayList<>();
    if (!spec.categoricalFeatures().isEmpty()) {
      String[] inputs = spec.categoricalFeatures().toArray(String[]::new);
      String[] outputs = spec.categoricalFeatures().stream().map(c -> prefix + "index_" + c).toArray(String[]::new);
      StringIndexer indexer = new StringIndexer();
      indexer.setInputCols(inputs);
      indexer.setOutputCols(outputs);
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

    XGBoostClassifier classifier = new XGBoostClassifier(scalaMap(xgboostParams(spec, numClasses)));
    classifier.setFeaturesCol(featuresColumn(spec));
    classifier.setFeatureNames(spec.features().toArray(String[]::new));
    classifier.setLabelCol(LABEL);
    classifier.setProbabilityCol(prefix + "probability");
    classifier.setRawPredictionCol(prefix + "raw");
    classifier.setPredictionCol(prefix + "prediction");
    stages.add(classifier);
    return new Pipeline().setStages(stages.toArray(PipelineStage[]::new));
  }

  static String featuresColumn(ModelSpec spec) {
    return spec.columnPrefix() + "features";
  }

  private static String asDouble(String column) {
    return "coalesce(CAST(" + column + " AS DOUBLE), CAST('NaN' AS DOUBLE))";
  }

  private static Map<String, Object> xgboostParams(ModelSpec spec, int numClasses) {
    Map<String, Object> params = new java.util.LinkedHashMap<>();
    if (spec.objective() == ModelSpec.Objective.BINARY) {
      params.put("objective", "binary:logistic");
    } else {
      params.put("objective", "multi:softprob");
      params.put("num_class", numClasses);
    }
    params.put("seed", spec.seed());
    params.put("verbosity", 0); // the native library prints to stdout, where only the summary belongs
    params.putAll(spec.xgboost());
    return params;
  }

  private static scala.collection.immutable.Map<String, Object> scalaMap(Map<String, Object> params) {
    return JavaConverters.mapAsScalaMapConverter(params).asScala().toMap(scala.Predef$.MODULE$.$conforms());
  }
}
