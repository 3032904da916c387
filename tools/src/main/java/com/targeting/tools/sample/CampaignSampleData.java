package com.targeting.tools.sample;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.concat;
import static org.apache.spark.sql.functions.exp;
import static org.apache.spark.sql.functions.format_string;
import static org.apache.spark.sql.functions.greatest;
import static org.apache.spark.sql.functions.least;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.round;
import static org.apache.spark.sql.functions.when;

import java.util.ArrayList;
import java.util.List;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

/**
 * Promotion-campaign data with known per-customer effects (seed 003): every customer has a true
 * response probability without the promotion ({@code true_p_control}) and with it
 * ({@code true_p_treated}), decided by its features, so tests can check that learners recover the
 * true ranking. The four segments are all present, by construction from the features:
 * <ul>
 *   <li>persuadables (digitally engaged, mid income): 5-10% without, 30-50% with the offer;
 *   <li>sure things (large balances, many products): about 60% either way;
 *   <li>sleeping dogs (older branch customers, little digital use): 35% without, 15% with;
 *   <li>lost causes (the rest): 2-3% either way.
 * </ul>
 * Writes the past randomized campaign ({@code campaign_history}: features, {@code treatment}
 * "offer" or "none" at 50/50, outcome {@code converted}), this run's target population
 * ({@code customers}: features, {@code contact_cost}, {@code conversion_value}), and the
 * suppression lists {@code do_not_contact} (2%) and {@code vip} (1%). The true columns are for
 * tests and benchmarks; no model may use them.
 */
public final class CampaignSampleData {
  public static final String PROGRAM = "promotion-uplift";
  public static final List<String> NUMERIC = List.of("age", "income", "tenure_months", "digital_engagement", "balance", "num_products");
  public static final List<String> CATEGORICAL = List.of("region", "preferred_channel");

  private final SparkSession spark;
  private final long rows;
  private final long seed;

  public CampaignSampleData(SparkSession spark, long rows, long seed) {
    this.spark = spark;
    this.rows = rows;
    this.seed = seed;
  }

  public List<String> writeAll(String directory, long historyRows) {
    List<String> written = new ArrayList<>();
    Dataset<Row> customers = customers(rows, 0, seed).cache();
    try {
      written.add(SampleTables.writeCsv(customers.select(targetColumns()), directory + "/customers"));
      written.add(SampleTables.writeCsv(campaign(historyRows, seed + 1), directory + "/campaign_history"));
      Draws d = new Draws(seed, "customer_id");
      written.add(SampleTables.writeCsv(customers.where(d.uniform("dnc").lt(0.02)).select("customer_id"), directory + "/do_not_contact"));
      written.add(SampleTables.writeCsv(customers.where(d.uniform("vip").lt(0.01)).select("customer_id"), directory + "/vip"));
      return written;
    } finally {
      customers.unpersist();
    }
  }

  /** A randomized campaign of {@code count} customers (ids after the target population's), with outcomes. */
  public Dataset<Row> campaign(long count, long campaignSeed) {
    Dataset<Row> people = customers(count, rows + 1, campaignSeed);
    Draws d = new Draws(campaignSeed, "customer_id");
    Column treated = d.uniform("treatment").lt(0.5);
    Column p = when(treated, col("true_p_treated")).otherwise(col("true_p_control"));
    List<Column> columns = new ArrayList<>();
    columns.add(col("customer_id"));
    NUMERIC.forEach(c -> columns.add(col(c)));
    CATEGORICAL.forEach(c -> columns.add(col(c)));
    columns.add(when(treated, "offer").otherwise("none").as("treatment"));
    columns.add(when(d.uniform("outcome").lt(p), 1).otherwise(0).as("converted"));
    columns.add(col("true_uplift"));
    columns.add(col("true_segment"));
    return people.select(columns.toArray(Column[]::new));
  }

  private static Column[] targetColumns() {
    List<Column> columns = new ArrayList<>();
    columns.add(col("customer_id"));
    NUMERIC.forEach(c -> columns.add(col(c)));
    CATEGORICAL.forEach(c -> columns.add(col(c)));
    for (String c : List.of("contact_cost", "conversion_value", "true_p_treated", "true_p_control", "true_uplift", "true_segment")) {
      columns.add(col(c));
    }
    return columns.toArray(Column[]::new);
  }

  /** Customers with ids from {@code firstId}, features, costs, values and their true response probabilities. */
  Dataset<Row> customers(long count, long firstId, long customerSeed) {
    Draws d = new Draws(customerSeed, "id");
    Dataset<Row> base = spark.range(firstId, firstId + count, 1, SampleTables.partitions(count))
        .withColumn("customer_id", concat(lit("P"), format_string("%08d", col("id"))))
        .withColumn("age", d.integer("age", 18, 80))
        .withColumn("income", greatest(round(exp(d.normal("income").multiply(0.5).plus(Math.log(60_000))), 0), lit(12_000.0)))
        .withColumn("tenure_months", d.integer("tenure", 1, 240))
        .withColumn("digital_engagement", round(d.uniform("digital"), 3))
        .withColumn("balance", round(exp(d.normal("balance").multiply(1.2).plus(Math.log(8_000))), 2))
        .withColumn("num_products", d.integer("products", 1, 6))
        .withColumn("region", d.pick("region", List.of("north", "south", "central", "coast"), 3, 3, 2, 2))
        .withColumn("preferred_channel", d.pick("channel", List.of("app", "email", "branch"), 4, 4, 2));
    Column digital = col("digital_engagement");
    Column income = col("income");
    // Which segment a customer is in follows from the features (a little noise at the edges).
    Column persuadableScore = digital.multiply(2.0).plus(when(income.between(30_000, 120_000), 0.8).otherwise(0.0))
        .plus(d.uniform("s1").multiply(0.6));
    Column sureScore = when(col("balance").gt(20_000), 1.6).otherwise(0.0).plus(when(col("num_products").geq(4), 0.9).otherwise(0.0))
        .plus(d.uniform("s2").multiply(0.6));
    Column sleepingScore = when(col("age").geq(60).and(col("preferred_channel").equalTo("branch")), 2.2).otherwise(0.0)
        .plus(lit(1.0).minus(digital).multiply(0.5)).plus(d.uniform("s3").multiply(0.6));
    Column lostScore = lit(1.5).plus(d.uniform("s4").multiply(0.6));
    Column best = greatest(persuadableScore, sureScore, sleepingScore, lostScore);
    Column segment = when(sleepingScore.equalTo(best), "sleeping_dog")
        .when(sureScore.equalTo(best), "sure_thing")
        .when(persuadableScore.equalTo(best), "persuadable")
        .otherwise("lost_cause");
    Dataset<Row> segmented = base.withColumn("true_segment", segment);
    Column s = col("true_segment");
    Column pControl = when(s.equalTo("persuadable"), lit(0.05).plus(digital.multiply(0.05)))
        .when(s.equalTo("sure_thing"), lit(0.55).plus(least(col("num_products"), lit(6)).multiply(0.015)))
        .when(s.equalTo("sleeping_dog"), lit(0.35))
        .otherwise(lit(0.02));
    Column effect = when(s.equalTo("persuadable"), lit(0.25).plus(digital.multiply(0.15)))
        .when(s.equalTo("sure_thing"), lit(0.02))
        .when(s.equalTo("sleeping_dog"), lit(-0.20))
        .otherwise(lit(0.01));
    Column channelCost = when(col("preferred_channel").equalTo("branch"), 12.0)
        .when(col("preferred_channel").equalTo("app"), 2.0).otherwise(1.0);
    return segmented
        .withColumn("true_p_control", round(pControl, 4))
        .withColumn("true_p_treated", round(pControl.plus(effect), 4))
        .withColumn("true_uplift", round(pControl.plus(effect), 4).minus(round(pControl, 4)))
        // The offer itself (a 5.00 voucher) plus the channel's cost of delivering it.
        .withColumn("contact_cost", lit(5.0).plus(channelCost))
        .withColumn("conversion_value", round(least(lit(600.0), lit(60.0).plus(col("balance").multiply(0.01))), 2))
        .drop("id");
  }
}
