package com.targeting.core.model;

import static java.util.Objects.requireNonNull;

import com.targeting.core.config.ConfigNode;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * A model version's card (Mitchell et al., "Model Cards for Model Reporting", FAT* 2019), written
 * from its {@code model.json} as {@value #FILE_NAME} beside it when the version is saved, and shown
 * in the HTML report of every run that scores with it: intended use, training data (sources, rows,
 * window), features (and the protected attributes kept out of them), held-out metrics with the
 * rows they were measured on, the training data's validation, fairness on the held-out rows, and
 * limitations.
 */
public final class ModelCard {
  public static final String FILE_NAME = "model-card.md";

  private ModelCard() {}

  /**
   * What a model's config says about it for its card ({@code card} block).
   *
   * @param intendedUse who uses the score, and for what decision
   * @param limitations what it must not be used for, and where it is known to be weak
   * @param windowColumn a date column of the training rows whose range is the training window
   */
  public record About(Optional<String> intendedUse, List<String> limitations, Optional<String> windowColumn)
      implements java.io.Serializable {
    public static final About NONE = new About(Optional.empty(), List.of(), Optional.empty());

    public About {
      requireNonNull(intendedUse, "intendedUse is null");
      limitations = List.copyOf(limitations);
      requireNonNull(windowColumn, "windowColumn is null");
    }

    /** A model's {@code card { intended-use, limitations, window-column }}, all optional. */
    static About from(ConfigNode model) {
      Optional<ConfigNode> card = model.optionalNode("card");
      if (card.isEmpty()) {
        return NONE;
      }
      ConfigNode node = card.get();
      return new About(node.optionalString("intended-use"), node.has("limitations") ? node.strings("limitations") : List.of(),
          node.optionalString("window-column"));
    }
  }

  /** The card as Markdown. */
  public static String markdown(ModelMetadata model) {
    StringBuilder md = new StringBuilder();
    md.append("# Model card: ").append(model.id()).append(" v").append(model.version()).append("\n\n");
    md.append("Trained ").append(model.createdAt()).append(" with Spark ").append(model.sparkVersion())
        .append("; ").append(model.objective()).append(" model of `").append(model.label()).append('`');
    if (model.positiveLabel() != null) {
      md.append(" (positive: `").append(model.positiveLabel()).append("`)");
    }
    md.append(", XGBoost").append(model.calibration() == null || model.calibration().equals("none") ? ""
        : ", " + model.calibration() + " calibration").append(".\n\n");
    md.append("## Intended use\n\n").append(Optional.ofNullable(model.intendedUse()).orElse("Not stated in the model's config (card.intended-use)."))
        .append("\n\n");
    md.append("## Training data\n\n");
    md.append("- Training rows: ").append(model.trainingSource()).append(", ").append(count(model.rows().getOrDefault("train", 0L)))
        .append(" fitted").append(model.rows().containsKey("validation")
            ? ", " + count(model.rows().get("validation")) + " held back for calibration or early stopping" : "").append('\n');
    md.append("- Held-out rows: ").append(model.testSource()).append(", ").append(count(model.testRows())).append('\n');
    if (model.trainingWindow() != null && !model.trainingWindow().isEmpty()) {
      md.append("- Window: `").append(model.trainingWindow().get("column")).append("` from ").append(model.trainingWindow().get("from"))
          .append(" to ").append(model.trainingWindow().get("to")).append('\n');
    }
    if (model.quarantinedByRule() != null && !model.quarantinedByRule().isEmpty()) {
      md.append("- Left out (broke the contract): ").append(model.quarantinedByRule()).append('\n');
    }
    if (model.validation() != null && !model.validation().isEmpty()) {
      md.append("- Data-quality checks: ").append(model.validation().get("status")).append(" (")
          .append(model.validation().get("passed")).append(" passed, ").append(model.validation().get("failed_warnings"))
          .append(" warnings, ").append(model.validation().get("skipped")).append(" skipped)\n");
    }
    md.append("\n## Features\n\n");
    md.append("- Numeric (").append(model.numericFeatures().size()).append("): ").append(String.join(", ", model.numericFeatures())).append('\n');
    md.append("- Categorical (").append(model.categoricalFeatures().size()).append("): ")
        .append(model.categoricalFeatures().isEmpty() ? "none" : String.join(", ", model.categoricalFeatures())).append('\n');
    md.append("- Never features (protected): ").append(model.protectedAttributes() == null || model.protectedAttributes().isEmpty()
        ? "none declared" : String.join(", ", model.protectedAttributes())).append("\n\n");
    md.append("## Held-out metrics\n\nOn ").append(count(model.testRows())).append(" held-out rows:\n\n| metric | value |\n|---|---|\n");
    model.metrics().forEach((name, value) -> md.append("| ").append(name).append(" | ").append(number(value)).append(" |\n"));
    md.append("\n## Fairness on the held-out rows\n\n");
    if (model.fairness() == null || model.fairness().isEmpty()) {
      md.append("Not measured (no fairness block in the model's config).\n");
    } else {
      md.append("Equalized odds at a score of ").append(model.fairness().get("threshold"))
          .append(": true- and false-positive rates per group.\n\n");
      model.fairness().forEach((attribute, value) -> {
        if (value instanceof Map<?, ?> report) {
          md.append("### ").append(attribute).append("\n\nEqualized-odds difference ").append(report.get("equalized_odds_difference"))
              .append(" (TPR gap ").append(report.get("tpr_difference")).append(", FPR gap ").append(report.get("fpr_difference"))
              .append("; tolerance ").append(report.get("max_difference")).append(")")
              .append(Boolean.TRUE.equals(report.get("flagged")) ? ": **flagged**" : "").append("\n\n")
              .append("| group | positives | negatives | TPR | FPR |\n|---|---|---|---|---|\n");
          if (report.get("groups") instanceof Map<?, ?> groups) {
            groups.forEach((group, figures) -> {
              Map<?, ?> f = (Map<?, ?>) figures;
              md.append("| ").append(group).append(" | ").append(f.get("positives")).append(" | ").append(f.get("negatives"))
                  .append(" | ").append(f.get("true_positive_rate")).append(" | ").append(f.get("false_positive_rate")).append(" |\n");
            });
          }
          md.append('\n');
        }
      });
    }
    md.append("\n## Limitations\n\n");
    List<String> limitations = new ArrayList<>(model.limitations() == null ? List.of() : model.limitations());
    limitations.add("Scores rows like its training rows: the run's drift check (PSI against the baseline saved with this"
        + " version) says when this run's customers no longer look like them.");
    limitations.forEach(limitation -> md.append("- ").append(limitation).append('\n'));
    return md.toString();
  }

  /** The card's facts for the run summary's model entry (and the run report's "Model cards" section). */
  public static Map<String, Object> summary(ModelMetadata model) {
    Map<String, Object> card = new LinkedHashMap<>();
    card.put("intended_use", model.intendedUse());
    card.put("training_source", model.trainingSource());
    card.put("rows", model.rows());
    card.put("training_window", model.trainingWindow());
    card.put("held_out_metrics", model.metrics());
    card.put("fairness", model.fairness());
    card.put("limitations", model.limitations());
    return card;
  }

  private static String count(long value) {
    return String.format(Locale.ROOT, "%,d", value);
  }

  private static String number(Double value) {
    return value == null ? "" : String.format(Locale.ROOT, "%.4f", value);
  }
}
