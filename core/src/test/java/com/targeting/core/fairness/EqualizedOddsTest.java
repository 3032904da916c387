package com.targeting.core.fairness;

import static org.apache.spark.sql.functions.col;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.targeting.core.config.ConfigNode;
import com.targeting.core.testing.TestSpark;
import com.typesafe.config.ConfigFactory;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.Test;

/** True- and false-positive rates per group against a hand count, and the equalized-odds difference. */
class EqualizedOddsTest {
  /**
   * Group a: 10 positives of which 8 scored >= 0.5, 20 negatives of which 4. Group b: 10 positives
   * of which 5, 10 negatives of which 1. Two rows of unknown group: a positive caught, a negative
   * not. One row without a score and one with a NaN score are left out.
   */
  private static Dataset<Row> heldOut() {
    List<Object[]> rows = new ArrayList<>();
    for (int i = 0; i < 10; i++) {
      rows.add(new Object[] {"a", 30, 1.0, i < 8 ? 0.9 : 0.2});
      rows.add(new Object[] {"b", 50, 1.0, i < 5 ? 0.5 : 0.49});
      rows.add(new Object[] {"b", 50, 0.0, i < 1 ? 0.7 : 0.1});
    }
    for (int i = 0; i < 20; i++) {
      rows.add(new Object[] {"a", 30, 0.0, i < 4 ? 0.6 : 0.3});
    }
    rows.add(new Object[] {null, 40, 1.0, 0.95});
    rows.add(new Object[] {null, 40, 0.0, 0.05});
    rows.add(new Object[] {"a", 30, 1.0, null});
    // A NaN score is no prediction either (Spark orders NaN above every number: it would count as positive).
    rows.add(new Object[] {"b", 50, 0.0, Double.NaN});
    return TestSpark.rows("gender STRING, age INT, label DOUBLE, score DOUBLE", rows.toArray(Object[][]::new));
  }

  @Test
  @SuppressWarnings("unchecked")
  void ratesPerGroupAndTheDifferenceMatchAHandCount() {
    EqualizedOdds odds = EqualizedOdds.from(ConfigNode.root(ConfigFactory.parseString(
        "fairness { groups { gender = gender, age_band = \"CASE WHEN age < 40 THEN 'under 40' ELSE '40 and over' END\" }, "
            + "threshold = 0.5, max-difference = 0.1 }")).node("fairness"));

    Map<String, Object> report = odds.report(heldOut(), col("label"), col("score"));

    assertThat(report).containsEntry("threshold", 0.5);
    Map<String, Object> gender = (Map<String, Object>) report.get("gender");
    Map<String, Map<String, Object>> groups = (Map<String, Map<String, Object>>) gender.get("groups");
    // a: TPR 8/10, FPR 4/20; b: TPR 5/10 (0.5 is at the threshold: positive), FPR 1/10; missing: TPR 1/1, FPR 0/1.
    assertThat(groups.get("a")).containsEntry("positives", 10L).containsEntry("negatives", 20L)
        .containsEntry("true_positive_rate", 0.8).containsEntry("false_positive_rate", 0.2);
    assertThat(groups.get("b")).containsEntry("true_positive_rate", 0.5).containsEntry("false_positive_rate", 0.1);
    assertThat(groups.get("(missing)")).containsEntry("true_positive_rate", 1.0).containsEntry("false_positive_rate", 0.0);
    // TPR gap 1.0 - 0.5, FPR gap 0.2 - 0.0: the larger is the equalized-odds difference.
    assertThat(gender).containsEntry("tpr_difference", 0.5).containsEntry("fpr_difference", 0.2)
        .containsEntry("equalized_odds_difference", 0.5).containsEntry("flagged", true);

    // Under 40 is group a (age 30): TPR 0.8, FPR 0.2; 40 and over is b and the unknowns: TPR 6/11, FPR 1/11.
    Map<String, Object> ageBand = (Map<String, Object>) report.get("age_band");
    Map<String, Map<String, Object>> bands = (Map<String, Map<String, Object>>) ageBand.get("groups");
    assertThat(bands.get("40 and over")).containsEntry("positives", 11L).containsEntry("negatives", 11L)
        .containsEntry("true_positive_rate", AdverseImpact.round(6.0 / 11)).containsEntry("false_positive_rate", AdverseImpact.round(1.0 / 11));
    assertThat(ageBand).containsEntry("tpr_difference", AdverseImpact.round(0.8 - 6.0 / 11))
        .containsEntry("fpr_difference", AdverseImpact.round(0.2 - 1.0 / 11));
  }

  @Test
  void aGroupWithoutPositivesHasNoTruePositiveRateAndNoGap() {
    Dataset<Row> rows = TestSpark.rows("gender STRING, label DOUBLE, score DOUBLE",
        new Object[] {"a", 0.0, 0.9}, new Object[] {"a", 1.0, 0.9}, new Object[] {"b", 0.0, 0.9});
    Map<String, Object> report = new EqualizedOdds(Map.of("gender", "gender"), 0.5, 0.1).report(rows, col("label"), col("score"));
    @SuppressWarnings("unchecked")
    Map<String, Object> gender = (Map<String, Object>) report.get("gender");
    assertThat(gender).containsEntry("tpr_difference", 0.0).containsEntry("fpr_difference", 0.0).containsEntry("flagged", false);
  }

  @Test
  void aBadGroupExpressionIsRefusedNamingItsPath() {
    assertThatThrownBy(() -> EqualizedOdds.from(ConfigNode.root(ConfigFactory.parseString(
        "fairness { groups { age_band = \"CASE WHEN age <\" } }")).node("fairness")))
        .hasMessageContaining("fairness.groups.age_band").hasMessageContaining("not a valid Spark SQL expression");
  }
}
