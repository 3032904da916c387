package com.targeting.jobs;

import static org.apache.spark.sql.functions.col;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.targeting.core.sink.dynamodb.DynamoDbSettings;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.QueryResponse;

/**
 * The weekly engagement program (seed 002) through the job entry point on generated data: the
 * funnel, the data-quality suite, the three models' predictions, tiers and bands, fairness (four-
 * fifths, demographic parity, the churn model's equalized odds), drift against the baselines saved
 * with the models, a card for every trained version, and the serving query by churn tier answered
 * by DynamoDB (dynalite) from the exported items (Athena: AthenaOnTrinoTest).
 */
class EngagementProgramEndToEndTest {
  private static final String PROGRAM = "engagement-prediction";
  private static final String RUN_DATE = "2026-11-22";

  @RegisterExtension
  static final ProgramFixture FIRST = new ProgramFixture(List.of(PROGRAM, "--run-date", RUN_DATE),
      "bootstrap.rows=4000", "bootstrap.history-rows=4000", "program.als.max-iter=3");

  private static long sum(Map<String, Long> counts) {
    return counts.values().stream().mapToLong(Long::longValue).sum();
  }

  @Test
  void theWeeklyRunAccountsForEveryCustomerAndValidatesItsExtractFirst() {
    JsonNode summary = FIRST.summary();
    long input = summary.get("input_rows").asLong();
    long quarantined = summary.get("quarantined_rows").asLong();
    long candidates = summary.get("candidates").asLong();
    Map<String, Long> removed = JobRun.counts(summary.get("removed_by_filter"));
    assertThat(input).isEqualTo(4000);
    assertThat(removed.keySet()).containsExactly("trust", "privacy", "eligibility");
    assertThat(removed.values()).allSatisfy(count -> assertThat(count).isPositive());
    assertThat(quarantined).isPositive();
    assertThat(quarantined + sum(removed) + candidates).isEqualTo(input);
    assertThat(sum(JobRun.counts(summary.get("churn_risk_tier")))).isEqualTo(candidates);
    assertThat(sum(JobRun.counts(summary.get("engagement_band")))).isEqualTo(candidates);
    Map<String, Long> written = new LinkedHashMap<>();
    written.put("quarantine", quarantined);
    written.put("rejections", input - quarantined - candidates);
    written.put("candidates", candidates);
    written.put("dynamodb", candidates);
    assertThat(JobRun.counts(summary.get("written"))).containsExactlyEntriesOf(written);

    // The extract's suite passed; its run-over-run checks had no earlier run to compare with.
    JsonNode validation = summary.get("validation").get("extract");
    assertThat(validation.get("status").asText()).isEqualTo("passed");
    assertThat(validation.get("failed_errors").asLong()).isZero();
    assertThat(validation.get("skipped").asLong()).isEqualTo(5);
    assertThat(summary.get("stage_timings_ms").has("validate")).isTrue();
    Path records = FIRST.root().output().resolve("validation/program=" + PROGRAM + "/dt=" + RUN_DATE);
    assertThat(records.resolve(summary.get("run_id").asText() + ".json")).exists();
  }

  @Test
  void segmentsAnomaliesNextBestActionsAndRecommendationsRunAsStagesAndReport() {
    JsonNode summary = FIRST.summary();
    long candidates = summary.get("candidates").asLong();
    for (String stage : List.of("segments", "anomalies", "next_best_action", "gig_recommendations")) {
      assertThat(summary.get("stage_timings_ms").has(stage)).as(stage).isTrue();
    }
    JsonNode segments = summary.get("segments");
    assertThat(segments.get("k").asInt()).isEqualTo(8);
    assertThat(segments.get("silhouette").asDouble()).isBetween(-1.0, 1.0);
    long inSegments = 0;
    for (JsonNode segment : segments.get("segments")) {
      inSegments += segment.get("customers").asLong();
      assertThat(segment.get("name").asText()).isNotBlank();
    }
    assertThat(inSegments).isEqualTo(candidates);

    // 1% of the kept customers flagged, measured against the injected anomalies' labels.
    JsonNode anomalies = summary.get("anomalies");
    assertThat(anomalies.get("flagged").asLong()).isBetween(candidates / 100, candidates / 100 + 2);
    assertThat(anomalies.get("evaluation").get("labelled_in_run").asLong()).isPositive();
    assertThat(anomalies.get("evaluation").get("auc_roc").asDouble()).isGreaterThan(0.9);
    assertThat(summary.get("review_reasons").get("flags").get("anomaly").get("rows").asLong())
        .isEqualTo(anomalies.get("flagged").asLong());

    JsonNode nba = summary.get("next_best_action");
    assertThat(sum(JobRun.counts(nba.get("chosen")))).isEqualTo(candidates);
    assertThat(nba.get("off_policy_evaluation").get("thompson").get("snips").asDouble()).isPositive();
    JsonNode recommendations = summary.get("gig_recommendations");
    assertThat(recommendations.get("holdout_evaluation").get("als").get("precision_at_10").asDouble()).isPositive();
    assertThat(sum(JobRun.counts(recommendations.get("by_source")))).isEqualTo(candidates);

    List<Row> rows = FIRST.root().table("candidates").where(col("program").equalTo(PROGRAM).and(col("dt").equalTo(RUN_DATE)))
        .select("segment_id", "is_anomaly", "anomaly_reasons", "nba_action", "nba_propensity", "nba_withheld", "notifications_enabled",
            "recommended_gigs")
        .collectAsList();
    for (Row row : rows) {
      assertThat(row.getInt(0)).isBetween(1, 8);
      assertThat(row.getList(2)).hasSize(row.getBoolean(1) ? 3 : 0);
      if (row.getBoolean(5)) {
        assertThat(row.getString(3)).isEqualTo("no-action");
        assertThat(row.getDouble(4)).isEqualTo(1.0);
      } else {
        assertThat(row.getBoolean(6)).isTrue();
        assertThat(row.getDouble(4)).isGreaterThan(0.0).isLessThanOrEqualTo(1.0);
      }
      assertThat(row.getList(7)).hasSize(10).doesNotHaveDuplicates();
    }
  }

  @Test
  void messageSentimentIsAStageAndAFeatureOfTheModels() throws IOException {
    JsonNode summary = FIRST.summary();
    assertThat(summary.get("stage_timings_ms").has("message_sentiment")).isTrue();
    JsonNode sentiment = summary.get("text_features").get("message-sentiment");
    // The text model's held-out F1 on the generated labeled messages (negations, mixed clauses, 3% flipped labels).
    assertThat(sentiment.get("model").get("metrics").get("f1").asDouble()).isGreaterThan(0.8);
    assertThat(sentiment.get("model").get("version").asInt()).isEqualTo(1);
    assertThat(sentiment.get("window").get("until_before").asText()).isEqualTo(RUN_DATE);
    assertThat(sentiment.get("messages_scored").asLong()).isGreaterThan(sentiment.get("customers_with_messages").asLong());
    assertThat(sentiment.get("messages_without_text").asLong()).isPositive();
    Path version = FIRST.root().root().resolve("models/message-sentiment/v1");
    assertThat(version.resolve("text-model.json")).exists();

    List<Row> rows = FIRST.root().table("candidates").where(col("program").equalTo(PROGRAM).and(col("dt").equalTo(RUN_DATE)))
        .select("message_positivity", "negative_message_share", "messages_scored_30d", "messages_sent_30d").collectAsList();
    long withMessages = 0;
    for (Row row : rows) {
      if (row.getInt(2) == 0) {
        assertThat(row.isNullAt(0) && row.isNullAt(1)).isTrue();
      } else {
        withMessages++;
        assertThat(row.getDouble(0)).isBetween(0.0, 1.0);
        assertThat(row.getDouble(1)).isBetween(0.0, 1.0);
        assertThat(row.getInt(2)).isLessThanOrEqualTo(5);
      }
    }
    assertThat(withMessages).isGreaterThan(rows.size() / 2);
    // The models were trained on the feature (their labeled rows got it as of their observed date).
    JsonNode churn = new com.fasterxml.jackson.databind.ObjectMapper().readTree(
        FIRST.root().root().resolve("models/churn-30d/v1/model.json").toFile());
    assertThat(churn.get("numeric_features").toString()).contains("message_positivity", "negative_message_share");
    // ... with values (all-missing figures would never be split on), from the text model this run used.
    assertThat(churn.get("feature_importance_gain").path("message_positivity").asDouble()).isPositive();
    assertThat(churn.get("training_enrichments").get("message-sentiment").get("version").asInt()).isEqualTo(1);
    assertThat(sentiment.get("customers_matched").asLong()).isGreaterThanOrEqualTo(withMessages); // filtered rows too
    assertThat(sentiment.has("models_trained_with_other_versions")).isFalse();
  }

  @Test
  void everyCandidateHasItsThreePredictionsInRangeAndItsTiers() {
    List<Row> rows = FIRST.root().table("candidates").where(col("program").equalTo(PROGRAM).and(col("dt").equalTo(RUN_DATE)))
        .select("engagement_score_pred", "churn_probability", "lifetime_value_pred", "churn_risk_tier", "engagement_band",
            "churn_probability_reasons")
        .collectAsList();
    assertThat(rows).hasSize((int) FIRST.summary().get("candidates").asLong());
    for (Row row : rows) {
      double engagement = row.getDouble(0);
      double churn = row.getDouble(1);
      assertThat(engagement).isBetween(0.0, 1.0);
      assertThat(churn).isBetween(0.0, 1.0);
      assertThat(row.getDouble(2)).isPositive();
      assertThat(row.getString(3)).isEqualTo(churn >= 0.5 ? "high" : churn >= 0.2 ? "medium" : "low");
      assertThat(row.getString(4)).isEqualTo(engagement >= 0.6 ? "high" : engagement >= 0.3 ? "medium" : "low");
      assertThat(row.getList(5)).hasSize(3);
    }
  }

  @Test
  void fairnessAndDriftAreReportedForEveryProtectedAttributeAndModel() {
    JsonNode summary = FIRST.summary();
    List<Row> scored = FIRST.root().table("candidates").where(col("program").equalTo(PROGRAM).and(col("dt").equalTo(RUN_DATE)))
        .select("gender", "race", "age_band", "churn_risk_tier").collectAsList();
    for (String attribute : List.of("gender", "race", "age_band")) {
      JsonNode parity = summary.get("fairness").get(attribute).get("demographic_parity");
      assertThat(parity.get("positive").asText()).isEqualTo("churn_risk_tier = 'high'");
      // Recounted from the candidates table (every scored row: no filter runs after scoring).
      int index = List.of("gender", "race", "age_band").indexOf(attribute);
      Map<String, long[]> counts = new java.util.TreeMap<>();
      for (Row row : scored) {
        long[] c = counts.computeIfAbsent(row.isNullAt(index) ? "(missing)" : row.getString(index), g -> new long[2]);
        c[0]++;
        c[1] += row.getString(3).equals("high") ? 1 : 0;
      }
      double max = counts.values().stream().mapToDouble(c -> (double) c[1] / c[0]).max().orElseThrow();
      double min = counts.values().stream().mapToDouble(c -> (double) c[1] / c[0]).min().orElseThrow();
      assertThat(parity.get("difference").asDouble()).isCloseTo(max - min, org.assertj.core.api.Assertions.within(1e-4));
      assertThat(parity.get("positive_rate").size()).isEqualTo(counts.size());
      JsonNode odds = summary.get("models").get("churn-30d").get("card").get("fairness").get(attribute);
      assertThat(odds.get("equalized_odds_difference").asDouble()).isEqualTo(
          Math.max(odds.get("tpr_difference").asDouble(), odds.get("fpr_difference").asDouble()));
      assertThat(odds.get("groups").size()).isGreaterThan(1);
    }
    // The run's customers come from the same generator as the training rows: no model drifted.
    JsonNode drift = summary.get("drift");
    assertThat(drift.get("models").size()).isEqualTo(3);
    drift.get("models").forEach(model -> {
      assertThat(model.get("level").asText()).isNotEqualTo("alert").isNotEqualTo("not_measured");
      assertThat(model.get("feature_psi").size()).isEqualTo(43);
    });
    assertThat(summary.get("drifted_models").size()).isZero();
  }

  @Test
  void everyTrainedVersionHasACardAndADriftBaseline() throws IOException {
    List<Path> versions = new ArrayList<>();
    try (Stream<Path> files = Files.walk(FIRST.root().root())) {
      files.filter(file -> file.getFileName().toString().equals("model.json")).forEach(file -> versions.add(file.getParent()));
    }
    assertThat(versions).hasSize(3);
    for (Path version : versions) {
      String card = Files.readString(version.resolve("model-card.md"));
      String model = version.getParent().getFileName().toString();
      assertThat(card).startsWith("# Model card: " + model + " " + version.getFileName() + "\n")
          .contains("## Intended use", "## Held-out metrics", "## Limitations", "observed_date")
          .doesNotContain("Not stated in the model's config");
      assertThat(version.resolve("drift-baseline.json")).exists();
    }
  }

  @Test
  void theServingQueryByChurnTierReturnsTheTiersCustomersFromDynamoDb() {
    // dynalite never deletes expired items: the 14-day TTL, long past for the fixed run date,
    // leaves every item there to read back.
    String endpoint = com.targeting.core.testing.Dynalite.instance().endpoint();
    String table = "e2eEngagement";
    JobRun export = FIRST.copy().run("dynamodb-export", "--program", PROGRAM, "--run-date", RUN_DATE,
        "--conf", "program.outputs.dynamodb.mode=batch-write",
        "--conf", "program.outputs.dynamodb.batch-write.endpoint=" + endpoint,
        "--conf", "program.outputs.dynamodb.batch-write.credentials=local",
        "--conf", "program.outputs.dynamodb.batch-write.create-table-if-missing=true",
        "--conf", "program.outputs.dynamodb.batch-write.table=" + table);
    assertThat(export.code()).as(export.summary().toString()).isZero();
    assertThat(export.summary().get("written").asLong()).isEqualTo(FIRST.summary().get("candidates").asLong());

    Map<String, Long> tiers = JobRun.counts(FIRST.summary().get("churn_risk_tier"));
    List<Row> candidates = FIRST.root().table("candidates").where(col("program").equalTo(PROGRAM).and(col("dt").equalTo(RUN_DATE)))
        .select("customer_id", "churn_risk_tier", "churn_probability").collectAsList();
    try (DynamoDbClient client = new DynamoDbSettings(table, "us-east-1", endpoint, true, 1000, 1, 3, 5, 100, 1).client()) {
      for (Map.Entry<String, Long> tier : tiers.entrySet()) {
        // The serving query: a tier's customers, highest churn probability first, from the GSI.
        List<Map<String, AttributeValue>> items = new ArrayList<>();
        Map<String, AttributeValue> start = null;
        do {
          Map<String, AttributeValue> from = start;
          QueryResponse page = client.query(q -> q.tableName(table).indexName("gsi1")
              .keyConditionExpression("gsi1pk = :tier")
              .expressionAttributeValues(Map.of(":tier", AttributeValue.fromS(PROGRAM + "#" + tier.getKey())))
              .scanIndexForward(false).exclusiveStartKey(from));
          items.addAll(page.items());
          start = page.hasLastEvaluatedKey() && !page.lastEvaluatedKey().isEmpty() ? page.lastEvaluatedKey() : null;
        } while (start != null);

        assertThat((long) items.size()).as(tier.getKey()).isEqualTo(tier.getValue());
        List<Double> probabilities = items.stream().map(item -> Double.parseDouble(item.get("churn_probability").n())).toList();
        assertThat(probabilities).as("in descending order").isSortedAccordingTo(java.util.Comparator.reverseOrder());
        List<String> expected = candidates.stream().filter(row -> row.getString(1).equals(tier.getKey()))
            .map(row -> row.getString(0)).sorted().toList();
        assertThat(items.stream().map(item -> item.get("customer_id").s()).sorted().toList()).isEqualTo(expected);
        assertThat(items).allSatisfy(item -> assertThat(item.get("churn_risk_tier").s()).isEqualTo(tier.getKey()));
      }
    }
  }
}
