package com.targeting.core.score;

import static java.util.Objects.requireNonNull;

import com.targeting.core.model.SavedModel;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

/**
 * Scores with a saved model: a binary model writes the positive-class probability (0 to 1) to
 * {@code output}, a regression its value, a multi-class model a map from class label to
 * probability; with reason codes, {@code <output>_reasons} and {@code <output>_bias} too.
 */
public final class ModelScorer implements Scorer {
  private final SavedModel model;
  private final String output;
  private final int reasonCodes;

  private ModelScorer(SavedModel model, String output, int reasonCodes) {
    this.model = requireNonNull(model, "model is null");
    this.output = requireNonNull(output, "output is null");
    this.reasonCodes = reasonCodes;
  }

  public static ModelScorer of(SavedModel model, String output, int reasonCodes) {
    return new ModelScorer(model, output, reasonCodes);
  }

  @Override
  public String id() {
    return model.metadata().id();
  }

  @Override
  public Dataset<Row> score(Dataset<Row> rows) {
    return model.score(rows, output, reasonCodes);
  }
}
