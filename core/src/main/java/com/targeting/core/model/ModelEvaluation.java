package com.targeting.core.model;

import static org.apache.spark.sql.functions.avg;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.greatest;
import static org.apache.spark.sql.functions.least;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.log;
import static org.apache.spark.sql.functions.max;
import static org.apache.spark.sql.functions.min;
import static org.apache.spark.sql.functions.pow;
import static org.apache.spark.sql.functions.when;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.ml.evaluation.BinaryClassificationEvaluator;
import org.apache.spark.ml.evaluation.MulticlassClassificationEvaluator;
import org.apache.spark.ml.evaluation.RegressionEvaluator;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

/**
 * Held-out metrics: AUC-ROC, AUC-PR, log loss, Brier score and accuracy for binary models, with a
 * decile calibration table; log loss and accuracy for multi-class; RMSE, MAE and R² for
 * regression. Every figure is an aggregation in Spark; nothing but the figures reaches the driver.
 */
final class ModelEvaluation {
  static final String SCORE = "__evaluation_score";
  private static final double EPSILON = 1e-15;

  private ModelEvaluation() {}

  /** {@code predictions} carries the numeric {@code label} and the pipeline's output columns. */
  static Map<String, Double> metrics(ModelSpec.Objective objective, Dataset<Row> predictions, String prefix, String scoreSource) {
    Map<String, Double> metrics = new LinkedHashMap<>();
    switch (objective) {
      case BINARY -> {
        Dataset<Row> scored = predictions.withColumn(SCORE, Predictions.score(prefix, scoreSource));
        BinaryClassificationEvaluator binary = new BinaryClassificationEvaluator()
            .setLabelCol(ModelPipeline.LABEL)
            .setRawPredictionCol(SCORE);
        metrics.put("auc_roc", binary.setMetricName("areaUnderROC").evaluate(scored));
        metrics.put("auc_pr", binary.setMetricName("areaUnderPR").evaluate(scored));
        Column y = col(ModelPipeline.LABEL);
        Column p = least(greatest(col(SCORE), lit(EPSILON)), lit(1 - EPSILON));
        Row row = scored.agg(
            avg(y.multiply(log(p)).plus(lit(1).minus(y).multiply(log(lit(1).minus(p)))).multiply(-1)),
            avg(pow(col(SCORE).minus(y), 2)),
            avg(when(col(SCORE).geq(0.5).equalTo(y.equalTo(1)), 1.0).otherwise(0.0)),
            avg(y)).first();
        metrics.put("log_loss", row.getDouble(0));
        metrics.put("brier", row.getDouble(1));
        metrics.put("accuracy", row.getDouble(2));
        metrics.put("positive_rate", row.getDouble(3));
      }
      case MULTICLASS -> {
        MulticlassClassificationEvaluator multi = new MulticlassClassificationEvaluator()
            .setLabelCol(ModelPipeline.LABEL)
            .setPredictionCol(prefix + "prediction")
            .setProbabilityCol(prefix + "probability");
        metrics.put("log_loss", multi.setMetricName("logLoss").evaluate(predictions));
        metrics.put("accuracy", multi.setMetricName("accuracy").evaluate(predictions));
      }
      case REGRESSION -> {
        RegressionEvaluator regression = new RegressionEvaluator()
            .setLabelCol(ModelPipeline.LABEL)
            .setPredictionCol(prefix + "prediction");
        metrics.put("rmse", regression.setMetricName("rmse").evaluate(predictions));
        metrics.put("mae", regression.setMetricName("mae").evaluate(predictions));
        metrics.put("r2", regression.setMetricName("r2").evaluate(predictions));
      }
    }
    return metrics;
  }

  /**
   * Ten equal-count bins of predicted probability (from approximate quantiles): rows, mean
   * predicted probability and observed positive rate per bin. A calibrated model's two columns agree.
   */
  static List<Map<String, Object>> calibrationTable(Dataset<Row> predictions, String prefix, String scoreSource) {
    Dataset<Row> scored = predictions.withColumn(SCORE, Predictions.score(prefix, scoreSource));
    double[] probabilities = new double[9];
    for (int i = 0; i < 9; i++) {
      probabilities[i] = (i + 1) / 10.0;
    }
    double[] edges = scored.stat().approxQuantile(SCORE, probabilities, 0.001);
    Column bin = lit(edges.length);
    for (int i = edges.length - 1; i >= 0; i--) {
      bin = when(col(SCORE).leq(edges[i]), i).otherwise(bin);
    }
    Row[] rows = (Row[]) scored.groupBy(bin.as("decile"))
        .agg(count(lit(1)), avg(col(SCORE)), avg(col(ModelPipeline.LABEL)), min(col(SCORE)), max(col(SCORE)))
        .orderBy("decile")
        .collect();
    List<Map<String, Object>> table = new ArrayList<>();
    for (Row row : rows) {
      Map<String, Object> entry = new LinkedHashMap<>();
      entry.put("decile", row.getInt(0) + 1);
      entry.put("rows", row.getLong(1));
      entry.put("mean_predicted", round(row.getDouble(2)));
      entry.put("observed_rate", round(row.getDouble(3)));
      entry.put("min_predicted", round(row.getDouble(4)));
      entry.put("max_predicted", round(row.getDouble(5)));
      table.add(entry);
    }
    return table;
  }

  private static double round(double value) {
    return Math.round(value * 1e6) / 1e6;
  }
}
