package com.targeting.core.model;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.udf;

import java.util.Optional;
import java.util.Random;
import ml.dmlc.xgboost4j.java.Booster;
import ml.dmlc.xgboost4j.java.DMatrix;
import ml.dmlc.xgboost4j.java.XGBoostError;
import ml.dmlc.xgboost4j.scala.spark.XGBoostClassificationModel;
import ml.dmlc.xgboost4j.scala.spark.XGBoostRegressionModel;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.ml.linalg.Vector;
import org.apache.spark.ml.linalg.VectorUDT;
import org.apache.spark.ml.PipelineModel;
import org.apache.spark.ml.Transformer;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.api.java.UDF1;
import org.apache.spark.sql.types.DataTypes;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Where a loaded model's SHAP contributions come from: {@link TreeShap} in the JVM when it can
 * compile the booster and agrees with XGBoost's {@code predictContrib} on rows built on the
 * model's own thresholds (the check runs once, when the model is loaded); otherwise XGBoost's
 * {@code predictContrib}, and the reason is logged.
 */
final class Contributions {
  private static final Logger LOG = LoggerFactory.getLogger(Contributions.class);
  /** Rows of the load-time check: values on, just above and just below split thresholds, NaN, others. */
  private static final int CHECK_ROWS = 64;

  private final Optional<TreeShap> shap;
  private final String featuresColumn;
  private final String description;

  private Contributions(Optional<TreeShap> shap, String featuresColumn, String description) {
    this.shap = shap;
    this.featuresColumn = featuresColumn;
    this.description = description;
  }

  static Contributions of(PipelineModel pipeline, ModelMetadata metadata) {
    String model = "Model " + metadata.id() + " v" + metadata.version();
    if ("multiclass".equals(metadata.objective())) {
      return xgboost(model, "a multi-class model", false);
    }
    for (Transformer stage : pipeline.stages()) {
      ml.dmlc.xgboost4j.scala.Booster booster;
      String features;
      float missing;
      if (stage instanceof XGBoostClassificationModel classifier) {
        booster = classifier.nativeBooster();
        features = classifier.getFeaturesCol();
        missing = classifier.getMissing();
      } else if (stage instanceof XGBoostRegressionModel regressor) {
        booster = regressor.nativeBooster();
        features = regressor.getFeaturesCol();
        missing = regressor.getMissing();
      } else {
        continue;
      }
      if (!Float.isNaN(missing)) {
        // XGBoost then treats that value as missing too; TreeShap knows only NaN as missing.
        return xgboost(model, "missing = " + missing + ", and TreeShap treats only NaN as missing", true);
      }
      try {
        TreeShap shap = TreeShap.fromJson(booster.toByteArray("json"));
        requireAgreement(shap, booster.booster());
        String description = String.format("jvm (TreeSHAP over %d trees, %d tabulated whole, tables of %.1f MB)", shap.trees(),
            shap.tabulatedTrees(), shap.tableSize() * 8 / 1e6);
        LOG.info("{}: reason codes by {}", model, description);
        return new Contributions(Optional.of(shap), features, description);
      } catch (IllegalArgumentException | IllegalStateException | XGBoostError e) {
        return xgboost(model, e.getMessage(), true);
      }
    }
    return xgboost(model, "no XGBoost stage", false);
  }

  private static Contributions xgboost(String model, String reason, boolean warn) {
    String description = "xgboost (" + reason + ")";
    if (warn) {
      LOG.warn("{}: reason codes by XGBoost's predictContrib, TreeShap cannot compute them: {}", model, reason);
    }
    return new Contributions(Optional.empty(), "", description);
  }

  Optional<TreeShap> shap() {
    return shap;
  }

  String description() {
    return description;
  }

  /**
   * The contributions of each row of {@code transformed} (the pipeline's output, which holds the
   * booster's features column) as {@code array<double>}: M values, then the base value. The compiled
   * model travels to the executors once, as a broadcast.
   */
  Column column(SparkSession spark, Dataset<Row> transformed) {
    TreeShap model = shap.orElseThrow();
    Broadcast<TreeShap> shared = JavaSparkContext.fromSparkContext(spark.sparkContext()).broadcast(model);
    Column features = col("`" + featuresColumn + "`");
    if (!(transformed.schema().apply(featuresColumn).dataType() instanceof VectorUDT)) {
      features = org.apache.spark.ml.functions.array_to_vector(features);
    }
    UDF1<Vector, double[]> compute = vector -> shared.value().contributions(vector.toArray());
    return udf(compute, DataTypes.createArrayType(DataTypes.DoubleType, false)).asNonNullable().apply(features);
  }

  /** Fails unless TreeShap and XGBoost give the same contributions on rows built on the model's thresholds. */
  private static void requireAgreement(TreeShap shap, Booster booster) throws XGBoostError {
    int m = shap.features();
    float[] thresholds = shap.thresholds();
    Random random = new Random(17);
    float[] rows = new float[CHECK_ROWS * m];
    for (int i = 0; i < rows.length; i++) {
      float threshold = thresholds.length == 0 ? 0f : thresholds[random.nextInt(thresholds.length)];
      rows[i] = switch (random.nextInt(6)) {
        case 0 -> threshold;
        case 1 -> Math.nextUp(threshold);
        case 2 -> Math.nextDown(threshold);
        case 3 -> Float.NaN;
        default -> threshold + (float) random.nextGaussian();
      };
    }
    DMatrix matrix = new DMatrix(rows, CHECK_ROWS, m, Float.NaN);
    try {
      float[][] expected = booster.predictContrib(matrix, 0);
      for (int r = 0; r < CHECK_ROWS; r++) {
        double[] x = new double[m];
        for (int f = 0; f < m; f++) {
          x[f] = rows[r * m + f];
        }
        double[] actual = shap.contributions(x);
        for (int j = 0; j <= m; j++) {
          double tolerance = TreeShap.tolerance(expected[r], j, shap.trees());
          if (!(Math.abs(actual[j] - expected[r][j]) <= tolerance)) {
            throw new IllegalStateException(String.format("TreeShap gives %s for entry %d of a check row where XGBoost gives %s",
                actual[j], j, expected[r][j]));
          }
        }
      }
    } finally {
      matrix.dispose();
    }
  }
}
