package com.targeting.core.decide;

import static org.apache.spark.sql.functions.col;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.targeting.core.testing.TestSpark;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.Test;

/**
 * The budget selection against the exact knapsack optimum on small random problems, and its guards:
 * the budget is never exceeded, no customer with uplift at or below zero (or an uncertain uplift)
 * is ever selected, whatever the budget.
 */
class BudgetSelectionTest {

  private record Problem(Dataset<Row> rows, double[] uplift, double[] value, int[] cost, double[] lcb) {}

  private static Problem problem(long seed, int n) {
    Random random = new Random(seed);
    double[] uplift = new double[n];
    double[] value = new double[n];
    int[] cost = new int[n];
    double[] lcb = new double[n];
    Object[][] rows = new Object[n][];
    for (int i = 0; i < n; i++) {
      uplift[i] = Math.round((random.nextDouble() * 0.5 - 0.1) * 1000) / 1000.0; // a fifth at or below zero
      value[i] = 20 + random.nextInt(200);
      cost[i] = 1 + random.nextInt(12);
      lcb[i] = uplift[i] - random.nextDouble() * 0.1;
      rows[i] = new Object[] {String.format("c%03d", i), uplift[i], random.nextDouble(), (double) cost[i], value[i], lcb[i]};
    }
    return new Problem(TestSpark.rows("id STRING, uplift DOUBLE, p DOUBLE, cost DOUBLE, value DOUBLE, lcb DOUBLE", rows),
        uplift, value, cost, lcb);
  }

  private static BudgetSelection selection(double budget, Optional<String> lowerBound) {
    return new BudgetSelection(budget, "id", "uplift", "p", "cost", "value", lowerBound, true);
  }

  @Test
  void theGreedySelectionIsWithinOneCustomerOfTheExactOptimumAndNeverOverBudget() {
    for (long seed = 1; seed <= 5; seed++) {
      Problem problem = problem(seed, 60);
      int budget = 40 + (int) seed * 15;
      BudgetSelection selection = selection(budget, Optional.empty());
      Dataset<Row> decided = selection.apply(problem.rows()).cache();
      List<Row> chosen = decided.where(col(BudgetSelection.DECISION).equalTo(BudgetSelection.SELECTED)).collectAsList();
      double spend = chosen.stream().mapToDouble(r -> r.<Double>getAs("cost")).sum();
      double profit = chosen.stream().mapToDouble(r -> r.<Double>getAs("uplift") * r.<Double>getAs("value") - r.<Double>getAs("cost")).sum();
      assertThat(spend).as("seed " + seed).isLessThanOrEqualTo(budget);
      assertThat(chosen).allSatisfy(r -> assertThat(r.<Double>getAs("uplift")).isPositive());
      assertThat(chosen).allSatisfy(r -> assertThat(r.<Double>getAs("uplift") * r.<Double>getAs("value")).isGreaterThan(r.<Double>getAs("cost")));

      double[] profits = new double[problem.uplift().length];
      double largest = 0;
      for (int i = 0; i < profits.length; i++) {
        profits[i] = problem.uplift()[i] * problem.value()[i] - problem.cost()[i];
        largest = Math.max(largest, profits[i]);
      }
      double exact = BudgetSelection.exactBestProfit(profits, problem.cost(), budget);
      Map<String, Object> report = selection.report(decided, 10);
      double upperBound = (Double) report.get("fractional_upper_bound_profit");
      assertThat(profit).as("seed " + seed).isLessThanOrEqualTo(exact + 1e-9);
      assertThat(profit).as("seed " + seed).isGreaterThanOrEqualTo(exact - largest);
      assertThat(upperBound).as("seed " + seed).isGreaterThanOrEqualTo(exact - 1e-9);
      @SuppressWarnings("unchecked")
      Map<String, Object> uplift = (Map<String, Object>) report.get("uplift_selection");
      assertThat((Double) uplift.get("spend")).isCloseTo(spend, within(1e-9));
      assertThat((Double) uplift.get("expected_incremental_profit")).isCloseTo(profit, within(1e-6));
      assertThat((Long) uplift.get("customers_with_uplift_not_positive")).isZero();
      @SuppressWarnings("unchecked")
      Map<String, Object> topK = (Map<String, Object>) report.get("top_k_by_propensity");
      assertThat((Double) topK.get("spend")).isLessThanOrEqualTo(budget);
      assertThat((Double) topK.get("expected_incremental_profit")).isLessThanOrEqualTo(profit + largest);
      // Every row keeps exactly one decision: nobody is lost.
      assertThat(decided.count()).isEqualTo(problem.uplift().length);
      decided.unpersist();
    }
  }

  @Test
  void aBudgetLargeEnoughForEveryoneStillSelectsNoHarmfulOrUncertainCustomer() {
    Problem problem = problem(9, 80);
    Dataset<Row> decided = selection(1e9, Optional.of("lcb")).apply(problem.rows());
    List<Row> rows = decided.collectAsList();
    for (Row row : rows) {
      double uplift = row.getAs("uplift");
      double lcb = row.getAs("lcb");
      String decision = row.getAs(BudgetSelection.DECISION);
      if (uplift <= 0) {
        assertThat(decision).isEqualTo("uplift-not-positive");
      } else if (lcb <= 0) {
        assertThat(decision).isEqualTo("lower-bound-not-positive");
      } else if (uplift * row.<Double>getAs("value") <= row.<Double>getAs("cost")) {
        assertThat(decision).isEqualTo("unprofitable");
      } else {
        assertThat(decision).isEqualTo(BudgetSelection.SELECTED);
      }
    }
    assertThat(rows.stream().filter(r -> r.getAs(BudgetSelection.DECISION).equals("lower-bound-not-positive")).count()).isPositive();
  }

  @Test
  void theRankFollowsProfitPerUnitOfCostAndTheCutIsThePrefixThatFits() {
    Dataset<Row> rows = TestSpark.rows("id STRING, uplift DOUBLE, p DOUBLE, cost DOUBLE, value DOUBLE", new Object[][] {
        {"a", 0.10, 0.9, 10.0, 200.0}, // 20 per 10: ratio 2.0
        {"b", 0.50, 0.1, 10.0, 100.0}, // 50 per 10: ratio 5.0
        {"c", 0.20, 0.5, 5.0, 100.0},  // 20 per 5: ratio 4.0
        {"d", 0.30, 0.8, 20.0, 100.0}, // 30 per 20: ratio 1.5
        {"e", -0.1, 0.99, 1.0, 100.0}}); // harmful: never
    List<Row> decided = selection(25, Optional.empty()).apply(rows).orderBy("id").collectAsList();
    List<Object> ranks = new ArrayList<>();
    List<Object> decisions = new ArrayList<>();
    decided.forEach(r -> {
      ranks.add(r.getAs(BudgetSelection.RANK));
      decisions.add(r.getAs(BudgetSelection.DECISION));
    });
    assertThat(ranks).containsExactly(3L, 1L, 2L, 4L, null);
    assertThat(decisions).containsExactly("selected", "selected", "selected", "over-budget", "uplift-not-positive");
  }

  // Case program-crafted-rows: a NaN conversion value was selected at rank 1 and turned revenue,
  // profit and ROI in the summary into "NaN".
  @Test
  void nonFiniteValuesAreNeverRankedAndTheReportIsNeverNaN() {
    Dataset<Row> rows = TestSpark.rows("id STRING, uplift DOUBLE, p DOUBLE, cost DOUBLE, value DOUBLE", new Object[][] {
        {"a", 0.10, 0.5, 10.0, 200.0},
        {"nan-value", 0.30, 0.99, 1.0, Double.NaN},
        {"infinite-value", 0.30, 0.98, 1.0, Double.POSITIVE_INFINITY},
        {"nan-cost", 0.30, 0.97, Double.NaN, 100.0},
        {"infinite-uplift", Double.POSITIVE_INFINITY, 0.96, 1.0, 100.0}});
    BudgetSelection selection = selection(100, Optional.empty());
    Dataset<Row> decided = selection.apply(rows).cache();

    Map<String, Object> decisions = new java.util.TreeMap<>();
    decided.collectAsList().forEach(r -> decisions.put(r.getAs("id"), r.getAs(BudgetSelection.DECISION)));
    assertThat(decisions).containsEntry("a", BudgetSelection.SELECTED)
        .containsEntry("nan-value", BudgetSelection.INVALID_VALUE)
        .containsEntry("infinite-value", BudgetSelection.INVALID_VALUE)
        .containsEntry("nan-cost", BudgetSelection.INVALID_VALUE)
        .containsEntry("infinite-uplift", BudgetSelection.INVALID_VALUE);
    Map<String, Object> report = selection.report(decided, 10);
    assertThat(report.toString()).doesNotContain("NaN").doesNotContain("Infinity");
    @SuppressWarnings("unchecked")
    Map<String, Object> topK = (Map<String, Object>) report.get("top_k_by_propensity");
    assertThat((Long) topK.get("customers")).as("non-finite rows are not ranked by propensity either").isEqualTo(1L);
  }
}
