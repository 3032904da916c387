package com.targeting.core.filter;

import static com.targeting.core.Columns.REMOVAL_REASON;
import static com.targeting.core.Columns.REMOVED_BY;
import static com.targeting.core.testing.TestSpark.rows;
import static org.assertj.core.api.Assertions.assertThat;

import com.targeting.core.config.ConfigLoader;
import com.targeting.core.program.ProgramConfig;
import com.targeting.core.testing.TestSpark;
import com.targeting.core.transform.DerivedColumn;
import java.sql.Date;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.Test;

/**
 * The shipped loan-offer-targeting filters (seed 001) at their boundaries: each variant of a
 * passing customer breaks or just meets one condition and must be removed by the right filter,
 * with the right reason, or kept.
 */
class LoanFiltersTest {
  private static final LocalDate RUN_DATE = LocalDate.of(2026, 11, 16);
  private static final String SCHEMA = "customer_id STRING, marketplace STRING, state STRING, identity_verified BOOLEAN, "
      + "account_status STRING, credit_score INT, income DOUBLE, income_history STRING, debt_to_income_ratio DOUBLE, "
      + "transaction_history STRING, existing_loans INT, payment_history STRING, employment_status STRING, "
      + "employment_months INT, ofac_match BOOLEAN, prescreen_opt_out BOOLEAN, age INT, last_offer_date DATE, "
      + "opted_out BOOLEAN, quarantine_rule STRING, quarantine_reason STRING";
  private static final List<String> COLUMNS = List.of(SCHEMA.split(", ")).stream().map(c -> c.split(" ")[0]).toList();
  private static final String TWELVE_ON_TIME = "000000000000";

  private final Map<String, Object[]> cases = new LinkedHashMap<>();

  /** Income 60,000 (5,000 a month) at DTI 0.30: 650 a month of headroom. */
  private static Object[] passing(String id) {
    return new Object[] {id, "US", "CA", true, "active", 720, 60_000.0, "[60000,58000,57000]", 0.30,
        "{\"avg_monthly_inflow\":5000,\"avg_monthly_outflow\":4400,\"overdrafts_12m\":0}", 1,
        TWELVE_ON_TIME + TWELVE_ON_TIME, "employed", 48, false, false, 45, null, null, null, null};
  }

  private void variant(String id, Object... columnValuePairs) {
    Object[] row = passing(id);
    for (int i = 0; i < columnValuePairs.length; i += 2) {
      row[COLUMNS.indexOf((String) columnValuePairs[i])] = columnValuePairs[i + 1];
    }
    cases.put(id, row);
  }

  private static ProgramConfig program(String... overrides) {
    List<String> all = new ArrayList<>(List.of(overrides));
    all.add("run.date=\"" + RUN_DATE + "\"");
    return ProgramConfig.from(ConfigLoader.load(
        List.of(TestSpark.confDirectory().resolve("env/local.conf").toString(),
            TestSpark.confDirectory().resolve("programs/loan-offer-targeting.conf").toString()), all));
  }

  private Map<String, String> outcomes(ProgramConfig program) {
    Dataset<Row> input = rows(SCHEMA, new ArrayList<>(cases.values()).toArray(Object[][]::new));
    Map<String, String> outcome = new LinkedHashMap<>();
    for (Row row : (Row[]) FilterChain.of(program.filters()).apply(DerivedColumn.addAll(input, program.derived())).collect()) {
      String removedBy = row.getAs(REMOVED_BY);
      outcome.put(row.getAs("customer_id"), removedBy == null ? "candidate" : removedBy + ": " + row.getAs(REMOVAL_REASON));
    }
    return outcome;
  }

  @Test
  void eachSeedConditionRemovesExactlyAtItsBoundary() {
    variant("passes");
    variant("identity-unverified", "identity_verified", false);
    variant("account-frozen", "account_status", "frozen");
    variant("credit-679", "credit_score", 679);
    variant("credit-680", "credit_score", 680);
    // At 0.43 the credit rule passes; no headroom is left, so affordability removes it.
    variant("dti-0.43", "debt_to_income_ratio", 0.43);
    variant("dti-0.431", "debt_to_income_ratio", 0.431);
    variant("dti-unknown", "debt_to_income_ratio", null);
    variant("late-12-months-ago", "payment_history", "000000000001" + TWELVE_ON_TIME);
    variant("late-13-months-ago", "payment_history", TWELVE_ON_TIME + "100000000000");
    variant("history-11-months", "payment_history", "00000000000");
    variant("history-12-months", "payment_history", TWELVE_ON_TIME);
    variant("loans-2", "existing_loans", 2);
    variant("loans-3", "existing_loans", 3);
    // (0.43 - 0.40) * 5,000 = 150.00 a month; (0.43 - 0.4001) * 5,000 = 149.50
    variant("headroom-150", "debt_to_income_ratio", 0.40);
    variant("headroom-149.50", "debt_to_income_ratio", 0.4001);
    // lowest / highest of the last three incomes: 60,000 / 75,000 = 0.8 exactly
    variant("income-down-20pct", "income_history", "[60000,75000,70000]");
    variant("income-down-more", "income_history", "[60000,75001,70000]");
    variant("unemployed", "employment_status", "unemployed", "employment_months", 0);
    variant("employed-11-months", "employment_months", 11);
    variant("employed-12-months", "employment_months", 12);
    variant("retired-no-employment-months", "employment_status", "retired", "employment_months", null);
    variant("offer-89-days-ago", "last_offer_date", Date.valueOf(RUN_DATE.minusDays(89)));
    variant("offer-90-days-ago", "last_offer_date", Date.valueOf(RUN_DATE.minusDays(90)));
    variant("opted-out", "opted_out", true);
    variant("not-us", "marketplace", "CA");
    variant("nevada", "state", "NV");
    variant("ofac-match", "ofac_match", true);
    variant("prescreen-opt-out", "prescreen_opt_out", true);
    variant("fails-trust-and-credit", "account_status", "closed", "credit_score", 600);

    Map<String, String> outcome = outcomes(program());

    assertThat(outcome).containsExactlyInAnyOrderEntriesOf(Map.ofEntries(
        Map.entry("passes", "candidate"),
        Map.entry("identity-unverified", "trust: identity not verified"),
        Map.entry("account-frozen", "trust: account not active"),
        Map.entry("credit-679", "credit-qualification: credit score below 680"),
        Map.entry("credit-680", "candidate"),
        Map.entry("dti-0.43", "affordability: less than 150 a month of debt-to-income headroom"),
        Map.entry("dti-0.431", "credit-qualification: debt-to-income ratio above 43%"),
        Map.entry("dti-unknown", "credit-qualification: debt-to-income ratio above 43%"),
        Map.entry("late-12-months-ago", "credit-qualification: late payment in the last 12 months"),
        Map.entry("late-13-months-ago", "candidate"),
        Map.entry("history-11-months", "credit-qualification: less than 12 months of payment history"),
        Map.entry("history-12-months", "candidate"),
        Map.entry("loans-2", "candidate"),
        Map.entry("loans-3", "credit-qualification: three or more existing loans"),
        Map.entry("headroom-150", "candidate"),
        Map.entry("headroom-149.50", "affordability: less than 150 a month of debt-to-income headroom"),
        Map.entry("income-down-20pct", "candidate"),
        Map.entry("income-down-more", "affordability: income fell more than 20% in the last three years"),
        Map.entry("unemployed", "affordability: no employment or retirement income"),
        Map.entry("employed-11-months", "affordability: employed less than 12 months"),
        Map.entry("employed-12-months", "candidate"),
        Map.entry("retired-no-employment-months", "candidate"),
        Map.entry("offer-89-days-ago", "eligibility: loan offer in the last 90 days"),
        Map.entry("offer-90-days-ago", "candidate"),
        Map.entry("opted-out", "eligibility: opted out"),
        Map.entry("not-us", "regulatory-compliance: not a US resident with a state of residence"),
        Map.entry("nevada", "candidate"),
        Map.entry("ofac-match", "regulatory-compliance: OFAC sanctions screening match"),
        Map.entry("prescreen-opt-out", "regulatory-compliance: opted out of prescreened credit offers (FCRA)"),
        Map.entry("fails-trust-and-credit", "trust: account not active")));
  }

  @Test
  void excludedStatesComeFromTheDeploymentsConfig() {
    variant("california", "state", "CA");
    variant("nevada", "state", "NV");
    variant("west-virginia", "state", "WV");

    Map<String, String> outcome = outcomes(program("program.excluded-states=[NV, WV]"));

    assertThat(outcome).containsExactlyInAnyOrderEntriesOf(Map.of(
        "california", "candidate",
        "nevada", "regulatory-compliance: state excluded by state lending regulations",
        "west-virginia", "regulatory-compliance: state excluded by state lending regulations"));
  }

  @Test
  void theCreditDecisionAfterScoringDeclinesAtItsBoundaries() {
    String schema = "customer_id STRING, credit_tier STRING, default_probability DOUBLE, loan_amount DOUBLE, quarantine_rule STRING";
    Dataset<Row> scored = rows(schema,
        new Object[] {"offer", "good", 0.05, 20_000.0, null},
        new Object[] {"no-tier", null, 0.05, null, null},
        new Object[] {"pd-0.15", "fair", 0.15, 5_000.0, null},
        new Object[] {"pd-0.1501", "fair", 0.1501, 5_000.0, null},
        new Object[] {"amount-2000", "excellent", 0.01, 2_000.0, null},
        new Object[] {"amount-1900", "excellent", 0.01, 1_900.0, null});

    Map<String, String> outcome = new LinkedHashMap<>();
    for (Row row : (Row[]) FilterChain.of(program().postScoreFilters()).apply(scored).collect()) {
      String removedBy = row.getAs(REMOVED_BY);
      outcome.put(row.getAs("customer_id"), removedBy == null ? "offer" : removedBy + ": " + row.getAs(REMOVAL_REASON));
    }

    assertThat(outcome).containsExactlyInAnyOrderEntriesOf(Map.of(
        "offer", "offer",
        "no-tier", "credit-decision: approval likelihood below 0.4: no tier reached",
        "pd-0.15", "offer",
        "pd-0.1501", "credit-decision: probability of default above 15%",
        "amount-2000", "offer",
        "amount-1900", "credit-decision: affordable amount below the 2,000 minimum offer"));
  }
}
