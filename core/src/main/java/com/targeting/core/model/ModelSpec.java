package com.targeting.core.model;

import static java.util.Objects.requireNonNull;

import com.targeting.core.config.ConfigNode;
import com.targeting.core.source.SourceConfig;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A model as a program's config describes it: where it lives, what it predicts from which
 * features, where its labeled training data comes from and the XGBoost parameters (XGBoost's own
 * names: {@code num_round}, {@code max_depth}, {@code eta}, ...).
 */
public record ModelSpec(
    String id,
    String path,
    Objective objective,
    String label,
    Optional<String> positiveLabel,
    List<String> numericFeatures,
    List<String> categoricalFeatures,
    String output,
    Optional<SourceConfig> trainingData,
    double testFraction,
    long seed,
    Map<String, Object> xgboost) {

  /** What the model predicts. */
  public enum Objective {
    BINARY,
    MULTICLASS;

    static Objective parse(ConfigNode node, String key) {
      String value = node.string(key);
      return switch (value) {
        case "binary" -> BINARY;
        case "multiclass" -> MULTICLASS;
        default -> throw node.invalid(key, "must be binary or multiclass, was " + value);
      };
    }
  }

  public ModelSpec {
    requireNonNull(id, "id is null");
    requireNonNull(path, "path is null");
    requireNonNull(objective, "objective is null");
    requireNonNull(label, "label is null");
    requireNonNull(positiveLabel, "positiveLabel is null");
    numericFeatures = List.copyOf(numericFeatures);
    categoricalFeatures = List.copyOf(categoricalFeatures);
    requireNonNull(output, "output is null");
    requireNonNull(trainingData, "trainingData is null");
    xgboost = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(xgboost));
    if (!id.matches("[a-z0-9][a-z0-9-]*")) {
      throw new IllegalArgumentException("model id must be lower-case letters, digits and dashes: " + id);
    }
  }

  public static ModelSpec from(ConfigNode node) {
    List<String> numeric = node.strings("features.numeric");
    List<String> categorical = node.strings("features.categorical");
    if (numeric.isEmpty() && categorical.isEmpty()) {
      throw node.invalid("features", "a model needs at least one feature");
    }
    List<String> all = new ArrayList<>(numeric);
    all.addAll(categorical);
    String label = node.string("label");
    if (all.contains(label)) {
      throw node.invalid("features", "the label " + label + " cannot be a feature");
    }
    double testFraction = node.doubleValue("training.test-fraction", 0.2);
    if (testFraction <= 0 || testFraction >= 1) {
      throw node.invalid("training.test-fraction", "must be between 0 and 1 (exclusive), was " + testFraction);
    }
    String id = node.string("id");
    if (!id.matches("[a-z0-9][a-z0-9-]*")) {
      throw node.invalid("id", "must be lower-case letters, digits and dashes, was " + id);
    }
    return new ModelSpec(
        id,
        node.string("path"),
        Objective.parse(node, "objective"),
        label,
        node.optionalString("positive"),
        numeric,
        categorical,
        node.string("output"),
        node.optionalNode("training.source").map(SourceConfig::from),
        testFraction,
        node.longValue("training.seed", 42L),
        node.scalarMap("xgboost"));
  }

  public List<String> features() {
    List<String> all = new ArrayList<>(numericFeatures);
    all.addAll(categoricalFeatures);
    return List.copyOf(all);
  }

  /** Prefix of every intermediate column the model's pipeline adds, so two models never clash. */
  public String columnPrefix() {
    return columnPrefix(id);
  }

  static String columnPrefix(String modelId) {
    return "__" + modelId.replace('-', '_') + "__";
  }
}
