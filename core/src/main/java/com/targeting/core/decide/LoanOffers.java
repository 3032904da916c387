package com.targeting.core.decide;

import com.targeting.core.report.Figure;
import com.targeting.core.report.Groups;
import com.targeting.core.report.RunReport;
import com.targeting.core.report.SummarySection;
import static java.util.Objects.requireNonNull;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.floor;
import static org.apache.spark.sql.functions.greatest;
import static org.apache.spark.sql.functions.isnan;
import static org.apache.spark.sql.functions.least;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.round;
import static org.apache.spark.sql.functions.when;

import com.targeting.core.config.ConfigNode;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

/**
 * Pre-approved loan offers in credit tiers (seed 001) with the Truth in Lending disclosures as
 * fields of the offer.
 *
 * <p>A candidate's tier is the lower of two: the best tier its credit score reaches
 * ({@code min-credit-score}) and the best tier its approval likelihood reaches ({@code min-score},
 * the seed's 0.8 / 0.6 / 0.4). A candidate that reaches no tier on either gets no tier (null);
 * a post-score filter declines it with its reason. The amount is the tier's maximum, capped by
 * what the customer can afford: the present value, at the tier's rate and term, of the monthly
 * payment capacity (DTI headroom), rounded down to {@code amount-step}. The monthly payment is
 * the standard amortization payment {@code P r / (1 - (1 + r)^-n)}, {@code r} the monthly rate,
 * rounded to the cent; it never exceeds the capacity.
 *
 * <p>Disclosures (Regulation Z): the origination fee (a prepaid finance charge, withheld from the
 * proceeds), the amount financed (amount minus fee), total of payments (payment times term),
 * finance charge (total of payments minus amount financed) and the APR: the annual rate at which
 * the payments' present value equals the amount financed. With a fee the APR is above the note
 * rate; it does not depend on the amount, so it is solved once per tier.
 */
public record LoanOffers(
    String scoreColumn,
    String creditScoreColumn,
    String paymentCapacityColumn,
    double originationFeePct,
    double amountStep,
    List<Tier> tiers) implements Decision, SummarySection {

  public static final String CREDIT_TIER = "credit_tier";
  public static final String TIER_LIMITED_BY = "credit_tier_limited_by";
  public static final String AFFORDABLE_AMOUNT = "affordable_amount";
  public static final String LOAN_AMOUNT = "loan_amount";
  public static final String INTEREST_RATE = "interest_rate_pct";
  public static final String APR = "apr_pct";
  public static final String TERM = "term_months";
  public static final String MONTHLY_PAYMENT = "monthly_payment";
  public static final String ORIGINATION_FEE = "origination_fee";
  public static final String AMOUNT_FINANCED = "amount_financed";
  public static final String FINANCE_CHARGE = "finance_charge";
  public static final String TOTAL_OF_PAYMENTS = "total_of_payments";

  /** A tier, best first: the seed's excellent (750+, 0.8), good (680+, 0.6), fair (640+, 0.4). */
  public record Tier(String name, int minCreditScore, double minScore, double maxAmount, double interestRatePct, int termMonths) {
    public Tier {
      requireNonNull(name, "name is null");
      if (maxAmount <= 0 || interestRatePct <= 0 || termMonths <= 0) {
        throw new IllegalArgumentException("tier " + name + ": amount, rate and term must be positive");
      }
    }

    double monthlyRate() {
      return interestRatePct / 1200.0;
    }

    /** Present value of 1 paid monthly for the term: the amount a payment of 1 repays. */
    double annuityFactor() {
      return LoanOffers.annuityFactor(monthlyRate(), termMonths);
    }
  }

  public LoanOffers {
    requireNonNull(scoreColumn, "scoreColumn is null");
    requireNonNull(creditScoreColumn, "creditScoreColumn is null");
    requireNonNull(paymentCapacityColumn, "paymentCapacityColumn is null");
    tiers = List.copyOf(tiers);
    if (tiers.isEmpty()) {
      throw new IllegalArgumentException("at least one tier is needed");
    }
    if (originationFeePct < 0 || originationFeePct >= 100) {
      throw new IllegalArgumentException("originationFeePct must be in [0, 100), was " + originationFeePct);
    }
    if (amountStep <= 0) {
      throw new IllegalArgumentException("amountStep must be positive, was " + amountStep);
    }
  }

  public static LoanOffers from(ConfigNode node) {
    List<Tier> tiers = new ArrayList<>();
    Tier previous = null;
    for (ConfigNode tier : node.nodes("tiers")) {
      Tier t = new Tier(tier.string("name"), tier.integer("min-credit-score"), tier.doubleValue("min-score"),
          positive(tier, "max-amount"), positive(tier, "interest-rate"), tier.integer("term-months"));
      if (t.termMonths() <= 0) {
        throw tier.invalid("term-months", "must be positive, was " + t.termMonths());
      }
      if (previous != null && (t.minCreditScore() >= previous.minCreditScore() || t.minScore() >= previous.minScore())) {
        throw tier.invalid("min-credit-score",
            "tiers must be listed best first, with decreasing min-credit-score and min-score");
      }
      previous = t;
      tiers.add(t);
    }
    if (tiers.isEmpty()) {
      throw node.invalid("tiers", "at least one tier is needed");
    }
    double fee = node.doubleValue("origination-fee-pct", 0.0);
    if (fee < 0 || fee >= 100) {
      throw node.invalid("origination-fee-pct", "must be in [0, 100), was " + fee);
    }
    double step = node.doubleValue("amount-step", 100.0);
    if (step <= 0) {
      throw node.invalid("amount-step", "must be positive, was " + step);
    }
    return new LoanOffers(node.string("score-column"), node.string("credit-score-column"),
        node.string("payment-capacity-column"), fee, step, tiers);
  }

  private static double positive(ConfigNode node, String key) {
    double value = node.doubleValue(key);
    if (value <= 0) {
      throw node.invalid(key, "must be positive, was " + value);
    }
    return value;
  }

  public List<String> tierNames() {
    return tiers.stream().map(Tier::name).toList();
  }

  static double annuityFactor(double monthlyRate, int months) {
    return (1 - Math.pow(1 + monthlyRate, -months)) / monthlyRate;
  }

  /**
   * The APR in percent, to two decimals: the annual rate {@code 12 i} with
   * {@code annuityFactor(i, n) = (1 - fee) annuityFactor(r, n)}, found by bisection (the factor
   * falls as the rate rises).
   */
  public static double aprPct(double interestRatePct, int termMonths, double originationFeePct) {
    double rate = interestRatePct / 1200.0;
    double target = (1 - originationFeePct / 100.0) * annuityFactor(rate, termMonths);
    double low = rate;
    double high = 1.0;
    for (int i = 0; i < 200; i++) {
      double mid = (low + high) / 2;
      if (annuityFactor(mid, termMonths) > target) {
        low = mid;
      } else {
        high = mid;
      }
    }
    return Math.round(12 * 100 * (low + high) / 2 * 100) / 100.0;
  }

  @Override
  public Dataset<Row> apply(Dataset<Row> scored) {
    RequiredColumns.require(scored, "loan-offers", scoreColumn, creditScoreColumn, paymentCapacityColumn);
    Column score = col(scoreColumn);
    Column creditScore = col(creditScoreColumn);
    Column byCredit = null;
    Column byScore = null;
    for (int i = 0; i < tiers.size(); i++) {
      Tier tier = tiers.get(i);
      byCredit = byCredit == null ? when(creditScore.geq(tier.minCreditScore()), i)
          : byCredit.when(creditScore.geq(tier.minCreditScore()), i);
      // NaN compares above every number in Spark: without the guard it would reach the best tier.
      Column reaches = score.geq(tier.minScore()).and(isnan(score).unary_$bang());
      byScore = byScore == null ? when(reaches, i) : byScore.when(reaches, i);
    }
    // greatest() skips nulls; a tier needs both a credit score and an approval likelihood.
    Column tierIndex = when(byCredit.isNull().or(byScore.isNull()), lit(null).cast("int"))
        .otherwise(greatest(byCredit, byScore));
    String index = "__tier_index";
    Column capacity = col(paymentCapacityColumn).cast("double");
    Column affordable = floor(capacity.multiply(perTier(col(index), Tier::annuityFactor)).divide(amountStep)).multiply(amountStep);
    Column amount = least(perTier(col(index), Tier::maxAmount), col(AFFORDABLE_AMOUNT));
    // The payment for the amount, rounded to the cent; amount <= capacity * factor keeps it <= capacity.
    Column payment = round(col(LOAN_AMOUNT).divide(perTier(col(index), Tier::annuityFactor)), 2);
    Column fee = round(col(LOAN_AMOUNT).multiply(originationFeePct / 100.0), 2);
    Column[] names = tiers.stream().map(t -> lit(t.name())).toArray(Column[]::new);
    return scored
        .withColumn(index, tierIndex)
        .withColumn(CREDIT_TIER, pick(col(index), names).cast("string"))
        .withColumn(TIER_LIMITED_BY, when(col(index).isNull(), lit(null).cast("string"))
            .when(byCredit.equalTo(byScore), lit("both"))
            .when(byCredit.gt(byScore), lit("credit_score")).otherwise(lit(scoreColumn)))
        .withColumn(AFFORDABLE_AMOUNT, when(col(index).isNotNull(), greatest(affordable, lit(0.0))))
        .withColumn(LOAN_AMOUNT, amount)
        .withColumn(INTEREST_RATE, perTier(col(index), Tier::interestRatePct))
        .withColumn(APR, perTier(col(index), t -> aprPct(t.interestRatePct(), t.termMonths(), originationFeePct)))
        .withColumn(TERM, pick(col(index), tiers.stream().map(t -> lit(t.termMonths())).toArray(Column[]::new)).cast("int"))
        .withColumn(MONTHLY_PAYMENT, payment)
        .withColumn(ORIGINATION_FEE, fee)
        .withColumn(AMOUNT_FINANCED, round(col(LOAN_AMOUNT).minus(col(ORIGINATION_FEE)), 2))
        .withColumn(TOTAL_OF_PAYMENTS, round(col(MONTHLY_PAYMENT).multiply(col(TERM)), 2))
        .withColumn(FINANCE_CHARGE, round(col(TOTAL_OF_PAYMENTS).minus(col(AMOUNT_FINANCED)), 2))
        .drop(index);
  }

  private Column perTier(Column index, Function<Tier, Double> value) {
    return pick(index, tiers.stream().map(t -> lit(value.apply(t))).toArray(Column[]::new)).cast("double");
  }

  private static Column pick(Column index, Column[] values) {
    Column result = null;
    for (int i = 0; i < values.length; i++) {
      result = result == null ? when(index.equalTo(i), values[i]) : result.when(index.equalTo(i), values[i]);
    }
    return result;
  }

  /** Counted by credit tier, with the offered amounts summed. */
  @Override
  public List<Figure> figures() {
    return List.of(Figure.dimension("credit_tiers", col(CREDIT_TIER)), Figure.measure("loan_amount", col(LOAN_AMOUNT)));
  }

  /**
   * {@code credit_tiers}: offers per tier; {@code loan_amounts}: per tier the offers, their total
   * and average amount (currency units, rounded to cents).
   */
  @Override
  public void report(RunReport report) {
    java.util.Map<String, Long> tiers = report.groups().countsBy("credit_tiers", Groups.Scope.SELECTED);
    java.util.Map<String, Object> offered = new java.util.LinkedHashMap<>();
    report.groups().sumsBy("credit_tiers", "loan_amount", Groups.Scope.SELECTED).forEach((name, total) -> {
      java.util.Map<String, Object> figures = new java.util.LinkedHashMap<>();
      figures.put("offers", tiers.get(name));
      figures.put("total_amount", Math.round(total * 100) / 100.0);
      figures.put("average_amount", Math.round(total / tiers.get(name) * 100) / 100.0);
      offered.put(name, figures);
    });
    report.put("credit_tiers", tiers);
    report.put("loan_amounts", offered);
  }
}
