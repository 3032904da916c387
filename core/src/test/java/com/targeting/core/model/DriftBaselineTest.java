package com.targeting.core.model;

import static com.targeting.core.testing.TestSpark.rows;
import static org.apache.spark.sql.functions.col;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.Test;

/** The population stability index against hand computations, and baselines as Spark bins them. */
class DriftBaselineTest {
  @Test
  void psiIsTheSumOfShareDifferencesTimesTheirLogRatioWithEmptyBinsFloored() {
    // Siddiqi's formula by hand: (0.4-0.5)ln(0.4/0.5) + (0.4-0.3)ln(0.4/0.3) + (0.1-0.2)ln(0.1/0.2)
    // + (0.1-0.0001)ln(0.1/0.0001): the empty expected bin counts as 0.0001.
    double hand = -0.1 * Math.log(0.8) + 0.1 * Math.log(4.0 / 3.0) - 0.1 * Math.log(0.5) + 0.0999 * Math.log(1000);
    assertThat(DriftBaseline.psi(List.of(0.5, 0.3, 0.2, 0.0), new double[] {0.4, 0.4, 0.1, 0.1})).isCloseTo(hand, within(1e-12));
    assertThat(hand).isCloseTo(0.8105, within(1e-4));
    // The same shares: no drift.
    assertThat(DriftBaseline.psi(List.of(0.25, 0.25, 0.5), new double[] {0.25, 0.25, 0.5})).isZero();
  }

  @Test
  void aRunsRowsAreBinnedByTheBaselinesCutsAndCategories() {
    // Baseline by hand: x in ten bins of 10% ([.., 10), [10, 20), ..., [90, ..)), no nulls;
    // kind a 60%, b 40%.
    List<Double> cuts = List.of(10.0, 20.0, 30.0, 40.0, 50.0, 60.0, 70.0, 80.0, 90.0);
    List<Double> tenths = new ArrayList<>(Collections.nCopies(10, 0.1));
    tenths.add(0.0);
    DriftBaseline.Distribution x = new DriftBaseline.Distribution("x", true, cuts, List.of(), tenths, 100, cuts);
    DriftBaseline.Distribution kind = new DriftBaseline.Distribution("kind", false, List.of(), List.of("a", "b"),
        List.of(0.6, 0.4, 0.0, 0.0), 100, List.of());
    // This run: x = 0..49 twice (half of the bins, 20% each; 10.0 falls in the second bin), kind a
    // for half, c (no bin of its own: other) for a quarter, missing for a quarter.
    List<Object[]> values = new ArrayList<>();
    for (int i = 0; i < 100; i++) {
      values.add(new Object[] {(double) (i % 50), i < 50 ? "a" : i < 75 ? "c" : null});
    }
    Dataset<Row> run = rows("x DOUBLE, kind STRING", values.toArray(Object[][]::new));

    List<double[]> shares = DriftBaseline.shares(run, List.of(x, kind), List.of(col("x"), col("kind")));

    assertThat(shares.get(0)).containsExactly(0.2, 0.2, 0.2, 0.2, 0.2, 0, 0, 0, 0, 0, 0);
    // NaN is missing: the null bin, as a null is (not the top bin, where it would sort).
    Dataset<Row> withNaN = rows("x DOUBLE", new Object[] {Double.NaN}, new Object[] {null}, new Object[] {95.0}, new Object[] {5.0});
    assertThat(DriftBaseline.shares(withNaN, List.of(x), List.of(col("x"))).get(0))
        .containsExactly(0.25, 0, 0, 0, 0, 0, 0, 0, 0, 0.25, 0.5);
    assertThat(shares.get(1)).containsExactly(0.5, 0, 0.25, 0.25);
    double xHand = 5 * (0.2 - 0.1) * Math.log(2) + 5 * (0.0001 - 0.1) * Math.log(0.0001 / 0.1);
    assertThat(DriftBaseline.psi(x.shares(), shares.get(0))).isCloseTo(xHand, within(1e-12));
    double kindHand = (0.5 - 0.6) * Math.log(0.5 / 0.6) + (0.0001 - 0.4) * Math.log(0.0001 / 0.4)
        + 2 * (0.25 - 0.0001) * Math.log(0.25 / 0.0001);
    assertThat(DriftBaseline.psi(kind.shares(), shares.get(1))).isCloseTo(kindHand, within(1e-12));
  }

  @Test
  void aBaselineHasDecileBinsOfTheTrainingRowsAndTheHeldOutScores() {
    List<Object[]> values = new ArrayList<>();
    for (int i = 0; i < 1_000; i++) {
      values.add(new Object[] {i % 10 == 0 ? null : String.valueOf(i), i % 3 == 0 ? "gold" : "silver", i / 1000.0});
    }
    Dataset<Row> training = rows("x STRING, kind STRING, p DOUBLE", values.toArray(Object[][]::new));

    DriftBaseline baseline = DriftBaseline.of(training, List.of("x"), List.of("kind"), Optional.of(training), Optional.of(col("p")));

    DriftBaseline.Distribution x = baseline.features().get(0);
    assertThat(x.cuts()).hasSize(9);
    // 900 values, a tenth of them (nulls) in the last bin; the value bins split the rest into ninths... of 90% each tenth.
    assertThat(x.shares().get(10)).isCloseTo(0.1, within(1e-9));
    assertThat(x.shares().subList(0, 10)).allSatisfy(share -> assertThat(share).isCloseTo(0.09, within(0.002)));
    assertThat(baseline.features().get(1).categories()).containsExactly("silver", "gold");
    assertThat(baseline.score().orElseThrow().shares().subList(0, 10)).allSatisfy(share -> assertThat(share).isCloseTo(0.1, within(0.002)));
    // Saved and read back as it was.
    DriftBaseline reread = DriftBaseline.fromJson(baseline.toJson(), "test");
    assertThat(reread).isEqualTo(baseline);
    // Its own rows do not drift from it.
    List<double[]> same = DriftBaseline.shares(training, List.of(x), List.of(col("x")));
    assertThat(DriftBaseline.psi(x.shares(), same.get(0))).isCloseTo(0.0, within(1e-12));
  }
}
