package com.targeting.core.decide;

import static com.targeting.core.Columns.CHANNELS;
import static com.targeting.core.Columns.RECOMMENDATIONS;
import static com.targeting.core.Columns.SCORE_BAND;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.targeting.core.testing.TestSpark;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.Test;

class DecisionsTest {
  private static final AllocationRecommendations RECOMMENDATIONS_3 = new AllocationRecommendations(3,
      "preference", "capacity", "profile",
      Map.of("stocks", "stocks", "etfs", "stocks", "bonds", "bonds", "alternatives", "alternatives"),
      Map.of("conservative", Map.of("bonds", 0.6, "stocks", 0.3, "cash", 0.1),
          "aggressive", Map.of("stocks", 0.8, "alternatives", 0.15, "cash", 0.05)));

  private static Dataset<Row> scored() {
    Map<String, Double> preference = Map.of("stocks", 0.1, "etfs", 0.2, "bonds", 0.3, "alternatives", 0.4);
    return TestSpark.rows("customer_id STRING, score DOUBLE, profile STRING, capacity DOUBLE, preference MAP<STRING, DOUBLE>",
        new Object[] {"conservative", 0.75, "conservative", 10_000.0, preference},
        new Object[] {"aggressive", 0.5, "aggressive", 1_000.0, preference},
        new Object[] {"unknown-profile", 0.2, "reckless", 1_000.0, preference});
  }

  @Test
  void recommendationsFollowTheProfilesAllocationAndNeverExceedCapacity() {
    Map<String, List<Row>> byCustomer = new HashMap<>();
    for (Row row : (Row[]) RECOMMENDATIONS_3.apply(scored()).collect()) {
      byCustomer.put(row.getAs("customer_id"), row.getList(row.fieldIndex(RECOMMENDATIONS)));
    }

    // conservative: alternatives have no share; weights bonds .3*.6=.18, etfs .2*.3=.06, stocks .1*.3=.03
    List<Row> conservative = byCustomer.get("conservative");
    assertThat(conservative).extracting(r -> r.<String>getAs("asset_class")).containsExactly("bonds", "etfs", "stocks");
    assertThat(conservative).extracting(r -> r.<Integer>getAs("rank")).containsExactly(1, 2, 3);
    double investable = 10_000 * 0.9; // the 10% cash share stays cash
    assertThat(conservative.get(0).<Double>getAs("amount")).isCloseTo(investable * 0.18 / 0.27, within(0.01));
    assertThat(conservative.stream().mapToDouble(r -> r.<Double>getAs("amount")).sum()).isLessThanOrEqualTo(investable);

    // aggressive: bonds have no share; top 3 of alternatives .06, etfs .16, stocks .08
    assertThat(byCustomer.get("aggressive")).extracting(r -> r.<String>getAs("asset_class"))
        .containsExactly("etfs", "stocks", "alternatives");
    assertThat(byCustomer.get("unknown-profile")).as("no allocation table, no recommendation").isEmpty();
  }

  @Test
  void bandsAndChannelsFollowTheScore() {
    ScoreBands bands = new ScoreBands("score", SCORE_BAND, List.of(new ScoreBands.Band("high", 0.7), new ScoreBands.Band("medium", 0.4),
        new ScoreBands.Band("low", 0.0)));
    ChannelAudiences channels = new ChannelAudiences(List.of(
        new ChannelAudiences.Channel("in-app", 1, 5, Optional.empty(), Optional.of(30)),
        new ChannelAudiences.Channel("push", 3, 5, Optional.of("score_band = 'high'"), Optional.empty())),
        java.time.LocalDate.parse("2026-11-16"));

    Map<String, Object[]> outcome = new HashMap<>();
    for (Row row : (Row[]) channels.apply(bands.apply(scored())).collect()) {
      List<Row> audiences = row.getList(row.fieldIndex(CHANNELS));
      outcome.put(row.getAs("customer_id"), new Object[] {row.getAs(SCORE_BAND),
          audiences.stream().map(r -> r.<String>getAs("channel")).toList()});
    }

    assertThat(outcome.get("conservative")).containsExactly("high", List.of("in-app", "push"));
    assertThat(outcome.get("aggressive")).containsExactly("medium", List.of("in-app"));
    assertThat(outcome.get("unknown-profile")).containsExactly("low", List.of("in-app"));

    Row conservative = ((Row[]) channels.apply(bands.apply(scored())).where("customer_id = 'conservative'").collect())[0];
    List<Row> entries = conservative.getList(conservative.fieldIndex(CHANNELS));
    assertThat(entries.get(0).<java.sql.Date>getAs("display_until").toLocalDate()).as("in-app shows for 30 days")
        .isEqualTo(java.time.LocalDate.parse("2026-12-16"));
    assertThat(entries.get(1).<java.sql.Date>getAs("display_until")).isNull();
  }

  @Test
  void twoScoresBandedIntoTheirOwnColumns() {
    ScoreBands risk = ScoreBands.from(com.targeting.core.config.ConfigNode.root(com.typesafe.config.ConfigFactory.parseString(
        "score-column = score, output = risk_tier, bands = [{ name = high, min = 0.5 }, { name = low, min = 0.0 }]")));
    ScoreBands plain = new ScoreBands("score", SCORE_BAND, List.of(new ScoreBands.Band("top", 0.7), new ScoreBands.Band("rest", 0.0)));

    Map<String, List<String>> outcome = new HashMap<>();
    for (Row row : (Row[]) risk.apply(plain.apply(scored())).collect()) {
      outcome.put(row.getAs("customer_id"), java.util.Arrays.asList(row.<String>getAs("risk_tier"), row.<String>getAs(SCORE_BAND)));
    }

    assertThat(outcome.get("conservative")).containsExactly("high", "top");
    assertThat(outcome.get("aggressive")).containsExactly("high", "rest");
    assertThat(outcome.get("unknown-profile")).containsExactly("low", "rest");
    assertThat(risk.figures()).extracting(com.targeting.core.report.Figure::name).containsExactly("risk_tier");
    assertThat(plain.figures()).extracting(com.targeting.core.report.Figure::name).containsExactly("score_bands");
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> ScoreBands.from(com.targeting.core.config.ConfigNode.root(
            com.typesafe.config.ConfigFactory.parseString("score-column = score, output = Score, bands = [{ name = all, min = 0 }]"))))
        .hasMessageContaining("output").hasMessageContaining("not the score-column score");
  }

  @Test
  void reviewFlagsListTheFlagsEachRowRaisesAndTheReportCountsThem(@org.junit.jupiter.api.io.TempDir java.nio.file.Path reports) {
    ReviewFlags flags = ReviewFlags.from(com.targeting.core.config.ConfigNode.root(com.typesafe.config.ConfigFactory.parseString("""
        output = review_reasons
        flags = [
          { id = near-threshold, when = "abs(p - :threshold) < 0.05", reason = "close to the threshold" }
          { id = valuable-at-risk, when = "p >= 0.5 AND value > 100", reason = "valuable and at risk" }
        ]""")), Map.of("threshold", 0.5));
    Dataset<Row> rows = com.targeting.core.testing.TestSpark.rows("id STRING, p DOUBLE, value DOUBLE",
        new Object[] {"a", 0.52, 500.0}, new Object[] {"b", 0.47, 10.0}, new Object[] {"c", 0.9, 200.0},
        new Object[] {"d", 0.1, 900.0}, new Object[] {"e", null, 900.0});

    Dataset<Row> flagged = flags.apply(rows);
    Map<String, List<String>> raised = new HashMap<>();
    for (Row row : (Row[]) flagged.collect()) {
      raised.put(row.getAs("id"), row.getList(row.fieldIndex("review_reasons")));
    }

    assertThat(raised).containsEntry("a", List.of("near-threshold", "valuable-at-risk")).containsEntry("b", List.of("near-threshold"))
        .containsEntry("c", List.of("valuable-at-risk")).containsEntry("d", List.of())
        // A NULL condition raises nothing.
        .containsEntry("e", List.of());
    com.targeting.core.report.Groups groups = com.targeting.core.report.Groups.of(flagged, org.apache.spark.sql.functions.lit(true), flags.figures());
    com.targeting.core.report.RunReport report = new com.targeting.core.report.RunReport(com.targeting.core.testing.TestSpark.session(),
        "p", java.time.LocalDate.parse("2026-11-22"), reports.toString(), flagged, groups);
    flags.report(report);
    @SuppressWarnings("unchecked")
    Map<String, Object> section = (Map<String, Object>) report.sections().get("review_reasons");
    assertThat(section).containsEntry("rows", 3L);
    assertThat(section.get("flags").toString()).isEqualTo(
        "{near-threshold={rows=2, reason=close to the threshold}, valuable-at-risk={rows=2, reason=valuable and at risk}}");
  }
}
