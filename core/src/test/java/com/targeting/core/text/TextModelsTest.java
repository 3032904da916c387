package com.targeting.core.text;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import com.targeting.core.TargetingException;
import com.targeting.core.config.ConfigNode;
import com.targeting.core.model.LoadedModel;
import com.targeting.core.model.ModelRegistry;
import com.targeting.core.testing.TestSpark;
import com.typesafe.config.ConfigFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SaveMode;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The text classifier (TF-IDF logistic regression) on texts whose sentiment is known and, for 30%
 * of them, carried by a negation ("the invoice was not terrible" is positive): held-out F1, what
 * word pairs and kept negations buy, versions and promotion, bad labels; and the per-customer
 * feature made with it: the window of messages before the as-of date, exact aggregates, customers
 * without messages, and labeled rows given the feature as of their own dates.
 */
class TextModelsTest {
  private static final List<String> GOOD = List.of("great", "excellent", "lovely", "perfect", "awesome", "helpful");
  private static final List<String> BAD = List.of("terrible", "awful", "broken", "late", "useless", "rude");
  private static final List<String> TOPICS = List.of("gig", "invoice", "delivery", "logo", "app", "client", "payment", "article");
  private static final StructType LABELED = new StructType()
      .add("text", DataTypes.StringType).add("sentiment", DataTypes.StringType);

  @TempDir
  static Path temp;

  private static final SparkSession spark = TestSpark.session();
  private static String train;
  private static String test;

  /**
   * {@code n} texts "the TOPIC was [not] WORD[, FILLER]": positive for a good word or a negated bad
   * one; 30% negated.
   */
  private static List<Row> texts(int n, long seed) {
    Random random = new Random(seed);
    List<Row> rows = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      boolean positive = random.nextBoolean();
      boolean negated = random.nextDouble() < 0.3;
      List<String> words = positive != negated ? GOOD : BAD;
      String text = "The " + TOPICS.get(random.nextInt(TOPICS.size())) + " was " + (negated ? "not " : "")
          + words.get(random.nextInt(words.size())) + (random.nextBoolean() ? ", thanks" : "");
      rows.add(RowFactory.create(text, positive ? "positive" : "negative"));
    }
    return rows;
  }

  private static String write(List<Row> rows, String name) {
    String path = temp.resolve(name).toString();
    spark.createDataFrame(rows, LABELED).coalesce(1).write().mode(SaveMode.Overwrite).parquet(path);
    return path;
  }

  /** One registry with the default spec trained once (version 1), shared by the tests. */
  private static String registry;
  private static Map<String, Object> firstVersion;

  @BeforeAll
  static void data() {
    train = write(texts(3_000, 1), "train");
    test = write(texts(1_000, 2), "test");
    registry = temp.resolve("registry").toString();
    firstVersion = spec(registry, "").train(spark);
  }

  private static TextClassifierSpec spec(String registry, String extra) {
    return TextClassifierSpec.from(ConfigNode.root(ConfigFactory.parseString("id = sentiment\ntext-column = text\n"
        + "label { column = sentiment, positive = positive, negative = negative }\n"
        + "data { format = parquet, train = \"" + train + "\", test = \"" + test + "\" }\n"
        + "tf-idf { num-features = 4096 }\n" + extra)), ConfigNode.root(ConfigFactory.parseString(
        "registry = \"" + registry + "\"")));
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> metrics(Map<String, Object> trained) {
    return (Map<String, Object>) trained.get("metrics");
  }

  @Test
  void wordPairsAndKeptNegationsReadWhatSingleWordsCannot() {
    Map<String, Object> pairs = firstVersion;
    Map<String, Object> words = spec(temp.resolve("words").toString(), "tokens.ngrams = 1").train(spark);
    Map<String, Object> stopped = spec(temp.resolve("stopped").toString(), "tokens.keep = []").train(spark);
    double pairsF1 = (Double) metrics(pairs).get("f1");
    // Word pairs with "not" kept: "not terrible" is a term of its own.
    assertThat(pairsF1).isGreaterThan(0.97);
    assertThat((Double) metrics(pairs).get("auc_roc")).isGreaterThan(0.99);
    // Single words: "terrible" weighs negative in a negated positive text too (30% of them).
    assertThat((Double) metrics(words).get("f1")).isLessThan(pairsF1 - 0.15);
    // "not" removed as a stop word: the pairs cannot see the negation either.
    assertThat((Double) metrics(stopped).get("f1")).isLessThan(pairsF1 - 0.15);
    assertThat((Map<String, Object>) pairs.get("rows")).containsEntry("train", 3_000L).containsEntry("test", 1_000L);
    // The weightiest terms name the classes' words.
    @SuppressWarnings("unchecked")
    Map<String, List<Map<String, Object>>> weightiest = (Map<String, List<Map<String, Object>>>) pairs.get("weightiest_terms");
    assertThat(weightiest.get("positive").get(0).get("term").toString())
        .matches(".*(great|excellent|lovely|perfect|awesome|helpful|not terrible|not awful|not broken|not late|not useless|not rude).*");
  }

  @Test
  void versionsArePromotedOnHeldOutF1AndLoadAsScorers() {
    TextClassifierSpec spec = spec(registry, "");
    Map<String, Object> first = firstVersion;
    Map<String, Object> second = spec.train(spark);
    assertThat(first.get("version")).isEqualTo(1);
    assertThat(second.get("version")).isEqualTo(2);
    @SuppressWarnings("unchecked")
    Map<String, Object> promotion = (Map<String, Object>) second.get("promotion");
    // The same data and seed: the same F1, not better by more than the margin.
    assertThat(promotion).containsEntry("promoted", false).containsEntry("metric", "f1").containsEntry("champion_version", 1);
    ModelRegistry models = ModelRegistry.at(spark, registry);
    assertThat(models.champion("sentiment")).contains(1);
    LoadedModel loaded = models.load(spec);
    Dataset<Row> scored = loaded.scorer().score(spark.createDataFrame(List.of(
        RowFactory.create("The logo was not terrible", null), RowFactory.create("The app was broken", null),
        RowFactory.create(null, null), RowFactory.create("   ", null)), LABELED));
    List<Row> rows = scored.select("sentiment_probability").collectAsList();
    assertThat(rows.get(0).getDouble(0)).isGreaterThan(0.8);
    assertThat(rows.get(1).getDouble(0)).isLessThan(0.2);
    assertThat(rows.get(2).isNullAt(0)).as("a missing text is not scored").isTrue();
    assertThat(rows.get(3).isNullAt(0)).as("nor a blank one").isTrue();
    assertThat(scored.columns()).containsExactly("text", "sentiment", "sentiment_probability");
  }

  @Test
  void unusableLabelsAreCountedAndRefusedBeyondTheLimit() {
    List<Row> rows = new ArrayList<>(texts(900, 3));
    for (int i = 0; i < 100; i++) {
      rows.add(RowFactory.create("The gig was fine", "neutral"));
    }
    rows.add(RowFactory.create(null, "positive"));
    String path = write(rows, "neutral");
    TextClassifierSpec spec = TextClassifierSpec.from(ConfigNode.root(ConfigFactory.parseString("id = sentiment\n"
        + "text-column = text\nlabel { column = sentiment, positive = positive, negative = negative }\n"
        + "data { format = parquet, train = \"" + path + "\" }\n")),
        ConfigNode.root(ConfigFactory.parseString("registry = \"" + temp.resolve("neutral-registry") + "\"")));
    assertThatThrownBy(() -> spec.train(spark)).isInstanceOf(TargetingException.class)
        .hasMessageContaining("101 of 1001 rows").hasMessageContaining("label-unexpected=100").hasMessageContaining("missing-text=1")
        .hasMessageContaining("neutral").hasMessageContaining("data.max-quarantined-fraction");
    assertThat(Files.exists(temp.resolve("neutral-registry").resolve("sentiment").resolve("v1"))).isFalse();
    assertThatThrownBy(() -> TextClassifierSpec.from(ConfigNode.root(ConfigFactory.parseString("id = s\ntext-column = text\n"
        + "label { column = sentiment, positive = yes, negative = yes }\ndata { format = parquet, train = x }")),
        ConfigNode.root(ConfigFactory.parseString("registry = r")))).hasMessageContaining("label").hasMessageContaining("must differ");
  }

  private static final StructType MESSAGES = new StructType().add("customer_id", DataTypes.StringType)
      .add("body", DataTypes.StringType).add("sent_on", DataTypes.StringType);

  @Test
  void theFeatureAggregatesTheWindowBeforeEachAsOfDate() {
    TextClassifierSpec spec = spec(registry, "");
    LocalDate day = LocalDate.of(2026, 11, 23);
    List<Row> messages = List.of(
        RowFactory.create("C1", "The gig was great", day.minusDays(1).toString()),
        RowFactory.create("C1", "The app was broken", day.minusDays(10).toString()),
        RowFactory.create("C1", "The logo was not awful", day.minusDays(30).toString()),
        RowFactory.create("C1", null, day.minusDays(5).toString()),
        RowFactory.create("C1", "The client was rude", day.toString()),                 // the run date itself: after
        RowFactory.create("C1", "The invoice was late", day.minusDays(31).toString()),  // before the window
        RowFactory.create("C1", "The app was useless", null),                            // no date: in no window
        RowFactory.create("C1", "The gig was awful", "last tuesday"),                     // not a date either
        RowFactory.create("C1", "  ", day.minusDays(3).toString()),                       // blank: not scored
        RowFactory.create("C2", "The article was lovely", day.minusDays(40).toString()));
    String path = temp.resolve("messages").toString();
    spark.createDataFrame(messages, MESSAGES).coalesce(1).write().mode(SaveMode.Overwrite).parquet(path);
    TextFeature feature = TextFeature.from(ConfigNode.root(ConfigFactory.parseString("id = message-sentiment\nmodel = sentiment\n"
        + "messages { path = \"" + path + "\", format = parquet, key-column = customer_id, text-column = body, date-column = sent_on }\n"
        + "lookback-days = 30\ntraining-as-of = observed_date\nmean-output = positivity\n"
        + "negative-share-output = negative_share\ncount-output = scored")), Map.of("sentiment", spec), "customer_id");

    // The model's own probabilities of the three messages in the window.
    LoadedModel model = ModelRegistry.at(spark, registry).load(spec);
    Map<String, Double> probability = new HashMap<>();
    for (Row row : model.scorer().score(spark.createDataFrame(List.of(RowFactory.create("The gig was great", null),
        RowFactory.create("The app was broken", null), RowFactory.create("The logo was not awful", null),
        RowFactory.create("The invoice was late", null)), LABELED)).collectAsList()) {
      probability.put(row.getString(0), row.getDouble(2));
    }
    double mean = (probability.get("The gig was great") + probability.get("The app was broken")
        + probability.get("The logo was not awful")) / 3;

    Dataset<Row> customers = spark.createDataFrame(List.of(RowFactory.create("C1"), RowFactory.create("C2"), RowFactory.create("C3")),
        new StructType().add("customer_id", DataTypes.StringType));
    try (TextFeature.Prepared prepared = feature.prepare(spark, day)) {
      List<Row> rows = prepared.joinOnto(customers, "customers").orderBy("customer_id").collectAsList();
      assertThat(rows).hasSize(3);
      assertThat(rows.get(0).getDouble(1)).isCloseTo(mean, within(1e-9));
      assertThat(rows.get(0).getDouble(2)).isCloseTo(1.0 / 3, within(1e-9)); // "broken" only
      assertThat(rows.get(0).getInt(3)).isEqualTo(3);
      for (Row none : rows.subList(1, 3)) {
        assertThat(none.isNullAt(1) && none.isNullAt(2)).as("no messages in the window: no mean, no share").isTrue();
        assertThat(none.getInt(3)).isZero();
      }
      assertThat(prepared.summary()).containsEntry("customers_with_messages", 1L).containsEntry("messages_scored", 3L)
          .containsEntry("messages_without_text", 2L).containsEntry("messages_without_date", 2L);
      assertThat(prepared.countMatched(prepared.joinOnto(customers, "customers"), "customers")).isEqualTo(1);
      assertThat(prepared.summary()).containsEntry("customers_matched", 1L);
      // Keys that cannot be the same (here: another case): the run stops, naming both sides.
      Dataset<Row> lowerCase = spark.createDataFrame(List.of(RowFactory.create("c1")), new StructType().add("customer_id", DataTypes.StringType));
      assertThatThrownBy(() -> prepared.countMatched(prepared.joinOnto(lowerCase, "extract.csv"), "extract.csv"))
          .isInstanceOf(TargetingException.class).hasMessageContaining("none of the 1 customers with messages")
          .hasMessageContaining("extract.csv").hasMessageContaining("the keys differ");
    }

    // Labeled rows: each as of its own date. C1 observed 20 days earlier sees the messages of
    // [day - 50, day - 20): the ones 30 and 31 days before the run date, not the later ones.
    Dataset<Row> labeled = spark.createDataFrame(List.of(RowFactory.create("C1", day.toString()),
        RowFactory.create("C1", day.minusDays(20).toString()), RowFactory.create("C2", day.minusDays(20).toString()),
        RowFactory.create("C1", null)),
        new StructType().add("customer_id", DataTypes.StringType).add("observed_date", DataTypes.StringType));
    List<Row> enriched = feature.enrich(spark, labeled, "history").orderBy("customer_id", "observed_date").collectAsList();
    assertThat(enriched).as("one row out for each row in").hasSize(4);
    assertThat(feature.lineage()).containsEntry("model", "sentiment").containsEntry("version", 1);
    // A row without an as-of date has no window: no messages, not the latest ones.
    Row undated = enriched.get(0);
    assertThat(undated.isNullAt(1) && undated.isNullAt(2) && undated.isNullAt(3)).isTrue();
    assertThat(undated.getInt(4)).isZero();
    enriched = enriched.subList(1, 4);
    Row earlier = enriched.get(0);
    assertThat(earlier.getString(1)).isEqualTo(day.minusDays(20).toString());
    assertThat(earlier.getInt(4)).isEqualTo(2);
    assertThat(earlier.getDouble(2)).isCloseTo((probability.get("The logo was not awful") + probability.get("The invoice was late")) / 2,
        within(1e-9));
    assertThat(enriched.get(1).getInt(4)).isEqualTo(3);
    assertThat(enriched.get(1).getDouble(2)).isCloseTo(mean, within(1e-9));
    assertThat(enriched.get(2).getInt(4)).as("C2's message is 40 days before the run date, 20 before its row").isEqualTo(1);

    assertThatThrownBy(() -> feature.enrich(spark, customers, "history")).isInstanceOf(TargetingException.class)
        .hasMessageContaining("history has no column observed_date");
    assertThatThrownBy(() -> TextFeature.from(ConfigNode.root(ConfigFactory.parseString("id = f\nmodel = other\n")),
        Map.of("sentiment", spec), "customer_id")).hasMessageContaining("model").hasMessageContaining("[sentiment]");
  }
}
