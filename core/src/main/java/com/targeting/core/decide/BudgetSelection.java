package com.targeting.core.decide;

import com.targeting.core.report.RunReport;
import com.targeting.core.report.SummarySection;
import static java.util.Objects.requireNonNull;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.isnan;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.sum;
import static org.apache.spark.sql.functions.when;

import com.targeting.core.TargetingException;
import com.targeting.core.config.ConfigNode;
import com.targeting.core.RunningSums;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

/**
 * Chooses whom to treat under a budget (seed 003, "knapsack instead of top-K"): maximizes the
 * expected incremental profit {@code sum(uplift * value - cost)} subject to {@code sum(cost) <= budget}.
 * Customers are ranked by {@code uplift * value / cost} (profit per unit of cost plus one, the
 * fractional-knapsack order, which is optimal for the relaxed problem) and taken while the budget
 * lasts; the first customer that does not fit ends the selection, so the selection is within one
 * customer's profit of the optimum, and {@code fractional_upper_bound_profit} in the report bounds
 * the optimum from above. Ranked and summed in Spark, partition by partition ({@link RunningSums}).
 *
 * <p>Guards (do no harm), each a {@code budget_decision} that a post-score filter turns into a
 * rejection with its reason: never a customer whose predicted uplift is at or below zero
 * ({@code uplift-not-positive}); optionally never one whose uplift lower bound is at or below zero
 * ({@code lower-bound-not-positive}); never one whose expected profit is not positive
 * ({@code unprofitable}, unless {@code require-profit = false}); cost missing or not positive
 * ({@code invalid-cost}); cost, value or expected profit NaN or infinite ({@code invalid-value}: never
 * ranked, never in the report's figures, which are never NaN: a figure that is not finite fails the
 * run naming it); past the budget ({@code over-budget}); else {@code selected}.
 *
 * <pre>
 * { type = budget-selection, budget = 20000, key = customer_id,
 *   uplift = uplift, propensity = uplift_treated, cost = contact_cost, value = conversion_value,
 *   lower-bound = uplift_lcb, require-profit = true }
 * </pre>
 */
public record BudgetSelection(double budget, String key, String uplift, String propensity, String cost, String value,
    Optional<String> lowerBound, boolean requireProfit) implements Decision, SummarySection {
  public static final String DECISION = "budget_decision";
  public static final String RANK = "budget_rank";
  public static final String CUMULATIVE_COST = "cumulative_cost";
  public static final String INCREMENTAL_PROFIT = "expected_incremental_profit";
  public static final String SELECTED = "selected";
  /** A cost, value or expected profit that is NaN or infinite. */
  public static final String INVALID_VALUE = "invalid-value";

  public BudgetSelection {
    requireNonNull(key, "key is null");
    requireNonNull(uplift, "uplift is null");
    requireNonNull(propensity, "propensity is null");
    requireNonNull(cost, "cost is null");
    requireNonNull(value, "value is null");
    requireNonNull(lowerBound, "lowerBound is null");
  }

  public static BudgetSelection from(ConfigNode node) {
    double budget = node.doubleValue("budget");
    if (budget <= 0) {
      throw node.invalid("budget", "must be positive, was " + budget);
    }
    return new BudgetSelection(budget, node.string("key"), node.string("uplift", "uplift"),
        node.string("propensity", "uplift_treated"), node.string("cost"), node.string("value"),
        node.optionalString("lower-bound"), node.bool("require-profit", true));
  }

  private Column c(String name) {
    return col("`" + name + "`");
  }

  /** Why a customer cannot be selected whatever the budget, or null when it can. */
  private Column ineligibility() {
    Column upliftValue = c(uplift).cast("double");
    Column reason = when(upliftValue.isNull().or(upliftValue.isNaN()).or(upliftValue.leq(0)), "uplift-not-positive");
    if (lowerBound.isPresent()) {
      Column bound = c(lowerBound.get()).cast("double");
      reason = reason.when(bound.isNull().or(bound.leq(0)), "lower-bound-not-positive");
    }
    // NaN sorts first and sums to NaN: a non-finite cost, value or profit (from a derived
    // expression, say) is never ranked, and never reaches the report's figures.
    reason = reason.when(nonFinite(c(cost).cast("double")).or(nonFinite(c(value).cast("double"))).or(nonFinite(profit())),
        INVALID_VALUE);
    reason = reason.when(c(cost).isNull().or(c(cost).cast("double").leq(0)).or(c(value).isNull()), "invalid-cost");
    if (requireProfit) {
      reason = reason.when(profit().leq(0), "unprofitable");
    }
    return reason;
  }

  private static Column nonFinite(Column value) {
    return isnan(value).or(value.equalTo(lit(Double.POSITIVE_INFINITY))).or(value.equalTo(lit(Double.NEGATIVE_INFINITY)));
  }

  private Column profit() {
    return c(uplift).cast("double").multiply(c(value).cast("double")).minus(c(cost).cast("double"));
  }

  @Override
  public Dataset<Row> apply(Dataset<Row> scored) {
    Dataset<Row> withReason = scored.withColumn("__ineligible", ineligibility())
        .withColumn(INCREMENTAL_PROFIT, profit());
    Dataset<Row> eligible = withReason.where(col("__ineligible").isNull())
        .withColumn("__ratio", c(uplift).cast("double").multiply(c(value).cast("double")).divide(c(cost).cast("double")))
        .withColumn("__one", lit(1.0))
        .withColumn("__cost", c(cost).cast("double"));
    Dataset<Row> ranked = RunningSums.cumulative(eligible, List.of(col("__ratio").desc(), c(key).asc()), List.of("__one", "__cost"))
        .withColumn(RANK, col("__one_cum").cast("long"))
        .withColumn(CUMULATIVE_COST, col("__cost_cum"))
        .withColumn(DECISION, when(col("__cost_cum").leq(budget + 1e-9), SELECTED).otherwise("over-budget"))
        .drop("__ratio", "__one", "__cost", "__one_cum", "__cost_cum", "__ineligible");
    Dataset<Row> rest = withReason.where(col("__ineligible").isNotNull())
        .withColumn(RANK, lit(null).cast("long"))
        .withColumn(CUMULATIVE_COST, lit(null).cast("double"))
        .withColumn(DECISION, col("__ineligible"))
        .drop("__ineligible");
    return ranked.unionByName(rest);
  }

  /**
   * Spend, expected incremental conversions (the sum of predicted uplift), profit and ROI of the
   * selection, the same for top-K by propensity ({@code propensity}, the treated-response model)
   * on the same budget among the same scored customers, the fractional upper bound, counts per
   * decision, and the budget/profit curves of both orders ({@code points} points each).
   */
  public Map<String, Object> report(Dataset<Row> decided, int points) {
    Map<String, Object> report = new LinkedHashMap<>();
    report.put("budget", budget);
    Map<String, Long> decisions = new java.util.TreeMap<>();
    for (Row row : (Row[]) decided.groupBy(col(DECISION)).agg(count(lit(1))).collect()) {
      decisions.put(row.getString(0), row.getLong(1));
    }
    report.put("decisions", decisions);
    Map<String, Object> selected = figures(decided.where(col(DECISION).equalTo(SELECTED)));
    report.put("uplift_selection", selected);
    // The first customer that did not fit: the fractional optimum takes the part of it the budget allows.
    Row next = decided.where(col(DECISION).equalTo("over-budget")).orderBy(col(RANK)).select(c(cost).cast("double"), col(INCREMENTAL_PROFIT))
        .limit(1).collectAsList().stream().findFirst().orElse(null);
    double spend = (Double) selected.get("spend");
    double profit = (Double) selected.get("expected_incremental_profit");
    report.put("fractional_upper_bound_profit", next == null ? profit : profit + next.getDouble(1) * Math.min(1.0, (budget - spend) / next.getDouble(0)));

    // Top-K by propensity: the customers most likely to respond when treated, while the budget lasts.
    Dataset<Row> byPropensity = RunningSums.cumulative(
        decided.where(c(cost).cast("double").gt(0).and(col(DECISION).notEqual(INVALID_VALUE))
                .and(c(propensity).isNotNull()).and(nonFinite(c(propensity).cast("double")).unary_$bang()))
            .withColumn("__cost", c(cost).cast("double")),
        List.of(c(propensity).desc(), c(key).asc()), List.of("__cost"));
    Dataset<Row> topK = byPropensity.where(col("__cost_cum").leq(budget + 1e-9));
    Map<String, Object> propensityFigures = figures(topK);
    report.put("top_k_by_propensity", propensityFigures);
    double propensityProfit = (Double) propensityFigures.get("expected_incremental_profit");
    report.put("profit_gain_over_top_k", profit - propensityProfit);
    report.put("curves", Map.of(
        "uplift", curve(decided.where(col(RANK).isNotNull()), col(CUMULATIVE_COST), points),
        "propensity", curve(byPropensity, col("__cost_cum"), points)));
    requireFinite(report, "budget");
    return report;
  }

  /** A report figure that is NaN or infinite is never printed: the run fails naming it. */
  private void requireFinite(Object figure, String path) {
    if (figure instanceof Double number && !Double.isFinite(number)) {
      throw TargetingException.userError("Budget selection: report figure %s is %s; the columns %s, %s, %s (or the expressions "
          + "deriving them) hold values too large to add up", path, number, uplift, cost, value);
    } else if (figure instanceof Map<?, ?> map) {
      map.forEach((key, value) -> requireFinite(value, path + "." + key));
    } else if (figure instanceof List<?> list) {
      for (Object item : list) {
        if (item instanceof double[] point) {
          for (double value : point) {
            requireFinite(value, path + ".curves");
          }
        }
      }
    }
  }

  private Map<String, Object> figures(Dataset<Row> rows) {
    Row r = rows.agg(count(lit(1)), sum(c(cost).cast("double")), sum(c(uplift).cast("double")),
        sum(c(uplift).cast("double").multiply(c(value).cast("double"))), sum(profit()),
        sum(when(c(uplift).cast("double").leq(0), 1).otherwise(0))).first();
    Map<String, Object> figures = new LinkedHashMap<>();
    double spend = r.isNullAt(1) ? 0.0 : r.getDouble(1);
    double profit = r.isNullAt(4) ? 0.0 : r.getDouble(4);
    figures.put("customers", r.getLong(0));
    figures.put("spend", spend);
    figures.put("expected_incremental_conversions", r.isNullAt(2) ? 0.0 : r.getDouble(2));
    figures.put("expected_incremental_revenue", r.isNullAt(3) ? 0.0 : r.getDouble(3));
    figures.put("expected_incremental_profit", profit);
    figures.put("roi", spend == 0 ? 0.0 : profit / spend);
    figures.put("customers_with_uplift_not_positive", r.isNullAt(5) ? 0L : r.getLong(5));
    return figures;
  }

  /** (cumulative spend, cumulative expected profit) at about {@code points} evenly spaced ranks. */
  private List<double[]> curve(Dataset<Row> ordered, Column spend, int points) {
    // Cumulative spend grows strictly along either order (every cost is positive): it orders the points.
    Dataset<Row> withProfit = ordered.withColumn("__profit", profit()).withColumn("__spend", spend).withColumn("__one_row", lit(1.0))
        .drop("__cost_cum", "__cost");
    Dataset<Row> sums = RunningSums.cumulative(withProfit, List.of(col("__spend").asc(), c(key).asc()),
        List.of("__profit", "__one_row"));
    long n = ordered.count();
    long step = Math.max(1, n / Math.max(1, points));
    List<double[]> curve = new ArrayList<>();
    curve.add(new double[] {0.0, 0.0});
    for (Row row : (Row[]) sums.where(col("__one_row_cum").cast("long").mod(step).equalTo(0).or(col("__one_row_cum").equalTo(n)))
        .orderBy(col("__one_row_cum")).select(col("__spend"), col("__profit_cum")).collect()) {
      curve.add(new double[] {row.getDouble(0), row.getDouble(1)});
    }
    return curve;
  }

  /**
   * The exact 0/1 knapsack optimum of {@code profit} under integer {@code costs} and {@code budget}
   * (dynamic programming, O(n budget)): for checking the greedy selection on small problems.
   */
  public static double exactBestProfit(double[] profit, int[] costs, int budget) {
    double[] best = new double[budget + 1];
    for (int i = 0; i < profit.length; i++) {
      if (profit[i] <= 0) {
        continue;
      }
      for (int b = budget; b >= costs[i]; b--) {
        best[b] = Math.max(best[b], best[b - costs[i]] + profit[i]);
      }
    }
    return best[budget];
  }

  /**
   * {@code budget}: the selection's report ({@link #report(Dataset, int)}, over every scored row)
   * with its budget/profit chart, {@code budget-profit.png}, beside top-K by propensity.
   */
  @Override
  public void report(RunReport run) {
    Map<String, Object> report = report(run.scored(), 100);
    @SuppressWarnings("unchecked")
    Map<String, List<double[]>> curves = (Map<String, List<double[]>>) report.remove("curves");
    Map<String, double[][]> series = new LinkedHashMap<>();
    curves.forEach((name, points) -> series.put(name.equals("uplift") ? "by uplift x value / cost (selected)" : "top-K by propensity",
        new double[][] {points.stream().mapToDouble(p -> p[0]).toArray(), points.stream().mapToDouble(p -> p[1]).toArray()}));
    double top = curves.values().stream().flatMap(List::stream).mapToDouble(p -> p[1]).max().orElse(0.0);
    series.put("budget", new double[][] {{budget, budget}, {0.0, top}});
    report.put("chart", run.chart("budget-profit.png", run.program() + " " + run.runDate() + ": expected incremental profit by spend",
        "spend", "expected incremental profit", series));
    run.put("budget", report);
  }
}
