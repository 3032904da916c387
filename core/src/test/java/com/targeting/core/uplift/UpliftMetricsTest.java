package com.targeting.core.uplift;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.targeting.core.testing.TestSpark;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.Test;

/** scikit-uplift's own small vectors pin the definitions. */
class UpliftMetricsTest {
  private static final int[] Y = {0, 0, 0, 0, 1, 0, 0, 1, 1, 1};
  private static final int[] T = {0, 0, 0, 0, 0, 1, 1, 1, 1, 1};
  private static final double[] SCORE = {.9, .1, .35, .2, .05, .8, .15, .7, .6, .3};
  private static final UpliftMetrics METRICS = new UpliftMetrics("y", "t", "uplift");

  private static Dataset<Row> rows() {
    Object[][] rows = new Object[Y.length][];
    for (int i = 0; i < Y.length; i++) {
      rows[i] = new Object[] {i, Y[i], T[i], SCORE[i]};
    }
    return TestSpark.rows("i INT, y INT, t INT, uplift DOUBLE", rows);
  }

  @Test
  void qiniAucScoreIsScikitUplifts() {
    assertThat(METRICS.qiniAucScore(rows())).isCloseTo(0.5333, within(0.00005));
  }

  @Test
  void upliftAucScoreIsScikitUplifts() {
    assertThat(METRICS.upliftAucScore(rows())).isCloseTo(0.4375, within(0.00005));
  }

  @Test
  void upliftAtThirtyPercentIsScikitUplifts() {
    assertThat(METRICS.upliftAtK(rows(), 0.3, "i")).isCloseTo(0.5, within(1e-12));
  }

  @Test
  void aPerfectRankingScoresOneAndTiedScoresArePooled() {
    // Ranking by the perfect score itself gives the perfect curve: ratio 1.
    Dataset<Row> perfect = rows().selectExpr("i", "y", "t", "CAST(y * t - y * (1 - t) AS DOUBLE) AS uplift");
    assertThat(METRICS.qiniAucScore(perfect)).isCloseTo(1.0, within(1e-12));
    // One score for everyone: one pooled point, the random line, ratio 0.
    Dataset<Row> constant = rows().selectExpr("i", "y", "t", "0.5D AS uplift");
    assertThat(METRICS.qiniAucScore(constant)).isCloseTo(0.0, within(1e-12));
  }
}
