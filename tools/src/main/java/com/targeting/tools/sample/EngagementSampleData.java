package com.targeting.tools.sample;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.date_sub;
import static org.apache.spark.sql.functions.exp;
import static org.apache.spark.sql.functions.format_string;
import static org.apache.spark.sql.functions.greatest;
import static org.apache.spark.sql.functions.least;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.log1p;
import static org.apache.spark.sql.functions.round;
import static org.apache.spark.sql.functions.when;

import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

/**
 * Deterministic sample data for the engagement-prediction program (seed 002): the weekly extract
 * of marketplace customers (CSV, all text: 42 attributes over social, gig, professional and
 * account activity, the protected attributes age, gender and race, and the account and privacy
 * flags the filters read, with a small share of rows that break the contract), and a labeled
 * history with the same attributes and what followed: the engagement score of the next 30 days
 * (daily-active share, 0-1), whether the customer churned within 30 days, and the lifetime value
 * in USD.
 *
 * <p>The attributes are drawn from four hidden traits per customer (activity, and social, gig and
 * professional leaning, correlated with activity), each attribute a noisy, skewed function of one
 * or two traits. The labels are functions of the observed attributes plus noise, sized so that a
 * good model reaches the seed's targets (engagement RMSE below 0.15, churn AUC-ROC above 0.85,
 * lifetime-value R² above 0.75) but a constant or a single attribute does not. The labels do not
 * depend on the protected attributes.
 *
 * <p>About 1% of today's customers carry an injected anomaly of a known kind, listed in
 * {@code anomaly_labels} ({@link #injectAnomalies}); the history has none.
 *
 * <p>Filters: 3% of customers fail trust (account suspended, banned or closed), 2% privacy
 * (deletion requested, or objected to profiling), 4% eligibility (accounts under 14 days old).
 */
public final class EngagementSampleData {
  public static final String PROGRAM = "engagement-prediction";
  static final List<String> INDUSTRIES = List.of("technology", "design", "marketing", "finance", "healthcare",
      "education", "retail", "media", "construction", "hospitality");

  private final SparkSession spark;
  private final long rows;
  private final long seed;
  private final LocalDate runDate;

  public EngagementSampleData(SparkSession spark, long rows, long seed, LocalDate runDate) {
    this.spark = spark;
    this.rows = rows;
    this.seed = seed;
    this.runDate = runDate;
  }

  /**
   * Writes under {@code directory} the extract ({@code customer_activity}) and the labeled history
   * in two tables, by a draw per row: {@code engagement_history} (80%, the training rows) and
   * {@code engagement_holdout} (20%, the held-out rows every model and a peer are measured on).
   */
  public List<String> writeAll(String directory, long historyRows) {
    List<String> written = new ArrayList<>();
    Dataset<Row> customers = customers().cache();
    try {
      written.add(SampleTables.writeCsv(extract(customers), directory + "/customer_activity"));
      written.add(SampleTables.writeCsv(customers.where(col("anomaly_kind").isNotNull()).select("customer_id", "anomaly_kind"),
          directory + "/anomaly_labels"));
      written.add(SampleTables.writeCsv(gigApplications(customers), directory + "/gig_applications"));
      written.add(SampleTables.writeCsv(interventions(customers), directory + "/interventions"));
      Dataset<Row> history = history(historyRows).cache();
      try {
        Column holdout = col("holdout");
        written.add(SampleTables.writeCsv(history.where(org.apache.spark.sql.functions.not(holdout)).drop("holdout", "id", "mood"),
            directory + "/engagement_history"));
        written.add(SampleTables.writeCsv(history.where(holdout).drop("holdout", "id", "mood"), directory + "/engagement_holdout"));
        // Today's customers' messages of the last 30 days, and the history's before the day each was observed.
        written.add(SampleTables.writeCsv(messages(customers, lit(runDate.toString()).cast("date"), 13)
            .unionByName(messages(history, col("observed_date"), 17)), directory + "/messages"));
      } finally {
        history.unpersist();
      }
    } finally {
      customers.unpersist();
    }
    Dataset<Row> labeled = SampleMessages.labeled(spark, LABELED_MESSAGES, seed + 19).cache();
    try {
      written.add(SampleTables.writeCsv(labeled.where(col("holdout").unary_$bang()).drop("holdout"), directory + "/labeled_messages"));
      written.add(SampleTables.writeCsv(labeled.where(col("holdout")).drop("holdout"), directory + "/labeled_messages_holdout"));
    } finally {
      labeled.unpersist();
    }
    return written;
  }

  private static Column count(Column logMean) {
    return greatest(round(exp(logMean).minus(1)), lit(0.0)).cast("int");
  }

  private static Column clip(Column value, double low, double high) {
    return least(greatest(value, lit(low)), lit(high));
  }

  private static Column sigmoid(Column logit) {
    return lit(1.0).divide(lit(1.0).plus(exp(logit.multiply(-1))));
  }

  /**
   * The 42 attributes of {@code ids} (a frame with an {@code id} column), drawn with {@code d},
   * as typed columns; {@code tenure_days} is drawn by the caller.
   */
  private Dataset<Row> attributes(Dataset<Row> ids, Draws d) {
    Dataset<Row> traits = ids
        .withColumn("act", d.normal("act"))
        .withColumn("soc", col("act").multiply(0.5).plus(d.normal("soc").multiply(0.87)))
        .withColumn("gig", col("act").multiply(0.4).plus(d.normal("gig").multiply(0.92)))
        .withColumn("pro", col("act").multiply(0.3).plus(d.normal("pro").multiply(0.95)))
        // Satisfaction: shows only in the tone of the customer's messages (and in churn).
        .withColumn("mood", d.normal("mood"));
    Column act = col("act");
    Column soc = col("soc");
    Column gig = col("gig");
    Column pro = col("pro");
    // Paid plans lean professional and gig-heavy.
    Column planLeaning = pro.multiply(0.6).plus(gig.multiply(0.4)).plus(d.normal("plan").multiply(0.5));
    return traits
        // Account
        .withColumn("logins_30d", count(lit(2.2).plus(act.multiply(0.9)).plus(d.normal("logins").multiply(0.3))))
        .withColumn("sessions_30d", round(col("logins_30d").multiply(d.uniform("sessions").multiply(1.5).plus(1))).cast("int"))
        .withColumn("avg_session_minutes", round(exp(lit(2.3).plus(act.multiply(0.3)).plus(d.normal("minutes").multiply(0.4))), 1))
        .withColumn("days_since_last_active", clip(count(lit(1.4).minus(act.multiply(1.1)).plus(d.normal("idle").multiply(0.5))), 0, 365)
            .cast("int"))
        .withColumn("last_active_date", date_sub(lit(runDate.toString()).cast("date"), col("days_since_last_active")))
        .withColumn("device_type", d.pick("device", List.of("ios", "android", "web"), 0.45, 0.40, 0.15))
        .withColumn("plan_type", when(planLeaning.gt(1.3), "pro").when(planLeaning.gt(0.5), "plus").otherwise("free"))
        .withColumn("notifications_enabled", d.uniform("notify").lt(0.7))
        .withColumn("support_tickets_90d", d.pick("tickets", List.of("0", "1", "2", "3"), 0.75, 0.15, 0.07, 0.03).cast("int"))
        // Social
        .withColumn("followers", count(lit(4.0).plus(soc.multiply(1.2)).plus(d.normal("followers").multiply(0.5))))
        .withColumn("following", count(lit(4.2).plus(soc.multiply(0.6)).plus(d.normal("following").multiply(0.5))))
        .withColumn("posts_30d", count(lit(1.0).plus(soc.multiply(0.9)).plus(act.multiply(0.3)).plus(d.normal("posts").multiply(0.4))))
        .withColumn("avg_likes_per_post", when(col("posts_30d").gt(0),
            round(col("followers").multiply(0.03).multiply(exp(d.normal("likes").multiply(0.5))), 1)).otherwise(0.0))
        .withColumn("virality_score", round(sigmoid(soc.multiply(0.8).plus(d.normal("viral")).minus(1.5)), 3))
        .withColumn("shares_30d", round(col("posts_30d").multiply(col("virality_score")).multiply(5)).cast("int"))
        .withColumn("comments_30d", count(lit(1.2).plus(soc.multiply(0.8)).plus(d.normal("comments").multiply(0.5))))
        .withColumn("messages_sent_30d", count(lit(2.0).plus(act.multiply(0.7)).plus(soc.multiply(0.3)).plus(d.normal("sent").multiply(0.5))))
        .withColumn("messages_received_30d", round(col("messages_sent_30d").multiply(d.uniform("received").multiply(0.6).plus(0.7))).cast("int"))
        .withColumn("communities_joined", count(lit(1.0).plus(soc.multiply(0.6)).plus(d.normal("communities").multiply(0.5))))
        .withColumn("community_posts_30d", round(col("communities_joined").multiply(exp(soc.multiply(0.5)
            .plus(d.normal("community-posts").multiply(0.5)))).multiply(0.5)).cast("int"))
        // Gig
        .withColumn("gigs_posted_90d", count(lit(0.4).plus(gig.multiply(0.8)).plus(d.normal("posted").multiply(0.6))))
        .withColumn("gigs_applied_90d", count(lit(1.2).plus(gig.multiply(0.9)).plus(act.multiply(0.2)).plus(d.normal("applied").multiply(0.5))))
        .withColumn("gig_completion_rate", when(col("gigs_applied_90d").gt(0),
            round(sigmoid(lit(0.3).plus(gig.multiply(0.5)).plus(d.normal("completion").multiply(0.8))), 3)))
        .withColumn("gigs_completed_90d", when(col("gigs_applied_90d").gt(0),
            round(col("gigs_applied_90d").multiply(col("gig_completion_rate"))).cast("int")).otherwise(0))
        .withColumn("avg_gig_rating", when(col("gigs_completed_90d").gt(0),
            round(clip(lit(4.2).plus(gig.multiply(0.25)).plus(d.normal("rating").multiply(0.4)), 1, 5), 2)))
        .withColumn("gig_earnings_90d_usd", round(col("gigs_completed_90d").multiply(exp(lit(4.5).plus(pro.multiply(0.3))
            .plus(d.normal("earnings").multiply(0.5)))), 2))
        .withColumn("gig_spend_90d_usd", round(col("gigs_posted_90d").multiply(exp(lit(4.3).plus(d.normal("spend").multiply(0.5)))), 2))
        .withColumn("transactions_90d", col("gigs_completed_90d").plus(col("gigs_posted_90d")).plus(d.integer("purchases", 0, 3)).cast("int"))
        .withColumn("disputes_90d", when(col("transactions_90d").gt(0),
            d.pick("disputes", List.of("0", "1", "2"), 0.90, 0.07, 0.03)).otherwise("0").cast("int"))
        .withColumn("response_time_hours", round(exp(lit(1.5).minus(act.multiply(0.5)).plus(d.normal("response").multiply(0.6))), 1))
        .withColumn("portfolio_items", count(lit(0.6).plus(gig.multiply(0.6)).plus(d.normal("portfolio").multiply(0.6))))
        // Professional
        .withColumn("connections", count(lit(4.5).plus(pro.multiply(1.0)).plus(d.normal("connections").multiply(0.5))))
        .withColumn("connection_requests_30d", count(lit(1.0).plus(pro.multiply(0.7)).plus(act.multiply(0.3))
            .plus(d.normal("requests").multiply(0.5))))
        .withColumn("profile_views_30d", count(lit(2.0).plus(pro.multiply(0.8)).plus(act.multiply(0.3)).plus(d.normal("views").multiply(0.5))))
        .withColumn("search_appearances_30d", count(lit(3.0).plus(pro.multiply(0.7)).plus(d.normal("search").multiply(0.5))))
        .withColumn("endorsements", count(lit(1.5).plus(pro.multiply(0.9)).plus(d.normal("endorsements").multiply(0.6))))
        .withColumn("skills_count", clip(round(lit(8).plus(pro.multiply(5)).plus(d.normal("skills").multiply(4))), 0, 50).cast("int"))
        .withColumn("industry", d.pick("industry", INDUSTRIES, 18, 10, 12, 9, 8, 8, 10, 9, 8, 8))
        .withColumn("seniority", d.pick("seniority", List.of("entry", "mid", "senior", "executive"), 0.35, 0.40, 0.20, 0.05))
        .withColumn("job_applications_30d", count(lit(0.6).minus(pro.multiply(0.2)).plus(d.normal("job-apps").multiply(0.6))))
        .withColumn("profile_completeness", round(clip(lit(0.6).plus(pro.multiply(0.15)).plus(d.normal("complete").multiply(0.12)), 0, 1), 2));
  }

  /**
   * The engagement index the labels share, from observed attributes only: recent logins and
   * sessions, days since last active, posting, messaging and gig activity.
   */
  private static Column engagementIndex() {
    return lit(-0.3)
        .plus(log1p(col("logins_30d")).minus(2.4).multiply(0.55))
        .plus(log1p(col("sessions_30d")).minus(2.9).multiply(0.30))
        .minus(log1p(col("days_since_last_active")).minus(1.3).multiply(0.45))
        .plus(log1p(col("posts_30d")).minus(1.1).multiply(0.20))
        .plus(log1p(col("messages_sent_30d")).minus(2.1).multiply(0.20))
        .plus(log1p(col("gigs_applied_90d")).minus(1.3).multiply(0.15))
        .plus(col("notifications_enabled").cast("int").minus(0.7).multiply(0.15));
  }

  /**
   * Past customers with their attributes as they were and what followed: {@code engagement_score}
   * (0-1), {@code churn_30_day} (0/1) and {@code lifetime_value_usd}.
   */
  Dataset<Row> history(long historyRows) {
    Draws d = new Draws(seed + 1, "id");
    Dataset<Row> customers = attributes(spark.range(0, historyRows, 1, SampleTables.partitions(historyRows)).toDF("id")
        .withColumn("tenure_days", d.integer("tenure", 14, 2_500).cast("int")), d);
    Column index = col("engagement_index");
    // Churn: the engagement index, and friction and attachment an engagement model does not see
    // as much of (disputes, tickets, a free plan, few connections, slow replies, low ratings, job
    // hunting). About 21% churn; no single attribute ranks churners with an AUC above 0.79.
    Column churnLogit = lit(-3.8)
        .minus(index.multiply(0.7))
        .plus(col("disputes_90d").multiply(0.7))
        .plus(col("support_tickets_90d").multiply(0.45))
        .plus(when(col("plan_type").equalTo("free"), 0.7).otherwise(0.0))
        .minus(log1p(col("tenure_days")).minus(6.5).multiply(0.45))
        .minus(log1p(col("connections")).minus(4.5).multiply(0.45))
        .plus(log1p(col("response_time_hours")).minus(1.5).multiply(0.5))
        .minus(col("profile_completeness").minus(0.6).multiply(3))
        .plus(log1p(col("job_applications_30d")).multiply(0.5))
        .plus(when(col("avg_gig_rating").lt(3.8), 0.8).otherwise(0.0))
        // An unhappy customer leaves: seen only through the sentiment of their messages.
        .minus(col("mood").multiply(0.6));
    // Lifetime value: log-normal around the plan, gig money, engagement and tenure (median about
    // 54 USD, mean about 150, a long right tail).
    Column ltvLog = lit(3.3)
        .plus(when(col("plan_type").equalTo("pro"), 1.2).when(col("plan_type").equalTo("plus"), 0.6).otherwise(0.0))
        .plus(log1p(col("gig_earnings_90d_usd")).multiply(0.12))
        .plus(log1p(col("gig_spend_90d_usd")).multiply(0.08))
        .plus(index.multiply(0.5))
        .plus(log1p(col("tenure_days")).minus(6.5).multiply(0.35));
    return customers
        .withColumn("engagement_index", engagementIndex())
        .withColumn("engagement_score", round(clip(sigmoid(index).plus(d.normal("eng-noise").multiply(0.13)), 0, 1), 4))
        .withColumn("churn_30_day", d.uniform("churned").lt(sigmoid(churnLogit)).cast("int"))
        .withColumn("lifetime_value_usd", round(exp(ltvLog.plus(d.normal("ltv-noise").multiply(0.33))), 2))
        .withColumn("gender", d.pick("gender", List.of("female", "male", "non-binary"), 0.48, 0.49, 0.03))
        .withColumn("race", d.pick("race", List.of("white", "black", "hispanic", "asian", "other"), 0.58, 0.13, 0.17, 0.07, 0.05))
        .withColumn("age", d.integer("age", 18, 75).cast("int"))
        .withColumn("customer_id", format_string("H%08d", col("id")))
        .withColumn("holdout", d.uniform("holdout").lt(0.2))
        .withColumn("observed_date", lit(runDate.minusDays(60).toString()).cast("date"))
        .drop("act", "soc", "gig", "pro", "engagement_index");
  }

  /** Today's customers, with the hidden draws that decide which filter (if any) fails them. */
  Dataset<Row> customers() {
    Draws d = new Draws(seed, "id");
    Draws.Failure trust = d.failure("trust", 0.03);
    Draws.Failure privacy = d.failure("privacy", 0.02 / 0.97);
    Draws.Failure eligibility = d.failure("elig", 0.04 / 0.95);
    Dataset<Row> ids = spark.range(0, rows, 1, SampleTables.partitions(rows)).toDF("id")
        .withColumn("tenure_days", when(eligibility.fails(), d.integer("tenure-new", 0, 13))
            .otherwise(d.integer("tenure", 14, 2_500)).cast("int"));
    return injectAnomalies(attributes(ids, d), d)
        .withColumn("customer_id", format_string("E%08d", col("id")))
        .withColumn("account_status", when(trust.fails(), d.pick("status", List.of("suspended", "banned", "closed"), 2, 1, 2))
            .otherwise("active"))
        .withColumn("deletion_requested", privacy.fails().and(privacy.mode().lt(0.4)))
        .withColumn("profiling_opt_out", privacy.fails().and(privacy.mode().geq(0.4)))
        .withColumn("gender", d.pick("gender", List.of("female", "male", "non-binary"), 0.48, 0.49, 0.03))
        .withColumn("race", d.pick("race", List.of("white", "black", "hispanic", "asian", "other"), 0.58, 0.13, 0.17, 0.07, 0.05))
        .withColumn("age", d.integer("age", 18, 75).cast("int"));
  }

  /** The share of today's customers given an anomaly of a known kind ({@link #injectAnomalies}). */
  static final double ANOMALY_SHARE = 0.01;

  /**
   * About 1% of today's customers made unusual in one of three known ways, named in {@code
   * anomaly_kind} (null for the rest; the labels the anomaly stage is measured against, written
   * as {@code anomaly_labels}): {@code message-spam} (thirty times the messages sent, twenty times
   * the connection requests, replies as before), {@code payout-fraud} (25 times the gig earnings,
   * 3 to 5 disputes, five times the transactions) and {@code fake-followers} (forty times the
   * followers and following, almost no likes). Every value stays inside the contract.
   */
  private static Dataset<Row> injectAnomalies(Dataset<Row> customers, Draws d) {
    Column kind = when(d.uniform("anomaly").lt(ANOMALY_SHARE), d.pick("anomaly-kind",
        List.of("message-spam", "payout-fraud", "fake-followers"), 1, 1, 1));
    Column spam = col("anomaly_kind").equalTo("message-spam");
    Column fraud = col("anomaly_kind").equalTo("payout-fraud");
    Column fake = col("anomaly_kind").equalTo("fake-followers");
    return customers.withColumn("anomaly_kind", kind)
        .withColumn("messages_sent_30d", when(spam, col("messages_sent_30d").multiply(30).plus(300)).otherwise(col("messages_sent_30d")).cast("int"))
        .withColumn("connection_requests_30d", when(spam, col("connection_requests_30d").multiply(20).plus(100))
            .otherwise(col("connection_requests_30d")).cast("int"))
        .withColumn("gig_earnings_90d_usd", when(fraud, round(col("gig_earnings_90d_usd").multiply(25).plus(5_000), 2))
            .otherwise(col("gig_earnings_90d_usd")))
        .withColumn("disputes_90d", when(fraud, d.integer("fraud-disputes", 3, 5)).otherwise(col("disputes_90d")).cast("int"))
        .withColumn("transactions_90d", when(fraud, col("transactions_90d").multiply(5).plus(20)).otherwise(col("transactions_90d")).cast("int"))
        .withColumn("followers", when(fake, col("followers").multiply(40).plus(5_000)).otherwise(col("followers")).cast("int"))
        .withColumn("following", when(fake, col("following").multiply(20).plus(2_000)).otherwise(col("following")).cast("int"))
        .withColumn("avg_likes_per_post", when(fake, lit(0.1)).otherwise(col("avg_likes_per_post")));
  }

  /** Labeled messages for the sentiment model: 80% to train on, 20% held out. */
  static final long LABELED_MESSAGES = 20_000;

  /**
   * Up to five messages per customer who sent any ({@code messages_sent_30d}), dated in the 30 days
   * before {@code asOf}, each positive with probability sigmoid(0.4 + 1.5 mood) (the hidden
   * satisfaction churn depends on), 0.5% without text. Columns: {@code message_id}, {@code
   * customer_id}, {@code sent_on}, {@code body}.
   */
  Dataset<Row> messages(Dataset<Row> people, Column asOf, long salt) {
    Draws d = new Draws(seed + salt, "message");
    Dataset<Row> messages = people.where(col("messages_sent_30d").gt(0))
        .select(col("id"), col("customer_id"), col("mood"), asOf.as("as_of"),
            org.apache.spark.sql.functions.explode(org.apache.spark.sql.functions.sequence(lit(1),
                least(col("messages_sent_30d"), lit(5)))).as("n"))
        .withColumn("message", col("id").multiply(10).plus(col("n")))
        .withColumn("positive", d.uniform("positive").lt(sigmoid(lit(0.4).plus(col("mood").multiply(1.5)))));
    return SampleMessages.withText(messages, d, "positive", "text")
        .withColumn("body", when(d.uniform("blank").lt(0.005), lit(null).cast("string")).otherwise(col("text")))
        .withColumn("sent_on", date_sub(col("as_of"), d.integer("days-ago", 1, 30).cast("int")))
        .withColumn("message_id", format_string("M-%s-%d", col("customer_id"), col("n")))
        .select("message_id", "customer_id", "sent_on", "body");
  }

  /** Gigs on offer: {@value #GIG_CATEGORIES} categories of {@value #GIGS_PER_CATEGORY}. */
  static final int GIG_CATEGORIES = 10;
  static final int GIGS_PER_CATEGORY = 300;

  /**
   * Each customer's gig applications of the last 90 days, as many as {@code gigs_applied_90d}:
   * 80% in the category of their industry (the n-th industry, the n-th category), the rest in
   * any; within a category, the gig's rank drawn log-uniformly (a few gigs take most applications).
   * Columns: {@code customer_id}, {@code gig_id} (G&lt;category&gt;-&lt;rank&gt;), {@code applied_on}.
   */
  Dataset<Row> gigApplications(Dataset<Row> customers) {
    Draws d = new Draws(seed + 7, "application");
    Column industry = lit(-1);
    for (int i = INDUSTRIES.size() - 1; i >= 0; i--) {
      industry = when(col("industry").equalTo(INDUSTRIES.get(i)), lit(i)).otherwise(industry);
    }
    Dataset<Row> applications = customers.where(col("gigs_applied_90d").gt(0))
        .select(col("id"), col("customer_id"), industry.as("home"),
            org.apache.spark.sql.functions.explode(org.apache.spark.sql.functions.sequence(lit(1), col("gigs_applied_90d"))).as("n"))
        .withColumn("application", col("id").multiply(1_000).plus(col("n")));
    Column category = when(d.uniform("own-category").lt(0.8), col("home")).otherwise(d.integer("any-category", 0, GIG_CATEGORIES - 1));
    Column rank = org.apache.spark.sql.functions.floor(exp(d.uniform("gig-rank").multiply(Math.log(GIGS_PER_CATEGORY))));
    return applications
        .withColumn("gig_id", format_string("G%02d-%03d", category.cast("int"), least(rank, lit(GIGS_PER_CATEGORY - 1)).cast("int")))
        .withColumn("applied_on", date_sub(lit(runDate.toString()).cast("date"), d.integer("days-ago", 1, 90).cast("int")))
        .select("customer_id", "gig_id", "applied_on");
  }

  /** The next-best-action log's actions, the last the default (no contact). */
  static final List<String> ACTIONS = List.of("discount", "feature-tip", "reconnect-message", "no-action");

  /**
   * Four earlier weekly decisions (28, 21, 14 and 7 days before the run) for a random 30% of
   * customers each, by uniform choice among {@link #ACTIONS} (propensity 0.25), with the outcome
   * (engaged within a week) drawn from a rate per segment and action: a base rate that rises with
   * activity, discounts working best for the least active, tips for the middle, reconnect messages
   * for the dormant. The segment is 1-8 by the customer's activity (the K-Means ids of the first
   * run cannot be known here: a real log holds the ids the run that decided wrote); columns
   * customer_id, segment_id, action, propensity, outcome, decided_on.
   */
  Dataset<Row> interventions(Dataset<Row> customers) {
    Draws d = new Draws(seed + 11, "intervention");
    Dataset<Row> rounds = customers.select(col("id"), col("customer_id"), col("act"),
        org.apache.spark.sql.functions.explode(org.apache.spark.sql.functions.array(lit(28), lit(21), lit(14), lit(7))).as("days_ago"))
        .withColumn("intervention", col("id").multiply(100).plus(col("days_ago")));
    Column segment = least(greatest(org.apache.spark.sql.functions.floor(col("act").multiply(2).plus(5)), lit(1)), lit(8)).cast("int");
    Column action = d.pick("action", ACTIONS, 1, 1, 1, 1);
    Column base = lit(0.04).plus(col("segment_id").multiply(0.01));
    Column lift = when(col("action").equalTo("discount"), lit(0.10).minus(col("segment_id").multiply(0.01)))
        .when(col("action").equalTo("feature-tip"), when(col("segment_id").between(3, 6), lit(0.06)).otherwise(lit(0.01)))
        .when(col("action").equalTo("reconnect-message"), when(col("segment_id").leq(2), lit(0.08)).otherwise(lit(0.0)))
        .otherwise(lit(0.0));
    return rounds.where(d.uniform("chosen").lt(0.3))
        .withColumn("segment_id", segment)
        .withColumn("action", action)
        .withColumn("propensity", lit(0.25))
        .withColumn("outcome", d.uniform("outcome").lt(base.plus(lift)).cast("int"))
        .withColumn("decided_on", date_sub(lit(runDate.toString()).cast("date"), col("days_ago")))
        .select("customer_id", "segment_id", "action", "propensity", "outcome", "decided_on");
  }

  /** The attributes in the extract's column order. */
  static final List<String> ATTRIBUTES = List.of(
      "tenure_days", "logins_30d", "sessions_30d", "avg_session_minutes", "days_since_last_active", "last_active_date",
      "device_type", "plan_type", "notifications_enabled", "support_tickets_90d",
      "followers", "following", "posts_30d", "avg_likes_per_post", "virality_score", "shares_30d", "comments_30d",
      "messages_sent_30d", "messages_received_30d", "communities_joined", "community_posts_30d",
      "gigs_posted_90d", "gigs_applied_90d", "gigs_completed_90d", "gig_completion_rate", "avg_gig_rating",
      "gig_earnings_90d_usd", "gig_spend_90d_usd", "transactions_90d", "disputes_90d", "response_time_hours", "portfolio_items",
      "connections", "connection_requests_30d", "profile_views_30d", "search_appearances_30d", "endorsements", "skills_count",
      "industry", "seniority", "job_applications_30d", "profile_completeness");

  /**
   * The extract as the warehouse gives it: all text, and about 0.6% of rows that break the
   * contract (null or duplicate ids, unparseable or negative counts, a virality score above 1).
   */
  Dataset<Row> extract(Dataset<Row> customers) {
    Draws d = new Draws(seed, "id");
    Column corrupt = d.uniform("corrupt");
    List<Column> columns = new ArrayList<>();
    columns.add(SampleTables.extractId(corrupt, "E").as("customer_id"));
    columns.add(col("account_status"));
    columns.add(col("deletion_requested").cast("string").as("deletion_requested"));
    columns.add(col("profiling_opt_out").cast("string").as("profiling_opt_out"));
    for (String attribute : ATTRIBUTES) {
      Column text = col(attribute).cast("string");
      text = switch (attribute) {
        case "logins_30d" -> when(corrupt.geq(0.002).and(corrupt.lt(0.003)), lit("n/a")).otherwise(text);
        case "followers" -> when(corrupt.geq(0.003).and(corrupt.lt(0.004)), lit("-12")).otherwise(text);
        case "virality_score" -> when(corrupt.geq(0.004).and(corrupt.lt(0.005)), lit("1.7")).otherwise(text);
        case "gig_earnings_90d_usd" -> when(corrupt.geq(0.005).and(corrupt.lt(0.006)), format_string("$%.2f", col(attribute)))
            .otherwise(text);
        default -> text;
      };
      columns.add(text.as(attribute));
    }
    columns.add(col("gender"));
    columns.add(col("race"));
    columns.add(col("age").cast("string").as("age"));
    return customers.select(columns.toArray(Column[]::new));
  }
}
