package com.targeting.core.model;

import static java.util.Objects.requireNonNull;

import com.targeting.core.config.ConfigNode;
import com.targeting.core.source.SourceConfig;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * A model as config describes it, in a program's {@code models} list or alone in a file given to
 * {@code train-model --config}:
 *
 * <pre>
 * model {
 *   id = churn
 *   objective = binary                  # binary | multiclass | regression
 *   data { format = csv, train = "...", test = "...", options { header = "true" } }
 *   label { column = Churn, positive = "Yes" }   # optional: negative = "No" (else only one other value may occur)
 *   features { numeric = [tenure, MonthlyCharges], categorical = [Contract] }
 *   categorical-encoding = index        # index | one-hot (see CategoricalEncoding)
 *   protected = [gender]               # never features; used by fairness reports
 *   xgboost { num-round = 300, max-depth = 4, eta = 0.05, early-stopping-rounds = 30 }
 * }
 * </pre>
 *
 * Settings a model leaves out come from {@code model-defaults} (registry, promotion rule, XGBoost
 * parameters).
 */
public record ModelSpec(
    String id,
    Objective objective,
    Label label,
    List<String> numericFeatures,
    List<String> categoricalFeatures,
    CategoricalEncoding categoricalEncoding,
    List<String> protectedAttributes,
    Optional<String> idColumn,
    Optional<TrainingData> data,
    Map<String, Object> xgboost,
    Optional<Integer> earlyStoppingRounds,
    Calibration calibration,
    String registry,
    Promotion promotion,
    Optional<Integer> pinnedVersion,
    String output,
    int reasonCodes,
    Optional<com.targeting.core.fairness.EqualizedOdds> fairness,
    ModelCard.About about,
    Optional<String> decileOutput) implements ModelFamilySpec {

  /** What the model predicts. */
  public enum Objective {
    BINARY,
    MULTICLASS,
    REGRESSION;

    public String configName() {
      return name().toLowerCase(Locale.ROOT);
    }

    static Objective parse(ConfigNode node, String key) {
      String value = node.string(key);
      return switch (value) {
        case "binary" -> BINARY;
        case "multiclass" -> MULTICLASS;
        case "regression" -> REGRESSION;
        default -> throw node.invalid(key, "must be binary, multiclass or regression, was " + value);
      };
    }
  }

  /** Optional probability calibration of a binary model, fitted on validation data. */
  public enum Calibration {
    NONE,
    ISOTONIC,
    PLATT;

    static Calibration parse(ConfigNode node, String key) {
      String value = node.string(key, "none");
      return switch (value) {
        case "none" -> NONE;
        case "isotonic" -> ISOTONIC;
        case "platt" -> PLATT;
        default -> throw node.invalid(key, "must be none, isotonic or platt, was " + value);
      };
    }
  }

  /**
   * The label column; {@code positive} names the positive value of a binary string label,
   * {@code negative} its one negative value (optional: without it the label may hold one other
   * value; see {@link com.targeting.core.validate.BinaryValues}).
   */
  public record Label(String column, Optional<String> positive, Optional<String> negative) {
    public Label {
      requireNonNull(column, "column is null");
      requireNonNull(positive, "positive is null");
      requireNonNull(negative, "negative is null");
    }

    public Label(String column, Optional<String> positive) {
      this(column, positive, Optional.empty());
    }
  }

  /**
   * Where labeled rows come from: a training source and an optional explicit test source; without
   * one, a seeded split stratified by label holds out {@code testFraction}. A further
   * {@code validationFraction} of the training rows is held back when early stopping or
   * calibration needs it.
   *
   * @param validation the data-quality suite the training rows must pass before a version is made
   *     ({@code data.validation}, see {@link com.targeting.core.validate.QualitySuite})
   * @param enrichments features a program adds to its rows that the labeled rows lack, added to
   *     them the same way, as of each row's own date, after they are read ({@link TrainingEnrichment})
   */
  public record TrainingData(
      SourceConfig train, Optional<SourceConfig> test, double testFraction, double validationFraction, long seed,
      double maxQuarantinedFraction, Optional<com.targeting.core.validate.QualitySuite> validation,
      List<TrainingEnrichment> enrichments) {
    public TrainingData {
      requireNonNull(train, "train is null");
      requireNonNull(test, "test is null");
      requireNonNull(validation, "validation is null");
      enrichments = List.copyOf(enrichments);
    }

    /** Training data without enrichments. */
    public TrainingData(SourceConfig train, Optional<SourceConfig> test, double testFraction, double validationFraction,
        long seed, double maxQuarantinedFraction, Optional<com.targeting.core.validate.QualitySuite> validation) {
      this(train, test, testFraction, validationFraction, seed, maxQuarantinedFraction, validation, List.of());
    }
  }

  /**
   * This model with {@code enrichments} applied to its training (and test) rows as they are read:
   * a program whose run adds a feature (a per-customer aggregate of messages) gives its models' labeled
   * rows the same feature, computed as of each row's date.
   */
  public ModelSpec withTrainingEnrichments(List<TrainingEnrichment> enrichments) {
    Optional<TrainingData> enriched = data.map(d -> new TrainingData(d.train(), d.test(), d.testFraction(),
        d.validationFraction(), d.seed(), d.maxQuarantinedFraction(), d.validation(), enrichments));
    return new ModelSpec(id, objective, label, numericFeatures, categoricalFeatures, categoricalEncoding, protectedAttributes,
        idColumn, enriched, xgboost, earlyStoppingRounds, calibration, registry, promotion, pinnedVersion, output, reasonCodes,
        fairness, about, decileOutput);
  }

  /** A challenger replaces the champion only if its held-out {@code metric} is better by {@code margin}. */
  public record Promotion(String metric, double margin) {
    public Promotion {
      requireNonNull(metric, "metric is null");
    }

    /** Metrics a model can be ranked by, and whether higher is better. */
    static final Map<String, Boolean> HIGHER_IS_BETTER = Map.of(
        "auc_roc", true, "auc_pr", true, "accuracy", true, "r2", true,
        "log_loss", false, "brier", false, "rmse", false, "mae", false);

    public boolean higherIsBetter() {
      return HIGHER_IS_BETTER.get(metric);
    }
  }

  public ModelSpec {
    requireNonNull(id, "id is null");
    requireNonNull(objective, "objective is null");
    requireNonNull(label, "label is null");
    numericFeatures = List.copyOf(numericFeatures);
    categoricalFeatures = List.copyOf(categoricalFeatures);
    requireNonNull(categoricalEncoding, "categoricalEncoding is null");
    protectedAttributes = List.copyOf(protectedAttributes);
    requireNonNull(idColumn, "idColumn is null");
    requireNonNull(data, "data is null");
    xgboost = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(xgboost));
    requireNonNull(earlyStoppingRounds, "earlyStoppingRounds is null");
    requireNonNull(calibration, "calibration is null");
    requireNonNull(registry, "registry is null");
    requireNonNull(promotion, "promotion is null");
    requireNonNull(pinnedVersion, "pinnedVersion is null");
    requireNonNull(output, "output is null");
  }

  /** Reads a model from {@code node}, with {@code defaults} (the {@code model-defaults} object) under it. */
  public static ModelSpec from(ConfigNode model, ConfigNode defaults) {
    ConfigNode node = model.withFallback(defaults);
    String id = Keys.id(node);
    Objective objective = Objective.parse(node, "objective");
    Label label = new Label(node.string("label.column"), node.optionalString("label.positive"), node.optionalString("label.negative"));
    if (label.negative().isPresent() && (label.positive().isEmpty() || objective != Objective.BINARY)) {
      throw node.invalid("label.negative", "is for a binary label with label.positive (a 0/1 or boolean label has no named values)");
    }
    List<List<String>> featureLists = Keys.features(node, "a model");
    List<String> numeric = featureLists.get(0);
    List<String> categorical = featureLists.get(1);
    List<String> features = new ArrayList<>(numeric);
    features.addAll(categorical);
    if (features.contains(label.column())) {
      throw node.invalid("features", "the label " + label.column() + " cannot be a feature");
    }
    List<String> protectedAttributes = Keys.protectedAttributes(node, features, true);
    Calibration calibration = Calibration.parse(node, "calibration");
    if (calibration != Calibration.NONE && objective != Objective.BINARY) {
      throw node.invalid("calibration", "only binary models can be calibrated");
    }
    int reasonCodes = node.integer("reason-codes", 0);
    if (reasonCodes < 0 || (reasonCodes > 0 && objective == Objective.MULTICLASS)) {
      throw node.invalid("reason-codes", "must be 0 or more, and 0 for multi-class models");
    }
    CategoricalEncoding encoding = Keys.categoricalEncoding(node);
    if (encoding == CategoricalEncoding.ONE_HOT && reasonCodes > 0 && !categorical.isEmpty()) {
      // TreeSHAP would explain each 0/1 column (channel=Web), not the feature a reason names.
      throw node.invalid(CategoricalEncoding.KEY, "one-hot cannot give reason codes (" + node.pathOf("reason-codes")
          + " = " + reasonCodes + "): use index, or reason-codes = 0");
    }
    Map<String, Object> xgboost = xgboostParameters(model, defaults);
    Optional<Integer> earlyStopping = Optional.empty();
    Object rounds = xgboost.remove("early_stopping_rounds");
    if (rounds != null) {
      if (!(rounds instanceof Integer count) || count < 1) {
        throw node.invalid("xgboost", "early-stopping-rounds must be a whole number of rounds, 1 or more, was " + rounds);
      }
      earlyStopping = Optional.of(count);
      if (ExactSplitTraining.requested(xgboost)) {
        throw node.invalid("xgboost", "early-stopping-rounds needs tree-method hist, approx or auto: exact trains on the"
            + " driver for every round it is given");
      }
    }
    Optional<TrainingData> data = node.optionalNode("data").map(ModelSpec::trainingData);
    String promotionMetric = node.string("promotion.metric", defaultMetric(objective));
    if (!Promotion.HIGHER_IS_BETTER.containsKey(promotionMetric)) {
      throw node.invalid("promotion.metric", "must be one of " + new java.util.TreeSet<>(Promotion.HIGHER_IS_BETTER.keySet())
          + ", was " + promotionMetric);
    }
    double margin = Keys.promotionMargin(node);
    return new ModelSpec(
        id,
        objective,
        label,
        numeric,
        categorical,
        encoding,
        protectedAttributes,
        node.optionalString("id-column"),
        data,
        xgboost,
        earlyStopping,
        calibration,
        node.string("registry"),
        new Promotion(promotionMetric, margin),
        Keys.pinnedVersion(node),
        node.string("output", id.replace('-', '_') + "_score"),
        reasonCodes,
        fairness(node, objective),
        ModelCard.About.from(node),
        decileOutput(node, objective));
  }

  /** {@code decile-output}: a column for the score's decile (binary and regression models, one score each). */
  private static Optional<String> decileOutput(ConfigNode node, Objective objective) {
    Optional<String> column = node.optionalString("decile-output");
    if (column.isPresent() && objective == Objective.MULTICLASS) {
      throw node.invalid("decile-output", "a multi-class model has no single score to rank");
    }
    return column;
  }

  /** Equalized odds on the held-out rows: for binary models, whose decision has a threshold. */
  private static Optional<com.targeting.core.fairness.EqualizedOdds> fairness(ConfigNode node, Objective objective) {
    Optional<ConfigNode> block = node.optionalNode("fairness");
    if (block.isPresent() && objective != Objective.BINARY) {
      throw node.invalid("fairness", "equalized odds needs a binary model (true- and false-positive rates at a threshold)");
    }
    return block.map(com.targeting.core.fairness.EqualizedOdds::from);
  }

  /**
   * The {@code xgboost} block of a model over {@code model-defaults.xgboost}, keyed by XGBoost's own
   * parameter names ({@code num_round}, {@code max_depth}). Either spelling is accepted: dashes like
   * every other key ({@code num-round = 300}) or XGBoost's underscores ({@code num_round = 300}), and
   * both name one parameter. The model's value beats the defaults' whatever either spells it (case
   * cfg-dash-xgboost-params: HOCON kept both spellings side by side and the default's won); within
   * one block a value set in the user's files beats {@code reference.conf}'s.
   *
   * @param model the model's own node (not merged with the defaults)
   * @param defaults {@code model-defaults}
   * @return parameter name to value, the model's first-seen order after the defaults'
   * @throws com.targeting.core.TargetingException a user error naming file, line and both paths when
   *     one block of the user's files sets the same parameter twice, under both spellings, to
   *     different values
   */
  public static Map<String, Object> xgboostParameters(ConfigNode model, ConfigNode defaults) {
    Map<String, Object> parameters = xgboostBlock(defaults);
    parameters.putAll(xgboostBlock(model));
    return parameters;
  }

  /**
   * The {@code tree_method} values a model trains with: {@code hist}, {@code approx} and
   * {@code auto} through XGBoost4J-Spark, and {@code exact} (greedy split finding over every
   * distinct value) on the driver by {@link ExactSplitTraining}: XGBoost4J-Spark's training is
   * always collective, even on one worker, and XGBoost's exact updater refuses collective
   * training, which Spark retried as a failed barrier stage before this check.
   */
  static final List<String> TREE_METHODS = List.of("hist", "approx", "auto", "exact");

  private static Map<String, Object> xgboostBlock(ConfigNode node) {
    Map<String, Object> values = node.scalarMap("xgboost");
    for (String key : List.of("tree-method", "tree_method", "treeMethod")) {
      if (values.containsKey(key) && !TREE_METHODS.contains(String.valueOf(values.get(key)))) {
        throw node.invalid("xgboost." + key, "must be one of " + TREE_METHODS + ", was " + values.get(key));
      }
    }
    Map<String, String> spelledAs = new LinkedHashMap<>();
    Map<String, Object> parameters = new LinkedHashMap<>();
    // Sorted, so that of a clash the same two spellings are named every time.
    for (String key : new java.util.TreeSet<>(values.keySet())) {
      String name = key.replace('-', '_');
      String earlier = spelledAs.get(name);
      if (earlier == null) {
        spelledAs.put(name, key);
        parameters.put(name, values.get(key));
        continue;
      }
      boolean earlierIsDefault = node.fromReference("xgboost." + earlier);
      boolean thisIsDefault = node.fromReference("xgboost." + key);
      if (earlierIsDefault && !thisIsDefault) {
        spelledAs.put(name, key);
        parameters.put(name, values.get(key));
      } else if (earlierIsDefault == thisIsDefault && !values.get(key).equals(values.get(earlier))) {
        throw node.invalid("xgboost." + key, "sets XGBoost's " + name + " to " + values.get(key) + " but "
            + node.pathOf("xgboost." + earlier) + " (" + node.origin("xgboost." + earlier) + ") sets it to "
            + values.get(earlier) + ": keep one spelling");
      }
    }
    return parameters;
  }

  private static TrainingData trainingData(ConfigNode data) {
    return trainingData(data, 0.2);
  }

  /** A {@code data} block: sources, held-out fractions, seed, quarantine limit. */
  public static TrainingData trainingData(ConfigNode data, double defaultTestFraction) {
    String format = data.string("format", "parquet");
    Map<String, String> options = data.stringMap("options");
    // File formats read data.train (and data.test); JDBC, Redshift and Snowflake read their options.
    Optional<String> trainPath = data.optionalString("train");
    if (trainPath.isEmpty() && com.targeting.core.source.SourceConfig.isFileFormat(format)) {
      throw data.invalid("train", "format " + format + " needs the path of the training data");
    }
    SourceConfig train = new SourceConfig(format, trainPath, options);
    Optional<SourceConfig> test = data.optionalString("test").map(path -> new SourceConfig(format, Optional.of(path), options));
    double testFraction = data.doubleValue("test-fraction", defaultTestFraction);
    double validationFraction = data.doubleValue("validation-fraction", 0.2);
    for (String key : List.of("test-fraction", "validation-fraction")) {
      double value = data.doubleValue(key, key.equals("test-fraction") ? defaultTestFraction : 0.2);
      if (value <= 0 || value >= 1) {
        throw data.invalid(key, "must be between 0 and 1 (exclusive), was " + value);
      }
    }
    return new TrainingData(train, test, testFraction, validationFraction, data.longValue("seed", 42L),
        data.doubleValue("max-quarantined-fraction", 0.05),
        data.optionalNode("validation").map(com.targeting.core.validate.QualitySuite::from));
  }

  static String defaultMetric(Objective objective) {
    return switch (objective) {
      case BINARY -> "auc_roc";
      case MULTICLASS -> "log_loss";
      case REGRESSION -> "rmse";
    };
  }

  /** {@code model.json}. */
  @Override
  public String metadataFile() {
    return ModelMetadata.FILE_NAME;
  }

  /** The saved pipeline, checked against this config ({@link SavedModel#requireTrainedAs}), scoring into {@link #output}. */
  @Override
  public LoadedModel load(org.apache.spark.sql.SparkSession spark, String path) {
    SavedModel model = SavedModel.load(spark, path);
    model.requireTrainedAs(this);
    Map<String, Object> used = new LinkedHashMap<>();
    used.put("version", model.metadata().version());
    used.put("path", path);
    used.put("created_at", model.metadata().createdAt());
    used.put("metrics", model.metadata().metrics());
    used.put("card", ModelCard.summary(model.metadata()));
    if (model.metadata().trainingEnrichments() != null) {
      // What its labeled rows' enrichments were made with: a run compares its own (ProgramRunner).
      used.put("training_enrichments", model.metadata().trainingEnrichments());
    }
    return new LoadedModel(id, path, model.metadata().version(), used, decileOutput
        .map(deciles -> ModelScorer.withDeciles(model, output, reasonCodes, deciles))
        .orElseGet(() -> ModelScorer.of(model, output, reasonCodes)));
  }

  /** {@link ModelTrainer#train}; the entry is {@link ModelTrainer.Result#summary}. */
  @Override
  public Map<String, Object> train(org.apache.spark.sql.SparkSession spark) {
    return ModelTrainer.train(spark, this).summary();
  }

  /** Prefix of every intermediate column the model's pipeline adds, so two models never clash. */
  public String columnPrefix() {
    return columnPrefix(id);
  }

  static String columnPrefix(String modelId) {
    return "__" + modelId.replace('-', '_') + "__";
  }
}
