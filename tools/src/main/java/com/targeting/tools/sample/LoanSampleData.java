package com.targeting.tools.sample;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.concat;
import static org.apache.spark.sql.functions.exp;
import static org.apache.spark.sql.functions.expr;
import static org.apache.spark.sql.functions.format_string;
import static org.apache.spark.sql.functions.greatest;
import static org.apache.spark.sql.functions.least;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.log;
import static org.apache.spark.sql.functions.pow;
import static org.apache.spark.sql.functions.repeat;
import static org.apache.spark.sql.functions.round;
import static org.apache.spark.sql.functions.to_date;
import static org.apache.spark.sql.functions.when;

import java.time.LocalDate;
import java.util.List;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

/**
 * Deterministic sample data for the loan-offer-targeting program (seed 001): the weekly Snowflake
 * extract of credit profiles (CSV, all text, with a small share of rows that break the contract),
 * the Delta contact history, the opt-out list, and a labeled history of past offers (approved,
 * defaulted) with real signal for the approval and default-risk models.
 *
 * <p>Each filter's failures are drawn independently with the conditional rate that reproduces
 * the seed's funnel: trust removes 5% of the input, credit qualification 25%, affordability 20%,
 * eligibility 15% and regulatory compliance 8.5%, leaving about 26.5% for scoring; the post-score
 * declines (no tier reached, default risk) take a few percent of those, so about 25% get offers.
 * Customers that pass are drawn so that the approval model puts about 30% / 50% / 20% of them in
 * the excellent / good / fair tiers, as the seed's offers are split.
 */
public final class LoanSampleData extends CustomerSampleData {
  public static final String PROGRAM = "loan-offer-targeting";
  static final List<String> STATES = List.of("CA", "TX", "FL", "NY", "PA", "IL", "OH", "GA", "NC", "MI", "WA", "AZ");

  static final double FAIL_TRUST = 0.05;
  static final double FAIL_CREDIT = 0.25 / 0.95;
  static final double FAIL_AFFORDABILITY = 0.20 / 0.70;
  static final double FAIL_ELIGIBILITY = 0.15 / 0.50;
  static final double FAIL_REGULATORY = 0.085 / 0.35;

  public LoanSampleData(SparkSession spark, long rows, long seed, LocalDate runDate) {
    super(spark, rows, seed, runDate, PROGRAM, "investment-recommendations", "customer_credit_profiles");
  }

  @Override
  List<String> writeOwn(String directory, long historyRows) {
    return List.of(SampleTables.writeCsv(history(historyRows), directory + "/loan_history"));
  }

  /** Annual income: log-normal around 75,000, at least 30,000. */
  private static Column income(Draws d) {
    return greatest(round(exp(d.normal("income").multiply(0.45).plus(Math.log(75_000))), 0), lit(30_000.0));
  }

  /** Customer profiles with the hidden draws that decide which filter (if any) fails them. */
  @Override
  Dataset<Row> customers() {
    Draws d = new Draws(seed, "id");
    Draws.Failure trust = d.failure("trust", FAIL_TRUST);
    Draws.Failure credit = d.failure("credit", FAIL_CREDIT);
    Draws.Failure affordability = d.failure("afford", FAIL_AFFORDABILITY);
    Draws.Failure eligibility = d.failure("elig", FAIL_ELIGIBILITY);
    Draws.Failure regulatory = d.failure("reg", FAIL_REGULATORY);

    Column lowScore = credit.fails().and(credit.mode().lt(0.35));
    Column highDti = credit.fails().and(credit.mode().geq(0.35)).and(credit.mode().lt(0.55));
    Column latePayment = credit.fails().and(credit.mode().geq(0.55)).and(credit.mode().lt(0.80));
    Column shortHistory = credit.fails().and(credit.mode().geq(0.80)).and(credit.mode().lt(0.90));
    Column manyLoans = credit.fails().and(credit.mode().geq(0.90));
    Column lowCapacity = affordability.fails().and(affordability.mode().lt(0.40));
    Column unstableIncome = affordability.fails().and(affordability.mode().geq(0.40)).and(affordability.mode().lt(0.70));
    Column notEmployed = affordability.fails().and(affordability.mode().geq(0.70));

    // Passing credit scores lean low (680 + 170 u^2): about 40% reach 750.
    Column passingScore = lit(680).plus(pow(d.uniform("score"), 2.0).multiply(170)).cast("int");
    // A DTI that leaves at least 150 a month of headroom below 43%: dti <= 0.43 - 1800 / income.
    Column passingDti = round(lit(0.05).plus(d.uniform("dti").multiply(lit(0.43 - 0.055).minus(lit(1_800.0).divide(col("income"))))), 3);
    // Under 150 a month of headroom: 0.43 - dti < 1800 / income.
    Column tightDti = round(lit(0.43).minus(d.uniform("dti-tight").multiply(0.9).multiply(lit(1_800.0).divide(col("income")))), 3);
    Column latePosition = d.integer("late-at", 0, 11).cast("int");

    return spark.range(0, rows, 1, SampleTables.partitions(rows)).toDF("id")
        .withColumn("customer_id", format_string("L%08d", col("id")))
        .withColumn("state", d.pick("state", STATES, 12, 9, 7, 6, 4, 4, 4, 3, 3, 3, 2, 2))
        .withColumn("gender", d.pick("gender", List.of("female", "male", "non-binary"), 0.49, 0.49, 0.02))
        .withColumn("age", d.integer("age", 21, 80).cast("int"))
        .withColumn("marital_status", d.pick("marital", List.of("married", "single", "divorced", "widowed"), 0.5, 0.35, 0.12, 0.03))
        .withColumn("identity_verified", when(trust.fails().and(trust.mode().lt(0.5)), false).otherwise(true))
        .withColumn("account_status", when(trust.fails().and(trust.mode().geq(0.5)),
            d.pick("status", List.of("suspended", "closed", "frozen"), 1, 1, 1)).otherwise("active"))
        .withColumn("income", income(d))
        .withColumn("credit_score", when(lowScore, d.integer("score-low", 560, 679).cast("int")).otherwise(passingScore))
        .withColumn("debt_to_income_ratio", when(highDti, round(d.uniform("dti-high").multiply(0.2).plus(0.44), 3))
            .when(lowCapacity, tightDti).otherwise(passingDti))
        .withColumn("late_at", latePosition)
        .withColumn("history_months", d.integer("history-months", 3, 11).cast("int"))
        .withColumn("payment_history", when(latePayment, expr("concat(repeat('0', late_at), '1', repeat('0', 23 - late_at))"))
            .when(shortHistory, expr("repeat('0', history_months)"))
            // Older late payments (13-24 months ago) do not fail the 12-month rule.
            .when(d.uniform("old-late").lt(0.10), concat(repeat(lit("0"), 12), lit("000001000000")))
            .otherwise(repeat(lit("0"), 24)))
        .withColumn("existing_loans", when(manyLoans, d.integer("loans-many", 3, 5)).otherwise(d.integer("loans", 0, 2)).cast("int"))
        .withColumn("income_history", when(unstableIncome,
                format_string("[%.0f,%.0f,%.0f]", col("income"), col("income").divide(0.70), col("income").divide(0.65)))
            .otherwise(format_string("[%.0f,%.0f,%.0f]", col("income"),
                col("income").multiply(d.uniform("inc-1").multiply(0.1).plus(0.9)),
                col("income").multiply(d.uniform("inc-2").multiply(0.1).plus(0.9)))))
        .withColumn("employment_status", when(notEmployed.and(affordability.mode().lt(0.85)), lit("unemployed"))
            .when(notEmployed, lit("employed"))
            .otherwise(d.pick("employment", List.of("employed", "self-employed", "retired"), 0.75, 0.15, 0.10)))
        .withColumn("employment_months", when(notEmployed.and(affordability.mode().geq(0.85)), d.integer("emp-new", 0, 11))
            .when(col("employment_status").equalTo("retired"), lit(null).cast("long"))
            .when(col("employment_status").equalTo("unemployed"), lit(0L))
            .otherwise(d.integer("emp", 12, 360)).cast("int"))
        .withColumn("account_age", d.integer("account-age", 12, 240).cast("int"))
        .withColumn("deposit_balance", round(exp(d.normal("deposits").plus(Math.log(12_000))), 2))
        .withColumn("savings_rate", least(greatest(d.normal("savings").multiply(0.08).plus(0.12), lit(-0.2)), lit(0.5)))
        .withColumn("overdrafts_12m", d.pick("overdrafts", List.of("0", "1", "2", "3"), 0.70, 0.22, 0.06, 0.02).cast("int"))
        .withColumn("ofac_match", regulatory.fails().and(regulatory.mode().lt(0.2)))
        .withColumn("prescreen_opt_out", regulatory.fails().and(regulatory.mode().geq(0.2)))
        .withColumn("recent_offer", eligibility.fails().and(eligibility.mode().lt(2.0 / 3)))
        .withColumn("opted_out", eligibility.fails().and(eligibility.mode().geq(2.0 / 3)))
        .drop("late_at", "history_months");
  }

  /**
   * The extract as the warehouse gives it: all text, and about 0.5% of rows that break the
   * contract (null or duplicate ids, unparseable numbers, impossible credit scores).
   */
  @Override
  Dataset<Row> extract(Dataset<Row> customers) {
    Draws d = new Draws(seed, "id");
    Column corrupt = d.uniform("corrupt");
    Column idText = SampleTables.extractId(corrupt, "L");
    Column scoreText = when(corrupt.geq(0.002).and(corrupt.lt(0.003)), lit("999"))
        .when(corrupt.geq(0.003).and(corrupt.lt(0.004)), lit("N/A"))
        .otherwise(col("credit_score").cast("string"));
    Column dtiText = when(corrupt.geq(0.004).and(corrupt.lt(0.005)), format_string("%.1f%%", col("debt_to_income_ratio").multiply(100)))
        .otherwise(col("debt_to_income_ratio").cast("string"));
    Column inflow = round(col("income").divide(12).multiply(d.uniform("inflow").multiply(0.2).plus(0.9)), 2);
    Column transactions = format_string("{\"avg_monthly_inflow\":%.2f,\"avg_monthly_outflow\":%.2f,\"overdrafts_12m\":%d}",
        inflow, inflow.multiply(lit(1).minus(col("savings_rate"))), col("overdrafts_12m"));
    return customers.select(
        idText.as("customer_id"),
        lit("US").as("marketplace"),
        col("state"),
        col("identity_verified").cast("string").as("identity_verified"),
        col("account_status"),
        scoreText.as("credit_score"),
        col("income").cast("long").cast("string").as("income"),
        col("income_history"),
        dtiText.as("debt_to_income_ratio"),
        col("account_age").cast("string").as("account_age"),
        col("deposit_balance").cast("string").as("deposit_balance"),
        transactions.as("transaction_history"),
        col("existing_loans").cast("string").as("existing_loans"),
        col("payment_history"),
        col("employment_status"),
        col("employment_months").cast("string").as("employment_months"),
        col("ofac_match").cast("string").as("ofac_match"),
        col("prescreen_opt_out").cast("string").as("prescreen_opt_out"),
        col("gender"),
        col("age").cast("string").as("age"),
        col("marital_status"));
  }

  /**
   * Past offers: recent ones (within 90 days) for the customers the eligibility filter must
   * remove, older ones for others, and recent contacts by another program that must not count.
   */
  @Override
  Dataset<Row> contactHistory(Dataset<Row> customers) {
    Draws d = new Draws(seed, "id");
    Column recent = when(col("recent_offer"), contactDaysAgo(d, PROGRAM, "email", "c-recent", 1, 89));
    Column older = when(d.uniform("c-old").lt(0.20), contactDaysAgo(d, PROGRAM, "email", "c-old-days", 90, 365));
    Column other = when(d.uniform("c-other").lt(0.10), contactDaysAgo(d, "investment-recommendations", "in-app", "c-other-days", 1, 30));
    return SampleTables.contacts(customers, recent, older, other);
  }

  /**
   * Outcomes of past offers with the features as they were then, over a broader population than
   * today's candidates: whether the application was approved (loan-approval model) and whether
   * the loan defaulted within a year (default-risk model).
   */
  Dataset<Row> history(long historyRows) {
    Draws d = new Draws(seed + 1, "id");
    Dataset<Row> features = spark.range(0, historyRows, 1, SampleTables.partitions(historyRows)).toDF("id")
        .withColumn("credit_score", d.integer("score", 560, 850).cast("int"))
        .withColumn("income", income(d))
        .withColumn("debt_to_income_ratio", round(d.uniform("dti").multiply(0.55).plus(0.05), 3))
        .withColumn("late_payments_12m", d.pick("late", List.of("0", "1", "2", "3"), 0.80, 0.12, 0.05, 0.03).cast("int"))
        .withColumn("existing_loans", d.integer("loans", 0, 4).cast("int"))
        .withColumn("account_age", d.integer("account-age", 6, 240).cast("int"))
        .withColumn("deposit_balance", round(exp(d.normal("deposits").plus(Math.log(12_000))), 2))
        .withColumn("savings_rate", round(least(greatest(d.normal("savings").multiply(0.08).plus(0.12), lit(-0.2)), lit(0.5)), 4))
        .withColumn("overdrafts_12m", d.pick("overdrafts", List.of("0", "1", "2", "3"), 0.70, 0.22, 0.06, 0.02).cast("int"))
        .withColumn("gender", d.pick("gender", List.of("female", "male", "non-binary"), 0.49, 0.49, 0.02))
        .withColumn("age", d.integer("age", 21, 80).cast("int"));
    Column approvalLogit = lit(-11.1)
        .plus(col("credit_score").multiply(0.017))
        .minus(col("debt_to_income_ratio").minus(0.25).multiply(5))
        .minus(col("late_payments_12m").multiply(1.2))
        .plus(log(col("income").divide(75_000)).multiply(0.5))
        .minus(col("existing_loans").multiply(0.25));
    Column defaultLogit = lit(-3.0)
        .minus(log(col("deposit_balance").divide(12_000)).multiply(0.3))
        .minus(col("savings_rate").minus(0.12).multiply(5))
        .plus(col("overdrafts_12m").multiply(0.45))
        .minus(col("account_age").minus(60).multiply(0.004));
    return features
        .withColumn("approved", d.uniform("approved").lt(sigmoid(approvalLogit)).cast("int"))
        .withColumn("defaulted", d.uniform("defaulted").lt(sigmoid(defaultLogit)).cast("int"))
        .withColumn("customer_id", concat(lit("H"), format_string("%08d", col("id"))))
        .withColumn("offer_date", to_date(lit(runDate.minusDays(400).toString())))
        .drop("id");
  }

  private static Column sigmoid(Column logit) {
    return lit(1.0).divide(lit(1.0).plus(exp(logit.multiply(-1))));
  }
}
