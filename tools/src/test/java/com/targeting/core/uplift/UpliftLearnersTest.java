package com.targeting.core.uplift;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.max;
import static org.apache.spark.sql.functions.sum;
import static org.apache.spark.sql.functions.when;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.targeting.core.TargetingException;
import com.targeting.core.config.ConfigNode;
import com.targeting.core.model.ModelRegistry;
import com.targeting.tools.sample.CampaignSampleData;
import com.targeting.core.testing.TestSpark;
import com.typesafe.config.ConfigFactory;
import java.nio.file.Path;
import java.util.Map;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The learners on generated campaigns whose true per-customer effects are known: each recovers the
 * true ranking (Qini close to that of the true effects on the same held-out rows, far above
 * random), the segments, and saves and loads like any model.
 */
class UpliftLearnersTest {
  @TempDir
  static Path temp;

  private static Dataset<Row> campaign;

  @BeforeAll
  static void generate() {
    SparkSession spark = TestSpark.session();
    campaign = new CampaignSampleData(spark, 0, 11).campaign(12_000, 12).cache();
  }

  private static UpliftSpec spec(String id, String extra) {
    String defaults = "registry = \"" + temp.resolve("registry") + "\"\n"
        + "promotion { margin = 0.0 }\n"
        + "xgboost { num-round = 40, max-depth = 3, eta = 0.2, num-workers = 1, nthread = 1 }\n";
    String hocon = "id = " + id + "\n"
        + "data { format = memory, train = unused, test-fraction = 0.5, seed = 5 }\n"
        + "treatment { column = treatment, treated = offer, control = none }\n"
        + "outcome { column = converted }\n"
        + "id-column = customer_id\n"
        + "features { numeric = [age, income, tenure_months, digital_engagement, balance, num_products], "
        + "categorical = [region, preferred_channel] }\n" + extra;
    return UpliftSpec.from(ConfigNode.root(ConfigFactory.parseString(hocon)), ConfigNode.root(ConfigFactory.parseString(defaults)));
  }

  private static UpliftTrainer.Result train(UpliftSpec spec) {
    return UpliftTrainer.train(TestSpark.session(), spec, campaign, "generated campaign");
  }

  /** The held-out rows the trainer wrote, with each customer's true effect and segment. */
  private static Dataset<Row> holdoutWithTruth(UpliftTrainer.Result result) {
    return TestSpark.session().read().parquet(result.path() + "/holdout")
        .join(campaign.select("customer_id", "true_uplift", "true_segment"), "customer_id");
  }

  @ParameterizedTest
  @ValueSource(strings = {"t", "s", "x", "dr"})
  void eachLearnerRecoversTheTrueRanking(String learner) {
    UpliftTrainer.Result result = train(spec("campaign-" + learner, "learner = " + learner));
    Dataset<Row> holdout = holdoutWithTruth(result).cache();
    double model = new UpliftMetrics("outcome", "treatment", "uplift").qiniAucScore(holdout);
    double truth = new UpliftMetrics("outcome", "treatment", "true_uplift").qiniAucScore(holdout);
    double random = new UpliftMetrics("outcome", "treatment", "shuffled").qiniAucScore(holdout.withColumn("shuffled",
        org.apache.spark.sql.functions.rand(3)));
    assertThat(truth).as("the true effects' own Qini on these rows").isGreaterThan(0.2);
    System.out.printf("uplift learner %s: qini_auc_score %.4f, true effects %.4f, random %.4f%n", learner, model, truth, random);
    assertThat(model).as(learner + "-learner Qini vs truth " + truth).isGreaterThan(0.7 * truth);
    assertThat(random).isLessThan(0.08);
    assertThat(model).isGreaterThan(random + 0.15);
    @SuppressWarnings("unchecked")
    Map<String, Object> metrics = (Map<String, Object>) result.summary().get("metrics");
    assertThat((Double) metrics.get("qini_auc_score")).isEqualTo(model, org.assertj.core.api.Assertions.within(1e-9));
    holdout.unpersist();
  }

  @Test
  void tLearnerSegmentsAgreeWithTheTrueSegmentsAndAllFourAppear() {
    UpliftTrainer.Result result = train(spec("segments", "learner = t"));
    Dataset<Row> holdout = holdoutWithTruth(result);
    Row agreement = holdout.agg(count(lit(1)), sum(when(col("uplift_segment").equalTo(col("true_segment")), 1).otherwise(0))).first();
    assertThat((double) agreement.getLong(1) / agreement.getLong(0)).isGreaterThan(0.75);
    assertThat(holdout.select("uplift_segment").distinct().count()).isEqualTo(4);
    assertThat(holdout.select("true_segment").distinct().count()).isEqualTo(4);
  }

  @Test
  void aSavedModelScoresAsTrainedAndTheChampionMovesOnlyForABetterQini() {
    UpliftSpec good = spec("champion-rule", "learner = t");
    UpliftTrainer.Result first = train(good);
    Dataset<Row> holdout = TestSpark.session().read().parquet(first.path() + "/holdout");
    UpliftModelStore.Loaded loaded = UpliftModelStore.load(TestSpark.session(), first.path());
    Dataset<Row> rescored = loaded.model().score(campaign, "again", 0.9).select("customer_id", "again");
    Row difference = holdout.join(rescored, "customer_id")
        .agg(max(org.apache.spark.sql.functions.abs(col("uplift").minus(col("again")))), count(lit(1))).first();
    assertThat(difference.getLong(1)).isEqualTo(holdout.count());
    assertThat(difference.getDouble(0)).isLessThan(1e-6);

    ModelRegistry registry = ModelRegistry.at(TestSpark.session(), temp.resolve("registry").toString());
    assertThat(registry.champion("champion-rule")).contains(1);
    // One shallow round cannot rank as well: scored on the same held-out rows, it stays a challenger.
    UpliftTrainer.Result weak = train(spec("champion-rule", "learner = t\nxgboost { num-round = 1, max-depth = 1 }"));
    @SuppressWarnings("unchecked")
    Map<String, Object> promotion = (Map<String, Object>) weak.summary().get("promotion");
    assertThat(promotion.get("champion_version")).isEqualTo(1);
    assertThat((Double) promotion.get("challenger_value")).isLessThan((Double) promotion.get("champion_value"));
    assertThat(promotion.get("promoted")).isEqualTo(false);
    assertThat(registry.champion("champion-rule")).contains(1);
  }

  @Test
  void aOneHotLearnerRecoversTheRankingSavesItsEncodingAndScoresUnseenValuesAndNullsAlike() {
    UpliftSpec oneHot = spec("one-hot", "learner = s\ncategorical-encoding = one-hot");
    UpliftTrainer.Result result = train(oneHot);
    Dataset<Row> holdout = holdoutWithTruth(result).cache();
    double model = new UpliftMetrics("outcome", "treatment", "uplift").qiniAucScore(holdout);
    double truth = new UpliftMetrics("outcome", "treatment", "true_uplift").qiniAucScore(holdout);
    UpliftModelStore.Loaded loaded = UpliftModelStore.load(TestSpark.session(), result.path());
    Dataset<Row> rescored = loaded.model().score(campaign, "again", 0.9).select("customer_id", "again");
    Row difference = holdout.join(rescored, "customer_id")
        .agg(max(org.apache.spark.sql.functions.abs(col("uplift").minus(col("again")))), count(lit(1))).first();
    // A region never seen in training and a missing one: both the "other" column, so one score.
    Dataset<Row> unseen = campaign.limit(20).withColumn("region", lit("Atlantis"));
    Dataset<Row> missing = campaign.limit(20).withColumn("region", lit(null).cast("string"));
    Row alike = loaded.model().score(unseen, "u", 0.9).select(col("customer_id"), col("u").as("unseen"))
        .join(loaded.model().score(missing, "u", 0.9).select(col("customer_id"), col("u").as("missing")), "customer_id")
        .agg(count(lit(1)), max(org.apache.spark.sql.functions.abs(col("unseen").minus(col("missing")))),
            sum(when(col("unseen").isNaN().or(col("unseen").isNull()), 1).otherwise(0))).first();

    System.out.printf("uplift learner s, one-hot: qini_auc_score %.4f, true effects %.4f%n", model, truth);
    assertThat(model).as("one-hot S-learner Qini vs truth " + truth).isGreaterThan(0.7 * truth);
    assertThat(loaded.metadata().encoding()).isEqualTo(com.targeting.core.model.CategoricalEncoding.ONE_HOT);
    assertThat(difference.getLong(1)).isEqualTo(holdout.count());
    assertThat(difference.getDouble(0)).isLessThan(1e-6);
    assertThat(alike.getLong(0)).isEqualTo(20);
    assertThat(alike.getDouble(1)).isZero();
    assertThat(alike.getLong(2)).isZero();
    // The config now says index: the saved version is not what it describes.
    assertThatThrownBy(() -> UpliftScorer.of(loaded, spec("one-hot", "learner = s")))
        .isInstanceOf(TargetingException.class)
        .hasMessageContaining("was trained with categorical-encoding one-hot, the config now says index");
    holdout.unpersist();
  }

  @Test
  void bootstrapReplicatesGiveALowerBoundBelowMostUpliftsAndRowsOfOtherArmsAreSetAside() {
    Dataset<Row> withOtherArm = campaign.withColumn("treatment",
        when(col("customer_id").endsWith("7"), lit("reminder")).otherwise(col("treatment")));
    UpliftSpec spec = spec("bootstrap", "learner = t\nbootstrap { replicates = 4, confidence = 0.9 }");
    UpliftTrainer.Result result = UpliftTrainer.train(TestSpark.session(), spec, withOtherArm, "generated campaign");
    @SuppressWarnings("unchecked")
    Map<String, Object> rows = (Map<String, Object>) result.summary().get("rows");
    long otherArm = withOtherArm.where(col("treatment").equalTo("reminder")).count();
    assertThat(rows.get("other_arms")).isEqualTo(otherArm);
    assertThat((Long) rows.get("train") + (Long) rows.get("holdout") + otherArm).isEqualTo(12_000L);
    Dataset<Row> holdout = TestSpark.session().read().parquet(result.path() + "/holdout");
    Row bounds = holdout.agg(count(lit(1)), sum(when(col("uplift_lcb").isNull(), 1).otherwise(0)),
        sum(when(col("uplift_lcb").leq(col("uplift")), 1).otherwise(0))).first();
    assertThat(bounds.getLong(1)).isZero();
    assertThat((double) bounds.getLong(2) / bounds.getLong(0)).isGreaterThan(0.7);
    // A reloaded model with replicates gives the same bound.
    Dataset<Row> again = UpliftModelStore.load(TestSpark.session(), result.path()).model().score(withOtherArm, "u", 0.9);
    assertThat(holdout.join(again, "customer_id").where(org.apache.spark.sql.functions.abs(col("uplift_lcb").minus(col("u_lcb"))).gt(1e-6))
        .count()).isZero();
  }

  @Test
  void badConfigAndDataAreNamed() {
    assertThatThrownBy(() -> spec("bad", "learner = q")).isInstanceOf(TargetingException.class).hasMessageContaining("learner");
    assertThatThrownBy(() -> spec("bad", "categorical-encoding = dummies")).isInstanceOf(TargetingException.class)
        .hasMessageContaining("categorical-encoding: must be index or one-hot, was dummies");
    assertThatThrownBy(() -> spec("bad", "features { numeric = [converted] }")).isInstanceOf(TargetingException.class)
        .hasMessageContaining("converted");
    Dataset<Row> oneArm = campaign.where(col("treatment").equalTo("offer"));
    assertThatThrownBy(() -> UpliftTrainer.train(TestSpark.session(), spec("one-arm", "learner = t"), oneArm, "treated only"))
        .isInstanceOf(TargetingException.class).hasMessageContaining("both arms").hasMessageContaining("treated only");
  }
}
