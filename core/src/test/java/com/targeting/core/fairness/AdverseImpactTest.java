package com.targeting.core.fairness;

import static org.apache.spark.sql.functions.col;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.targeting.core.testing.TestSpark;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.Test;

class AdverseImpactTest {
  /** 100 women of whom 30 are selected, 200 men with 100 selected, 10 of unknown gender with 4. */
  private static Dataset<Row> people() {
    List<Object[]> rows = new ArrayList<>();
    for (int i = 0; i < 100; i++) {
      rows.add(new Object[] {"female", i < 30});
    }
    for (int i = 0; i < 200; i++) {
      rows.add(new Object[] {"male", i < 100});
    }
    for (int i = 0; i < 10; i++) {
      rows.add(new Object[] {null, i < 4});
    }
    return TestSpark.rows("gender STRING, selected BOOLEAN", rows.toArray(Object[][]::new));
  }

  @Test
  @SuppressWarnings("unchecked")
  void demographicParityDifferenceIsTheSpreadOfPositiveRatesOverTheScoredRows() {
    // Positive (high tier) by hand: female 30/100 = 0.30, male 100/200 = 0.50, missing 4/10 = 0.40:
    // difference 0.50 - 0.30 = 0.20, above a tolerance of 0.1.
    Dataset<Row> scored = people().withColumn("tier", org.apache.spark.sql.functions.when(col("selected"), "high").otherwise("low"));
    AdverseImpact fairness = new AdverseImpact(List.of("gender"), 0.8, Optional.empty(),
        Optional.of(new AdverseImpact.Parity("tier = 'high'", 0.1)));
    Map<String, Object> report = new java.util.LinkedHashMap<>(Map.of("gender", new java.util.LinkedHashMap<String, Object>()));

    fairness.addParity(report, scored);

    Map<String, Object> parity = (Map<String, Object>) ((Map<String, Object>) report.get("gender")).get("demographic_parity");
    assertThat((Map<String, Double>) parity.get("positive_rate"))
        .containsExactlyInAnyOrderEntriesOf(Map.of("female", 0.3, "male", 0.5, "(missing)", 0.4));
    assertThat(parity).containsEntry("difference", 0.2).containsEntry("max_difference", 0.1).containsEntry("flagged", true);

    // A tolerance of 0.2 is met exactly: not flagged.
    new AdverseImpact(List.of("gender"), 0.8, Optional.empty(), Optional.of(new AdverseImpact.Parity("tier = 'high'", 0.2)))
        .addParity(report, scored);
    assertThat((Map<String, Object>) ((Map<String, Object>) report.get("gender")).get("demographic_parity"))
        .containsEntry("flagged", false);
  }

  @Test
  @SuppressWarnings("unchecked")
  void aRatioOfExactlyFourFifthsIsNotFlagged() {
    List<Object[]> rows = new ArrayList<>();
    for (int i = 0; i < 100; i++) {
      rows.add(new Object[] {"a", i < 8});
      rows.add(new Object[] {"b", i < 10});
    }
    Map<String, Object> report = new AdverseImpact(List.of("group"), 0.8, Optional.empty())
        .report(TestSpark.rows("group STRING, selected BOOLEAN", rows.toArray(Object[][]::new)), col("selected"));

    Map<String, Object> group = (Map<String, Object>) report.get("group");
    // 0.08 / 0.10 is 0.7999999999999999 in floating point; the rule is about 0.8 exactly.
    assertThat(((Map<String, Map<String, Object>>) group.get("groups")).get("a"))
        .containsEntry("adverse_impact_ratio", 0.8).containsEntry("flagged", false);
  }

  @Test
  @SuppressWarnings("unchecked")
  void ratiosMatchAHandComputationAndTheFourFifthsRuleFlags() {
    Map<String, Object> report = new AdverseImpact(List.of("gender"), 0.8, Optional.empty()).report(people(), col("selected"));

    Map<String, Object> gender = (Map<String, Object>) report.get("gender");
    Map<String, Map<String, Object>> groups = (Map<String, Map<String, Object>>) gender.get("groups");
    // rates: female 30/100 = 0.30, male 100/200 = 0.50, missing 4/10 = 0.40; reference male
    assertThat(gender.get("reference_group")).isEqualTo("male");
    assertThat(groups.get("female")).containsEntry("rows", 100L).containsEntry("selected", 30L)
        .containsEntry("selection_rate", 0.3).containsEntry("adverse_impact_ratio", 0.6).containsEntry("flagged", true);
    assertThat(groups.get("male")).containsEntry("adverse_impact_ratio", 1.0).containsEntry("flagged", false);
    assertThat(groups.get("(missing)")).containsEntry("selection_rate", 0.4).containsEntry("adverse_impact_ratio", 0.8)
        .containsEntry("flagged", false);
    assertThat(gender.get("flagged_groups")).isEqualTo(List.of("female"));
  }

  @Test
  @SuppressWarnings("unchecked")
  void offerRatesAndTierMixPerGroupMatchAHandComputation() {
    // Women: 100 applicants, 30 offers (10 excellent, 20 fair). Men: 200, 100 offers (50 excellent, 50 good).
    List<Object[]> rows = new ArrayList<>();
    for (int i = 0; i < 100; i++) {
      rows.add(new Object[] {"female", i < 30, i < 10 ? "excellent" : i < 30 ? "fair" : null});
    }
    for (int i = 0; i < 200; i++) {
      rows.add(new Object[] {"male", i < 100, i < 50 ? "excellent" : i < 100 ? "good" : null});
    }
    Map<String, Object> report = new AdverseImpact(List.of("gender"), 0.8, Optional.of("credit_tier"))
        .report(TestSpark.rows("gender STRING, offered BOOLEAN, credit_tier STRING", rows.toArray(Object[][]::new)), col("offered"));

    Map<String, Map<String, Object>> groups = (Map<String, Map<String, Object>>) ((Map<String, Object>) report.get("gender")).get("groups");
    // offer rates 0.30 and 0.50: ratio 0.6, flagged
    assertThat(groups.get("female")).containsEntry("selection_rate", 0.3).containsEntry("adverse_impact_ratio", 0.6)
        .containsEntry("flagged", true);
    Map<String, Map<String, Object>> female = (Map<String, Map<String, Object>>) groups.get("female").get("credit_tier_mix");
    Map<String, Map<String, Object>> male = (Map<String, Map<String, Object>>) groups.get("male").get("credit_tier_mix");
    assertThat(female.keySet()).containsExactly("excellent", "fair");
    assertThat(female.get("excellent")).containsEntry("selected", 10L).containsEntry("share", 0.3333);
    assertThat(female.get("fair")).containsEntry("selected", 20L).containsEntry("share", 0.6667);
    assertThat(male.keySet()).containsExactly("excellent", "good");
    assertThat(male.get("good")).containsEntry("selected", 50L).containsEntry("share", 0.5);
  }

  @Test
  @SuppressWarnings("unchecked")
  void everyAttributeAndItsMixFromOnePassMatchAHandComputation() throws Exception {
    // gender, age band, selected (null: not known to be selected), tier.
    Object[][] rows = {{"F", "young", true, "A"}, {"F", "old", false, null}, {"M", "young", true, "B"},
        {"M", "old", true, "A"}, {null, "young", null, "A"}, {"M", "young", false, "B"}, {"F", "old", true, null}};
    // Each Dataset action is one SQL execution.
    List<String> actions = new java.util.concurrent.CopyOnWriteArrayList<>();
    org.apache.spark.scheduler.SparkListener listener = new org.apache.spark.scheduler.SparkListener() {
      @Override
      public void onOtherEvent(org.apache.spark.scheduler.SparkListenerEvent event) {
        if (event instanceof org.apache.spark.sql.execution.ui.SparkListenerSQLExecutionStart start) {
          actions.add(start.description());
        }
      }
    };
    // Events of earlier tests still queued would reach the new listener.
    TestSpark.session().sparkContext().listenerBus().waitUntilEmpty();
    TestSpark.session().sparkContext().addSparkListener(listener);
    Map<String, Object> report;
    try {
      report = new AdverseImpact(List.of("gender", "age_band"), 0.8, Optional.of("tier")).report(
          TestSpark.rows("gender STRING, age_band STRING, selected BOOLEAN, tier STRING", rows), col("selected"));
      TestSpark.session().sparkContext().listenerBus().waitUntilEmpty();
    } finally {
      TestSpark.session().sparkContext().removeSparkListener(listener);
    }

    assertThat(report.keySet()).containsExactly("gender", "age_band");
    Map<String, Object> gender = (Map<String, Object>) report.get("gender");
    Map<String, Map<String, Object>> byGender = (Map<String, Map<String, Object>>) gender.get("groups");
    // F 2 of 3, M 2 of 3 (equal rates: the first in order, F, is the reference), missing 0 of 1.
    // A selected row without a tier counts in the mix as missing.
    assertThat(gender.get("reference_group")).isEqualTo("F");
    assertThat(byGender.get("F")).containsEntry("rows", 3L).containsEntry("selected", 2L)
        .containsEntry("adverse_impact_ratio", 1.0).containsEntry("flagged", false)
        .containsEntry("tier_mix", Map.of("A", Map.of("selected", 1L, "share", 0.5), "(missing)", Map.of("selected", 1L, "share", 0.5)));
    assertThat(byGender.get("M")).containsEntry("rows", 3L).containsEntry("selected", 2L)
        .containsEntry("tier_mix", Map.of("A", Map.of("selected", 1L, "share", 0.5), "B", Map.of("selected", 1L, "share", 0.5)));
    assertThat(byGender.get("(missing)")).containsEntry("rows", 1L).containsEntry("selected", 0L)
        .containsEntry("adverse_impact_ratio", 0.0).containsEntry("tier_mix", Map.of());
    assertThat(gender.get("flagged_groups")).isEqualTo(List.of("(missing)"));
    Map<String, Object> age = (Map<String, Object>) report.get("age_band");
    Map<String, Map<String, Object>> byAge = (Map<String, Map<String, Object>>) age.get("groups");
    // young 2 of 4 against old 2 of 3: 0.75, flagged.
    assertThat(age.get("reference_group")).isEqualTo("old");
    assertThat(byAge.get("young")).containsEntry("rows", 4L).containsEntry("selected", 2L)
        .containsEntry("adverse_impact_ratio", 0.75)
        .containsEntry("tier_mix", Map.of("A", Map.of("selected", 1L, "share", 0.5), "B", Map.of("selected", 1L, "share", 0.5)));
    assertThat(byAge.get("old")).containsEntry("rows", 3L).containsEntry("selected", 2L)
        .containsEntry("tier_mix", Map.of("A", Map.of("selected", 1L, "share", 0.5), "(missing)", Map.of("selected", 1L, "share", 0.5)));
    assertThat(age.get("flagged_groups")).isEqualTo(List.of("young"));
    // Two attributes and a mix: one aggregation, one pass over the rows.
    assertThat(actions).hasSize(1);
  }

  @Test
  void anAttributeOrMixColumnTheRowsLackIsAUserErrorNamingItsConfigPath() {
    Dataset<Row> rows = TestSpark.rows("gender STRING, age_band STRING, tier STRING", new Object[] {"F", "young", "A"});
    new AdverseImpact(List.of("Gender", "age_band"), 0.8, Optional.of("tier")).requireAttributes(rows);
    assertThatThrownBy(() -> new AdverseImpact(List.of("gender", "agee_band"), 0.8, Optional.empty()).requireAttributes(rows))
        .isInstanceOf(com.targeting.core.TargetingException.class)
        .hasMessageContaining("program.fairness.protected names agee_band, which is not a column of the rows: did you mean age_band?");
    assertThatThrownBy(() -> new AdverseImpact(List.of("gender"), 0.8, Optional.of("credit_tier")).requireMixColumn(rows))
        .hasMessageContaining("program.fairness.mix-column names credit_tier");
    assertThatThrownBy(() -> AdverseImpact.from(com.targeting.core.config.ConfigNode.root(
            com.typesafe.config.ConfigFactory.parseString("protected = [gender, Gender]"))))
        .hasMessageContaining("protected").hasMessageContaining("names Gender twice");
  }
}
