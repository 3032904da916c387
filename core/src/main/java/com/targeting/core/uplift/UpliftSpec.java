package com.targeting.core.uplift;

import static java.util.Objects.requireNonNull;

import com.targeting.core.config.ConfigNode;
import com.targeting.core.model.CategoricalEncoding;
import com.targeting.core.model.LoadedModel;
import com.targeting.core.model.ModelCard;
import com.targeting.core.model.ModelFamilySpec;
import com.targeting.core.model.ModelSpec;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalDouble;
import org.apache.spark.sql.SparkSession;

/**
 * An uplift model as config describes it, in a program's {@code uplift-models} list or alone in a
 * file given to {@code train-model --config} (an {@code uplift-model} block), over
 * {@code model-defaults} (registry, XGBoost parameters, promotion margin):
 *
 * <pre>
 * uplift-model {
 *   id = email-visit
 *   learner = t                              # t | s | x | dr
 *   data { format = csv, train = "...", options { header = "true" }, test-fraction = 0.5, seed = 42 }
 *   treatment { column = segment, treated = "Womens E-Mail", control = "No E-Mail" }
 *   outcome { column = visit }               # 0/1, boolean, or positive = "yes" (and negative = "no" if others occur)
 *   features { numeric = [recency, history], categorical = [channel] }
 *   categorical-encoding = index             # index | one-hot, every booster of the model (CategoricalEncoding)
 *   id-column = customer_id                  # optional: else row_id, the row's position in the source
 *   weight-column = w                        # optional sample weights
 *   propensity = ratio                       # ratio (treated share, an RCT) | estimated | a number
 *   bootstrap { replicates = 0, confidence = 0.9 }   # > 0: uplift_lcb, a lower bound per customer
 *   evaluation { k = 0.3, mode = auto, bins = 100, holdout-format = parquet }
 *   promotion { metric = qini_auc_score, margin = 0.0 }
 * }
 * </pre>
 *
 * Rows whose treatment is neither value belong to another arm: they are counted, not used.
 *
 * <p>Every part of an uplift model is fitted with XGBoost's {@code max_bin} at {@link
 * #DEFAULT_MAX_BIN} unless the model or {@code model-defaults.xgboost} sets {@code max-bin}: see
 * there for why.
 */
public record UpliftSpec(
    String id,
    Learner learner,
    String treatmentColumn,
    String treatedValue,
    String controlValue,
    String outcomeColumn,
    Optional<String> outcomePositive,
    Optional<String> outcomeNegative,
    List<String> numericFeatures,
    List<String> categoricalFeatures,
    CategoricalEncoding categoricalEncoding,
    List<String> protectedAttributes,
    Optional<String> idColumn,
    Optional<String> weightColumn,
    Propensity propensity,
    ModelSpec.TrainingData data,
    Map<String, Object> xgboost,
    String registry,
    String promotionMetric,
    double promotionMargin,
    Optional<Integer> pinnedVersion,
    String output,
    int bootstrapReplicates,
    double bootstrapConfidence,
    OptionalDouble segmentThreshold,
    Evaluation evaluation) implements ModelFamilySpec {

  /** The meta-learners. */
  public enum Learner {
    T, S, X, DR;

    public String configName() {
      return name().toLowerCase(Locale.ROOT);
    }
  }

  /** The probability of treatment: the treated share of the training rows, a given number, or a model. */
  public record Propensity(String mode, double value) {
    public static final String RATIO = "ratio";
    public static final String ESTIMATED = "estimated";
    public static final String FIXED = "fixed";
  }

  /** How the held-out rows are evaluated and written. */
  public record Evaluation(double k, String mode, int bins, long exactRowLimit, String holdoutFormat, int curvePoints) {}

  /**
   * The uplift models' default XGBoost {@code max_bin} (XGBoost's own default is 256): near-exact
   * split finding. With {@code tree_method = hist} (XGBoost 2+'s default; {@code exact} trains on
   * the driver only, see {@code ExactSplitTraining}) a continuous feature is cut into at most
   * {@code max_bin} quantile bins, each arm's model with its own cut points. An uplift is a small
   * difference of two such models (or a regression on their residuals), and the coarse bins cost
   * it more than they cost either response model: on the MineThatData e-mail RCT (women's e-mail against none, visit; 5 random
   * 50/50 splits, paired, Python xgboost on the same rows) exact split finding instead of 256 bins
   * raised the held-out Qini ({@code qini_auc_score}) of the T-learner by 0.0086 +- 0.0026, the
   * X-learner by 0.0079 +- 0.0008, the DR-learner by 0.0092 +- 0.0046 and the S-learner by 0.0016
   * +- 0.0015, and 4,096 bins recovered nearly all of it. Exact split finding was XGBoost's own
   * choice for data of this size before 2.0 ({@code tree_method = auto}, so also the Python peer's:
   * {@code scripts/bench/uplift-peer.py}). A feature with fewer distinct values than this keeps one
   * bin per value (lossless); the cost is histogram size, linear in the bins, not in the rows.
   */
  public static final int DEFAULT_MAX_BIN = 16_384;

  /** Metrics a champion can be chosen by (all higher is better). */
  static final List<String> PROMOTION_METRICS = List.of(
      "qini_auc_score", "uplift_auc_score", "qini_score_causalml", "auuc_score_causalml", "uplift_at_k_overall");

  public UpliftSpec {
    requireNonNull(id, "id is null");
    requireNonNull(learner, "learner is null");
    numericFeatures = List.copyOf(numericFeatures);
    categoricalFeatures = List.copyOf(categoricalFeatures);
    requireNonNull(categoricalEncoding, "categoricalEncoding is null");
    protectedAttributes = List.copyOf(protectedAttributes);
    xgboost = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(xgboost));
  }

  public static UpliftSpec from(ConfigNode model, ConfigNode defaults) {
    ConfigNode node = model.withFallback(defaults);
    String id = Keys.id(node);
    String learnerName = node.string("learner", "t");
    Learner learner = switch (learnerName) {
      case "t" -> Learner.T;
      case "s" -> Learner.S;
      case "x" -> Learner.X;
      case "dr" -> Learner.DR;
      default -> throw node.invalid("learner", "must be t, s, x or dr, was " + learnerName);
    };
    List<List<String>> featureLists = Keys.features(node, "an uplift model");
    List<String> numeric = featureLists.get(0);
    List<String> categorical = featureLists.get(1);
    List<String> features = new ArrayList<>(numeric);
    features.addAll(categorical);
    String treatment = node.string("treatment.column");
    String outcome = node.string("outcome.column");
    for (String reserved : List.of(treatment, outcome)) {
      if (features.stream().anyMatch(reserved::equalsIgnoreCase)) {
        throw node.invalid("features", reserved + " (the treatment or outcome) cannot be a feature");
      }
    }
    List<String> protectedAttributes = Keys.protectedAttributes(node, features, false);
    CategoricalEncoding encoding = Keys.categoricalEncoding(node);
    String treated = node.scalar("treatment.treated").toString();
    String control = node.scalar("treatment.control").toString();
    if (treated.equals(control)) {
      throw node.invalid("treatment", "treated and control values must differ, both are " + treated);
    }
    Propensity propensity = propensity(node);
    Map<String, Object> xgboost = ModelSpec.xgboostParameters(model, defaults);
    // The learners train every round they are given (no evaluation rows to stop on): a model that
    // asks for early stopping is refused; model-defaults' (for the response models) does not apply.
    for (String key : List.of("early-stopping-rounds", "early_stopping_rounds")) {
      if (model.has("xgboost." + key)) {
        throw model.invalid("xgboost." + key, "an uplift model trains every round of num-round: no early stopping");
      }
    }
    xgboost.remove("early_stopping_rounds");
    xgboost.putIfAbsent("max_bin", DEFAULT_MAX_BIN);
    String metric = node.string("promotion.metric", "qini_auc_score");
    if (!PROMOTION_METRICS.contains(metric)) {
      throw node.invalid("promotion.metric", "must be one of " + PROMOTION_METRICS + ", was " + metric);
    }
    double margin = Keys.promotionMargin(node);
    int replicates = node.integer("bootstrap.replicates", 0);
    double confidence = node.doubleValue("bootstrap.confidence", 0.9);
    if (replicates < 0 || replicates == 1 || confidence <= 0.5 || confidence >= 1) {
      throw node.invalid("bootstrap", "replicates must be 0 or at least 2 and confidence in (0.5, 1), were "
          + replicates + " and " + confidence);
    }
    ModelSpec.TrainingData data = node.optionalNode("data").map(d -> ModelSpec.trainingData(d, 0.5))
        .orElseThrow(() -> node.invalid("data", "an uplift model needs data.train: the campaign's rows with treatment and outcome"));
    double k = node.doubleValue("evaluation.k", 0.3);
    if (k <= 0 || k > 1) {
      throw node.invalid("evaluation.k", "must be in (0, 1], was " + k);
    }
    String mode = node.string("evaluation.mode", "auto");
    if (!List.of("auto", "exact", "binned").contains(mode)) {
      throw node.invalid("evaluation.mode", "must be auto, exact or binned, was " + mode);
    }
    String holdoutFormat = node.string("evaluation.holdout-format", "parquet");
    if (!List.of("parquet", "csv").contains(holdoutFormat)) {
      throw node.invalid("evaluation.holdout-format", "must be parquet or csv, was " + holdoutFormat);
    }
    Evaluation evaluation = new Evaluation(k, mode, node.integer("evaluation.bins", 100),
        node.longValue("evaluation.exact-row-limit", 2_000_000L), holdoutFormat, node.integer("evaluation.curve-points", 100));
    return new UpliftSpec(
        id, learner, treatment, treated, control, outcome, node.optionalString("outcome.positive"), outcomeNegative(node),
        numeric, categorical, encoding, protectedAttributes, node.optionalString("id-column"), node.optionalString("weight-column"),
        propensity, data, xgboost, node.string("registry"), metric, margin,
        Keys.pinnedVersion(node),
        node.string("output", "uplift"), replicates, confidence,
        node.has("segments.threshold") ? OptionalDouble.of(node.doubleValue("segments.threshold")) : OptionalDouble.empty(),
        evaluation);
  }

  private static Propensity propensity(ConfigNode node) {
    if (!node.has("propensity")) {
      return new Propensity(Propensity.RATIO, Double.NaN);
    }
    Object value = node.scalar("propensity");
    if (value instanceof Number number) {
      double p = number.doubleValue();
      if (p <= 0 || p >= 1) {
        throw node.invalid("propensity", "a fixed propensity must be in (0, 1), was " + p);
      }
      return new Propensity(Propensity.FIXED, p);
    }
    return switch (value.toString()) {
      case Propensity.RATIO -> new Propensity(Propensity.RATIO, Double.NaN);
      case Propensity.ESTIMATED -> new Propensity(Propensity.ESTIMATED, Double.NaN);
      default -> throw node.invalid("propensity", "must be ratio, estimated or a number in (0, 1), was " + value);
    };
  }

  /** {@code uplift.json}. */
  @Override
  public String metadataFile() {
    return UpliftModelStore.FILE_NAME;
  }

  /** The saved learner, scoring into {@link #output} ({@link UpliftScorer#of} checks its features against this config). */
  @Override
  public LoadedModel load(SparkSession spark, String path) {
    UpliftModelStore.Loaded model = UpliftModelStore.load(spark, path);
    UpliftScorer scorer = UpliftScorer.of(model, this);
    Map<String, Object> used = new LinkedHashMap<>();
    used.put("version", model.version());
    used.put("path", path);
    used.put("learner", model.metadata().learner());
    used.put("created_at", model.metadata().createdAt());
    used.put("holdout_metrics", model.metadata().metrics());
    return new LoadedModel(id, path, model.version(), used, scorer);
  }

  /** {@link UpliftTrainer#train}; the entry is {@link UpliftTrainer.Result#summary}. */
  @Override
  public Map<String, Object> train(SparkSession spark) {
    return new LinkedHashMap<>(UpliftTrainer.train(spark, this).summary());
  }

  /** The spec of one booster of this model: its own id (and column prefix), objective and extra numeric inputs. */
  ModelSpec part(String name, ModelSpec.Objective objective, List<String> extraNumeric, long seed) {
    List<String> numeric = new ArrayList<>(numericFeatures);
    numeric.addAll(extraNumeric);
    ModelSpec.TrainingData partData = new ModelSpec.TrainingData(data.train(), data.test(), data.testFraction(),
        data.validationFraction(), seed, data.maxQuarantinedFraction(), Optional.empty()); // the uplift model validated the rows
    return new ModelSpec(id + "-" + name, objective, new ModelSpec.Label(UpliftColumns.LABEL, Optional.empty()), numeric,
        categoricalFeatures, categoricalEncoding, protectedAttributes, idColumn, Optional.of(partData), xgboost, Optional.empty(),
        ModelSpec.Calibration.NONE, registry, new ModelSpec.Promotion("auc_roc", 0.0), Optional.empty(), id, 0,
        Optional.empty(), ModelCard.About.NONE, Optional.empty());
  }

  private static Optional<String> outcomeNegative(ConfigNode node) {
    Optional<String> negative = node.optionalString("outcome.negative");
    if (negative.isPresent() && !node.has("outcome.positive")) {
      throw node.invalid("outcome.negative", "needs outcome.positive (a 0/1 or boolean outcome has no named values)");
    }
    return negative;
  }
}
