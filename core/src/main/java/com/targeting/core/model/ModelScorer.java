package com.targeting.core.model;

import static com.targeting.core.Columns.QUARANTINE_REASON;
import static com.targeting.core.Columns.QUARANTINE_RULE;
import static java.util.Objects.requireNonNull;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.lit;

import com.targeting.core.score.Scorer;
import com.targeting.core.validate.ContractValidator;
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

  /** The saved model it scores with. */
  public SavedModel model() {
    return model;
  }

  /** The column its score goes into. */
  public String output() {
    return output;
  }

  @Override
  public Dataset<Row> score(Dataset<Row> rows) {
    return model.score(rows, output, reasonCodes);
  }

  /**
   * Checks the rows against the model's training contract ({@link ModelTrainer#scoringContract})
   * and scores those that meet it; the others are kept, never scored: every input row comes back
   * once, with {@code quarantine_rule} and {@code quarantine_reason} (null on scored rows) and, on
   * quarantined rows, null score columns. Contract features come back typed (numbers as double).
   * Text that does not parse ("abc", "NA", "null" in a number) or a non-finite number is thus
   * never scored as a missing value.
   *
   * @param sourceName names the input in errors (missing feature columns)
   */
  public Dataset<Row> scoreOrQuarantine(Dataset<Row> rows, String sourceName) {
    Dataset<Row> validated = ContractValidator.validate(rows, ModelTrainer.scoringContract(model.metadata()), sourceName);
    Dataset<Row> scored = model.score(validated.where(col(QUARANTINE_RULE).isNull()).drop(QUARANTINE_RULE, QUARANTINE_REASON),
            output, reasonCodes)
        .withColumn(QUARANTINE_RULE, lit(null).cast("string"))
        .withColumn(QUARANTINE_REASON, lit(null).cast("string"));
    return scored.unionByName(validated.where(col(QUARANTINE_RULE).isNotNull()), true);
  }
}
