package com.targeting.core.model;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.lit;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import com.targeting.core.TargetingException;
import com.targeting.core.score.ModelScorer;
import com.targeting.core.testing.TestSpark;
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
  private static final Map<String, Object> FAST = Map.of("num_round", 20, "max_depth", 3, "eta", 0.3, "num_workers", 1, "nthread", 1);
  private static Dataset<Row> labeled;

  @TempDir
  Path temp;

  /** 2,000 rows where the label depends on x and on the category; some values missing. */
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
      rows.add(RowFactory.create("C" + i, i % 50 == 0 ? null : x, i % 40 == 0 ? null : kind, positive ? "Yes" : "No", tier));
    }
    labeled = TestSpark.session().createDataFrame(rows,
        StructType.fromDDL("customer_id STRING, x DOUBLE, kind STRING, bought STRING, tier STRING"));
  }

  private ModelSpec spec(String id, ModelSpec.Objective objective, String label, Optional<String> positive) {
    return new ModelSpec(id, temp.resolve(id).toString(), objective, label, positive, List.of("x"), List.of("kind"),
        id + "_score", Optional.empty(), 0.25, 11L, FAST);
  }

  @Test
  void aReloadedBinaryModelScoresExactlyAsTrainedAndLearnsTheSignal() {
    ModelSpec spec = spec("buyer", ModelSpec.Objective.BINARY, "bought", Optional.of("Yes"));

    ModelMetadata metadata = ModelTrainer.trainAndSave(TestSpark.session(), spec, labeled, "memory");
    SavedModel first = SavedModel.load(TestSpark.session(), spec.path());
    double[] before = scores(ModelScorer.of(first, "score").score(labeled), "score");
    SavedModel second = SavedModel.load(TestSpark.session(), spec.path());
    double[] after = scores(ModelScorer.of(second, "score").score(labeled), "score");

    assertThat(metadata.metrics().get("auc_roc")).isGreaterThan(0.8);
    assertThat(metadata.trainingRows() + metadata.testRows()).isEqualTo(2_000);
    assertThat(after).containsExactly(before);
    assertThat(java.util.Arrays.stream(before).boxed().toList()).allSatisfy(p -> assertThat(p).isBetween(0.0, 1.0));
    assertThat(first.metadata().features()).containsExactly("x", "kind");
  }

  @Test
  void unseenAndMissingCategoriesAreScoredNotRejected() {
    ModelSpec spec = spec("buyer-unseen", ModelSpec.Objective.BINARY, "bought", Optional.of("Yes"));
    ModelTrainer.trainAndSave(TestSpark.session(), spec, labeled, "memory");
    SavedModel model = SavedModel.load(TestSpark.session(), spec.path());

    Dataset<Row> fresh = TestSpark.rows("customer_id STRING, x DOUBLE, kind STRING",
        new Object[] {"a-new-kind", 6.0, "platinum"}, new Object[] {"b-no-kind", 6.0, null},
        new Object[] {"c-gold", 6.0, "gold"}, new Object[] {"d-silver", 6.0, "silver"});
    double[] scores = scores(ModelScorer.of(model, "score").score(fresh), "score");

    assertThat(java.util.Arrays.stream(scores).boxed().toList()).hasSize(4).allSatisfy(p -> assertThat(p).isBetween(0.0, 1.0));
    assertThat(scores[2]).as("gold beats silver, as in the data").isGreaterThan(scores[3]);
  }

  @Test
  void aReloadedMultiClassModelKeepsItsClassesAndProbabilities() {
    ModelSpec spec = new ModelSpec("tiers", temp.resolve("tiers").toString(), ModelSpec.Objective.MULTICLASS, "tier",
        Optional.empty(), List.of("x"), List.of("kind"), "tier_probability", Optional.empty(), 0.25, 3L, FAST);

    ModelMetadata metadata = ModelTrainer.trainAndSave(TestSpark.session(), spec, labeled, "memory");
    SavedModel model = SavedModel.load(TestSpark.session(), spec.path());
    Row scored = ModelScorer.of(model, "tier_probability").score(labeled.where(col("x").equalTo(lit(labeledX())))).first();
    Map<String, Double> probabilities = scored.getJavaMap(scored.fieldIndex("tier_probability"));

    assertThat(metadata.classes()).containsExactly("high", "low", "mid");
    assertThat(metadata.metrics().get("accuracy")).isGreaterThan(0.9);
    assertThat(probabilities.keySet()).containsExactlyInAnyOrder("high", "low", "mid");
    assertThat(probabilities.values().stream().mapToDouble(Double::doubleValue).sum()).isCloseTo(1.0, within(1e-5));
    String expected = scored.getAs("tier");
    assertThat(probabilities.get(expected)).isGreaterThan(0.5);
  }

  @Test
  void missingFeaturesAndUnusableLabelsAreUserErrors() {
    ModelSpec spec = new ModelSpec("broken", temp.resolve("broken").toString(), ModelSpec.Objective.BINARY, "bought",
        Optional.empty(), List.of("x", "y"), List.of(), "s", Optional.empty(), 0.25, 1L, FAST);
    assertThatThrownBy(() -> ModelTrainer.trainAndSave(TestSpark.session(), spec, labeled, "history.csv"))
        .isInstanceOf(TargetingException.class)
        .hasMessage("Model broken: training data history.csv lacks columns [y]");

    ModelSpec stringLabel = spec("string-label", ModelSpec.Objective.BINARY, "bought", Optional.empty());
    assertThatThrownBy(() -> ModelTrainer.trainAndSave(TestSpark.session(), stringLabel, labeled, "history.csv"))
        .hasMessageContaining("label bought is string");

    assertThatThrownBy(() -> SavedModel.load(TestSpark.session(), temp.resolve("absent").toString()))
        .hasMessageContaining("No model at").hasMessageContaining("train-model");
  }

  private static double labeledX() {
    return labeled.where(col("tier").equalTo("high").and(col("x").isNotNull())).first().getAs("x");
  }

  private static double[] scores(Dataset<Row> scored, String column) {
    return scored.orderBy("customer_id").select(col(column)).as(org.apache.spark.sql.Encoders.DOUBLE()).collectAsList()
        .stream().mapToDouble(Double::doubleValue).toArray();
  }
}
