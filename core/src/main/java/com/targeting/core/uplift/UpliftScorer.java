package com.targeting.core.uplift;

import com.targeting.core.report.Figure;
import com.targeting.core.report.Groups;
import com.targeting.core.report.RunReport;
import com.targeting.core.report.SummarySection;
import static java.util.Objects.requireNonNull;

import com.targeting.core.TargetingException;
import com.targeting.core.score.Scorer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

/**
 * Scores candidates with a saved uplift model: {@code <output>} (predicted uplift),
 * {@code <output>_treated}, {@code <output>_control}, {@code <output>_segment} and, with bootstrap
 * replicates, {@code <output>_lcb}.
 */
public final class UpliftScorer implements Scorer, SummarySection {
  private final UpliftModelStore.Loaded model;
  private final String output;
  private final double confidence;

  private UpliftScorer(UpliftModelStore.Loaded model, String output, double confidence) {
    this.model = requireNonNull(model, "model is null");
    this.output = requireNonNull(output, "output is null");
    this.confidence = confidence;
  }

  /** Fails if the config now names other features, or another categorical encoding, than the saved model was trained with. */
  public static UpliftScorer of(UpliftModelStore.Loaded model, UpliftSpec spec) {
    if (!model.features().equals(spec.features())) {
      throw TargetingException.userError("Uplift model %s v%d at %s was trained on features %s, the config now lists %s: "
          + "retrain it with the train-model job", spec.id(), model.version(), model.path(), model.features(), spec.features());
    }
    if (model.metadata().encoding() != spec.categoricalEncoding()) {
      throw TargetingException.userError("Uplift model %s v%d at %s was trained with categorical-encoding %s, the config now says %s: "
          + "retrain it with the train-model job", spec.id(), model.version(), model.path(),
          model.metadata().encoding().configName(), spec.categoricalEncoding().configName());
    }
    return new UpliftScorer(model, spec.output(), spec.bootstrapConfidence());
  }

  @Override
  public String id() {
    return model.metadata().id();
  }

  @Override
  public Dataset<Row> score(Dataset<Row> rows) {
    List<String> missing = new ArrayList<>(model.features());
    missing.removeAll(Arrays.asList(rows.columns()));
    if (!missing.isEmpty()) {
      throw TargetingException.userError("Uplift model %s at %s needs columns %s that the rows lack", id(), model.path(), missing);
    }
    return model.model().score(rows, output, confidence);
  }

  /** Counted by uplift segment among every scored row. */
  @Override
  public List<Figure> figures() {
    return List.of(Figure.dimension("uplift_segments", org.apache.spark.sql.functions.col(output + UpliftColumns.SEGMENT_SUFFIX)));
  }

  /** {@code uplift_segments}: scored rows per segment (persuadable, sure thing, lost cause, sleeping dog). */
  @Override
  public void report(RunReport report) {
    report.put("uplift_segments", report.groups().countsBy("uplift_segments", Groups.Scope.SCORED));
  }
}
