package com.targeting.core.model;

import com.targeting.core.config.ConfigNode;

/**
 * How a model's categorical features reach XGBoost ({@code categorical-encoding}, a model's own
 * key or {@code model-defaults}'):
 *
 * <ul>
 *   <li>{@code index} (the default): one feature per categorical column, the value's index in the
 *       training values sorted alphabetically; a value unseen in training and a null both get the
 *       next index (one past the last training value).
 *   <li>{@code one-hot}: one 0/1 feature per training value, named {@code <column>=<value>} in the
 *       booster, then one more, {@code <column>=__other__}, that is 1 for a value unseen in
 *       training and for a null (never all zeros: every row sets exactly one feature of each
 *       column). The zeros are real zeros in the dense feature array, never XGBoost's "missing".
 *       The width is the number of distinct training values plus one per column: meant for columns
 *       of a few to a few hundred values. Reason codes ({@code reason-codes > 0}) are refused with
 *       it: TreeSHAP would explain each 0/1 feature, not the column a reason names.
 * </ul>
 *
 * Either way the fitted encoding is saved with the model's pipeline, so scoring applies the
 * training transform whatever the config says later; {@code model.json} and {@code uplift.json}
 * record which one a version used.
 */
public enum CategoricalEncoding {
  INDEX("index"),
  ONE_HOT("one-hot");

  /** The config key, a model's own or {@code model-defaults}'. */
  public static final String KEY = "categorical-encoding";

  private final String configName;

  CategoricalEncoding(String configName) {
    this.configName = configName;
  }

  public String configName() {
    return configName;
  }

  /** The encoding a saved version names, {@code index} for versions saved before the key existed (null). */
  public static CategoricalEncoding ofSaved(String name) {
    if (name == null || name.equals(INDEX.configName)) {
      return INDEX;
    }
    if (name.equals(ONE_HOT.configName)) {
      return ONE_HOT;
    }
    throw new IllegalArgumentException("Unknown categorical encoding " + name);
  }

  /** {@value #KEY} of {@code node}: index when absent. */
  static CategoricalEncoding parse(ConfigNode node) {
    String value = node.string(KEY, INDEX.configName);
    for (CategoricalEncoding encoding : values()) {
      if (encoding.configName.equals(value)) {
        return encoding;
      }
    }
    throw node.invalid(KEY, "must be index or one-hot, was " + value);
  }
}
