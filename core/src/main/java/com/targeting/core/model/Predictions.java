package com.targeting.core.model;

import static org.apache.spark.ml.functions.vector_to_array;
import static org.apache.spark.sql.functions.col;

import org.apache.spark.sql.Column;

/**
 * Where a fitted pipeline leaves its prediction, by objective and calibration, as one column
 * expression: a binary model's positive-class probability (calibrated when the model is), a
 * regression's value, a multi-class model's probability array in class-index order. The trainer's
 * evaluation and every scorer read predictions through here, so they cannot disagree.
 */
final class Predictions {
  /** {@code model.json}'s {@code score_source} values. */
  static final String PROBABILITY = "probability";
  static final String ISOTONIC = "isotonic";
  static final String PLATT = "platt";
  static final String VALUE = "value";
  static final String CLASS_PROBABILITIES = "class_probabilities";

  private Predictions() {}

  static String scoreSource(ModelSpec spec) {
    return switch (spec.objective()) {
      case REGRESSION -> VALUE;
      case MULTICLASS -> CLASS_PROBABILITIES;
      case BINARY -> switch (spec.calibration()) {
        case NONE -> PROBABILITY;
        case ISOTONIC -> ISOTONIC;
        case PLATT -> PLATT;
      };
    };
  }

  /** The prediction of a model whose pipeline output columns start with {@code prefix}. */
  static Column score(String prefix, String scoreSource) {
    return switch (scoreSource) {
      case PROBABILITY -> vector_to_array(col(prefix + "probability"), "float64").getItem(1);
      case ISOTONIC -> col(prefix + "calibrated").cast("double");
      case PLATT -> vector_to_array(col(prefix + "calibrated_probability"), "float64").getItem(1);
      case VALUE -> col(prefix + "prediction").cast("double");
      case CLASS_PROBABILITIES -> vector_to_array(col(prefix + "probability"), "float64");
      default -> throw new IllegalArgumentException("unknown score source " + scoreSource);
    };
  }

  /** The uncalibrated margin of a binary model (log-odds), which SHAP contributions add up to. */
  static Column margin(String prefix) {
    return vector_to_array(col(prefix + "raw"), "float64").getItem(1);
  }
}
