package com.targeting.core.decide;

import static com.targeting.core.decide.LoanOffers.AFFORDABLE_AMOUNT;
import static com.targeting.core.decide.LoanOffers.AMOUNT_FINANCED;
import static com.targeting.core.decide.LoanOffers.APR;
import static com.targeting.core.decide.LoanOffers.CREDIT_TIER;
import static com.targeting.core.decide.LoanOffers.FINANCE_CHARGE;
import static com.targeting.core.decide.LoanOffers.LOAN_AMOUNT;
import static com.targeting.core.decide.LoanOffers.MONTHLY_PAYMENT;
import static com.targeting.core.decide.LoanOffers.ORIGINATION_FEE;
import static com.targeting.core.decide.LoanOffers.TERM;
import static com.targeting.core.decide.LoanOffers.TIER_LIMITED_BY;
import static com.targeting.core.decide.LoanOffers.TOTAL_OF_PAYMENTS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.targeting.core.testing.TestSpark;
import java.math.BigDecimal;
import java.math.MathContext;
import java.math.RoundingMode;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.Test;

class LoanOffersTest {
  /** The seed's segments: excellent 750+ / 0.8, good 680+ / 0.6, fair 640+ / 0.4; 3% origination fee. */
  static final LoanOffers SEED_TIERS = new LoanOffers("approval_score", "credit_score", "payment_capacity", 3.0, 100.0, List.of(
      new LoanOffers.Tier("excellent", 750, 0.8, 50_000, 5.5, 60),
      new LoanOffers.Tier("good", 680, 0.6, 30_000, 6.5, 48),
      new LoanOffers.Tier("fair", 640, 0.4, 15_000, 7.5, 36)));

  private static Map<String, Row> offers(Object[]... rows) {
    Dataset<Row> input = TestSpark.rows("customer_id STRING, credit_score INT, approval_score DOUBLE, payment_capacity DOUBLE", rows);
    Map<String, Row> byCustomer = new HashMap<>();
    for (Row row : (Row[]) SEED_TIERS.apply(input).collect()) {
      byCustomer.put(row.getAs("customer_id"), row);
    }
    return byCustomer;
  }

  @Test
  void theTierIsTheLowerOfWhatTheCreditScoreAndTheApprovalLikelihoodReach() {
    Map<String, Row> offers = offers(
        new Object[] {"both-excellent-at-the-boundary", 750, 0.8, 5_000.0},
        new Object[] {"credit-one-point-short", 749, 0.95, 5_000.0},
        new Object[] {"score-just-short", 800, 0.7999, 5_000.0},
        new Object[] {"fair-by-score", 700, 0.5, 5_000.0},
        new Object[] {"fair-by-credit", 640, 0.99, 5_000.0},
        new Object[] {"score-below-every-tier", 800, 0.3999, 5_000.0},
        new Object[] {"credit-below-every-tier", 639, 0.99, 5_000.0},
        new Object[] {"score-not-a-number", 800, Double.NaN, 5_000.0},
        new Object[] {"no-credit-score", null, 0.9, 5_000.0});

    assertThat(offers.get("both-excellent-at-the-boundary").<String>getAs(CREDIT_TIER)).isEqualTo("excellent");
    assertThat(offers.get("both-excellent-at-the-boundary").<String>getAs(TIER_LIMITED_BY)).isEqualTo("both");
    assertThat(offers.get("credit-one-point-short").<String>getAs(CREDIT_TIER)).isEqualTo("good");
    assertThat(offers.get("credit-one-point-short").<String>getAs(TIER_LIMITED_BY)).isEqualTo("credit_score");
    assertThat(offers.get("score-just-short").<String>getAs(CREDIT_TIER)).isEqualTo("good");
    assertThat(offers.get("score-just-short").<String>getAs(TIER_LIMITED_BY)).isEqualTo("approval_score");
    assertThat(offers.get("fair-by-score").<String>getAs(CREDIT_TIER)).isEqualTo("fair");
    assertThat(offers.get("fair-by-credit").<String>getAs(CREDIT_TIER)).isEqualTo("fair");
    for (String none : List.of("score-below-every-tier", "credit-below-every-tier", "score-not-a-number", "no-credit-score")) {
      Row row = offers.get(none);
      assertThat(row.<String>getAs(CREDIT_TIER)).as(none).isNull();
      assertThat(row.<Double>getAs(LOAN_AMOUNT)).as(none).isNull();
      assertThat(row.<Double>getAs(MONTHLY_PAYMENT)).as(none).isNull();
    }
    Row fair = offers.get("fair-by-score");
    assertThat(fair.<Double>getAs(LOAN_AMOUNT)).isEqualTo(15_000.0);
    assertThat(fair.<Integer>getAs(TERM)).isEqualTo(36);
    assertThat(fair.<Double>getAs("interest_rate_pct")).isEqualTo(7.5);
  }

  @Test
  void monthlyPaymentsMatchAnIndependentAmortization() {
    Map<String, Row> offers = offers(
        new Object[] {"excellent", 800, 0.9, 10_000.0},
        new Object[] {"good", 700, 0.7, 10_000.0},
        new Object[] {"fair", 700, 0.45, 10_000.0},
        new Object[] {"capped", 760, 0.85, 300.0});

    // Published loan-calculator values for the seed's full amounts (the seed's own $920 / $590 / $300 are not
    // the amortization payments of its terms).
    assertThat(offers.get("excellent").<Double>getAs(MONTHLY_PAYMENT)).isEqualTo(955.06);
    assertThat(offers.get("good").<Double>getAs(MONTHLY_PAYMENT)).isEqualTo(711.45);
    assertThat(offers.get("fair").<Double>getAs(MONTHLY_PAYMENT)).isEqualTo(466.59);

    for (Row offer : offers.values()) {
      double amount = offer.getAs(LOAN_AMOUNT);
      double payment = offer.getAs(MONTHLY_PAYMENT);
      int term = offer.getAs(TERM);
      double rate = offer.getAs("interest_rate_pct");
      String who = offer.getAs("customer_id");
      // The same payment from P r (1+r)^n / ((1+r)^n - 1) in 34-digit decimals.
      assertThat(payment).as(who).isEqualTo(decimalPayment(amount, rate, term));
      // Paying it every month for the term leaves a balance within the cents lost to rounding.
      assertThat(balanceAfterSchedule(amount, rate, term, payment)).as(who).isCloseTo(0.0, within(term * 0.01));
      assertThat(offer.<Double>getAs(ORIGINATION_FEE)).as(who).isEqualTo(Math.round(amount * 3) / 100.0);
      assertThat(offer.<Double>getAs(AMOUNT_FINANCED)).as(who).isCloseTo(amount - offer.<Double>getAs(ORIGINATION_FEE), within(0.001));
      assertThat(offer.<Double>getAs(TOTAL_OF_PAYMENTS)).as(who).isCloseTo(payment * term, within(0.001));
      assertThat(offer.<Double>getAs(FINANCE_CHARGE)).as(who)
          .isCloseTo(offer.<Double>getAs(TOTAL_OF_PAYMENTS) - offer.<Double>getAs(AMOUNT_FINANCED), within(0.001));
      // Regulation Z: at the disclosed APR the payments are worth the amount financed. Bracket it by 0.01 points.
      double apr = offer.getAs(APR);
      double financed = offer.getAs(AMOUNT_FINANCED);
      assertThat(apr).as(who).isGreaterThan(rate);
      assertThat(presentValue(payment, apr - 0.01, term)).as(who).isGreaterThan(financed);
      assertThat(presentValue(payment, apr + 0.01, term)).as(who).isLessThan(financed);
    }
    // 300 a month for 60 months at 5.5% repays 15,705.85: rounded down to 15,700.
    Row capped = offers.get("capped");
    assertThat(capped.<String>getAs(CREDIT_TIER)).isEqualTo("excellent");
    assertThat(capped.<Double>getAs(AFFORDABLE_AMOUNT)).isEqualTo(15_700.0);
    assertThat(capped.<Double>getAs(LOAN_AMOUNT)).isEqualTo(15_700.0);
    assertThat(capped.<Double>getAs(MONTHLY_PAYMENT)).isLessThanOrEqualTo(300.0);
  }

  @Test
  void anAmountIsNeverAboveTheAffordabilityCapNorThePaymentAboveTheCapacity() {
    Dataset<Row> many = TestSpark.session().range(0, 5_000).selectExpr(
        "concat('C', id) AS customer_id",
        "CAST(600 + pmod(id * 37, 251) AS INT) AS credit_score",
        "pmod(id * 0.0137, 1.0) AS approval_score",
        "round(pmod(id * 7.31, 1500.0), 2) AS payment_capacity");
    Dataset<Row> offers = SEED_TIERS.apply(many).where(CREDIT_TIER + " IS NOT NULL");

    assertThat(offers.count()).isGreaterThan(1_000);
    assertThat(offers.where("loan_amount > affordable_amount OR monthly_payment > payment_capacity"
        + " OR loan_amount > CASE credit_tier WHEN 'excellent' THEN 50000 WHEN 'good' THEN 30000 ELSE 15000 END"
        + " OR loan_amount < 0 OR pmod(loan_amount, 100) <> 0").count()).isZero();
    assertThat(offers.where("loan_amount < CASE credit_tier WHEN 'excellent' THEN 50000 WHEN 'good' THEN 30000 ELSE 15000 END"
        + " AND loan_amount <> affordable_amount").count()).as("below the tier maximum only when capped").isZero();
  }

  @Test
  void aprIsSolvedFromTheFeeAndEqualsTheNoteRateWithoutOne() {
    assertThat(LoanOffers.aprPct(5.5, 60, 0.0)).isEqualTo(5.5);
    assertThat(LoanOffers.aprPct(6.5, 48, 0.0)).isEqualTo(6.5);
    double apr = LoanOffers.aprPct(5.5, 60, 3.0);
    double payment = decimalPayment(1_000_000, 5.5, 60);
    assertThat(presentValue(payment, apr - 0.005, 60)).isGreaterThan(970_000);
    assertThat(presentValue(payment, apr + 0.005, 60)).isLessThan(970_000);
  }

  private static double decimalPayment(double amount, double ratePct, int term) {
    MathContext mc = MathContext.DECIMAL128;
    BigDecimal r = BigDecimal.valueOf(ratePct).divide(BigDecimal.valueOf(1200), mc);
    BigDecimal growth = BigDecimal.ONE.add(r).pow(term, mc);
    return BigDecimal.valueOf(amount).multiply(r, mc).multiply(growth, mc)
        .divide(growth.subtract(BigDecimal.ONE), mc).setScale(2, RoundingMode.HALF_UP).doubleValue();
  }

  private static double balanceAfterSchedule(double amount, double ratePct, int term, double payment) {
    BigDecimal balance = BigDecimal.valueOf(amount);
    BigDecimal r = BigDecimal.valueOf(ratePct).divide(BigDecimal.valueOf(1200), MathContext.DECIMAL128);
    for (int month = 0; month < term; month++) {
      BigDecimal interest = balance.multiply(r).setScale(2, RoundingMode.HALF_UP);
      balance = balance.add(interest).subtract(BigDecimal.valueOf(payment));
    }
    return balance.doubleValue();
  }

  private static double presentValue(double payment, double aprPct, int term) {
    double i = aprPct / 1200;
    double value = 0;
    for (int month = 1; month <= term; month++) {
      value += payment / Math.pow(1 + i, month);
    }
    return value;
  }
}
