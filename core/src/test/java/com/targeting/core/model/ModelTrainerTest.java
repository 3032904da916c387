package com.targeting.core.model;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.lit;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import com.targeting.core.TargetingException;
import com.targeting.core.config.ConfigNode;
import com.targeting.core.testing.TestSpark;
import com.typesafe.config.ConfigFactory;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ModelTrainerTest {
  private static Dataset<Row> labeled;

  @TempDir
  Path temp;

  /**
   * 2,000 rows, all text as a CSV extract would give them: the label depends on x and the
   * category; some values are missing, some blank, a few unparseable.
   */
  @BeforeAll
  static void data() {
    Random random = new Random(1);
    String[] kinds = {"gold", "silver", "bronze"};
    List<Row> rows = new ArrayList<>();
    for (int i = 0; i < 2_000; i++) {
      double x = random.nextDouble() * 10;
      String kind = kinds[random.nextInt(3)];
      double logit = (x - 5) * 0.8 + ("gold".equals(kind) ? 1.5 : 0.0);
      boolean positive = random.nextDouble() < 1 / (1 + Math.exp(-logit));
      String tier = x < 3 ? "low" : x < 7 ? "mid" : "high";
      String xText = i % 50 == 0 ? " " : i % 333 == 0 ? "n/a" : Double.toString(x);
      rows.add(RowFactory.create("C" + i, xText, i % 40 == 0 ? null : kind, positive ? "Yes" : "No", tier,
          i % 2 == 0 ? "F" : "M", Double.toString(3 * x + random.nextGaussian())));
    }
    labeled = TestSpark.session().createDataFrame(rows,
        StructType.fromDDL("customer_id STRING, x STRING, kind STRING, bought STRING, tier STRING, gender STRING, spend STRING"));
  }

  /** A model config as a user writes it, over the library's model-defaults. */
  private ModelSpec spec(String hocon) {
    String defaults = "registry = \"" + temp.resolve("registry") + "\"\n"
        + "promotion { margin = 0.0 }\ncalibration = none\nreason-codes = 0\n"
        + "xgboost { num-round = 20, max-depth = 3, eta = 0.3, num-workers = 1, nthread = 1 }\n";
    return ModelSpec.from(ConfigNode.root(ConfigFactory.parseString(hocon)),
        ConfigNode.root(ConfigFactory.parseString(defaults)));
  }

  private ModelSpec buyer(String extra) {
    return spec("id = buyer\nobjective = binary\nlabel { column = bought, positive = \"Yes\" }\n"
        + "features { numeric = [x], categorical = [kind] }\nprotected = [gender]\nid-column = customer_id\n" + extra);
  }

  private ModelTrainer.Result train(ModelSpec spec) {
    return ModelTrainer.train(TestSpark.session(), spec, labeled, "memory", Optional.empty(), Optional.empty());
  }

  @Test
  void aReloadedChampionScoresExactlyAsTrainedAndLearnsTheSignal() {
    ModelSpec spec = buyer("");

    ModelTrainer.Result result = train(spec);
    ModelRegistry registry = ModelRegistry.at(TestSpark.session(), spec.registry());
    SavedModel first = SavedModel.load(TestSpark.session(), registry.resolve(spec));
    double[] before = scores(first.score(labeled, "score", 0), "score");
    double[] after = scores(SavedModel.load(TestSpark.session(), registry.resolve(spec)).score(labeled, "score", 0), "score");

    assertThat(result.metadata().version()).isEqualTo(1);
    assertThat(result.promotion()).containsEntry("promoted", true).containsEntry("reason", "no champion yet");
    assertThat(result.metadata().metrics().get("auc_roc")).isGreaterThan(0.8);
    assertThat(result.metadata().quarantinedByRule()).containsExactly(Map.entry("unparseable", 6L));
    assertThat(result.metadata().trainingRows() + result.metadata().testRows()).isEqualTo(2_000 - 6);
    assertThat(result.metadata().calibrationTable()).hasSize(10);
    assertThat(result.metadata().featureImportance()).containsOnlyKeys("x", "kind");
    assertThat(after).containsExactly(before);
    assertThat(java.util.Arrays.stream(before).boxed().toList()).allSatisfy(p -> assertThat(p).isBetween(0.0, 1.0));
  }

  @Test
  void aCategoricalTrainedFromTextScoresAlikeWhenItArrivesTyped() {
    // A csv gives the flag as text; a program's contract gives it as a boolean.
    Dataset<Row> flagged = labeled.withColumn("member", org.apache.spark.sql.functions.when(col("kind").equalTo("gold"), "true")
        .otherwise("false"));
    ModelSpec spec = spec("id = member\nobjective = binary\nlabel { column = bought, positive = \"Yes\" }\n"
        + "features { numeric = [x], categorical = [member] }\nid-column = customer_id\n");
    ModelTrainer.train(TestSpark.session(), spec, flagged, "memory", Optional.empty(), Optional.empty());
    SavedModel model = SavedModel.load(TestSpark.session(), ModelRegistry.at(TestSpark.session(), spec.registry()).resolve(spec));

    Dataset<Row> typedRows = flagged.withColumn("member", col("member").cast("boolean"));

    for (SavedModel.Engine engine : SavedModel.Engine.values()) {
      for (int reasonCodes : new int[] {0, 2}) {
        Dataset<Row> typed = model.score(typedRows, "score", reasonCodes, engine);
        Dataset<Row> text = model.score(flagged, "score", reasonCodes, engine);
        String what = engine + " with " + reasonCodes + " reason codes";
        assertThat(typed.schema().apply("member").dataType()).as(what).isEqualTo(org.apache.spark.sql.types.DataTypes.BooleanType);
        assertThat(typed.columns()).as(what).hasSameSizeAs(text.columns());
        assertThat(scores(typed, "score")).as(what).containsExactly(scores(text, "score"));
        assertThat(java.util.Arrays.stream(scores(typed, "score")).distinct().count()).as("the flag and x move the score")
            .isGreaterThan(2);
      }
    }
    assertThatThrownBy(() -> model.score(flagged.withColumn("member", lit(1.0)), "score", 0))
        .isInstanceOf(com.targeting.core.TargetingException.class)
        .hasMessageContaining("categorical feature member arrives as double");
  }

  @Test
  void tooManyBrokenRowsFailNamingTheColumnOfAnExampleButNotItsValue() {
    // 6 of 2,000 rows hold "n/a" in x: over a limit of 0.1%.
    ModelSpec spec = spec("id = buyer\nobjective = binary\nlabel { column = bought, positive = \"Yes\" }\n"
        + "features { numeric = [x], categorical = [kind] }\nid-column = customer_id\n"
        + "data { train = x, max-quarantined-fraction = 0.001 }\n");

    assertThatThrownBy(() -> train(spec)).isInstanceOf(com.targeting.core.TargetingException.class)
        .hasMessageContaining("6 of 2000 rows break the contract").hasMessageContaining("By rule: {unparseable=6}")
        .hasMessageContaining("for example: {unparseable=unparseable x}").hasMessageNotContaining("n/a");
  }

  @Test
  void aFailedTrainingSuiteErrorStopsTrainingBeforeAVersionIsMadeAndAWarningIsReported() {
    // Every 40th row has no kind: 1,950 of 2,000 complete.
    String model = "id = buyer\nobjective = binary\nlabel { column = bought, positive = \"Yes\" }\n"
        + "features { numeric = [x], categorical = [kind] }\nid-column = customer_id\n";
    ModelSpec failing = spec(model + "data { train = x, validation { checks = [{ level = error, type = complete, columns = [kind] }] } }\n");

    assertThatThrownBy(() -> train(failing)).isInstanceOf(com.targeting.core.TargetingException.class)
        .hasMessageContaining("Validation of training (memory) failed 1 error-level check(s); Model buyer was not trained: "
            + "complete(kind) (kind not null in every row): was 0.975");
    assertThat(temp.resolve("registry").resolve("buyer")).doesNotExist();

    ModelSpec warned = spec(model + "data { train = x, validation { checks = [{ level = warning, type = complete, columns = [kind] }] } }\n");
    Map<String, Object> summary = train(warned).summary();
    @SuppressWarnings("unchecked")
    Map<String, Object> validation = (Map<String, Object>) summary.get("validation");
    assertThat(validation).containsEntry("status", "warned").containsEntry("failed_warnings", 1L);
    assertThat(summary.get("version")).isEqualTo(1);
  }

  @Test
  @SuppressWarnings("unchecked")
  void aModelsDriftIsMeasuredAgainstTheBaselineSavedWithIt() {
    ModelSpec spec = buyer("");
    train(spec);
    SavedModel model = SavedModel.load(TestSpark.session(), ModelRegistry.at(TestSpark.session(), spec.registry()).resolve(spec));
    assertThat(model.driftBaseline()).isPresent();
    assertThat(model.driftBaseline().get().features()).extracting(DriftBaseline.Distribution::column).containsExactly("x", "kind");
    assertThat(model.driftBaseline().get().score()).isPresent();
    ModelScorer scorer = ModelScorer.of(model, "score", 0);
    Drift drift = new Drift(0.1, 0.25);

    // The population it learned from: stable.
    Map<String, Object> same = modelDrift(drift.report(scorer.score(labeled), List.of(scorer)), "buyer");
    assertThat(same.get("level")).isEqualTo("ok");
    assertThat((Double) same.get("score_psi")).isLessThan(0.1);
    assertThat((Double) same.get("max_feature_psi")).isLessThan(0.1);

    // Every x five higher, and no gold customers left: the population moved, and so did the scores.
    Dataset<Row> shifted = labeled.withColumn("x", col("x").cast("double").plus(5).cast("string"))
        .withColumn("kind", org.apache.spark.sql.functions.when(col("kind").equalTo("gold"), "silver").otherwise(col("kind")));
    Map<String, Object> report = drift.report(scorer.score(shifted), List.of(scorer));
    Map<String, Object> moved = modelDrift(report, "buyer");
    assertThat(moved.get("level")).isEqualTo("alert");
    assertThat((List<Object>) moved.get("features_above_alert")).containsExactlyInAnyOrder("x", "kind");
    assertThat((Double) moved.get("score_psi")).isGreaterThan(0.25);
    assertThat(report.get("drifted_models")).isEqualTo(List.of("buyer"));

    // Deciles by the held-out scores' cut points: about a tenth of the population each, rising with the score.
    List<Row> ranked = ModelScorer.withDeciles(model, "score", 0, "decile").score(labeled).select("score", "decile")
        .where(col("score").isNotNull()).orderBy("score").collectAsList();
    int previous = 1;
    Map<Integer, Integer> sizes = new java.util.TreeMap<>();
    for (Row row : ranked) {
      int decile = row.getInt(1);
      assertThat(decile).isBetween(previous, 10);
      previous = decile;
      sizes.merge(decile, 1, Integer::sum);
    }
    assertThat(sizes.keySet()).containsExactly(1, 2, 3, 4, 5, 6, 7, 8, 9, 10);
    assertThat(sizes.values()).allSatisfy(size -> assertThat(size).isBetween(100, 300));

    // No scored rows: nothing to compare, not a drift of every model.
    Map<String, Object> empty = modelDrift(drift.report(scorer.score(labeled.limit(0)), List.of(scorer)), "buyer");
    assertThat(empty).containsEntry("level", "not_measured").containsEntry("why", "no scored rows");
  }

  @Test
  void decilesOfTiedScoresStillRunToTen() {
    // Isotonic calibration gives a step function: held-out scores tie, and some deciles share a cut.
    ModelSpec spec = buyer("calibration = isotonic\n");
    train(spec);
    SavedModel model = SavedModel.load(TestSpark.session(), ModelRegistry.at(TestSpark.session(), spec.registry()).resolve(spec));
    List<Double> quantiles = model.driftBaseline().orElseThrow().score().orElseThrow().quantiles();
    assertThat(quantiles).hasSize(9);
    List<Row> ranked = ModelScorer.withDeciles(model, "score", 0, "decile").score(labeled).select("score", "decile")
        .where(col("score").isNotNull()).orderBy("score").collectAsList();
    for (Row row : ranked) {
      // 1 + the number of held-out deciles at or below the score.
      double score = row.getDouble(0);
      assertThat(row.getInt(1)).isEqualTo(1 + (int) quantiles.stream().filter(q -> q <= score).count());
    }
    assertThat(ranked.get(ranked.size() - 1).getInt(1)).isEqualTo(10);
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> modelDrift(Map<String, Object> report, String model) {
    return ((Map<String, Map<String, Object>>) report.get("models")).get(model);
  }

  @Test
  void everyTrainedVersionHasACardFromItsMetadataWithItsFairnessOnTheHeldOutRows() throws java.io.IOException {
    ModelSpec spec = buyer("fairness { groups { gender = gender }, threshold = 0.5, max-difference = 0.2 }\n"
        + "card { intended-use = \"Rank customers for the buyer campaign\", limitations = [\"Not for credit decisions\"] }\n");
    ModelTrainer.Result first = train(spec);
    ModelTrainer.Result second = train(spec);

    for (ModelTrainer.Result result : List.of(first, second)) {
      java.nio.file.Path card = java.nio.file.Path.of(result.path()).resolve(ModelCard.FILE_NAME);
      assertThat(card).exists();
      String text = java.nio.file.Files.readString(card);
      ModelMetadata metadata = result.metadata();
      assertThat(text).startsWith("# Model card: buyer v" + metadata.version() + "\n")
          .contains("Rank customers for the buyer campaign", "- Not for credit decisions")
          .contains(String.format(java.util.Locale.ROOT, "%,d held-out rows", metadata.testRows()))
          .contains(String.format(java.util.Locale.ROOT, "| auc_roc | %.4f |", metadata.metrics().get("auc_roc")))
          .contains("- Numeric (1): x", "- Categorical (1): kind", "- Never features (protected): gender")
          .contains("### gender", "| F |", "| M |");
      // Equalized odds on the held-out rows: gender does not enter the model, whose rates by gender differ only by chance.
      @SuppressWarnings("unchecked")
      Map<String, Object> gender = (Map<String, Object>) metadata.fairness().get("gender");
      @SuppressWarnings("unchecked")
      Map<String, Map<String, Object>> groups = (Map<String, Map<String, Object>>) gender.get("groups");
      long heldOut = groups.values().stream().mapToLong(g -> (Long) g.get("positives") + (Long) g.get("negatives")).sum();
      assertThat(heldOut).isEqualTo(metadata.testRows());
      assertThat((Double) gender.get("equalized_odds_difference")).isBetween(0.0, 0.2);
    }
    assertThat(second.metadata().version()).isEqualTo(first.metadata().version() + 1);
    // Read back as the run report shows it.
    SavedModel loaded = SavedModel.load(TestSpark.session(), second.path());
    assertThat(ModelCard.summary(loaded.metadata())).containsEntry("intended_use", "Rank customers for the buyer campaign");
  }

  @Test
  void theTestSplitIsStratifiedByLabel() {
    ModelTrainer.Result result = train(buyer(""));

    double positiveRate = labeled.where(col("bought").equalTo("Yes")).count() / 2_000.0;
    assertThat(result.metadata().metrics().get("positive_rate")).isCloseTo(positiveRate, within(0.01));
    assertThat((double) result.metadata().testRows() / (2_000 - 6)).isCloseTo(0.2, within(0.01));
  }

  @Test
  void theChampionPointerMovesOnlyWhenTheChallengerWinsByTheMargin() {
    ModelTrainer.Result first = train(buyer("features { numeric = [], categorical = [kind] }"));
    ModelTrainer.Result same = train(buyer("features { numeric = [], categorical = [kind] }"));
    ModelTrainer.Result stronger = train(buyer(""));
    ModelTrainer.Result weaker = train(buyer("features { numeric = [], categorical = [kind] }"));

    ModelRegistry registry = ModelRegistry.at(TestSpark.session(), temp.resolve("registry").toString());
    assertThat(registry.versions("buyer")).containsExactly(1, 2, 3, 4);
    // Same data, same seed, one worker: an identical model does not beat the champion.
    assertThat(same.promotion()).containsEntry("promoted", false).containsEntry("champion_version", 1);
    assertThat((Double) same.promotion().get("champion_value")).isEqualTo((Double) same.promotion().get("challenger_value"));
    assertThat(stronger.promotion()).containsEntry("promoted", true).containsEntry("champion_version", 1);
    assertThat((Double) stronger.promotion().get("challenger_value")).isGreaterThan((Double) stronger.promotion().get("champion_value"));
    assertThat(weaker.promotion()).containsEntry("promoted", false).containsEntry("champion_version", 3);
    assertThat((Double) weaker.promotion().get("challenger_value")).isLessThan((Double) weaker.promotion().get("champion_value"));
    assertThat(registry.champion("buyer")).hasValue(3);
    assertThat(first.metadata().version()).isEqualTo(1);
  }

  @Test
  void unseenAndMissingCategoriesAreScoredNotRejected() {
    ModelSpec spec = buyer("");
    train(spec);
    SavedModel model = SavedModel.load(TestSpark.session(), ModelRegistry.at(TestSpark.session(), spec.registry()).resolve(spec));

    Dataset<Row> fresh = TestSpark.rows("customer_id STRING, x STRING, kind STRING",
        new Object[] {"a-new-kind", "6.0", "platinum"}, new Object[] {"b-no-kind", "6.0", null},
        new Object[] {"c-gold", "6.0", "gold"}, new Object[] {"d-silver", "6.0", "silver"});
    double[] scores = scores(model.score(fresh, "score", 0), "score");

    assertThat(java.util.Arrays.stream(scores).boxed().toList()).hasSize(4).allSatisfy(p -> assertThat(p).isBetween(0.0, 1.0));
    assertThat(scores[2]).as("gold beats silver, as in the data").isGreaterThan(scores[3]);
  }

  @Test
  void reasonCodesAreXgboostContributionsThatSumWithTheBiasToTheMargin() {
    ModelSpec spec = buyer("");
    train(spec);
    SavedModel model = SavedModel.load(TestSpark.session(), ModelRegistry.at(TestSpark.session(), spec.registry()).resolve(spec));

    List<Row> scored = model.score(labeled.limit(50), "score", 2).collectAsList();
    for (Row row : scored) {
      List<Row> reasons = row.getList(row.fieldIndex("score_reasons"));
      double bias = row.getAs("score_bias");
      double sum = bias + reasons.stream().mapToDouble(r -> r.<Double>getAs("contribution")).sum();
      double p = row.getAs("score");
      assertThat(reasons).hasSize(2);
      assertThat(reasons.get(0).<Integer>getAs("rank")).isEqualTo(1);
      assertThat(Math.abs(reasons.get(0).<Double>getAs("contribution")))
          .isGreaterThanOrEqualTo(Math.abs(reasons.get(1).<Double>getAs("contribution")));
      assertThat(reasons).extracting(r -> r.<String>getAs("feature")).containsExactlyInAnyOrder("x", "kind");
      assertThat(sum).as("contributions + bias = log-odds").isCloseTo(Math.log(p / (1 - p)), within(1e-3));
    }
    Row withKind = scored.stream().filter(r -> r.getAs("kind") != null).findFirst().orElseThrow();
    List<Row> reasons = withKind.getList(withKind.fieldIndex("score_reasons"));
    Row kind = reasons.stream().filter(r -> r.getAs("feature").equals("kind")).findFirst().orElseThrow();
    assertThat(kind.<String>getAs("value")).isEqualTo(withKind.getAs("kind"));
  }

  @Test
  void reasonCodesFromTheJvmAreXgboostsOwn() {
    ModelSpec spec = buyer("");
    train(spec);
    SavedModel model = SavedModel.load(TestSpark.session(), ModelRegistry.at(TestSpark.session(), spec.registry()).resolve(spec));
    assertThat(model.contributionsEngine()).startsWith("jvm (TreeSHAP over ");

    Dataset<Row> rows = labeled.limit(200);
    assertThat(model.jvmPredicts()).isTrue();
    List<Row> jvm = model.score(rows, "score", 2, SavedModel.Engine.JVM).orderBy("customer_id").collectAsList();
    List<Row> xgboost = model.score(rows, "score", 2, SavedModel.Engine.XGBOOST).orderBy("customer_id").collectAsList();
    List<Row> plain = model.score(rows, "score", 0).orderBy("customer_id").collectAsList();
    for (int codes : new int[] {0, 2}) {
      assertThat(model.score(rows, "score", codes, SavedModel.Engine.JVM).schema())
          .as("the same columns, in the same order, of the same types").isEqualTo(model.score(rows, "score", codes, SavedModel.Engine.XGBOOST).schema());
    }
    assertThat(jvm).hasSize(200).hasSameSizeAs(xgboost);
    for (int i = 0; i < jvm.size(); i++) {
      Row ours = jvm.get(i);
      Row theirs = xgboost.get(i);
      // The JVM's probability: XGBoost's within two float ulps (Java's exp for the C library's expf).
      double score = ours.<Double>getAs("score");
      assertThat((double) (float) score).isEqualTo(score);
      assertThat(Math.abs(Float.floatToIntBits((float) score) - Float.floatToIntBits((float) (double) theirs.<Double>getAs("score"))))
          .as("row %d: %s vs XGBoost's %s", i, score, theirs.getAs("score")).isLessThanOrEqualTo(2);
      assertThat(plain.get(i).<Double>getAs("score")).isEqualTo(score);
      assertThat(ours.<Double>getAs("score_bias")).isCloseTo(theirs.<Double>getAs("score_bias"), within(1e-5));
      List<Row> ourReasons = ours.getList(ours.fieldIndex("score_reasons"));
      List<Row> theirReasons = theirs.getList(theirs.fieldIndex("score_reasons"));
      for (int rank = 0; rank < 2; rank++) {
        assertThat(ourReasons.get(rank).<Double>getAs("contribution"))
            .isCloseTo(theirReasons.get(rank).<Double>getAs("contribution"), within(1e-5));
        assertThat(ourReasons.get(rank).<String>getAs("feature")).isEqualTo(theirReasons.get(rank).<String>getAs("feature"));
      }
    }
  }

  @Test
  void anInfiniteFeatureFailsTheJvmsScoringAsItFailsXgboosts() {
    ModelSpec spec = buyer("");
    train(spec);
    SavedModel model = SavedModel.load(TestSpark.session(), ModelRegistry.at(TestSpark.session(), spec.registry()).resolve(spec));
    Dataset<Row> infinite = TestSpark.rows("customer_id STRING, x STRING, kind STRING", new Object[] {"c1", "Infinity", "gold"});

    assertThatThrownBy(() -> model.score(infinite, "score", 0, SavedModel.Engine.JVM).collectAsList())
        .hasStackTraceContaining("cannot score a row whose feature x is Infinity");
    assertThatThrownBy(() -> model.score(infinite, "score", 0, SavedModel.Engine.XGBOOST).collectAsList())
        .hasStackTraceContaining("inf");
  }

  @Test
  void aModelWithAnotherMissingValueKeepsXgboostsContributions() {
    ModelSpec spec = spec("id = missing-zero\nobjective = binary\nlabel { column = bought, positive = \"Yes\" }\n"
        + "features { numeric = [x], categorical = [kind] }\nreason-codes = 1\nxgboost { missing = -1.0 }\n");
    SavedModel model = SavedModel.load(TestSpark.session(), train(spec).path());

    assertThat(model.contributionsEngine()).isEqualTo("xgboost (missing = -1.0, and TreeShap treats only NaN as missing)");
    assertThat(model.jvmPredicts()).as("XGBoost scores it too").isFalse();
    List<Row> scored = model.score(labeled.limit(20), "score", 1).collectAsList();
    assertThat(scored).hasSize(20).allSatisfy(row -> assertThat(row.getList(row.fieldIndex("score_reasons"))).hasSize(1));
  }

  @Test
  void calibratedModelsScoreThroughTheirCalibrator() {
    for (String method : List.of("isotonic", "platt")) {
      ModelSpec spec = spec("id = calibrated-" + method + "\nobjective = binary\nlabel { column = bought, positive = \"Yes\" }\n"
          + "features { numeric = [x], categorical = [kind] }\ncalibration = " + method + "\n");
      ModelTrainer.Result result = train(spec);
      SavedModel model = SavedModel.load(TestSpark.session(), result.path());

      assertThat(result.metadata().scoreSource()).isEqualTo(method);
      assertThat(model.jvmPredicts()).as("the calibrator reads XGBoost's output").isFalse();
      assertThat(result.metadata().rows().values().stream().mapToLong(Long::longValue).sum())
          .as("train, validation and test split the 1,994 clean rows: none twice, none lost").isEqualTo(2_000 - 6);
      double[] scores = scores(model.score(labeled, "score", 0), "score");
      assertThat(java.util.Arrays.stream(scores).boxed().toList()).allSatisfy(p -> assertThat(p).isBetween(0.0, 1.0));
      assertThat(result.metadata().metrics().get("auc_roc")).isGreaterThan(0.75);
    }
  }

  @Test
  void multiClassAndRegressionModelsTrainAndReload() {
    ModelSpec tiers = spec("id = tiers\nobjective = multiclass\nlabel { column = tier }\nfeatures { numeric = [x], categorical = [kind] }\n");
    ModelTrainer.Result multi = train(tiers);
    SavedModel model = SavedModel.load(TestSpark.session(), multi.path());
    Row row = model.score(TestSpark.rows("customer_id STRING, x STRING, kind STRING", new Object[] {"c", "9.5", "gold"}), "p", 0).first();
    Map<String, Double> probabilities = row.getJavaMap(row.fieldIndex("p"));
    assertThat(model.jvmPredicts()).as("multi-class: XGBoost scores").isFalse();

    assertThat(multi.metadata().classes()).containsExactly("high", "low", "mid");
    assertThat(multi.metadata().metrics().get("accuracy")).isGreaterThan(0.9);
    assertThat(probabilities.values().stream().mapToDouble(Double::doubleValue).sum()).isCloseTo(1.0, within(1e-5));
    assertThat(probabilities.get("high")).isGreaterThan(0.5);

    ModelSpec spend = spec("id = spend\nobjective = regression\nlabel { column = spend }\nfeatures { numeric = [x] }\n"
        + "xgboost { early-stopping-rounds = 5 }\n");
    ModelTrainer.Result regression = train(spend);
    assertThat(regression.metadata().metrics().get("r2")).isGreaterThan(0.8);
    assertThat(regression.metadata().params()).containsEntry("early_stopping_rounds", 5);
    assertThat(regression.promotion()).containsEntry("metric", "rmse");
    SavedModel regressor = SavedModel.load(TestSpark.session(), regression.path());
    assertThat(regressor.jvmPredicts()).isTrue();
    double[] jvm = scores(regressor.score(labeled, "v", 0, SavedModel.Engine.JVM), "v");
    double[] xgboost = scores(regressor.score(labeled, "v", 0, SavedModel.Engine.XGBOOST), "v");
    assertThat(jvm).as("no link: the margin, bit for bit").containsExactly(xgboost);
  }

  @Test
  void promotionNeedsARankingMetricAndANonNegativeMargin() {
    assertThatThrownBy(() -> buyer("promotion { metric = positive_rate }")).hasMessageContaining("promotion.metric")
        .hasMessageContaining("must be one of [accuracy, auc_pr, auc_roc, brier, log_loss, mae, r2, rmse]");
    assertThatThrownBy(() -> buyer("promotion { margin = -0.5 }")).hasMessageContaining("must not be negative");
    assertThat(buyer("promotion { metric = brier }").promotion().higherIsBetter()).isFalse();
  }

  @Test
  void protectedAttributesAreNeverFeatures() {
    assertThatThrownBy(() -> buyer("features { numeric = [x], categorical = [kind, gender] }"))
        .isInstanceOf(TargetingException.class)
        .hasMessageContaining("protected attribute gender cannot be a model feature");
  }

  @Test
  void missingColumnsUnusableLabelsAndMissingModelsAreUserErrors() {
    assertThatThrownBy(() -> train(buyer("features { numeric = [x, y] }")))
        .isInstanceOf(TargetingException.class)
        .hasMessageContaining("Extract memory breaks its contract: missing columns [y]");

    ModelSpec stringLabel = spec("id = string-label\nobjective = binary\nlabel { column = bought }\nfeatures { numeric = [x] }\n");
    assertThatThrownBy(() -> train(stringLabel)).hasMessageContaining("label bought is string");

    assertThatThrownBy(() -> ModelRegistry.at(TestSpark.session(), temp.resolve("empty").toString()).resolve(buyer("")))
        .hasMessageContaining("Model buyer has no champion").hasMessageContaining("train-model");
  }

  @Test
  void aConfigThatNoLongerMatchesTheSavedModelIsRefused() {
    ModelTrainer.Result result = train(buyer(""));
    SavedModel model = SavedModel.load(TestSpark.session(), result.path());

    assertThatThrownBy(() -> model.requireTrainedAs(buyer("features { numeric = [x], categorical = [] }")))
        .isInstanceOf(TargetingException.class)
        .hasMessageContaining("was trained differently from its config")
        .hasMessageContaining("features [x, kind] vs [x]");
  }

  // Case train-infinity: "Infinity" / "-Infinity" in a feature aborted training inside XGBoost.
  @Test
  void nonFiniteFeaturesAreQuarantinedAndTrainingGoesOn() {
    Dataset<Row> withInfinities = labeled.withColumn("x",
        org.apache.spark.sql.functions.when(col("customer_id").equalTo("C1"), "Infinity")
            .when(col("customer_id").equalTo("C2"), "-Infinity")
            .when(col("customer_id").equalTo("C3"), "1e309")
            .otherwise(col("x")));

    ModelTrainer.Result result = ModelTrainer.train(TestSpark.session(), buyer(""), withInfinities, "memory",
        Optional.empty(), Optional.empty());

    assertThat(result.metadata().quarantinedByRule()).containsEntry("non-finite", 3L).containsEntry("unparseable", 6L);
    assertThat(result.metadata().trainingRows() + result.metadata().testRows()).isEqualTo(2_000 - 9);
    List<String> reasons = TestSpark.session().read().parquet(result.path() + "/training-quarantine/train")
        .where(col("quarantine_rule").equalTo("non-finite")).orderBy("customer_id")
        .select("quarantine_reason").as(org.apache.spark.sql.Encoders.STRING()).collectAsList();
    assertThat(reasons).containsExactly("non-finite x: 'Infinity'", "non-finite x: '-Infinity'", "non-finite x: '1e309'");
  }

  // Case label-case: "yes" and "Yes " beside "Yes" were silently trained as negatives.
  @Test
  void aBinaryLabelWithSeveralNegativeCandidatesIsRefusedWithItsValueCounts() {
    Dataset<Row> misspelled = labeled.withColumn("bought",
        org.apache.spark.sql.functions.when(col("bought").equalTo("Yes").and(col("customer_id").endsWith("7")), "yes")
            .when(col("bought").equalTo("Yes").and(col("customer_id").endsWith("3")), "Yes ")
            .otherwise(col("bought")));
    long yes = misspelled.where(col("bought").equalTo("yes")).count();
    long yesSpace = misspelled.where(col("bought").equalTo("Yes ")).count();

    assertThatThrownBy(() -> ModelTrainer.train(TestSpark.session(), buyer(""), misspelled, "memory", Optional.empty(), Optional.empty()))
        .isInstanceOf(TargetingException.class)
        .hasMessageContaining("Model buyer: binary label bought in memory has 3 values besides the positive 'Yes'")
        .hasMessageContaining("'yes' " + yes)
        .hasMessageContaining("'Yes ' " + yesSpace)
        .hasMessageContaining("label.negative");

    // Naming the negative value quarantines the others, each with its value; the summary counts every value.
    ModelSpec withNegative = spec("id = buyer\nobjective = binary\nlabel { column = bought, positive = \"Yes\", negative = \"No\" }\n"
        + "features { numeric = [x], categorical = [kind] }\nid-column = customer_id\ndata { train = x, max-quarantined-fraction = 0.5 }\n");
    ModelTrainer.Result result = ModelTrainer.train(TestSpark.session(), withNegative, misspelled, "memory", Optional.empty(), Optional.empty());

    assertThat(result.metadata().quarantinedByRule()).containsEntry(ModelTrainer.LABEL_UNEXPECTED, yes + yesSpace);
    assertThat(result.labelValues()).containsEntry("yes", yes).containsEntry("Yes ", yesSpace).containsKeys("Yes", "No");
    @SuppressWarnings("unchecked")
    Map<String, Long> summaryValues = (Map<String, Long>) result.summary().get("label_values");
    assertThat(summaryValues).isEqualTo(result.labelValues());
    List<String> reasons = TestSpark.session().read().parquet(result.path() + "/training-quarantine/train")
        .where(col("quarantine_rule").equalTo(ModelTrainer.LABEL_UNEXPECTED)).select("quarantine_reason").distinct()
        .as(org.apache.spark.sql.Encoders.STRING()).collectAsList();
    assertThat(reasons).containsExactlyInAnyOrder("label bought is neither 'Yes' nor 'No': 'yes'", "label bought is neither 'Yes' nor 'No': 'Yes '");
  }

  @Test
  void aZeroOneLabelWithOtherValuesQuarantinesThem() {
    Dataset<Row> numeric = labeled.withColumn("bought",
        org.apache.spark.sql.functions.when(col("customer_id").equalTo("C5"), lit(2.0))
            .when(col("bought").equalTo("Yes"), lit(1.0)).otherwise(lit(0.0)));
    ModelSpec spec = spec("id = zero-one\nobjective = binary\nlabel { column = bought }\nfeatures { numeric = [x] }\nid-column = customer_id\n");

    ModelTrainer.Result result = ModelTrainer.train(TestSpark.session(), spec, numeric, "memory", Optional.empty(), Optional.empty());

    assertThat(result.metadata().quarantinedByRule()).containsEntry(ModelTrainer.LABEL_UNEXPECTED, 1L);
    assertThat(result.labelValues()).containsEntry("2.0", 1L);
  }

  // Cases score-unparseable-as-missing and score-infinity: the scorer applies the training contract.
  @Test
  void scoringAppliesTheTrainingContractAndQuarantinesInsteadOfScoringAsMissing() {
    ModelTrainer.Result result = train(buyer(""));
    SavedModel model = SavedModel.load(TestSpark.session(), result.path());
    Dataset<Row> toScore = TestSpark.rows("customer_id STRING, x STRING, kind STRING, note STRING",
        new Object[] {"S1", "", "gold", "blank is missing"},
        new Object[] {"S2", "abc", "gold", "abc"},
        new Object[] {"S3", "NA", "gold", "NA"},
        new Object[] {"S4", "null", "gold", "null text"},
        new Object[] {"S5", "Infinity", "gold", "infinity"},
        new Object[] {"S6", "NaN", "gold", "nan"},
        new Object[] {"S7", "4.5", "gold", "ok"});

    Map<String, Row> byNote = new java.util.LinkedHashMap<>();
    for (Row row : (Row[]) ModelScorer.of(model, "score", 2).scoreOrQuarantine(toScore, "score.csv").collect()) {
      byNote.put(row.getAs("note"), row);
    }

    assertThat(byNote).hasSize(7);
    assertThat(byNote.get("abc").<String>getAs("quarantine_reason")).isEqualTo("unparseable x: 'abc' is not double");
    assertThat(byNote.get("NA").<String>getAs("quarantine_reason")).isEqualTo("unparseable x: 'NA' is not double");
    assertThat(byNote.get("null text").<String>getAs("quarantine_reason")).isEqualTo("unparseable x: 'null' is not double");
    assertThat(byNote.get("infinity").<String>getAs("quarantine_reason")).isEqualTo("non-finite x: 'Infinity'");
    assertThat(byNote.get("nan").<String>getAs("quarantine_rule")).isEqualTo("non-finite");
    for (String note : List.of("abc", "NA", "null text", "infinity", "nan")) {
      assertThat(byNote.get(note).<Object>getAs("score")).as(note).isNull();
      assertThat(byNote.get(note).<Object>getAs("score_reasons")).as(note).isNull();
    }
    for (String note : List.of("blank is missing", "ok")) {
      assertThat(byNote.get(note).<String>getAs("quarantine_rule")).as(note).isNull();
      assertThat(byNote.get(note).<Double>getAs("score")).as(note).isBetween(0.0, 1.0);
    }
  }

  private static double[] scores(Dataset<Row> scored, String column) {
    return scored.orderBy("customer_id").select(col(column)).as(org.apache.spark.sql.Encoders.DOUBLE()).collectAsList()
        .stream().mapToDouble(Double::doubleValue).toArray();
  }
}
