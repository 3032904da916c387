package com.targeting.core.model;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.when;

import com.targeting.core.TargetingException;
import com.targeting.core.fs.HadoopFiles;
import java.io.IOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.apache.spark.ml.PipelineModel;
import org.apache.spark.ml.evaluation.BinaryClassificationEvaluator;
import org.apache.spark.ml.evaluation.MulticlassClassificationEvaluator;
import org.apache.spark.ml.feature.StringIndexer;
import org.apache.spark.ml.feature.StringIndexerModel;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.NumericType;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Trains a {@link ModelSpec} on labeled rows: a seeded hold-out split, the pipeline of
 * {@link ModelPipeline}, held-out metrics, and the model saved as a directory: {@code pipeline/}
 * (Spark ML) and {@code model.json} ({@link ModelMetadata}).
 */
public final class ModelTrainer {
  private static final Logger LOG = LoggerFactory.getLogger(ModelTrainer.class);

  private ModelTrainer() {}

  public static ModelMetadata trainAndSave(SparkSession spark, ModelSpec spec, Dataset<Row> labeled, String sourceName) {
    requireColumns(spec, labeled, sourceName);
    List<String> classes = new ArrayList<>();
    Dataset<Row> withLabel = withNumericLabel(spec, labeled, classes).where(col(ModelPipeline.LABEL).isNotNull());

    Dataset<Row>[] split = withLabel.randomSplit(new double[] {1 - spec.testFraction(), spec.testFraction()}, spec.seed());
    // The training split is read by the fit and counted; cache it so the source is scanned once.
    Dataset<Row> train = split[0].cache();
    Dataset<Row> test = split[1].cache();
    try {
      long trainRows = train.count();
      long testRows = test.count();
      if (trainRows == 0 || testRows == 0) {
        throw TargetingException.userError(
            "Model %s: training data %s has too few labeled rows (%d train, %d test)", spec.id(), sourceName, trainRows, testRows);
      }
      LOG.info("Training model {} on {} rows, holding out {}", spec.id(), trainRows, testRows);
      PipelineModel fitted = ModelPipeline.build(spec, Math.max(2, classes.size())).fit(train);
      Map<String, Double> metrics = evaluate(spec, fitted.transform(test));
      LOG.info("Model {} held-out metrics {}", spec.id(), metrics);

      ModelMetadata metadata = new ModelMetadata(
          spec.id(),
          spec.objective().name().toLowerCase(java.util.Locale.ROOT),
          spec.label(),
          spec.positiveLabel().orElse(null),
          List.copyOf(classes),
          spec.numericFeatures(),
          spec.categoricalFeatures(),
          spec.xgboost(),
          metrics,
          trainRows,
          testRows,
          sourceName,
          Instant.now().toString(),
          spark.version());
      save(spark, spec.path(), fitted, metadata);
      return metadata;
    } finally {
      train.unpersist();
      test.unpersist();
    }
  }

  static void save(SparkSession spark, String path, PipelineModel fitted, ModelMetadata metadata) {
    try {
      fitted.write().overwrite().save(path + "/" + SavedModel.PIPELINE_DIRECTORY);
    } catch (IOException e) {
      throw TargetingException.external(e, "Cannot save model %s to %s: %s", metadata.id(), path, e.getMessage());
    }
    HadoopFiles.writeString(spark, path + "/" + ModelMetadata.FILE_NAME, metadata.toJson());
  }

  private static void requireColumns(ModelSpec spec, Dataset<Row> labeled, String sourceName) {
    Set<String> present = new TreeSet<>(String.CASE_INSENSITIVE_ORDER);
    present.addAll(Arrays.asList(labeled.columns()));
    List<String> missing = new ArrayList<>();
    for (String column : spec.features()) {
      if (!present.contains(column)) {
        missing.add(column);
      }
    }
    if (!present.contains(spec.label())) {
      missing.add(spec.label() + " (label)");
    }
    if (!missing.isEmpty()) {
      throw TargetingException.userError("Model %s: training data %s lacks columns %s", spec.id(), sourceName, missing);
    }
  }

  /** Adds the numeric {@code label} column; for multi-class fills {@code classes} in index order. */
  private static Dataset<Row> withNumericLabel(ModelSpec spec, Dataset<Row> labeled, List<String> classes) {
    var labelType = labeled.schema().apply(spec.label()).dataType();
    if (spec.objective() == ModelSpec.Objective.MULTICLASS) {
      StringIndexer indexer = new StringIndexer();
      indexer.setInputCol(spec.label());
      indexer.setOutputCol(ModelPipeline.LABEL);
      indexer.setStringOrderType("alphabetAsc");
      indexer.setHandleInvalid("skip");
      StringIndexerModel model = indexer.fit(labeled.where(col(spec.label()).isNotNull()));
      classes.addAll(Arrays.asList(model.labelsArray()[0]));
      if (classes.size() < 2) {
        throw TargetingException.userError("Model %s: label %s has fewer than two classes", spec.id(), spec.label());
      }
      return model.transform(labeled);
    }
    if (spec.positiveLabel().isPresent()) {
      return labeled.withColumn(ModelPipeline.LABEL,
          when(col(spec.label()).isNull(), lit(null))
              .otherwise(when(col(spec.label()).cast("string").equalTo(spec.positiveLabel().get()), 1.0).otherwise(0.0)));
    }
    if (labelType.equals(DataTypes.BooleanType) || labelType instanceof NumericType) {
      return labeled.withColumn(ModelPipeline.LABEL, col(spec.label()).cast("double"));
    }
    throw TargetingException.userError(
        "Model %s: label %s is %s; a binary model needs a boolean or 0/1 label, or `positive` naming the positive value",
        spec.id(), spec.label(), labelType.simpleString());
  }

  private static Map<String, Double> evaluate(ModelSpec spec, Dataset<Row> predictions) {
    String prefix = spec.columnPrefix();
    Map<String, Double> metrics = new LinkedHashMap<>();
    MulticlassClassificationEvaluator multi = new MulticlassClassificationEvaluator()
        .setLabelCol(ModelPipeline.LABEL)
        .setPredictionCol(prefix + "prediction")
        .setProbabilityCol(prefix + "probability");
    if (spec.objective() == ModelSpec.Objective.BINARY) {
      BinaryClassificationEvaluator binary = new BinaryClassificationEvaluator()
          .setLabelCol(ModelPipeline.LABEL)
          .setRawPredictionCol(prefix + "probability");
      metrics.put("auc_roc", binary.setMetricName("areaUnderROC").evaluate(predictions));
      metrics.put("auc_pr", binary.setMetricName("areaUnderPR").evaluate(predictions));
    }
    metrics.put("log_loss", multi.setMetricName("logLoss").evaluate(predictions));
    metrics.put("accuracy", multi.setMetricName("accuracy").evaluate(predictions));
    return metrics;
  }
}
