package com.targeting.jobs;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.sum;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.targeting.core.testing.TestSpark;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The promotion-uplift program (seed 003) through the job entry point on generated data with
 * known effects: trained on a randomized campaign, scored, selected under the budget with the
 * do-no-harm guards and suppression lists, every customer accounted for, the report drawn.
 */
class PromotionUpliftEndToEndTest {
  private static final String PROGRAM = "promotion-uplift";
  private static final String RUN_DATE = "2026-11-23";
  private static final double BUDGET = 3000;

  /** The run every test reads (none writes). */
  @RegisterExtension
  static final ProgramFixture RUN = new ProgramFixture(List.of(PROGRAM, "--run-date", RUN_DATE),
      "bootstrap.rows=6000", "bootstrap.history-rows=8000", "program.budget=" + BUDGET,
      "model-defaults.xgboost.num-round=30", "model-defaults.xgboost.eta=0.3");

  private static Dataset<Row> table(String name) {
    return RUN.root().table(name).where(col("program").equalTo(PROGRAM).and(col("dt").equalTo(RUN_DATE)));
  }

  @Test
  void everyCustomerIsSelectedOrRejectedWithItsReasonAndTheBudgetHolds() {
    long input = RUN.summary().get("input_rows").asLong();
    Map<String, Long> removed = JobRun.counts(RUN.summary().get("removed_by_filter"));
    long selected = RUN.summary().get("candidates").asLong();
    assertThat(input).isEqualTo(6000);
    assertThat(removed.keySet()).containsExactly("suppression", "do-no-harm", "profitability", "budget");
    assertThat(removed.values()).allSatisfy(n -> assertThat(n).isPositive());
    assertThat(RUN.summary().get("quarantined_rows").asLong() + removed.values().stream().mapToLong(Long::longValue).sum() + selected)
        .isEqualTo(input);

    Dataset<Row> candidates = table("candidates");
    Row totals = candidates.agg(count(lit(1)), sum("contact_cost"), sum(org.apache.spark.sql.functions.when(col("uplift").leq(0), 1).otherwise(0)))
        .first();
    assertThat(totals.getLong(0)).isEqualTo(selected);
    assertThat(totals.getDouble(1)).isLessThanOrEqualTo(BUDGET);
    assertThat(totals.getLong(2)).isZero();
    JsonNode budget = RUN.summary().get("budget");
    assertThat(budget.get("uplift_selection").get("spend").asDouble()).isEqualTo(totals.getDouble(1));
    assertThat(budget.get("top_k_by_propensity").get("spend").asDouble()).isLessThanOrEqualTo(BUDGET);
    assertThat(budget.get("fractional_upper_bound_profit").asDouble())
        .isGreaterThanOrEqualTo(budget.get("uplift_selection").get("expected_incremental_profit").asDouble());
    assertThat(budget.get("profit_gain_over_top_k").asDouble()).isPositive();

    // Rejections carry the filter and its reason; harmful customers (by the model) are rejected as such.
    Dataset<Row> rejections = table("rejections");
    assertThat(rejections.count()).isEqualTo(removed.values().stream().mapToLong(Long::longValue).sum());
    assertThat(rejections.where(col("removed_by").isNull().or(col("removal_reason").isNull())).count()).isZero();
    assertThat(rejections.where(col("removed_by").equalTo("do-no-harm").and(col("uplift").gt(0))).count()).isZero();
  }

  @Test
  void suppressionListsAreHonored() {
    Dataset<Row> candidates = table("candidates");
    for (String list : List.of("do_not_contact", "vip")) {
      Dataset<Row> suppressed = TestSpark.session().read().option("header", "true")
          .csv(RUN.root().root().resolve("data/promotion-uplift/" + list).toString());
      assertThat(suppressed.count()).as(list).isPositive();
      assertThat(candidates.join(suppressed, "customer_id").count()).as(list).isZero();
    }
    assertThat(JobRun.counts(RUN.summary().get("removed_by_filter")).get("suppression"))
        .isEqualTo(table("rejections").where(col("removed_by").equalTo("suppression")).count());
  }

  @Test
  void theSelectedCustomersAreTheTrulyPersuadableAndTheReportIsDrawn() throws Exception {
    // The generator's true effects (never model inputs): the selection's mean true uplift is well
    // above the population's, mostly true persuadables, hardly any true sleeping dog.
    Dataset<Row> customers = TestSpark.session().read().option("header", "true").option("inferSchema", "true")
        .csv(RUN.root().root().resolve("data/promotion-uplift/customers").toString());
    double population = customers.agg(org.apache.spark.sql.functions.avg("true_uplift")).first().getDouble(0);
    Row selected = table("candidates").agg(org.apache.spark.sql.functions.avg(col("true_uplift").cast("double")),
        sum(org.apache.spark.sql.functions.when(col("true_segment").equalTo("persuadable"), 1).otherwise(0)), count(lit(1)),
        sum(org.apache.spark.sql.functions.when(col("true_segment").equalTo("sleeping_dog"), 1).otherwise(0))).first();
    System.out.printf("promotion-uplift: selected mean true uplift %.4f vs population %.4f; persuadable %d, sleeping dogs %d of %d%n",
        selected.getDouble(0), population, selected.getLong(1), selected.getLong(3), selected.getLong(2));
    assertThat(selected.getDouble(0)).isGreaterThan(1.25 * population);
    assertThat((double) selected.getLong(1) / selected.getLong(2)).isGreaterThan(0.5);
    assertThat((double) selected.getLong(3) / selected.getLong(2)).isLessThan(0.02);

    JsonNode model = RUN.summary().get("bootstrap").get("trained_models").get("promotion-response");
    assertThat(model.get("metrics").get("qini_auc_score").asDouble()).isGreaterThan(0.1);
    assertThat(JobRun.counts(RUN.summary().get("uplift_segments")).keySet())
        .containsExactlyInAnyOrder("persuadable", "sure_thing", "lost_cause", "sleeping_dog");
    for (String png : List.of(model.get("report").get("qini").asText(), model.get("report").get("uplift").asText(),
        RUN.summary().get("budget").get("chart").asText())) {
      byte[] bytes = Files.readAllBytes(Path.of(png));
      assertThat(bytes.length).as(png).isGreaterThan(10_000);
      assertThat(new String(bytes, 1, 3, java.nio.charset.StandardCharsets.US_ASCII)).isEqualTo("PNG");
    }
    // The chart is a report, outside the summaries table's location (which readers take for JSON rows).
    assertThat(Path.of(RUN.summary().get("budget").get("chart").asText()).getParent())
        .isEqualTo(RUN.root().root().resolve("output/reports/program=" + PROGRAM + "/dt=" + RUN_DATE));
    try (java.util.stream.Stream<Path> files = Files.list(RUN.root().root().resolve("output/summaries/program=" + PROGRAM + "/dt=" + RUN_DATE))) {
      assertThat(files.map(file -> file.getFileName().toString()).filter(name -> !name.startsWith(".")))
          .containsExactly(RUN.summary().get("run_id").asText() + ".json");
    }
    // The held-out rows are written for anyone to recompute the metrics.
    Dataset<Row> holdout = TestSpark.session().read().parquet(model.get("holdout").get("path").asText());
    assertThat(holdout.columns()).contains("customer_id", "treatment", "outcome", "uplift");
    assertThat(holdout.count()).isEqualTo(model.get("rows").get("holdout").asLong());
  }

  @Test
  void theBenchFloorOfAnUpliftOnlyProgramIsTheScanAloneAndSaysSo() {
    // The bench times every program; promotion-uplift has no plain XGBoost model to predict with.
    JobRun floor = RUN.root().run("bench-floor", "--program", PROGRAM, "--run-date", RUN_DATE);

    assertThat(floor.code()).as("%s", floor.summary()).isZero();
    assertThat(floor.summary().get("scan_rows").asLong()).isEqualTo(RUN.summary().get("input_rows").asLong());
    assertThat(floor.summary().get("predict_rows").asLong()).isZero();
    assertThat(floor.summary().get("floor_ms").asLong()).isEqualTo(floor.summary().get("scan_ms").asLong());
    assertThat(floor.summary().get("floor_note").asText()).contains("the floor is the scan alone");
  }
}
