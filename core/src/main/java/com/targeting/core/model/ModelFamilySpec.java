package com.targeting.core.model;

import com.targeting.core.config.ConfigNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.spark.sql.SparkSession;

/**
 * What every model family's config gives, read the same way ({@link Keys}): an id, features,
 * protected attributes, an optional id column, the registry, an optional pinned version and the
 * output column; and what each family does its own way: the file a saved version writes last, how
 * a version is loaded and checked against its config, and how a new version is trained
 * ({@link TrainRecipe}). {@link ModelSpec} (XGBoost) and the uplift family's spec implement it;
 * {@link ModelRegistry} resolves and loads either.
 */
public interface ModelFamilySpec {
  /** Lower-case letters, digits and dashes; the registry directory of the model. */
  String id();

  /** The registry root: {@code <registry>/<id>/v<N>/}. */
  String registry();

  /** The version the config pins ({@code version = N}); else the champion is used. */
  Optional<Integer> pinnedVersion();

  /** The score column a scorer of this model adds. */
  String output();

  List<String> numericFeatures();

  List<String> categoricalFeatures();

  /** How the categorical features reach the booster(s) ({@link CategoricalEncoding}). */
  CategoricalEncoding categoricalEncoding();

  /** Numeric features, then categorical ones, in config order. */
  default List<String> features() {
    List<String> all = new ArrayList<>(numericFeatures());
    all.addAll(categoricalFeatures());
    return List.copyOf(all);
  }

  /** The metadata file a saved version writes last ({@code model.json}, {@code uplift.json}): a version exists once it does. */
  String metadataFile();

  /**
   * Loads the saved version at {@code path}, checks it against this config and binds it to a
   * scorer.
   *
   * @throws com.targeting.core.TargetingException a user error when the version is missing, unreadable
   *     or was trained on other features than the config lists
   */
  LoadedModel load(SparkSession spark, String path);

  /** Trains a new version into the registry; the entry of the train-model summary for this model. */
  Map<String, Object> train(SparkSession spark);

  /**
   * The keys every family parses alike, each read by one method so that a family keeps the order of
   * its own checks (and so which of two errors is named first).
   */
  final class Keys {
    private Keys() {}

    /** {@code id}: lower-case letters, digits and dashes. */
    public static String id(ConfigNode node) {
      String id = node.string("id");
      if (!id.matches("[a-z0-9][a-z0-9-]*")) {
        throw node.invalid("id", "must be lower-case letters, digits and dashes, was " + id);
      }
      return id;
    }

    /**
     * {@code features.numeric} and {@code features.categorical}, in that order; at least one.
     *
     * @param aModel how the error names the model ("a model", "an uplift model")
     */
    public static List<List<String>> features(ConfigNode node, String aModel) {
      List<String> numeric = node.strings("features.numeric");
      List<String> categorical = node.strings("features.categorical");
      if (numeric.isEmpty() && categorical.isEmpty()) {
        throw node.invalid("features", aModel + " needs at least one feature");
      }
      return List.of(numeric, categorical);
    }

    /**
     * {@code protected}: attributes that are never features (compared ignoring case).
     *
     * @param nameTheList whether the error names the config path of the list
     */
    public static List<String> protectedAttributes(ConfigNode node, List<String> features, boolean nameTheList) {
      List<String> protectedAttributes = node.strings("protected");
      for (String attribute : protectedAttributes) {
        if (features.stream().anyMatch(attribute::equalsIgnoreCase)) {
          throw node.invalid("features", "protected attribute " + attribute + " cannot be a model feature"
              + (nameTheList ? " (listed in " + node.pathOf("protected") + ")" : ""));
        }
      }
      return protectedAttributes;
    }

    /** {@code categorical-encoding}: index (the default) or one-hot ({@link CategoricalEncoding}). */
    public static CategoricalEncoding categoricalEncoding(ConfigNode node) {
      return CategoricalEncoding.parse(node);
    }

    /** {@code promotion.margin} (0 by default): never negative, or a challenger could win by being worse. */
    public static double promotionMargin(ConfigNode node) {
      double margin = node.doubleValue("promotion.margin", 0.0);
      if (margin < 0) {
        throw node.invalid("promotion.margin", "must not be negative: a challenger must never win by being worse");
      }
      return margin;
    }

    /** {@code version}, when the config pins one. */
    public static Optional<Integer> pinnedVersion(ConfigNode node) {
      return node.has("version") ? Optional.of(node.integer("version")) : Optional.empty();
    }
  }
}
