package com.targeting.core.uplift;

import com.targeting.core.RunningSums;
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
    assertThat(METRICS.upliftAtK(rows(), 0.3)).isCloseTo(0.5, within(1e-12));
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

  @Test
  void causalmlAreaDifferenceFormsAsDocumented() {
    // NumPy on the same vector: Qini curve 0,0,1,2,2,3,3,3,3,2 and uplift curve
    // 0,0,1.5,2.667,3.333,4.5,5.25,4.8,5.4,4 give mean(q/q_N) - (N+1)/2N = 0.95 - 0.55 and mean(u/u_N).
    UpliftMetrics.Evaluation evaluation = METRICS.evaluate(rows(), 0.3, 0);
    assertThat((Double) evaluation.metrics().get("qini_score_causalml")).isCloseTo(0.40, within(1e-12));
    assertThat((Double) evaluation.metrics().get("auuc_score_causalml")).isCloseTo(0.78625, within(1e-12));
    // by_group: the best treated row (score .8) and the best control row (score .9) both did not respond.
    assertThat((Double) evaluation.metrics().get("uplift_at_k_by_group")).isCloseTo(0.0, within(1e-12));
    assertThat((Double) METRICS.evaluate(rows(), 0.6, 0).metrics().get("uplift_at_k_by_group"))
        .isCloseTo(2.0 / 3 - 0.0, within(1e-12)); // treated top 3: .8 (0), .7 (1), .6 (1); control top 3: .9, .35, .2 (all 0)
  }

  @Test
  void tiesAtTheCutCountInProportion() {
    // All ten rows tied: the top 3 are 3/10 of everyone, so uplift@k is the overall effect 3/5 - 1/5.
    Dataset<Row> constant = rows().selectExpr("i", "y", "t", "0.5D AS uplift");
    assertThat(METRICS.upliftAtK(constant, 0.3)).isCloseTo(0.4, within(1e-12));
  }

  @Test
  void binnedModeIsCloseToExactOnLargerDataAndCurvesEndAtTheTotals() {
    // 20,000 rows: a known effect that grows with the score, noisy outcomes.
    Dataset<Row> rows = TestSpark.session().range(20_000).selectExpr(
        "id", "CAST(rand(7) < 0.5 AS INT) AS t", "rand(8) AS uplift", "rand(9) AS u")
        .selectExpr("id", "t", "uplift", "CAST(u < 0.1 + t * 0.3 * uplift AS INT) AS y");
    UpliftMetrics.Evaluation exact = METRICS.evaluate(rows, 0.3, 20);
    UpliftMetrics.Evaluation binned = METRICS.binned(50).evaluate(rows, 0.3, 20);
    for (String metric : java.util.List.of("qini_auc_score", "uplift_auc_score", "qini_score_causalml", "uplift_at_k_overall")) {
      assertThat((Double) binned.metrics().get(metric)).as(metric).isCloseTo((Double) exact.metrics().get(metric), within(0.01));
    }
    assertThat((Double) exact.metrics().get("qini_auc_score")).isGreaterThan(0.1);
    double[] x = exact.model().x();
    assertThat(x[0]).isZero();
    assertThat(x[x.length - 1]).isEqualTo(20_000.0);
    assertThat(x.length).isLessThanOrEqualTo(21);
    assertThat(exact.perfectQini().qini()[exact.perfectQini().qini().length - 1])
        .isCloseTo(exact.model().qini()[x.length - 1], within(1e-9));
  }

  @Test
  void runningSumsAcrossPartitionsMatchOneWindow() {
    Dataset<Row> rows = TestSpark.session().range(5_000).repartition(7).selectExpr("id", "CAST(id % 13 AS DOUBLE) AS v");
    Dataset<Row> sums = RunningSums.cumulative(rows, java.util.List.of(org.apache.spark.sql.functions.col("id")), java.util.List.of("v"));
    Dataset<Row> expected = rows.withColumn("v_cum", org.apache.spark.sql.functions.sum("v").over(
        org.apache.spark.sql.expressions.Window.orderBy("id").rowsBetween(Long.MIN_VALUE, 0)));
    assertThat(sums.select("id", "v_cum").exceptAll(expected.select("id", "v_cum")).count()).isZero();
    assertThat(sums.count()).isEqualTo(5_000);
  }
}
