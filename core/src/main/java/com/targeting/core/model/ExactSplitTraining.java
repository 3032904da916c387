package com.targeting.core.model;

import static org.apache.spark.sql.functions.col;

import com.targeting.core.TargetingException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import ml.dmlc.xgboost4j.java.DMatrix;
import ml.dmlc.xgboost4j.java.XGBoost;
import ml.dmlc.xgboost4j.java.XGBoostError;
import ml.dmlc.xgboost4j.scala.spark.XGBoostClassificationModel;
import ml.dmlc.xgboost4j.scala.spark.XGBoostEstimator;
import ml.dmlc.xgboost4j.scala.spark.XGBoostRegressionModel;
import org.apache.spark.ml.Estimator;
import org.apache.spark.ml.Model;
import org.apache.spark.ml.Transformer;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import scala.collection.JavaConverters;

/**
 * XGBoost's exact greedy split finding ({@code tree_method = exact}: every distinct value of a
 * feature a candidate split, Chen and Guestrin 2016, "XGBoost: A Scalable Tree Boosting System",
 * Algorithm 1), trained by XGBoost4J on the driver. XGBoost4J-Spark cannot train it: its training
 * is always collective, even on one worker, and XGBoost's exact updater refuses collective
 * training. Exact split finding was XGBoost's own choice for data of up to a few million rows
 * before 2.0 ({@code tree_method = auto}), so it is what a Python user of xgboost 1.x fits: with
 * it, the same parameters and the same rows, a model here is that Python model (README: Uplift).
 *
 * <p>The encoded training rows are collected to the driver as one dense float matrix, nulls as
 * NaN (XGBoost's missing), at most {@link #MAX_CELLS} cells; the booster is trained there with the
 * model's parameters and wrapped as the XGBoost4J-Spark model the estimator would have made (same
 * uid and params), so it scores, saves and loads like any other. Early stopping is refused with
 * the config ({@link ModelSpec#from}): there is no evaluation set here.
 */
final class ExactSplitTraining {
  /**
   * The most feature values (rows times encoded features, a one-hot column counting as one) trained
   * on the driver: about 20 bytes each while training (the float matrix on the heap, its copy into
   * XGBoost, XGBoost's own matrix and the exact updater's column-sorted copy), so about 1 GB, for
   * example 500,000 rows of 100 encoded features.
   */
  static final long MAX_CELLS = 50_000_000L;

  private ExactSplitTraining() {}

  /** Whether an {@code xgboost} config block (either spelling, or XGBoost4J-Spark's camelCase) asks for exact split finding. */
  static boolean requested(Map<String, Object> xgboost) {
    return "exact".equals(String.valueOf(xgboost.get("tree_method"))) || "exact".equals(String.valueOf(xgboost.get("treeMethod")));
  }

  /** Whether {@code estimator} (an XGBoost4J-Spark estimator, as configured) asks for exact split finding. */
  static boolean requested(Estimator<?> estimator) {
    return estimator instanceof XGBoostEstimator<?, ?> xgboost && xgboost.isDefined(xgboost.treeMethod())
        && "exact".equals(xgboost.getTreeMethod());
  }

  /**
   * Trains {@code estimator}'s booster (its XGBoost parameters, rounds and missing value, as
   * XGBoost4J-Spark would pass them) on {@code encoded}'s features array, label and optional
   * weight, and wraps it as {@code estimator}'s model.
   *
   * @throws TargetingException a user error naming the model when it has no training rows, more
   *     than {@link #MAX_CELLS} feature values, or parameters XGBoost's exact updater refuses
   */
  static Transformer fit(ModelSpec spec, Estimator<?> estimator, Dataset<Row> encoded, List<String> featureNames,
      Optional<String> weight) {
    XGBoostEstimator<?, ?> xgboost = (XGBoostEstimator<?, ?>) estimator;
    List<Column> columns = new ArrayList<>(List.of(col(ModelPipeline.featuresColumn(spec)), col(ModelPipeline.LABEL)));
    weight.ifPresent(w -> columns.add(col("`" + w + "`").cast("double")));
    Dataset<Row> rows = encoded.select(columns.toArray(Column[]::new));
    int width = featureNames.size();
    int n = requireFits(spec.id(), rows.count(), width, MAX_CELLS);
    float[] values = new float[n * width];
    float[] labels = new float[n];
    float[] weights = weight.isPresent() ? new float[n] : null;
    int i = 0;
    Iterator<Row> it = rows.toLocalIterator();
    for (; it.hasNext(); i++) {
      if (i == n) {
        throw TargetingException.internal("Model %s: %d training rows counted, more read", spec.id(), n);
      }
      Row row = it.next();
      List<Object> features = row.getList(0);
      for (int f = 0; f < width; f++) {
        Object value = features.get(f);
        values[i * width + f] = value == null ? Float.NaN : ((Number) value).floatValue();
      }
      labels[i] = (float) row.getDouble(1);
      if (weights != null) {
        weights[i] = row.isNullAt(2) ? Float.NaN : (float) row.getDouble(2);
      }
    }
    if (i != n) {
      throw TargetingException.internal("Model %s: %d training rows counted, %d read", spec.id(), n, i);
    }
    Map<String, Object> parameters = new HashMap<>(JavaConverters.mapAsJavaMap(xgboost.getXGBoostParams()));
    ml.dmlc.xgboost4j.java.Booster booster;
    DMatrix matrix = null;
    try {
      matrix = new DMatrix(values, n, width, xgboost.getMissing());
      values = null; // XGBoost holds its own copy now
      matrix.setLabel(labels);
      if (weights != null) {
        matrix.setWeight(weights);
      }
      matrix.setFeatureNames(featureNames.toArray(String[]::new));
      ml.dmlc.xgboost4j.java.Booster trained = XGBoost.train(matrix, parameters, xgboost.getNumRound(), Map.of(), null, null);
      try {
        // As XGBoost4J-Spark's own model is: the saved model alone, without the training state.
        booster = XGBoost.loadModel(trained.toByteArray("ubj"));
      } finally {
        trained.dispose();
      }
    } catch (XGBoostError | java.io.IOException e) {
      throw TargetingException.userError("XGBoost refused to train model %s with tree-method exact: %s (check the"
          + " model's xgboost parameters; exact takes no colsample-bynode below 1, max-depth 0 or GPU device)", spec.id(),
          TargetingException.firstLine(String.valueOf(e.getMessage())));
    } finally {
      if (matrix != null) {
        matrix.dispose();
      }
    }
    ml.dmlc.xgboost4j.scala.Booster wrapped = new ml.dmlc.xgboost4j.scala.Booster(booster);
    Model<?> model = spec.objective() == ModelSpec.Objective.REGRESSION
        ? new XGBoostRegressionModel(estimator.uid(), wrapped, scala.Option.empty())
        : new XGBoostClassificationModel(estimator.uid(), numClasses(parameters), wrapped, scala.Option.empty());
    // Same uid, so the estimator's params are the model's: what estimator.fit copies to its model.
    return (Transformer) model.copy(estimator.extractParamMap());
  }

  /**
   * {@code count}, when {@code count} rows of {@code width} features fit {@code maxCells}.
   *
   * @throws TargetingException a user error naming the model when there are no rows or too many
   */
  static int requireFits(String model, long count, int width, long maxCells) {
    if (count == 0) {
      throw TargetingException.userError("Model %s has no training rows", model);
    }
    if (count * width > maxCells) {
      throw TargetingException.userError("Model %s: tree-method = exact trains on the driver, and %,d rows of %d features"
          + " (%,d values) exceed its %,d: use hist (the model's xgboost.tree-method)", model, count, width, count * width, maxCells);
    }
    return (int) count;
  }

  private static int numClasses(Map<String, Object> parameters) {
    return parameters.containsKey("num_class") ? ((Number) parameters.get("num_class")).intValue() : 2;
  }
}
