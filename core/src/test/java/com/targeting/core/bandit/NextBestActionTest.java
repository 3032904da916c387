package com.targeting.core.bandit;

import static org.apache.spark.sql.functions.col;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.data.Offset.offset;

import com.targeting.core.TargetingException;
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
 * Thompson sampling in simulated environments with known success rates: it concentrates on the
 * best action, its off-policy estimate lands near the simulated true value, and the Spark decision
 * draws reproducibly, stores the right propensity and honours contact caps and opt-outs.
 */
class NextBestActionTest {
  private static final LocalDate RUN_DATE = LocalDate.of(2026, 11, 30);

  @TempDir
  Path temp;

  private final SparkSession spark = TestSpark.session();

  @Test
  void policyProbabilitiesMatchSampling() {
    // Equal posteriors: equal probabilities.
    assertThat(ThompsonPolicy.probabilities(new double[] {3, 3, 3}, new double[] {7, 7, 7}))
        .containsExactly(new double[] {1 / 3.0, 1 / 3.0, 1 / 3.0}, offset(1e-6));
    // Against 200,000 draws of the posteriors (the sampling the integral stands for): within 0.005.
    double[] alpha = {12, 30, 5, 2};
    double[] beta = {90, 200, 20, 40};
    double[] pi = ThompsonPolicy.probabilities(alpha, beta);
    org.apache.commons.math3.random.Well19937c random = new org.apache.commons.math3.random.Well19937c(1);
    org.apache.commons.math3.distribution.BetaDistribution[] posteriors = new org.apache.commons.math3.distribution.BetaDistribution[4];
    for (int a = 0; a < 4; a++) {
      posteriors[a] = new org.apache.commons.math3.distribution.BetaDistribution(random, alpha[a], beta[a]);
    }
    int[] wins = new int[4];
    int draws = 200_000;
    for (int i = 0; i < draws; i++) {
      int best = 0;
      double max = -1;
      for (int a = 0; a < 4; a++) {
        double theta = posteriors[a].sample();
        if (theta > max) {
          max = theta;
          best = a;
        }
      }
      wins[best]++;
    }
    for (int a = 0; a < 4; a++) {
      assertThat(pi[a]).isCloseTo(wins[a] / (double) draws, offset(0.005));
    }
  }

  /**
   * Batches of 500 customers a round, true rates 4%, 6% and 9%: after 20 rounds (10,000
   * decisions), Thompson sampling gives the best action more than 90% of the next round.
   */
  @Test
  void concentratesOnTheBestActionWithinTwentyRounds() {
    double[] truth = {0.04, 0.06, 0.09};
    double[] alpha = {1, 1, 1};
    double[] beta = {1, 1, 1};
    Random random = new Random(42);
    double[] pi = ThompsonPolicy.probabilities(alpha, beta);
    for (int round = 0; round < 20; round++) {
      for (int customer = 0; customer < 500; customer++) {
        int action = draw(pi, random.nextDouble());
        if (random.nextDouble() < truth[action]) {
          alpha[action]++;
        } else {
          beta[action]++;
        }
      }
      pi = ThompsonPolicy.probabilities(alpha, beta);
    }
    assertThat(pi[2]).isGreaterThan(0.9);
  }

  private static int draw(double[] pi, double u) {
    double cumulative = 0;
    for (int a = 0; a < pi.length; a++) {
      cumulative += pi[a];
      if (u < cumulative) {
        return a;
      }
    }
    return pi.length - 1;
  }

  /** True success rates by segment (1, 2) and action (discount, tip, none). */
  private static final Map<String, double[]> RATES = Map.of("1", new double[] {0.12, 0.05, 0.03}, "2", new double[] {0.04, 0.10, 0.03});
  private static final List<String> ACTIONS = List.of("discount", "tip", "none");

  /**
   * A log of uniform random decisions from 60 to 8 days before the run (propensity 1/3) over customers C0000-C5999 in
   * two segments, outcomes drawn from {@link #RATES}; customer C0000 to C0099 also had two
   * discounts in the last week (for the contact cap).
   */
  private String writeLog(int rowsPerDay) throws Exception {
    Random random = new Random(7);
    StringBuilder csv = new StringBuilder("customer_id,segment_id,action,propensity,outcome,decided_on\n");
    for (int day = 60; day >= 8; day--) {
      LocalDate date = RUN_DATE.minusDays(day);
      for (int i = 0; i < rowsPerDay; i++) {
        int customer = 100 + random.nextInt(5_900);
        String segment = customer % 2 == 0 ? "1" : "2";
        int action = random.nextInt(3);
        int outcome = random.nextDouble() < RATES.get(segment)[action] ? 1 : 0;
        csv.append(String.format("C%04d,%s,%s,0.3333333333,%d,%s%n", customer, segment, ACTIONS.get(action), outcome, date));
      }
    }
    for (int customer = 0; customer < 100; customer++) {
      for (int k = 1; k <= 2; k++) {
        csv.append(String.format("C%04d,1,discount,0.3333333333,0,%s%n", customer, RUN_DATE.minusDays(k)));
      }
    }
    // Outcomes not known yet: not in a posterior, but contacts for the cap (C0200 is capped by them alone).
    csv.append("C0001,1,tip,0.3333333333,,").append(RUN_DATE.minusDays(1)).append('\n');
    csv.append("C0200,1,tip,0.3333333333,,").append(RUN_DATE.minusDays(1)).append('\n');
    csv.append("C0200,1,discount,0.3333333333,,").append(RUN_DATE.minusDays(2)).append('\n');
    Path file = temp.resolve("interventions/log.csv");
    Files.createDirectories(file.getParent());
    Files.writeString(file, csv);
    return file.getParent().toString();
  }

  private NextBestAction decision(String log, String extra) {
    Map<String, Object> parameters = new HashMap<>();
    parameters.put("run_date", RUN_DATE);
    parameters.put("program_id", "nba-test");
    return NextBestAction.from(ConfigNode.root(ConfigFactory.parseString("d { type = next-best-action, context = segment_id, "
        + "actions = [discount, tip, none], default-action = none, contactable = \"notifications_enabled\", "
        + "contact-cap { max = 2, days = 7 }, interventions { path = \"" + log + "\", options { header = \"true\" }, "
        + "outcome-column = outcome, evaluation-days = 20, lookback-days = 90 }" + extra + " }")).node("d"), parameters);
  }

  private LearnedDecision.Run run() {
    return new LearnedDecision.Run(spark, new RunPartition("nba-test", RUN_DATE), Optional.of("customer_id"),
        PartitionedTableSink.of("candidates", temp.resolve("candidates").toString(), PartitionedTableSink.Format.DELTA));
  }

  private Dataset<Row> customers() {
    List<Object[]> rows = new ArrayList<>();
    for (int customer = 0; customer < 6_000; customer++) {
      // Every tenth customer has notifications off (may not be contacted).
      rows.add(new Object[] {String.format("C%04d", customer), customer % 2 == 0 ? 1 : 2, customer % 10 != 5});
    }
    return TestSpark.rows("customer_id STRING, segment_id INT, notifications_enabled BOOLEAN", rows.toArray(Object[][]::new));
  }

  @Test
  @SuppressWarnings("unchecked")
  void offPolicyEstimateLandsNearTheSimulatedTrueValue() throws Exception {
    String log = writeLog(1_000);
    NextBestAction.Fitted fitted = (NextBestAction.Fitted) decision(log, "").fit(customers(), run());
    Map<String, Object> evaluation = (Map<String, Object>) fitted.fitReport().get("off_policy_evaluation");
    // The policy evaluated: refitted on the 40 days before the 20-day window.
    NextBestAction spec = decision(log, "");
    Map<String, double[]> before = new HashMap<>();
    for (String segment : List.of("1", "2")) {
      before.put(segment, spec.policy(countsBefore(segment)));
    }
    // True value of that policy, segments equally likely in the log: sum over segments and actions.
    double truth = 0;
    for (String segment : List.of("1", "2")) {
      for (int a = 0; a < 3; a++) {
        truth += 0.5 * before.get(segment)[a] * RATES.get(segment)[a];
      }
    }
    Map<String, Object> thompson = (Map<String, Object>) evaluation.get("thompson");
    // 12,000 logged rows in the window, weights up to 3: the estimates' standard error is about 0.004.
    assertThat((Double) thompson.get("ips")).isCloseTo(truth, offset(0.01));
    assertThat((Double) thompson.get("snips")).isCloseTo(truth, offset(0.01));
    // Uniform choice's true value is the mean rate: 0.0617.
    double uniformTruth = (0.12 + 0.05 + 0.03 + 0.04 + 0.10 + 0.03) / 6;
    assertThat((Double) ((Map<String, Object>) evaluation.get("uniform")).get("snips")).isCloseTo(uniformTruth, offset(0.01));
    // The logged policy was uniform: its observed value estimates the same.
    assertThat((Double) evaluation.get("logged_policy_value")).isCloseTo(uniformTruth, offset(0.01));
    assertThat(truth).isGreaterThan(uniformTruth + 0.03);
  }

  /** Successes and trials of one segment before the evaluation window, recounted from the simulation's log. */
  private Map<String, NextBestAction.Counts> countsBefore(String segment) {
    Dataset<Row> log = spark.read().option("header", "true").csv(temp.resolve("interventions").toString())
        .where(col("segment_id").equalTo(segment).and(col("outcome").isNotNull())
            .and(col("decided_on").lt(RUN_DATE.minusDays(20).toString())));
    Map<String, NextBestAction.Counts> counts = new HashMap<>();
    for (Row row : log.groupBy("action").agg(org.apache.spark.sql.functions.sum(col("outcome").cast("long")),
        org.apache.spark.sql.functions.count(org.apache.spark.sql.functions.lit(1))).collectAsList()) {
      counts.put(row.getString(0), new NextBestAction.Counts(row.getLong(1), row.getLong(2)));
    }
    return counts;
  }

  @Test
  void drawsReproduciblyWithTheStoredPropensityAndHonoursCapsAndOptOuts() throws Exception {
    String log = writeLog(300);
    NextBestAction.Fitted fitted = (NextBestAction.Fitted) decision(log, "").fit(customers(), run());
    Dataset<Row> decided = fitted.apply(customers()).cache();
    List<Row> again = fitted.apply(customers()).orderBy("customer_id").select("customer_id", "nba_action").collectAsList();
    assertThat(decided.orderBy("customer_id").select("customer_id", "nba_action").collectAsList()).isEqualTo(again);
    assertThat(decided.count()).isEqualTo(6_000);
    // Opted out (notifications off) or capped (C0000-C0099 had two discounts in the last 7 days): the default, propensity 1.
    for (Row row : decided.where(col("nba_withheld")).select("customer_id", "notifications_enabled", "nba_action", "nba_propensity")
        .collectAsList()) {
      int number = Integer.parseInt(row.getString(0).substring(1));
      assertThat(!row.getBoolean(1) || number < 100 || number == 200).as(row.getString(0)).isTrue();
      assertThat(row.getString(2)).isEqualTo("none");
      assertThat(row.getDouble(3)).isEqualTo(1.0);
    }
    assertThat(decided.where(col("nba_withheld")).count()).isEqualTo(600 + 90 + 1);
    // The others: the propensity is the policy's probability of the action drawn, and each action's
    // share of a segment is near that probability (2,700 customers: within 0.03).
    Map<String, double[]> policies = fitted.policies();
    for (String segment : List.of("1", "2")) {
      Dataset<Row> drawn = decided.where(col("segment_id").equalTo(Integer.parseInt(segment)).and(col("nba_withheld").equalTo(false)));
      long n = drawn.count();
      for (int a = 0; a < 3; a++) {
        Dataset<Row> chosen = drawn.where(col("nba_action").equalTo(ACTIONS.get(a)));
        double share = chosen.count() / (double) n;
        assertThat(share).as(segment + "/" + ACTIONS.get(a)).isCloseTo(policies.get(segment)[a], offset(0.03));
        for (Row row : chosen.select("nba_propensity").distinct().collectAsList()) {
          assertThat(row.getDouble(0)).isCloseTo(policies.get(segment)[a], offset(1e-12));
        }
      }
    }
    // The draw does not depend on how the rows are partitioned.
    assertThat(fitted.apply(customers().repartition(7)).orderBy("customer_id").select("customer_id", "nba_action").collectAsList())
        .isEqualTo(again);
    decided.unpersist();
  }

  @Test
  void badLogsAndSettingsAreNamed() throws Exception {
    Path file = temp.resolve("bad/log.csv");
    Files.createDirectories(file.getParent());
    Files.writeString(file, "customer_id,segment_id,action,propensity,outcome,decided_on\nC1,1,tip,0.5,3,2026-11-01\n");
    assertThatThrownBy(() -> decision(file.getParent().toString(), "").fit(customers(), run()))
        .isInstanceOf(TargetingException.class).hasMessageContaining("d.interventions").hasMessageContaining("outcome is not 0 or 1")
        .hasMessageContaining("for example 3");
    Files.writeString(file, "customer_id,segment_id,action,propensity,outcome,decided_on\nC1,1,tip,0,1,2026-11-01\n");
    assertThatThrownBy(() -> decision(file.getParent().toString(), "").fit(customers(), run()))
        .hasMessageContaining("propensity is not in (0, 1]");
    assertThatThrownBy(() -> decision("x", ", default-action = wait"))
        .hasMessageContaining("d.default-action").hasMessageContaining("wait is not one of the actions");
  }
}
