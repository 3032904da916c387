package com.targeting.core;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.lit;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import com.targeting.core.testing.TestSpark;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.expressions.Window;
import org.apache.spark.storage.StorageLevel;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Every await of observed metrics ends, whether or not the query delivered them. */
class ObservationsTest {
  /** Only a guard against a hang: far above what the awaits here take. */
  private static final Duration HANG_GUARD = Duration.ofSeconds(120);

  @TempDir
  Path dir;

  /** The runner's shape: observed read, a window over the key, a cache, an aggregation over the cache. */
  private Map<String, Object> countThroughCache(String... lines) throws Exception {
    Path file = Files.writeString(dir.resolve("extract.csv"), String.join("\n", lines) + "\n");
    Dataset<Row> read = TestSpark.session().read().option("header", "true").csv(file.toString());
    Observations.Observed rows = Observations.observe(read, "rows", count(lit(1)).as("rows"));
    Dataset<Row> cached = rows.dataset()
        .withColumn("copies", count(lit(1)).over(Window.partitionBy(col("customer_id"))))
        .persist(StorageLevel.MEMORY_AND_DISK());
    try {
      cached.groupBy(col("copies")).count().collect();
      return rows.await("the extract's rows", () -> Map.of("rows", "counted again"));
    } finally {
      cached.unpersist();
    }
  }

  @Test
  void metricsDeliveredByTheActionAreReturned() {
    Map<String, Object> metrics = assertTimeoutPreemptively(HANG_GUARD,
        () -> countThroughCache("customer_id,age", "C1,1", "C2,2", "C2,3"));

    assertThat(metrics).containsExactly(Map.entry("rows", 3L));
  }

  @Test
  void anActionThatRanWithoutCollectingTheMetricsEndsTheAwaitWithTheOtherCount() {
    // No rows: adaptive execution replaces the plan above the empty shuffle with an empty relation,
    // the collecting node with it, and Spark's own Observation.get then waits forever.
    Map<String, Object> metrics = assertTimeoutPreemptively(HANG_GUARD, () -> countThroughCache("customer_id,age"));

    assertThat(metrics).containsExactly(Map.entry("rows", "counted again"));
  }
}
