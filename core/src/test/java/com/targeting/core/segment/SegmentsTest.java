package com.targeting.core.segment;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.format_string;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.rand;
import static org.apache.spark.sql.functions.randn;
import static org.apache.spark.sql.functions.when;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.targeting.core.TargetingException;
import com.targeting.core.config.ConfigNode;
import com.targeting.core.decide.LearnedDecision;
import com.targeting.core.sink.PartitionedTableSink;
import com.targeting.core.sink.RunPartition;
import com.targeting.core.testing.TestSpark;
import com.targeting.core.transform.StandardizedFeatures;
import com.typesafe.config.ConfigFactory;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * K-Means segments on data with planted clusters: recovery (adjusted Rand index), ids and names
 * that stay with their customers when the data shifts a little, and the matching of centroids.
 */
class SegmentsTest {
  private static final List<String> FEATURES = List.of("f0", "f1", "f2", "f3", "f4", "f5");
  /** Four planted centres, 3 standard deviations of noise apart on at least two features. */
  private static final double[][] CENTRES = {
      {0, 0, 0, 0, 0, 0},
      {3, 3, 0, 0, 0, 0},
      {0, 0, 3, 3, 0, 0},
      {0, 0, 0, 0, 3, -3}};

  @TempDir
  Path temp;

  private final SparkSession spark = TestSpark.session();

  /**
   * {@code rows} customers C00000..., each in planted cluster {@code id % 4} (a share {@code switched}
   * of them in the next cluster instead), features centre + {@code shift} + N(0, 0.6²).
   */
  private Dataset<Row> planted(int rows, long seed, double shift, double switched) {
    Dataset<Row> ids = spark.range(0, rows, 1, 2).toDF("id")
        .withColumn("planted", when(rand(seed).lt(switched), col("id").plus(1).mod(4)).otherwise(col("id").mod(4)).cast("int"));
    for (int j = 0; j < FEATURES.size(); j++) {
      Column centre = lit(CENTRES[3][j]);
      for (int c = 2; c >= 0; c--) {
        centre = when(col("planted").equalTo(c), lit(CENTRES[c][j])).otherwise(centre);
      }
      ids = ids.withColumn(FEATURES.get(j), centre.plus(shift).plus(randn(seed * 31 + j).multiply(0.6)));
    }
    return ids.withColumn("customer_id", format_string("C%05d", col("id"))).drop("id");
  }

  private Segments segments(int k, long seed) {
    return new Segments("segments", "segment_id", "segment_name", k, new StandardizedFeatures.Spec(FEATURES, false), 30, seed, 2,
        "program.decide[0]");
  }

  private LearnedDecision.Run run(LocalDate date) {
    return new LearnedDecision.Run(spark, new RunPartition("segments-test", date), Optional.of("customer_id"),
        PartitionedTableSink.of("candidates", temp.resolve("candidates").toString(), PartitionedTableSink.Format.DELTA));
  }

  /** Hubert and Arabie's adjusted Rand index of two labelings (1 identical, about 0 for chance). */
  static double adjustedRandIndex(List<Row> pairs) {
    Map<String, Long> cells = new HashMap<>();
    Map<Integer, Long> rows = new HashMap<>();
    Map<Integer, Long> columns = new HashMap<>();
    long n = 0;
    for (Row pair : pairs) {
      cells.merge(pair.getInt(0) + "/" + pair.getInt(1), 1L, Long::sum);
      rows.merge(pair.getInt(0), 1L, Long::sum);
      columns.merge(pair.getInt(1), 1L, Long::sum);
      n++;
    }
    double index = cells.values().stream().mapToDouble(SegmentsTest::choose2).sum();
    double rowSum = rows.values().stream().mapToDouble(SegmentsTest::choose2).sum();
    double columnSum = columns.values().stream().mapToDouble(SegmentsTest::choose2).sum();
    double expected = rowSum * columnSum / choose2(n);
    double max = (rowSum + columnSum) / 2;
    return (index - expected) / (max - expected);
  }

  private static double choose2(long n) {
    return n * (n - 1) / 2.0;
  }

  @Test
  void recoversPlantedClusters() {
    Dataset<Row> week = planted(4_000, 1, 0, 0).cache();
    Segments.Fitted fitted = (Segments.Fitted) segments(4, 7).fit(week, run(LocalDate.of(2026, 11, 1)));
    List<Row> pairs = fitted.apply(week).select(col("planted"), col("segment_id")).collectAsList();
    // Well separated clusters (3 sd on two features): K-Means should find them almost exactly.
    assertThat(adjustedRandIndex(pairs)).isGreaterThan(0.9);
    // First run: ids 1..k by size, persona names from the distinctive features, none carried.
    assertThat(fitted.segments()).extracting(Segments.Segment::id).containsExactlyInAnyOrder(1, 2, 3, 4);
    assertThat(fitted.segments()).noneMatch(Segments.Segment::carried);
    assertThat(fitted.segments()).extracting(Segments.Segment::name).doesNotHaveDuplicates()
        .anyMatch(name -> name.contains("high f4") || name.contains("low f5"));
    week.unpersist();
  }

  @Test
  void idsAndNamesStayWithTheirCustomersWhenTheDataShiftsSlightly() {
    LocalDate first = LocalDate.of(2026, 11, 1);
    LocalDate second = LocalDate.of(2026, 11, 8);
    Dataset<Row> weekOne = planted(4_000, 1, 0, 0).cache();
    Segments.Fitted one = (Segments.Fitted) segments(4, 7).fit(weekOne, run(first));
    PartitionedTableSink candidates = run(first).candidates();
    candidates.write(one.apply(weekOne).drop("planted"), new RunPartition("segments-test", first));

    // A week later: every value 0.2 sd higher, 5% of customers in another planted cluster, and a
    // different K-Means seed (its cluster indices come out in another order).
    Dataset<Row> weekTwo = planted(4_000, 2, 0.2, 0.05).cache();
    Segments.Fitted two = (Segments.Fitted) segments(4, 99).fit(weekTwo, run(second));
    assertThat(two.segments()).allMatch(Segments.Segment::carried);
    Map<Integer, String> namesOne = new HashMap<>();
    one.segments().forEach(s -> namesOne.put(s.id(), s.name()));
    two.segments().forEach(s -> assertThat(s.name()).isEqualTo(namesOne.get(s.id())));

    // Each planted cluster's customers keep their segment id (the majority id of its week-one members).
    Map<Integer, Integer> idOne = majorityIdByPlanted(one.apply(weekOne));
    Map<Integer, Integer> idTwo = majorityIdByPlanted(two.apply(weekTwo));
    assertThat(idTwo).isEqualTo(idOne);

    // A rerun of the second week reads the first week (the latest earlier date), not itself.
    candidates.write(two.apply(weekTwo).drop("planted"), new RunPartition("segments-test", second));
    Segments.Fitted rerun = (Segments.Fitted) segments(4, 99).fit(weekTwo, run(second));
    assertThat(rerun.segments()).allMatch(Segments.Segment::carried);
    assertThat(rerun.fitReport().get("earlier_run")).isEqualTo(first.toString());
    assertThat(two.fitReport().get("earlier_run")).isEqualTo(first.toString());
    weekOne.unpersist();
    weekTwo.unpersist();
  }

  private static Map<Integer, Integer> majorityIdByPlanted(Dataset<Row> rows) {
    Map<Integer, Integer> majority = new HashMap<>();
    Map<Integer, Long> best = new HashMap<>();
    for (Row row : rows.groupBy("planted", "segment_id").count().collectAsList()) {
      if (row.getLong(2) > best.getOrDefault(row.getInt(0), -1L)) {
        best.put(row.getInt(0), row.getLong(2));
        majority.put(row.getInt(0), row.getInt(1));
      }
    }
    return majority;
  }

  @Test
  void matchingIsTheLeastTotalDistanceAndLeavesSurplusUnmatched() {
    Random random = new Random(5);
    for (int trial = 0; trial < 50; trial++) {
      int n = 2 + random.nextInt(5);
      double[][] cost = new double[n][n];
      for (double[] row : cost) {
        for (int j = 0; j < n; j++) {
          row[j] = random.nextDouble() * 10;
        }
      }
      int[] matched = CentroidMatching.match(cost);
      assertThat(total(cost, matched)).isCloseTo(bruteForce(cost, new int[n], new boolean[n], 0), org.assertj.core.data.Offset.offset(1e-9));
      assertThat(java.util.Arrays.stream(matched).distinct().count()).isEqualTo(n);
    }
    // Three new clusters, two earlier ones: the two cheapest distinct matches, the third unmatched.
    int[] matched = CentroidMatching.match(new double[][] {{1, 9}, {9, 1}, {2, 2}});
    assertThat(matched).containsExactly(0, 1, -1);
    // Two new, three earlier: each new cluster to its nearest free one.
    assertThat(CentroidMatching.match(new double[][] {{5, 1, 9}, {1, 5, 0.5}})).containsExactly(1, 2);
  }

  private static double total(double[][] cost, int[] matched) {
    double sum = 0;
    for (int i = 0; i < matched.length; i++) {
      sum += cost[i][matched[i]];
    }
    return sum;
  }

  private static double bruteForce(double[][] cost, int[] chosen, boolean[] used, int row) {
    if (row == cost.length) {
      return total(cost, chosen);
    }
    double best = Double.POSITIVE_INFINITY;
    for (int j = 0; j < cost.length; j++) {
      if (!used[j]) {
        used[j] = true;
        chosen[row] = j;
        best = Math.min(best, bruteForce(cost, chosen, used, row + 1));
        used[j] = false;
      }
    }
    return best;
  }

  @Test
  void missingValuesStandardizeToTheMeanUnderLog1p() {
    Dataset<Row> rows = TestSpark.rows("f0 DOUBLE", new Object[] {0.0}, new Object[] {Math.E * Math.E - 1}, new Object[] {null});
    StandardizedFeatures scaled = new StandardizedFeatures.Spec(List.of("f0"), true).fit(rows, "d");
    // log1p of 0 and of e^2 - 1: 0 and 2; the missing value is left out of the mean and sd.
    assertThat(scaled.means()[0]).isCloseTo(1.0, org.assertj.core.data.Offset.offset(1e-6));
    assertThat(scaled.sds()[0]).isCloseTo(1.0, org.assertj.core.data.Offset.offset(1e-6));
    List<Row> z = rows.select(scaled.z(0)).collectAsList();
    assertThat(z.get(0).getDouble(0)).isCloseTo(-1.0, org.assertj.core.data.Offset.offset(1e-6));
    assertThat(z.get(2).getDouble(0)).isEqualTo(0.0);
  }

  @Test
  void configErrorsNameThePath() {
    ConfigNode node = ConfigNode.root(ConfigFactory.parseString("d { type = segments, k = 1, features = [f0] }")).node("d");
    assertThatThrownBy(() -> Segments.from(node)).isInstanceOf(TargetingException.class).hasMessageContaining("d.k");
    ConfigNode transform = ConfigNode.root(ConfigFactory.parseString("d { type = segments, features = [f0], transform = sqrt }")).node("d");
    assertThatThrownBy(() -> Segments.from(transform)).hasMessageContaining("d.transform").hasMessageContaining("log1p");
    Dataset<Row> text = TestSpark.rows("customer_id STRING, f0 STRING", new Object[] {"a", "1"}, new Object[] {"b", "2"});
    Segments segments = new Segments("segments", "segment_id", "segment_name", 2, new StandardizedFeatures.Spec(List.of("f0"), false), 5, 1,
        1, "program.decide[3]");
    assertThatThrownBy(() -> segments.fit(text, run(LocalDate.of(2026, 11, 1))))
        .hasMessageContaining("program.decide[3].features").hasMessageContaining("f0 is string");
  }
}
