package com.targeting.jobs;

import static org.apache.spark.sql.functions.col;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The weekly loan-offer program (seed 001) through the job entry point on generated data: the
 * funnel with its post-score credit decision, offers and their disclosures, audiences, the
 * fair-lending report, the stores read back by Spark, and the DynamoDB serving queries (Athena: AthenaOnTrinoTest).
 * The week's run is made once, over a root every test reads and none writes; a test that runs
 * again runs over a copy of its own.
 */
class LoanProgramEndToEndTest {
  private static final String PROGRAM = "loan-offer-targeting";
  private static final String RUN_DATE = "2026-11-16";

  /** The week's run on a fresh root: every test reads it, a test that runs again copies its root. */
  @RegisterExtension
  static final ProgramFixture FIRST = new ProgramFixture(List.of(PROGRAM, "--run-date", RUN_DATE),
      "bootstrap.rows=5000", "bootstrap.history-rows=4000", "model-defaults.xgboost.num-round=40", "model-defaults.xgboost.eta=0.3");

  private static long sum(Map<String, Long> counts) {
    return counts.values().stream().mapToLong(Long::longValue).sum();
  }

  private static Dataset<Row> offers(LocalRoot root) {
    return root.table("candidates").where(col("program").equalTo(PROGRAM).and(col("dt").equalTo(RUN_DATE)));
  }

  @Test
  void theWeeklyRunAccountsForEveryCustomerIncludingThoseDeclinedAfterScoring() {
    assertThat(FIRST.result().code()).as(FIRST.summary().toString()).isZero();
    assertThat(FIRST.summary().get("bootstrap").get("generated_rows").asLong()).isEqualTo(5000);
    long input = FIRST.summary().get("input_rows").asLong();
    long quarantined = FIRST.summary().get("quarantined_rows").asLong();
    Map<String, Long> removed = JobRun.counts(FIRST.summary().get("removed_by_filter"));
    long offers = FIRST.summary().get("candidates").asLong();
    assertThat(input).isEqualTo(5000);
    assertThat(removed.keySet()).containsExactly(
        "trust", "credit-qualification", "affordability", "eligibility", "regulatory-compliance", "credit-decision");
    assertThat(removed.values()).allSatisfy(count -> assertThat(count).isPositive());
    assertThat(quarantined + sum(removed) + offers).isEqualTo(input);
    // The seed's funnel: about a quarter of the extract gets an offer.
    assertThat(offers).isBetween(1_000L, 1_500L);

    Map<String, Long> tiers = JobRun.counts(FIRST.summary().get("credit_tiers"));
    assertThat(tiers.keySet()).containsExactlyInAnyOrder("excellent", "good", "fair");
    assertThat(sum(tiers)).isEqualTo(offers);
    assertThat(JobRun.counts(FIRST.summary().get("channel_audiences"))).containsExactly(
        Map.entry("email", offers), Map.entry("in-app", offers), Map.entry("sms", tiers.get("excellent")));
    assertThat(JobRun.counts(FIRST.summary().get("written"))).containsExactlyEntriesOf(ProgramFixture.written(input, quarantined, offers));
  }

  @Test
  void everyOfferCarriesItsTermsWithinWhatTheCustomerCanAffordAndItsReasons() {
    Dataset<Row> offers = offers(FIRST.root());
    assertThat(offers.count()).isEqualTo(FIRST.summary().get("candidates").asLong());
    assertThat(offers.where("loan_amount > affordable_amount OR monthly_payment > payment_capacity OR loan_amount < 2000"
        + " OR loan_amount > CASE credit_tier WHEN 'excellent' THEN 50000 WHEN 'good' THEN 30000 ELSE 15000 END").count())
        .as("amounts within the cap and the tier, payments within the capacity").isZero();
    assertThat(offers.where("apr_pct IS NULL OR apr_pct <= interest_rate_pct OR origination_fee <= 0 OR amount_financed IS NULL"
        + " OR finance_charge <= 0 OR total_of_payments <> round(monthly_payment * term_months, 2)"
        + " OR term_months <> CASE credit_tier WHEN 'excellent' THEN 60 WHEN 'good' THEN 48 ELSE 36 END").count())
        .as("every offer discloses APR, fees and terms").isZero();
    assertThat(offers.where("size(approval_score_reasons) <> 3 OR size(default_probability_reasons) <> 3"
        + " OR exists(approval_score_reasons, r -> r.feature IS NULL)").count())
        .as("reason codes on every offer").isZero();
    assertThat(offers.where("exists(channels, c -> c.channel = 'sms') <> (credit_tier = 'excellent')").count())
        .as("SMS for the excellent tier, and only for it").isZero();
    assertThat(offers.where("NOT exists(channels, c -> c.channel = 'email')"
        + " OR NOT exists(channels, c -> c.channel = 'in-app' AND c.display_until = DATE '2026-12-16')").count())
        .as("email for all, in-app banner for 30 days").isZero();
    assertThat(offers.where("default_probability > 0.15 OR approval_score < 0.4").count()).isZero();

    Dataset<Row> declined = FIRST.root().table("rejections").where(col("removed_by").equalTo("credit-decision"));
    assertThat(declined.count()).isEqualTo(JobRun.counts(FIRST.summary().get("removed_by_filter")).get("credit-decision"));
    // Scored: the rows that reached the models, offered or declined after scoring.
    assertThat(FIRST.summary().get("scored").asLong()).isEqualTo(FIRST.summary().get("candidates").asLong() + declined.count());
    assertThat(declined.where("approval_score IS NULL OR size(approval_score_reasons) <> 3").count())
        .as("a decline after scoring keeps its scores and reasons").isZero();
  }

  @Test
  void theFairLendingReportCoversEveryCustomerWithTheTierMixOfTheirOffers() {
    long offers = FIRST.summary().get("candidates").asLong();
    long validated = FIRST.summary().get("input_rows").asLong() - FIRST.summary().get("quarantined_rows").asLong();
    for (String attribute : List.of("gender", "age_band", "marital_status")) {
      JsonNode report = FIRST.summary().get("fairness").get(attribute);
      long rows = 0;
      long selected = 0;
      for (JsonNode group : report.get("groups")) {
        rows += group.get("rows").asLong();
        selected += group.get("selected").asLong();
        long mixed = 0;
        for (JsonNode tier : group.get("credit_tier_mix")) {
          mixed += tier.get("selected").asLong();
        }
        assertThat(mixed).as("%s: the tier mix adds up to the group's offers", attribute).isEqualTo(group.get("selected").asLong());
      }
      assertThat(rows).as(attribute).isEqualTo(validated);
      assertThat(selected).as(attribute).isEqualTo(offers);
    }
  }

  @Test
  void theServingQueriesReturnExactlyTheOffersFromDynamoDb() {
    // dynalite never deletes expired items: the program's 7-day TTL, long past for the fixed run
    // date, leaves every item there to read back.
    String endpoint = com.targeting.core.testing.Dynalite.instance().endpoint();
    JobRun export = FIRST.copy().run("dynamodb-export", "--program", PROGRAM, "--run-date", RUN_DATE,
        "--conf", "program.outputs.dynamodb.mode=batch-write",
        "--conf", "program.outputs.dynamodb.batch-write.endpoint=" + endpoint,
        "--conf", "program.outputs.dynamodb.batch-write.credentials=local",
        "--conf", "program.outputs.dynamodb.batch-write.create-table-if-missing=true",
        "--conf", "program.outputs.dynamodb.batch-write.table=e2eLoanOffers",
        // Every item read back by key and compared, not a sample.
        "--conf", "program.outputs.dynamodb.verify.sample=1000000");

    assertThat(export.code()).as(export.summary().toString()).isZero();
    assertThat(export.summary().get("written").asLong()).isEqualTo(FIRST.summary().get("candidates").asLong());
    JsonNode verification = export.summary().get("dynamodb").get("verification");
    assertThat(verification.get("sampled_items").asLong()).isEqualTo(FIRST.summary().get("candidates").asLong());
    assertThat(verification.get("sampled_mismatches").asLong()).isZero();
    // gsi1: GetCandidatesByCreditTier, one query per tier; gsi2: the week's offers by amount.
    assertThat(verification.get("gsi_queries").size()).isEqualTo(3 + 1);
    for (JsonNode query : verification.get("gsi_queries")) {
      assertThat(query.get("returned").asLong()).as(query.toString()).isEqualTo(query.get("expected").asLong()).isPositive();
    }
  }

  @Test
  void aRerunOfTheWeekReplacesItsOffers() {
    LocalRoot root = FIRST.copy();
    JobRun rerun = root.run(PROGRAM, "--run-date", RUN_DATE);

    assertThat(rerun.code()).as(rerun.summary().toString()).isZero();
    assertThat(rerun.summary().has("bootstrap")).isFalse();
    assertThat(JobRun.counts(rerun.summary().get("removed_by_filter"))).isEqualTo(JobRun.counts(FIRST.summary().get("removed_by_filter")));
    assertThat(offers(root).count()).isEqualTo(FIRST.summary().get("candidates").asLong());
  }
}
