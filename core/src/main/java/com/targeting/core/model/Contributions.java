package com.targeting.core.model;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.udf;

import java.util.List;
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
 * Where a loaded model's SHAP contributions and predictions come from: {@link TreeShap} in the JVM
 * when it can compile the booster and agrees with XGBoost on rows built on the model's own
 * thresholds (the check runs once, when the model is loaded): contributions within
 * {@link TreeShap#tolerance} of {@code predictContrib}, margins bit for bit and predictions within
 * two float ulps of XGBoost's {@code predict}. Otherwise XGBoost computes them, and the reason is
 * logged. Predicting in the JVM spares xgboost4j-spark's conversion of every row to its native
 * matrix and back (about 25 us a row), and with reason codes one pass gives both.
 */
final class Contributions {
  private static final Logger LOG = LoggerFactory.getLogger(Contributions.class);
  /** Rows of the load-time check: values on, just above and just below split thresholds, NaN, others. */
  private static final int CHECK_ROWS = 64;

  /** Rows of the load-time check of predictions, besides the contributions' check rows. */
  private static final int PREDICTION_CHECK_ROWS = 4096;

  private final Optional<TreeShap> shap;
  private final boolean predicts;
  private final String featuresColumn;
  private final String description;
  /** Names errors in a scored row: "Model id vN", and the booster's features in order. */
  private final String model;
  private final List<String> features;

  private Contributions(Optional<TreeShap> shap, boolean predicts, String featuresColumn, String description, String model,
      List<String> features) {
    this.shap = shap;
    this.predicts = predicts;
    this.featuresColumn = featuresColumn;
    this.description = description;
    this.model = model;
    this.features = List.copyOf(features);
  }

  static Contributions of(PipelineModel pipeline, ModelMetadata metadata) {
    String model = "Model " + metadata.id() + " v" + metadata.version();
    if ("multiclass".equals(metadata.objective())) {
      return xgboost(model, "a multi-class model", false, metadata.features());
    }
    Transformer[] stages = pipeline.stages();
    for (int i = 0; i < stages.length; i++) {
      Transformer stage = stages[i];
      ml.dmlc.xgboost4j.scala.Booster booster;
      String features;
      float missing;
      List<String> names; // the booster's features (a one-hot column is "channel=Web"), for errors
      if (stage instanceof XGBoostClassificationModel classifier) {
        booster = classifier.nativeBooster();
        features = classifier.getFeaturesCol();
        missing = classifier.getMissing();
        names = classifier.isDefined(classifier.featureNames()) ? List.of(classifier.getFeatureNames()) : metadata.features();
      } else if (stage instanceof XGBoostRegressionModel regressor) {
        booster = regressor.nativeBooster();
        features = regressor.getFeaturesCol();
        missing = regressor.getMissing();
        names = regressor.isDefined(regressor.featureNames()) ? List.of(regressor.getFeatureNames()) : metadata.features();
      } else {
        continue;
      }
      if (!Float.isNaN(missing)) {
        // XGBoost then treats that value as missing too; TreeShap knows only NaN as missing.
        return xgboost(model, "missing = " + missing + ", and TreeShap treats only NaN as missing", true, metadata.features());
      }
      try {
        TreeShap shap = TreeShap.fromJson(booster.toByteArray("json"));
        requireAgreement(shap, booster.booster());
        // The score is the booster's own output only for an uncalibrated probability or a value.
        boolean boosterScores = i == stages.length - 1
            && (Predictions.PROBABILITY.equals(metadata.scoreSource()) || Predictions.VALUE.equals(metadata.scoreSource()));
        Optional<String> predictionDisagreement = boosterScores ? predictionDisagreement(shap, booster.booster())
            : Optional.of("the score is the calibrator's (" + metadata.scoreSource() + ")");
        String description = String.format("jvm (TreeSHAP over %d trees, %d tabulated whole, tables of %.1f MB)", shap.trees(),
            shap.tabulatedTrees(), shap.tableSize() * 8 / 1e6);
        if (boosterScores && predictionDisagreement.isPresent()) {
          LOG.warn("{}: scores by XGBoost, the JVM's differ: {}", model, predictionDisagreement.get());
        }
        LOG.info("{}: reason codes by {}; scores by {}", model, description,
            predictionDisagreement.map(reason -> "XGBoost (" + reason + ")").orElse("the JVM"));
        return new Contributions(Optional.of(shap), predictionDisagreement.isEmpty(), features, description, model, names);
      } catch (IllegalArgumentException | IllegalStateException | XGBoostError e) {
        return xgboost(model, e.getMessage(), true, metadata.features());
      }
    }
    return xgboost(model, "no XGBoost stage", false, metadata.features());
  }

  private static Contributions xgboost(String model, String reason, boolean warn, List<String> features) {
    String description = "xgboost (" + reason + ")";
    if (warn) {
      LOG.warn("{}: reason codes by XGBoost's predictContrib, TreeShap cannot compute them: {}; scores by XGBoost", model, reason);
    } else {
      LOG.info("{}: scores and any reason codes by XGBoost ({})", model, reason);
    }
    return new Contributions(Optional.empty(), false, "", description, model, features);
  }

  Optional<TreeShap> shap() {
    return shap;
  }

  /** Whether {@link #prediction} and {@link #contributionsAndPrediction} may stand for XGBoost's prediction. */
  boolean predicts() {
    return predicts;
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
    Broadcast<TreeShap> shared = broadcast(spark);
    String model = this.model;
    List<String> names = features;
    UDF1<Vector, double[]> compute = vector -> shared.value().contributions(finite(vector, model, names));
    return udf(compute, DataTypes.createArrayType(DataTypes.DoubleType, false)).asNonNullable().apply(features(transformed));
  }

  /**
   * Each row's prediction (as {@code double}: XGBoost's float, widened), from the features column
   * of {@code transformed}, the output of the stages before the booster.
   *
   * @throws IllegalStateException unless {@link #predicts()}
   */
  Column prediction(SparkSession spark, Dataset<Row> transformed) {
    requirePredicts();
    Broadcast<TreeShap> shared = broadcast(spark);
    String model = this.model;
    List<String> names = features;
    UDF1<Vector, Double> compute = vector -> shared.value().prediction(finite(vector, model, names));
    return udf(compute, DataTypes.DoubleType).apply(features(transformed));
  }

  /**
   * {@link #column}'s M + 1 values with each row's prediction appended (M + 2), from one pass.
   *
   * @throws IllegalStateException unless {@link #predicts()}
   */
  Column contributionsAndPrediction(SparkSession spark, Dataset<Row> transformed) {
    requirePredicts();
    Broadcast<TreeShap> shared = broadcast(spark);
    String model = this.model;
    List<String> names = features;
    UDF1<Vector, double[]> compute = vector -> shared.value().contributionsAndPrediction(finite(vector, model, names));
    return udf(compute, DataTypes.createArrayType(DataTypes.DoubleType, false)).asNonNullable().apply(features(transformed));
  }

  /**
   * The row's values, refusing an infinite one as XGBoost does ("Input data contains inf"): scored
   * as a value it would give a score XGBoost never gives. Contracts quarantine non-finite input
   * numbers; this catches a derived one.
   *
   * @throws IllegalArgumentException naming the model and the feature
   */
  private static double[] finite(Vector vector, String model, List<String> names) {
    double[] x = vector.toArray();
    for (int i = 0; i < x.length; i++) {
      if (Double.isInfinite(x[i])) {
        throw new IllegalArgumentException(String.format("%s cannot score a row whose feature %s is %s (XGBoost refuses "
            + "infinite values; quarantine them before scoring)", model, i < names.size() ? names.get(i) : "#" + i, x[i]));
      }
    }
    return x;
  }

  private void requirePredicts() {
    if (!predicts) {
      throw new IllegalStateException("predictions of this model are XGBoost's: " + description);
    }
  }

  private Broadcast<TreeShap> broadcast(SparkSession spark) {
    return JavaSparkContext.fromSparkContext(spark.sparkContext()).broadcast(shap.orElseThrow());
  }

  private Column features(Dataset<Row> transformed) {
    Column features = col("`" + featuresColumn + "`");
    if (!(transformed.schema().apply(featuresColumn).dataType() instanceof VectorUDT)) {
      features = org.apache.spark.ml.functions.array_to_vector(features);
    }
    return features;
  }

  /**
   * Empty if TreeShap's margins equal XGBoost's bit for bit (from the base margin XGBoost's C
   * library gave, the nearest float or a neighbour, which it sets) and its predictions are within two
   * float ulps (Java's exp and the C library's expf may round apart), on {@value #PREDICTION_CHECK_ROWS}
   * rows built on its thresholds as the contributions' check rows are, and 64 more; else the first
   * difference.
   */
  private static Optional<String> predictionDisagreement(TreeShap shap, Booster booster) throws XGBoostError {
    if (!shap.predicts()) {
      return Optional.of("its objective has no prediction transform here");
    }
    int m = shap.features();
    float[] rows = checkRows(shap, CHECK_ROWS + PREDICTION_CHECK_ROWS, new Random(29));
    int n = rows.length / m;
    DMatrix matrix = new DMatrix(rows, n, m, Float.NaN);
    try {
      float[][] margins = booster.predict(matrix, true, 0);
      float[][] predictions = booster.predict(matrix, false, 0);
      matchBaseMargin(shap, rows, margins);
      double[] x = new double[m];
      double[] neighbour = new double[m];
      Random random = new Random(31);
      for (int r = 0; r < n; r++) {
        readRow(rows, r, x);
        for (int f = 0; f < m; f++) {
          // Rows come as doubles: the nearest doubles to a float read as that float, as XGBoost reads them.
          neighbour[f] = random.nextBoolean() ? Math.nextUp(x[f]) : Math.nextDown(x[f]);
        }
        float margin = shap.margin(x);
        double prediction = shap.prediction(x);
        if (Float.floatToIntBits(margin) != Float.floatToIntBits(margins[r][0])
            || Float.floatToIntBits(shap.margin(neighbour)) != Float.floatToIntBits(margins[r][0])) {
          return Optional.of(String.format("margin %s (%s for the row's neighbouring doubles) where XGBoost's is %s", margin,
              shap.margin(neighbour), margins[r][0]));
        }
        if ((float) prediction != prediction
            || Math.abs((long) Float.floatToIntBits((float) prediction) - Float.floatToIntBits(predictions[r][0])) > 2) {
          return Optional.of(String.format("prediction %s where XGBoost's is %s", prediction, predictions[r][0]));
        }
      }
      return Optional.empty();
    } finally {
      matrix.dispose();
    }
  }

  /** Fails unless TreeShap and XGBoost give the same contributions on rows built on the model's thresholds. */
  private static void requireAgreement(TreeShap shap, Booster booster) throws XGBoostError {
    int m = shap.features();
    float[] rows = checkRows(shap, CHECK_ROWS, new Random(17));
    DMatrix matrix = new DMatrix(rows, CHECK_ROWS, m, Float.NaN);
    try {
      float[][] expected = booster.predictContrib(matrix, 0);
      for (int r = 0; r < CHECK_ROWS; r++) {
        double[] x = new double[m];
        readRow(rows, r, x);
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

  /**
   * Sets the base margin XGBoost's margins show: XGBoost's is its C library's logf of the saved
   * base score (log-odds, log), the float nearest the exact value or a neighbour. Keeps the first
   * of the nearest, the next up and the next down with which every row's margin equals XGBoost's;
   * the nearest if none does (the check then fails).
   *
   * @param rows row-major, {@code shap.features()} values per row
   * @param margins XGBoost's margins of those rows
   * @return whether a base margin reproduces every row's margin
   */
  static boolean matchBaseMargin(TreeShap shap, float[] rows, float[][] margins) {
    int m = shap.features();
    float nearest = shap.baseMargin();
    double[] x = new double[m];
    candidates:
    for (float base : new float[] {nearest, Math.nextUp(nearest), Math.nextDown(nearest)}) {
      shap.useBaseMargin(base);
      for (int r = 0; r < margins.length; r++) {
        readRow(rows, r, x);
        if (Float.floatToIntBits(shap.margin(x)) != Float.floatToIntBits(margins[r][0])) {
          continue candidates;
        }
      }
      return true;
    }
    shap.useBaseMargin(nearest);
    return false;
  }

  /** Row r of the row-major {@code rows} into {@code x} (its length values per row), as doubles. */
  private static void readRow(float[] rows, int r, double[] x) {
    for (int f = 0; f < x.length; f++) {
      x[f] = rows[r * x.length + f];
    }
  }

  /** Rows of values on, just above and just below the model's thresholds, NaN and others (row-major, M per row). */
  private static float[] checkRows(TreeShap shap, int count, Random random) {
    float[] thresholds = shap.thresholds();
    float[] rows = new float[count * shap.features()];
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
    return rows;
  }
}
