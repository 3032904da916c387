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
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.Test;

/**
 * The shipped investment-recommendations filters, at the seed's boundaries: each variant of a
 * passing customer breaks exactly one condition and must be removed by the right filter.
 */
class InvestmentFiltersTest {
  private static final LocalDate RUN_DATE = LocalDate.of(2026, 11, 20);
  private static final String SCHEMA = "customer_id STRING, age INT, identity_verified BOOLEAN, account_status STRING, "
      + "idle_cash DOUBLE, income DOUBLE, account_open_date DATE, investment_experience STRING, risk_tolerance STRING, "
      + "investment_goals STRING, time_horizon INT, last_recommendation_date DATE, opted_out BOOLEAN, kyc_status STRING, "
      + "accredited_investor BOOLEAN, suitability_assessed BOOLEAN, portfolio_allocation STRING, "
      + "quarantine_rule STRING, quarantine_reason STRING";
  private static final List<String> COLUMNS = List.of(SCHEMA.split(", ")).stream().map(c -> c.split(" ")[0]).toList();

  private final Map<String, Object[]> cases = new LinkedHashMap<>();

  private static Object[] passing(String id) {
    return new Object[] {id, 45, true, "active", 20_000.0, 60_000.0, date(RUN_DATE.minusDays(400)), "moderate", "moderate",
        "growth", 3_650, null, null, "verified", false, true, "{\"stocks\":50,\"bonds\":40,\"cash\":10}", null, null};
  }

  private void variant(String id, Object... columnValuePairs) {
    Object[] row = passing(id);
    for (int i = 0; i < columnValuePairs.length; i += 2) {
      row[COLUMNS.indexOf((String) columnValuePairs[i])] = columnValuePairs[i + 1];
    }
    cases.put(id, row);
  }

  private static Date date(LocalDate day) {
    return Date.valueOf(day);
  }

  @Test
  void eachSeedConditionRemovesExactlyAtItsBoundary() {
    variant("passes");
    variant("identity-unverified", "identity_verified", false);
    variant("identity-unknown", "identity_verified", null);
    variant("account-closed", "account_status", "closed");
    variant("idle-cash-5000", "idle_cash", 5_000.0);
    variant("idle-cash-5000.01", "idle_cash", 5_000.01);
    variant("account-179-days", "account_open_date", date(RUN_DATE.minusDays(179)));
    variant("account-180-days", "account_open_date", date(RUN_DATE.minusDays(180)));
    variant("experience-undocumented", "investment_experience", null);
    variant("risk-tolerance-missing", "risk_tolerance", null);
    variant("goals-missing", "investment_goals", null);
    variant("horizon-364", "time_horizon", 364);
    variant("horizon-365", "time_horizon", 365);
    variant("recommended-6-days-ago", "last_recommendation_date", date(RUN_DATE.minusDays(6)));
    variant("recommended-7-days-ago", "last_recommendation_date", date(RUN_DATE.minusDays(7)));
    variant("opted-out", "opted_out", true);
    variant("kyc-pending", "kyc_status", "pending");
    variant("aggressive-not-accredited", "risk_tolerance", "aggressive");
    variant("aggressive-accredited", "risk_tolerance", "aggressive", "accredited_investor", true);
    variant("suitability-not-assessed", "suitability_assessed", false);
    variant("fails-trust-and-kyc", "account_status", "dormant", "kyc_status", "failed");

    ProgramConfig program = ProgramConfig.from(ConfigLoader.load(
        List.of(TestSpark.confDirectory().resolve("env/local.conf").toString(),
            TestSpark.confDirectory().resolve("programs/investment-recommendations.conf").toString()),
        List.of("run.date=\"" + RUN_DATE + "\"")));
    FilterChain chain = FilterChain.of(program.filters());
    Map<String, String> outcome = new LinkedHashMap<>();
    Row[] result = (Row[]) chain.apply(DerivedColumn.addAll(rows(SCHEMA, new ArrayList<>(cases.values()).toArray(Object[][]::new)),
        program.derived())).collect();
    for (Row row : result) {
      String removedBy = row.getAs(REMOVED_BY);
      outcome.put(row.getAs("customer_id"), removedBy == null ? "candidate" : removedBy + ": " + row.getAs(REMOVAL_REASON));
    }

    assertThat(outcome).containsExactlyInAnyOrderEntriesOf(Map.ofEntries(
        Map.entry("passes", "candidate"),
        Map.entry("identity-unverified", "trust: identity not verified"),
        Map.entry("identity-unknown", "trust: identity not verified"),
        Map.entry("account-closed", "trust: account not active"),
        Map.entry("idle-cash-5000", "investment-qualification: idle cash at most 5,000"),
        Map.entry("idle-cash-5000.01", "candidate"),
        Map.entry("account-179-days", "investment-qualification: account younger than 180 days"),
        Map.entry("account-180-days", "candidate"),
        Map.entry("experience-undocumented", "investment-qualification: investment experience not documented"),
        Map.entry("risk-tolerance-missing", "risk-profile: risk tolerance not defined"),
        Map.entry("goals-missing", "risk-profile: investment goals not set"),
        Map.entry("horizon-364", "risk-profile: time horizon under one year"),
        Map.entry("horizon-365", "candidate"),
        Map.entry("recommended-6-days-ago", "eligibility: recommended in the last 7 days"),
        Map.entry("recommended-7-days-ago", "candidate"),
        Map.entry("opted-out", "eligibility: opted out"),
        Map.entry("kyc-pending", "regulatory-compliance: KYC not verified"),
        Map.entry("aggressive-not-accredited", "regulatory-compliance: aggressive profile needs accredited-investor status"),
        Map.entry("aggressive-accredited", "candidate"),
        Map.entry("suitability-not-assessed", "regulatory-compliance: suitability not assessed"),
        Map.entry("fails-trust-and-kyc", "trust: account not active")));
  }
}
