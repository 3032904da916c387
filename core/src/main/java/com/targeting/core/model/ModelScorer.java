package com.targeting.core.model;

import static com.targeting.core.Columns.QUARANTINE_REASON;
import static com.targeting.core.Columns.QUARANTINE_RULE;
import static java.util.Objects.requireNonNull;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.isnan;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.when;

import com.targeting.core.score.Scorer;
import com.targeting.core.validate.ContractValidator;
import java.util.List;
import org.apache.spark.sql.Column;
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
  private final java.util.Optional<String> decileOutput;

  private ModelScorer(SavedModel model, String output, int reasonCodes, java.util.Optional<String> decileOutput) {
    this.model = requireNonNull(model, "model is null");
    this.output = requireNonNull(output, "output is null");
    this.reasonCodes = reasonCodes;
    this.decileOutput = requireNonNull(decileOutput, "decileOutput is null");
  }

  public static ModelScorer of(SavedModel model, String output, int reasonCodes) {
    return new ModelScorer(model, output, reasonCodes, java.util.Optional.empty());
  }

  /**
   * As {@link #of(SavedModel, String, int)}, also writing each score's decile into {@code
   * decileOutput}: 1 plus the number of the version's held-out score deciles (saved in its drift
   * baseline) at or below the score, so 1 (lowest) to 10, and a decile means the same share of the
   * reference population from week to week (the drift check says when this week's population
   * moves away from it). Where held-out scores tie (a calibrated step function), several deciles
   * share a value and a score on it takes the highest of them: those deciles hold fewer rows.
   *
   * @throws com.targeting.core.TargetingException (user error) when the version has no baseline score
   */
  public static ModelScorer withDeciles(SavedModel model, String output, int reasonCodes, String decileOutput) {
    if (model.driftBaseline().flatMap(DriftBaseline::score).isEmpty()) {
      throw com.targeting.core.TargetingException.userError("Model %s v%d at %s has no score deciles (decile-output %s): its "
          + "version has no %s with a score; retrain it", model.metadata().id(), model.metadata().version(), model.path(),
          decileOutput, DriftBaseline.FILE_NAME);
    }
    return new ModelScorer(model, output, reasonCodes, java.util.Optional.of(decileOutput));
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
    Dataset<Row> scored = model.score(rows, output, reasonCodes);
    if (decileOutput.isEmpty()) {
      return scored;
    }
    DriftBaseline.Distribution baseline = model.driftBaseline().flatMap(DriftBaseline::score).orElseThrow();
    // The nine deciles as computed, ties kept (older baselines: the distinct cuts).
    List<Double> cuts = baseline.quantiles().isEmpty() ? baseline.cuts() : baseline.quantiles();
    Column score = col(output);
    // 1 + the number of deciles at or below the score: 1 below the first, 10 from the ninth on; a
    // score on a tie of several deciles takes the highest decile the tie covers.
    Column decile = lit(cuts.size() + 1);
    for (int i = cuts.size() - 1; i >= 0; i--) {
      decile = when(score.lt(cuts.get(i)), lit(i + 1)).otherwise(decile);
    }
    return scored.withColumn(decileOutput.get(), when(score.isNull().or(isnan(score)), lit(null).cast("int")).otherwise(decile));
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
