package com.targeting.tools.sample;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.concat;
import static org.apache.spark.sql.functions.date_sub;
import static org.apache.spark.sql.functions.exp;
import static org.apache.spark.sql.functions.format_string;
import static org.apache.spark.sql.functions.least;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.round;
import static org.apache.spark.sql.functions.to_date;
import static org.apache.spark.sql.functions.when;

import com.targeting.core.source.MarketDataRefresh;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

/**
 * Deterministic sample data for the investment-recommendations program (seed 000): the Redshift
 * extract of customer investment profiles (CSV, as an UNLOAD would give it, with a small share
 * of rows that break the contract), the contact history, the opt-out list, market data, and a
 * labeled history with real signal for training the two models.
 *
 * <p>Each filter's failures are drawn independently with the conditional rate that reproduces
 * the seed's funnel: trust removes 5% of the input, investment qualification 20%, risk profile
 * 25%, eligibility 15% and regulatory compliance 5%, leaving about 30% as candidates.
 */
public final class InvestmentSampleData extends CustomerSampleData {
  public static final String PROGRAM = "investment-recommendations";
  public static final List<String> MARKETPLACES = List.of("US", "UK", "DE", "FR", "JP", "AU");
  public static final List<String> ASSET_CLASSES = List.of("alternatives", "bonds", "etfs", "mutual_funds", "stocks");

  // Conditional failure rates: 5% / 20% / 25% / 15% / 5% of the input, in chain order.
  static final double FAIL_TRUST = 0.05;
  static final double FAIL_QUALIFICATION = 0.20 / 0.95;
  static final double FAIL_RISK = 0.25 / 0.75;
  static final double FAIL_ELIGIBILITY = 0.15 / 0.50;
  static final double FAIL_REGULATORY = 0.05 / 0.35;

  // Market snapshots: the 30 days up to the run date, and one after it (which no run may use).
  static final int MARKET_DAYS_BEFORE = 29;
  static final int MARKET_DAYS_AFTER = 1;

  public InvestmentSampleData(SparkSession spark, long rows, long seed, LocalDate runDate) {
    super(spark, rows, seed, runDate, PROGRAM, "loan-offer-targeting", "customer_investment_profiles");
  }

  @Override
  List<String> writeOwn(String directory, long historyRows) {
    List<String> written = new ArrayList<>();
    // The vendor extract that refresh-market-data reads, and the table it writes (the enrichment's),
    // holding the same snapshots so that a fresh clone runs without a refresh first.
    Dataset<Row> market = marketData();
    written.add(SampleTables.writeCsv(market, directory + "/market_data_extract"));
    MarketDataRefresh.writeSnapshots(market, directory + "/market_data", runDate.minusDays(MARKET_DAYS_BEFORE),
        runDate.plusDays(MARKET_DAYS_AFTER));
    written.add(directory + "/market_data");
    written.add(SampleTables.writeCsv(history(historyRows), directory + "/investment_history"));
    return written;
  }

  /** Clean customer profiles with the hidden draws that decide which filter (if any) fails them. */
  @Override
  Dataset<Row> customers() {
    Draws d = new Draws(seed, "id");
    Column runDay = lit(runDate.toString()).cast("date");
    Dataset<Row> base = spark.range(0, rows, 1, SampleTables.partitions(rows)).toDF("id");

    Draws.Failure trust = d.failure("trust", FAIL_TRUST);
    Draws.Failure qualification = d.failure("qual", FAIL_QUALIFICATION);
    Draws.Failure risk = d.failure("risk", FAIL_RISK);
    Draws.Failure eligibility = d.failure("elig", FAIL_ELIGIBILITY);
    Draws.Failure regulatory = d.failure("reg", FAIL_REGULATORY);

    Column income = round(exp(d.normal("income").multiply(0.55).plus(Math.log(85_000))), 0);
    Column idleCash = round(exp(d.normal("idle").multiply(0.9).plus(Math.log(30_000))).plus(5_001), 2);
    Column riskTolerance = d.pick("risk", List.of("conservative", "moderate", "aggressive"), 0.35, 0.45, 0.20);
    Column stocksPct = d.integer("alloc-stocks", 0, 90);
    Column bondsPct = least(lit(100).minus(stocksPct), d.integer("alloc-bonds", 0, 100));

    return base
        .withColumn("customer_id", format_string("C%08d", col("id")))
        .withColumn("marketplace", d.pick("market", MARKETPLACES, 0.40, 0.15, 0.12, 0.10, 0.13, 0.10))
        .withColumn("gender", d.pick("gender", List.of("female", "male", "non-binary"), 0.49, 0.49, 0.02))
        .withColumn("identity_verified", when(trust.fails().and(trust.mode().lt(0.6)), false).otherwise(true))
        .withColumn("account_status", when(trust.fails().and(trust.mode().geq(0.6)),
            d.pick("status", List.of("suspended", "closed", "dormant"), 1, 1, 1)).otherwise("active"))
        .withColumn("age", d.integer("age", 25, 80))
        .withColumn("income", income)
        .withColumn("idle_cash", when(qualification.fails().and(qualification.mode().lt(0.4)),
            round(d.uniform("idle-low").multiply(5_000), 2)).otherwise(idleCash))
        .withColumn("account_balance", round(col("idle_cash").plus(exp(d.normal("invested").plus(Math.log(40_000)))), 2))
        .withColumn("account_open_date", date_sub(runDay,
            when(qualification.fails().and(qualification.mode().geq(0.4)).and(qualification.mode().lt(0.75)),
                d.integer("age-new", 0, 179)).otherwise(d.integer("age-old", 180, 7_300)).cast("int")))
        .withColumn("investment_experience",
            when(qualification.fails().and(qualification.mode().geq(0.75)), lit(null).cast("string"))
                .otherwise(d.pick("experience", List.of("limited", "moderate", "extensive"), 0.4, 0.4, 0.2)))
        .withColumn("risk_tolerance", when(risk.fails().and(risk.mode().lt(0.35)), lit(null).cast("string"))
            .when(regulatory.fails().and(regulatory.mode().geq(0.4)).and(regulatory.mode().lt(0.7)), "aggressive")
            .otherwise(riskTolerance))
        .withColumn("investment_goals", when(risk.fails().and(risk.mode().geq(0.35)).and(risk.mode().lt(0.7)), lit(null).cast("string"))
            .otherwise(d.pick("goals", List.of("growth", "income", "preservation", "retirement", "education"), 0.35, 0.2, 0.15, 0.2, 0.1)))
        .withColumn("time_horizon", when(risk.fails().and(risk.mode().geq(0.7)), d.integer("horizon-short", 30, 364))
            .otherwise(d.integer("horizon", 365, 30 * 365)))
        .withColumn("portfolio_allocation", format_string("{\"stocks\":%d,\"bonds\":%d,\"cash\":%d}",
            stocksPct, bondsPct, lit(100).minus(stocksPct).minus(bondsPct)))
        .withColumn("kyc_status", when(regulatory.fails().and(regulatory.mode().lt(0.4)),
            d.pick("kyc", List.of("pending", "expired", "failed"), 1, 1, 1)).otherwise("verified"))
        .withColumn("accredited_investor",
            when(regulatory.fails().and(regulatory.mode().geq(0.4)).and(regulatory.mode().lt(0.7)), false)
                .when(col("risk_tolerance").equalTo("aggressive"), true)
                .otherwise(d.uniform("accredited").lt(0.15)))
        .withColumn("suitability_assessed", when(regulatory.fails().and(regulatory.mode().geq(0.7)), false).otherwise(true))
        .withColumn("recent_contact", eligibility.fails().and(eligibility.mode().lt(2.0 / 3)))
        .withColumn("opted_out", eligibility.fails().and(eligibility.mode().geq(2.0 / 3)));
  }

  /**
   * The extract as the warehouse gives it: all text, and about 0.6% of rows that break the
   * contract (null or duplicate ids, negative balances, unparseable numbers).
   */
  @Override
  Dataset<Row> extract(Dataset<Row> customers) {
    Draws d = new Draws(seed, "id");
    Column corrupt = d.uniform("corrupt");
    Column idText = SampleTables.extractId(corrupt, "C");
    Column balance = when(corrupt.geq(0.002).and(corrupt.lt(0.0035)), col("account_balance").multiply(-1))
        .otherwise(col("account_balance"));
    Column incomeText = when(corrupt.geq(0.0035).and(corrupt.lt(0.005)), lit("n/a"))
        .otherwise(col("income").cast("long").cast("string"));
    Column idleText = when(corrupt.geq(0.005).and(corrupt.lt(0.006)), format_string("%,.2f", col("idle_cash")))
        .otherwise(col("idle_cash").cast("string"));
    return customers.select(
        idText.as("customer_id"),
        col("marketplace"),
        col("gender"),
        col("account_status"),
        col("identity_verified").cast("string").as("identity_verified"),
        col("account_open_date").cast("string").as("account_open_date"),
        balance.cast("string").as("account_balance"),
        idleText.as("idle_cash"),
        col("risk_tolerance"),
        col("investment_goals"),
        col("portfolio_allocation"),
        col("age").cast("string").as("age"),
        incomeText.as("income"),
        col("investment_experience"),
        col("time_horizon").cast("string").as("time_horizon"),
        col("kyc_status"),
        col("accredited_investor").cast("string").as("accredited_investor"),
        col("suitability_assessed").cast("string").as("suitability_assessed"));
  }

  /**
   * Past contacts: recent ones for the customers the eligibility filter must remove, older ones
   * for others, and recent contacts by another program that must not count.
   */
  @Override
  Dataset<Row> contactHistory(Dataset<Row> customers) {
    Draws d = new Draws(seed, "id");
    Column recent = when(col("recent_contact"), contactDaysAgo(d, PROGRAM, "email", "c-recent", 1, 6));
    Column older = when(d.uniform("c-old").lt(0.30), contactDaysAgo(d, PROGRAM, "in-app", "c-old-days", 7, 90));
    Column other = when(d.uniform("c-other").lt(0.10), contactDaysAgo(d, "loan-offer-targeting", "email", "c-other-days", 0, 6));
    return SampleTables.contacts(customers, recent, older, other);
  }

  /** Daily market snapshots per marketplace for the 30 days up to the run date, and one after it. */
  Dataset<Row> marketData() {
    List<Row> snapshots = new ArrayList<>();
    java.util.Random random = new java.util.Random(seed);
    String[] conditions = {"bullish", "neutral", "bearish"};
    for (String marketplace : MARKETPLACES) {
      for (int day = -MARKET_DAYS_BEFORE; day <= MARKET_DAYS_AFTER; day++) {
        snapshots.add(RowFactory.create(
            marketplace,
            runDate.plusDays(day).toString(),
            conditions[random.nextInt(conditions.length)],
            Math.round((random.nextGaussian() * 4 + 2) * 100) / 100.0,
            Math.round((12 + random.nextDouble() * 20) * 100) / 100.0));
      }
    }
    StructType schema = new StructType()
        .add("marketplace", DataTypes.StringType)
        .add("as_of_date", DataTypes.StringType)
        .add("market_conditions", DataTypes.StringType)
        .add("sector_performance", DataTypes.DoubleType)
        .add("volatility_index", DataTypes.DoubleType);
    return spark.createDataFrame(snapshots, schema).coalesce(1);
  }

  /**
   * Labeled outcomes of past recommendations, with the features as they were: whether the
   * customer invested (suitability) and which asset class they chose (portfolio optimization).
   */
  Dataset<Row> history(long historyRows) {
    Draws d = new Draws(seed + 1, "id");
    Column experience = d.pick("experience", List.of("limited", "moderate", "extensive"), 0.4, 0.4, 0.2);
    Column goals = d.pick("goals", List.of("growth", "income", "preservation", "retirement", "education"), 0.35, 0.2, 0.15, 0.2, 0.1);
    Column risk = d.pick("risk", List.of("conservative", "moderate", "aggressive"), 0.35, 0.45, 0.20);
    Column conditions = d.pick("conditions", List.of("bullish", "neutral", "bearish"), 1, 1, 1);
    Dataset<Row> features = spark.range(0, historyRows, 1, SampleTables.partitions(historyRows)).toDF("id")
        .withColumn("age", d.integer("age", 25, 80))
        .withColumn("income", round(exp(d.normal("income").multiply(0.55).plus(Math.log(85_000))), 0))
        .withColumn("idle_cash", round(exp(d.normal("idle").multiply(0.9).plus(Math.log(30_000))).plus(5_001), 2))
        .withColumn("time_horizon", d.integer("horizon", 365, 30 * 365))
        .withColumn("account_age_days", d.integer("account-age", 180, 7_300))
        .withColumn("investment_experience", experience)
        .withColumn("investment_goals", goals)
        .withColumn("risk_tolerance", risk)
        .withColumn("marketplace", d.pick("market", MARKETPLACES, 0.40, 0.15, 0.12, 0.10, 0.13, 0.10))
        .withColumn("gender", d.pick("gender", List.of("female", "male", "non-binary"), 0.49, 0.49, 0.02))
        .withColumn("portfolio_stocks_pct", d.integer("alloc-stocks", 0, 90))
        .withColumn("portfolio_bonds_pct", least(lit(100).minus(col("portfolio_stocks_pct")), d.integer("alloc-bonds", 0, 100)))
        .withColumn("market_conditions", conditions)
        .withColumn("sector_performance", round(d.normal("sector").multiply(4).plus(2), 2))
        .withColumn("volatility_index", round(d.uniform("vix").multiply(20).plus(12), 2));

    Column experienceScore = when(col("investment_experience").equalTo("extensive"), 1.2)
        .when(col("investment_experience").equalTo("moderate"), 0.6).otherwise(-0.4);
    Column goalScore = when(col("investment_goals").equalTo("growth"), 0.7)
        .when(col("investment_goals").equalTo("retirement"), 0.4)
        .when(col("investment_goals").equalTo("preservation"), -0.5).otherwise(0.0);
    Column logit = lit(-1.1)
        .plus(experienceScore)
        .plus(goalScore)
        .plus(org.apache.spark.sql.functions.log(col("idle_cash").divide(30_000)).multiply(0.5))
        .plus(col("time_horizon").divide(365 * 10.0).multiply(0.6))
        .minus(col("age").minus(45).divide(20.0).multiply(0.4))
        .plus(col("volatility_index").minus(22).divide(10.0).multiply(-0.3));
    Column invested = d.uniform("invested").lt(lit(1.0).divide(lit(1.0).plus(exp(logit.multiply(-1)))));

    // Asset-class choice: a softmax over utilities driven by risk tolerance, age and the market.
    Column aggressive = when(col("risk_tolerance").equalTo("aggressive"), 1.0).otherwise(0.0);
    Column conservative = when(col("risk_tolerance").equalTo("conservative"), 1.0).otherwise(0.0);
    Column bullish = when(col("market_conditions").equalTo("bullish"), 1.0).otherwise(0.0);
    Column older = col("age").minus(50).divide(15.0);
    Column[] utilities = {
        aggressive.multiply(1.6).minus(conservative.multiply(1.5)).minus(0.8),           // alternatives
        conservative.multiply(1.8).plus(older.multiply(0.6)).minus(bullish.multiply(0.4)), // bonds
        lit(0.4).plus(bullish.multiply(0.3)).minus(older.multiply(0.2)),                  // etfs
        conservative.multiply(0.6).plus(older.multiply(0.3)),                              // mutual_funds
        aggressive.multiply(1.2).plus(bullish.multiply(0.8)).minus(conservative.multiply(1.0)).plus(col("portfolio_stocks_pct").divide(100.0)) // stocks
    };
    Column total = lit(0.0);
    for (Column utility : utilities) {
      total = total.plus(exp(utility));
    }
    Column u = d.uniform("asset-class").multiply(total);
    Column cumulative = lit(0.0);
    Column choice = null;
    for (int i = 0; i < utilities.length - 1; i++) {
      cumulative = cumulative.plus(exp(utilities[i]));
      choice = choice == null ? when(u.lt(cumulative), ASSET_CLASSES.get(i)) : choice.when(u.lt(cumulative), ASSET_CLASSES.get(i));
    }
    choice = choice.otherwise(ASSET_CLASSES.get(utilities.length - 1));

    return features
        .withColumn("invested", invested.cast("int"))
        .withColumn("preferred_asset_class", choice)
        .withColumn("customer_id", concat(lit("H"), format_string("%08d", col("id"))))
        .withColumn("decision_date", to_date(lit(runDate.minusDays(60).toString())))
        .drop("id");
  }
}
