package com.targeting.core.recommend;

import static org.apache.spark.sql.functions.col;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.targeting.core.config.ConfigNode;
import com.targeting.core.decide.LearnedDecision;
import com.targeting.core.sink.PartitionedTableSink;
import com.targeting.core.sink.RunPartition;
import com.targeting.core.testing.TestSpark;
import com.typesafe.config.ConfigFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * ALS on implicit feedback with a known structure (each customer keeps to one of six item
 * categories; items' popularity is Zipf-like within and across categories): it beats the
 * popular-in-segment baseline on the time-based holdout, never recommends an item already seen,
 * and gives cold-start customers their segment's popular items.
 */
class RecommendationsTest {
  private static final LocalDate RUN_DATE = LocalDate.of(2026, 11, 30);
  private static final int CATEGORIES = 6;
  private static final int ITEMS_PER_CATEGORY = 40;

  @TempDir
  Path temp;

  private final SparkSession spark = TestSpark.session();

  /**
   * 1,500 customers (C0000-C1499) with 6 to 14 interactions over the 90 days before the run; 90% in
   * their own category (customer % 6), 10% anywhere; item rank by a log-uniform draw (Zipf-like).
   * Segments (customer % 2) do not follow the categories: popularity in a segment knows little of
   * a customer's taste. C1500-C1599 are kept customers with no interaction (cold start).
   */
  private String writeInteractions() throws Exception {
    Random random = new Random(11);
    StringBuilder csv = new StringBuilder("customer_id,gig_id,applied_on\n");
    for (int customer = 0; customer < 1_500; customer++) {
      int events = 6 + random.nextInt(9);
      for (int e = 0; e < events; e++) {
        int category = random.nextDouble() < 0.9 ? customer % CATEGORIES : random.nextInt(CATEGORIES);
        int rank = (int) Math.floor(Math.exp(random.nextDouble() * Math.log(ITEMS_PER_CATEGORY)));
        csv.append(String.format("C%04d,G%d-%02d,%s%n", customer, category, Math.min(rank, ITEMS_PER_CATEGORY - 1),
            RUN_DATE.minusDays(1 + random.nextInt(90))));
      }
    }
    Path file = temp.resolve("applications/part.csv");
    Files.createDirectories(file.getParent());
    Files.writeString(file, csv);
    return file.getParent().toString();
  }

  private Dataset<Row> customers() {
    List<Object[]> rows = new ArrayList<>();
    for (int customer = 0; customer < 1_600; customer++) {
      rows.add(new Object[] {String.format("C%04d", customer), customer % 2});
    }
    return TestSpark.rows("customer_id STRING, segment_id INT", rows.toArray(Object[][]::new));
  }

  private Recommendations decision(String interactions) {
    Map<String, Object> parameters = new HashMap<>();
    parameters.put("run_date", RUN_DATE);
    return Recommendations.from(ConfigNode.root(ConfigFactory.parseString("d { type = recommendations, id = gigs, "
        + "output = recommended_gigs, k = 10, segment = segment_id, interactions { path = \"" + interactions + "\", "
        + "options { header = \"true\" }, item-column = gig_id, date-column = applied_on, holdout-days = 14 }, "
        + "als { rank = 8, max-iter = 8, reg-param = 0.05, alpha = 10 } }")).node("d"), parameters);
  }

  private LearnedDecision.Run run() {
    return new LearnedDecision.Run(spark, new RunPartition("als-test", RUN_DATE), Optional.of("customer_id"),
        PartitionedTableSink.of("candidates", temp.resolve("candidates").toString(), PartitionedTableSink.Format.DELTA));
  }

  @Test
  @SuppressWarnings("unchecked")
  void beatsPopularityOnTheHoldoutAndServesEveryCustomer() throws Exception {
    String interactions = writeInteractions();
    Recommendations.Fitted fitted = (Recommendations.Fitted) decision(interactions).fit(customers(), run());
    try {
      Map<String, Object> evaluation = (Map<String, Object>) fitted.fitReport().get("holdout_evaluation");
      Map<String, Object> als = (Map<String, Object>) evaluation.get("als");
      Map<String, Object> popular = (Map<String, Object>) evaluation.get("popular_in_segment");
      // Customers with a holdout interaction new to them (989 of 1,500 with this seed).
      assertThat((Long) evaluation.get("customers")).isGreaterThan(900L);
      // Taste is one category in six: ALS finds it, popularity in a segment that ignores it cannot.
      assertThat((Double) als.get("precision_at_10")).isGreaterThan((Double) popular.get("precision_at_10") * 1.5);
      assertThat((Double) als.get("ndcg_at_10")).isGreaterThan((Double) popular.get("ndcg_at_10"));
      assertThat((Double) als.get("recall_at_10")).isGreaterThan((Double) popular.get("recall_at_10"));

      Dataset<Row> served = fitted.apply(customers()).cache();
      assertThat(served.count()).isEqualTo(1_600);
      assertThat(served.where(org.apache.spark.sql.functions.size(col("recommended_gigs")).equalTo(10)).count()).isEqualTo(1_600);
      // Cold start: their segment's ten most popular items.
      assertThat(served.where(col("recommended_gigs_source").equalTo("popular-in-segment")).count()).isEqualTo(100);
      assertThat(served.where(col("customer_id").geq("C1500")).select("recommended_gigs_source").distinct().collectAsList())
          .extracting(row -> row.getString(0)).containsExactly("popular-in-segment");
      // Never an item the customer already interacted with.
      Dataset<Row> seen = spark.read().option("header", "true").csv(interactions);
      long repeated = served.select(col("customer_id"), org.apache.spark.sql.functions.explode(col("recommended_gigs")).as("gig_id"))
          .join(seen, new String[] {"customer_id", "gig_id"}).count();
      assertThat(repeated).isZero();
      // Mostly the customer's own category (the structure ALS should find).
      long own = served.where(col("recommended_gigs_source").equalTo("als"))
          .select(col("customer_id"), org.apache.spark.sql.functions.explode(col("recommended_gigs")).as("gig"))
          .where(org.apache.spark.sql.functions.expr("substring(gig, 2, 1) = cast(cast(substring(customer_id, 2) AS INT) % 6 AS STRING)"))
          .count();
      assertThat(own).isGreaterThan((long) (0.7 * 1_500 * 10));
      served.unpersist();
    } finally {
      fitted.close();
    }
  }

  @Test
  void missingColumnsAreNamed() throws Exception {
    String interactions = writeInteractions();
    Map<String, Object> parameters = Map.of("run_date", RUN_DATE);
    Recommendations wrongItem = Recommendations.from(ConfigNode.root(ConfigFactory.parseString("d { type = recommendations, "
        + "interactions { path = \"" + interactions + "\", options { header = \"true\" }, item-column = item, date-column = applied_on } }"))
        .node("d"), parameters);
    assertThatThrownBy(() -> wrongItem.fit(customers(), run())).hasMessageContaining("d.interactions").hasMessageContaining("no column item");
    Recommendations noSegment = Recommendations.from(ConfigNode.root(ConfigFactory.parseString("d { type = recommendations, "
        + "segment = persona, interactions { path = \"" + interactions + "\", item-column = gig_id } }")).node("d"), parameters);
    assertThatThrownBy(() -> noSegment.fit(customers(), run())).hasMessageContaining("d.segment").hasMessageContaining("persona");
  }
}
