package com.targeting.core.text;

import static java.util.Objects.requireNonNull;

import com.targeting.core.config.ConfigNode;
import com.targeting.core.model.CategoricalEncoding;
import com.targeting.core.model.LoadedModel;
import com.targeting.core.model.ModelFamilySpec;
import com.targeting.core.model.ModelSpec;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.spark.sql.SparkSession;

/**
 * A text classifier as config describes it, in a program's {@code text-models} list, over
 * {@code model-defaults} (registry, promotion margin): a Spark ML pipeline of a regular-expression
 * tokenizer, English stop words removed (less the words that turn a sentence's meaning, kept by
 * {@code tokens.keep}), word n-grams, hashed term frequencies weighted by inverse document frequency
 * (TF-IDF) and a logistic regression, trained on labeled texts of two classes:
 *
 * <pre>
 * text-models = [{
 *   id = message-sentiment
 *   text-column = text
 *   label { column = sentiment, positive = positive, negative = negative }
 *   data { format = csv, train = "...", test = "...", options { header = "true" }, seed = 5 }
 *   tokens { pattern = "[^a-z0-9']+", min-length = 2, ngrams = 2, keep = [not, no, nor, never] }
 *   tf-idf { num-features = 262144, min-doc-freq = 2 }
 *   logistic { reg-param = 0.001, elastic-net = 0.0, max-iter = 100 }
 *   threshold = 0.5                    # a text is positive from this probability
 *   promotion { metric = f1, margin = 0.0 }   # f1 | macro_f1 | accuracy | auc_roc
 * }]
 * </pre>
 *
 * A text model scores texts (messages), not customers: a program uses it through a
 * {@link TextFeature}, which aggregates its scores per customer. Versions are saved and promoted
 * like every model family's ({@link com.targeting.core.model.TrainRecipe}).
 *
 * @param negations words kept although in the stop-word list ("not good" must not read "good")
 * @param threshold the positive class from this probability (precision, recall and F1 are at it)
 */
public record TextClassifierSpec(
    String id,
    String textColumn,
    String labelColumn,
    String positive,
    String negative,
    ModelSpec.TrainingData data,
    String tokenPattern,
    int minTokenLength,
    int ngrams,
    List<String> negations,
    int numFeatures,
    int minDocFreq,
    double regParam,
    double elasticNet,
    int maxIter,
    double threshold,
    String registry,
    String promotionMetric,
    double promotionMargin,
    Optional<Integer> pinnedVersion) implements ModelFamilySpec {

  /** Metrics a text model can be promoted by (all higher-is-better). */
  static final List<String> METRICS = List.of("f1", "macro_f1", "accuracy", "auc_roc");

  public TextClassifierSpec {
    requireNonNull(id, "id is null");
    requireNonNull(textColumn, "textColumn is null");
    requireNonNull(labelColumn, "labelColumn is null");
    requireNonNull(positive, "positive is null");
    requireNonNull(negative, "negative is null");
    requireNonNull(data, "data is null");
    requireNonNull(tokenPattern, "tokenPattern is null");
    negations = List.copyOf(negations);
    requireNonNull(registry, "registry is null");
    requireNonNull(promotionMetric, "promotionMetric is null");
    requireNonNull(pinnedVersion, "pinnedVersion is null");
  }

  /**
   * Reads a text model from {@code model} over {@code defaults} ({@code model-defaults}).
   *
   * @throws com.targeting.core.TargetingException a user error naming the config path of a missing
   *     or invalid setting
   */
  public static TextClassifierSpec from(ConfigNode model, ConfigNode defaults) {
    ConfigNode node = model.withFallback(defaults);
    String id = Keys.id(node);
    String textColumn = node.string("text-column");
    String labelColumn = node.string("label.column");
    if (labelColumn.equals(textColumn)) {
      throw node.invalid("label.column", "the label cannot be the text column " + textColumn);
    }
    String positive = node.scalar("label.positive").toString();
    String negative = node.scalar("label.negative").toString();
    if (positive.equals(negative)) {
      throw node.invalid("label", "positive and negative must differ, both are " + positive);
    }
    int minLength = node.integer("tokens.min-length", 1);
    int ngrams = node.integer("tokens.ngrams", 2);
    if (minLength < 1) {
      throw node.invalid("tokens.min-length", "must be 1 or more, was " + minLength);
    }
    if (ngrams < 1 || ngrams > 3) {
      throw node.invalid("tokens.ngrams", "must be 1 (words), 2 (and pairs) or 3 (and triples), was " + ngrams);
    }
    String pattern = node.string("tokens.pattern", "[^\\p{L}\\p{N}']+");
    try {
      java.util.regex.Pattern.compile(pattern);
    } catch (java.util.regex.PatternSyntaxException e) {
      throw node.invalid("tokens.pattern", "is not a regular expression: " + e.getDescription());
    }
    int numFeatures = node.integer("tf-idf.num-features", 1 << 18);
    if (numFeatures < 16 || numFeatures > (1 << 24)) {
      throw node.invalid("tf-idf.num-features", "must be between 16 and 16777216, was " + numFeatures);
    }
    int minDocFreq = node.integer("tf-idf.min-doc-freq", 1);
    double regParam = node.doubleValue("logistic.reg-param", 0.001);
    double elasticNet = node.doubleValue("logistic.elastic-net", 0.0);
    int maxIter = node.integer("logistic.max-iter", 100);
    if (minDocFreq < 0) {
      throw node.invalid("tf-idf.min-doc-freq", "must be 0 or more, was " + minDocFreq);
    }
    if (regParam < 0 || maxIter < 1 || elasticNet < 0 || elasticNet > 1) {
      throw node.invalid("logistic", "needs reg-param >= 0, elastic-net in [0, 1] and max-iter >= 1");
    }
    if (node.has("data.validation-fraction")) {
      throw node.invalid("data.validation-fraction", "a text model holds back no validation rows (data.test or data.test-fraction)");
    }
    double threshold = node.doubleValue("threshold", 0.5);
    if (!(threshold > 0 && threshold < 1)) {
      throw node.invalid("threshold", "must be between 0 and 1 (exclusive), was " + threshold);
    }
    String metric = node.string("promotion.metric", "f1");
    if (!METRICS.contains(metric)) {
      throw node.invalid("promotion.metric", "must be one of " + METRICS + ", was " + metric);
    }
    double margin = Keys.promotionMargin(node);
    return new TextClassifierSpec(id, textColumn, labelColumn, positive, negative,
        ModelSpec.trainingData(node.node("data"), 0.2), pattern, minLength, ngrams,
        node.has("tokens.keep") ? node.strings("tokens.keep") : List.of("not", "no", "nor", "never", "don't", "won't", "can't",
            "isn't", "wasn't", "didn't", "doesn't"),
        numFeatures, minDocFreq, regParam, elasticNet, maxIter, threshold, node.string("registry"), metric, margin,
        Keys.pinnedVersion(node));
  }

  @Override
  public String output() {
    return id.replace('-', '_') + "_probability";
  }

  @Override
  public List<String> numericFeatures() {
    return List.of();
  }

  /** The text column (one input, not a category: it is tokenized). */
  @Override
  public List<String> categoricalFeatures() {
    return List.of(textColumn);
  }

  @Override
  public CategoricalEncoding categoricalEncoding() {
    return CategoricalEncoding.INDEX;
  }

  /** {@code text-model.json}. */
  @Override
  public String metadataFile() {
    return TextClassifier.METADATA_FILE;
  }

  /** The saved pipeline, checked against this config; its scorer adds {@link #output}. */
  @Override
  public LoadedModel load(SparkSession spark, String path) {
    TextClassifier model = TextClassifier.load(spark, path, this);
    return new LoadedModel(id, path, model.version(), model.summary(), model.scorer(output()));
  }

  /** {@link TextClassifierTrainer}; the entry of the train-model summary. */
  @Override
  public Map<String, Object> train(SparkSession spark) {
    return TextClassifierTrainer.train(spark, this);
  }
}
