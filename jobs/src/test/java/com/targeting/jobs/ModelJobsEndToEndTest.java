package com.targeting.jobs;

import static org.apache.spark.sql.functions.col;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.targeting.core.testing.TestSpark;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A model described only by a config file, trained and used as a new user would: train-model
 * --config, score-model on an explicit test file, and a retraining that must not move the
 * champion when it is no better.
 */
class ModelJobsEndToEndTest {

  @TempDir
  static Path root;

  private static Path config;

  /** Train and test CSVs like a churn extract: text columns, Yes/No label, some blank numbers. */
  @BeforeAll
  static void files() throws Exception {
    Random random = new Random(3);
    List<Row> rows = new ArrayList<>();
    String[] contracts = {"Month-to-month", "One year", "Two year"};
    for (int i = 0; i < 3_000; i++) {
      int tenure = random.nextInt(72);
      String contract = contracts[random.nextInt(3)];
      double monthly = 20 + random.nextDouble() * 100;
      double logit = -1 + ("Month-to-month".equals(contract) ? 1.5 : -0.5) - tenure / 24.0 + (monthly - 70) / 40;
      boolean churn = random.nextDouble() < 1 / (1 + Math.exp(-logit));
      String total = tenure == 0 ? " " : String.format("%.2f", tenure * monthly);
      rows.add(RowFactory.create(String.format("%04d-ABCDE", i), i % 2 == 0 ? "Female" : "Male", Integer.toString(tenure),
          contract, String.format("%.2f", monthly), total, churn ? "Yes" : "No"));
    }
    Dataset<Row> all = TestSpark.session().createDataFrame(rows, StructType.fromDDL(
        "customerID STRING, gender STRING, tenure STRING, Contract STRING, MonthlyCharges STRING, TotalCharges STRING, Churn STRING"));
    all.where(col("customerID").lt("2400")).coalesce(1).write().option("header", "true").csv(root.resolve("train").toString());
    all.where(col("customerID").geq("2400")).coalesce(1).write().option("header", "true").csv(root.resolve("test").toString());
    config = root.resolve("churn.conf");
    Files.writeString(config, String.join("\n",
        "model {",
        "  id = churn",
        "  objective = binary",
        "  data { train = \"" + root.resolve("train") + "\", test = \"" + root.resolve("test") + "\", format = csv, options { header = \"true\" } }",
        "  label { column = Churn, positive = \"Yes\" }",
        "  features { numeric = [tenure, MonthlyCharges, TotalCharges], categorical = [Contract] }",
        "  protected = [gender]",
        "  id-column = customerID",
        "  reason-codes = 2",
        "  promotion { metric = auc_roc, margin = 0.005 }",
        "  xgboost { num-round = 40, max-depth = 3, eta = 0.1, early-stopping-rounds = 10 }",
        "}"));
  }

  private static JsonNode run(String... args) throws Exception {
    List<String> all = new ArrayList<>(List.of(args));
    all.addAll(List.of("--conf-dir", TestSpark.confDirectory().toString(), "--conf", "paths.root=" + root.resolve("runs")));
    JobRun run = JobRun.of(all);
    assertThat(run.code()).as(run.summary().toString()).isZero();
    return run.summary();
  }

  @Test
  void aConfigFileIsAllItTakesToTrainScoreAndRetrain() throws Exception {
    JsonNode trained = run("train-model", "--config", config.toString()).get("models").get("churn");

    assertThat(trained.get("version").asInt()).isEqualTo(1);
    assertThat(trained.get("metrics").get("auc_roc").asDouble()).isGreaterThan(0.7);
    assertThat(trained.get("rows").get("test").asLong()).isEqualTo(600);
    assertThat(trained.get("promotion").get("promoted").asBoolean()).isTrue();

    String test = root.resolve("test").toString();
    run("score-model", "--config", config.toString(), "--input", test, "--output", root.resolve("scored-1").toString());
    run("score-model", "--config", config.toString(), "--input", test, "--output", root.resolve("scored-2").toString());
    Dataset<Row> first = TestSpark.session().read().parquet(root.resolve("scored-1").toString());
    Dataset<Row> second = TestSpark.session().read().parquet(root.resolve("scored-2").toString());
    assertThat(first.count()).isEqualTo(600);
    assertThat(first.columns()).contains("customerID", "churn_score", "churn_score_reasons", "churn_score_bias");
    assertThat(first.select("customerID", "churn_score").except(second.select("customerID", "churn_score")).count())
        .as("a reloaded champion scores identically").isZero();

    // Cases score-unparseable-as-missing and score-infinity: the training contract, applied by the
    // scorer: quarantined with a reason and counted, never scored as missing.
    Path crafted = root.resolve("crafted.csv");
    Files.writeString(crafted, String.join("\n",
        "customerID,gender,tenure,Contract,MonthlyCharges,TotalCharges",
        "X1,Female,5,Month-to-month,,100",
        "X2,Female,5,Month-to-month,abc,100",
        "X3,Male,NA,Month-to-month,50.0,100",
        "X4,Male,null,Month-to-month,50.0,100",
        "X5,Male,5,Month-to-month,Infinity,100",
        "X6,Male,5,Month-to-month,50.0,100", ""));
    JsonNode scored = run("score-model", "--config", config.toString(), "--input", crafted.toString(), "--format", "csv",
        "--output", root.resolve("scored-crafted").toString());
    assertThat(scored.get("rows").asLong()).isEqualTo(6);
    assertThat(scored.get("scored").asLong()).isEqualTo(2);
    assertThat(scored.get("quarantined").asLong()).isEqualTo(4);
    assertThat(JobRun.counts(scored.get("quarantined_by_rule"))).containsExactly(
        java.util.Map.entry("non-finite", 1L), java.util.Map.entry("unparseable", 3L));
    java.util.Map<String, Row> byId = new java.util.TreeMap<>();
    TestSpark.session().read().parquet(root.resolve("scored-crafted").toString()).collectAsList()
        .forEach(row -> byId.put(row.getAs("customerID"), row));
    assertThat(byId.get("X2").<String>getAs("quarantine_reason")).isEqualTo("unparseable MonthlyCharges: 'abc' is not double");
    assertThat(byId.get("X3").<String>getAs("quarantine_reason")).isEqualTo("unparseable tenure: 'NA' is not double");
    assertThat(byId.get("X4").<String>getAs("quarantine_reason")).isEqualTo("unparseable tenure: 'null' is not double");
    assertThat(byId.get("X5").<String>getAs("quarantine_reason")).isEqualTo("non-finite MonthlyCharges: 'Infinity'");
    for (String id : List.of("X2", "X3", "X4", "X5")) {
      assertThat(byId.get(id).<Object>getAs("churn_score")).as(id).isNull();
    }
    for (String id : List.of("X1", "X6")) {
      assertThat(byId.get(id).<Object>getAs("quarantine_rule")).as(id).isNull();
      assertThat(byId.get(id).<Double>getAs("churn_score")).as(id).isBetween(0.0, 1.0);
    }

    JsonNode retrained = run("train-model", "--config", config.toString()).get("models").get("churn");
    assertThat(retrained.get("version").asInt()).isEqualTo(2);
    assertThat(retrained.get("promotion").get("champion_version").asInt()).isEqualTo(1);
    assertThat(retrained.get("promotion").get("promoted").asBoolean()).as("same data: not better by the margin").isFalse();
    assertThat(retrained.get("promotion").get("champion_value").asDouble())
        .isCloseTo(retrained.get("promotion").get("challenger_value").asDouble(), org.assertj.core.api.Assertions.within(0.005));
    assertThat(Files.readString(root.resolve("runs/models/churn/champion.json"))).contains("\"version\":1");
  }

  /** Only a guard against a hang: far above what these jobs take. */
  private static final java.time.Duration HANG_GUARD = java.time.Duration.ofSeconds(300);

  private static JobRun runAny(String... args) {
    List<String> all = new ArrayList<>(List.of(args));
    all.addAll(List.of("--conf-dir", TestSpark.confDirectory().toString(), "--conf", "paths.root=" + root.resolve("runs")));
    return org.junit.jupiter.api.Assertions.assertTimeoutPreemptively(HANG_GUARD, () -> JobRun.of(all));
  }

  @Test
  void aQuotedLineBreakInAScoredFileStaysInItsRecord() throws Exception {
    run("train-model", "--config", config.toString(), "--conf", "model.id=churn-csv");
    List<String> lines = new ArrayList<>(List.of("customerID,gender,tenure,Contract,MonthlyCharges,TotalCharges,Churn"));
    for (int i = 1; i <= 10; i++) {
      String contract = i == 7 ? "\"Two\nYear\"" : i == 8 ? "\"One \"\"year\"\"\"" : "Month-to-month";
      lines.add(String.format("S%03d,Female,%d,%s,50.0,%d.0,No", i, i, contract, 50 * i));
    }
    Path input = Files.createDirectories(root.resolve("score-qnl"));
    Files.writeString(input.resolve("score.csv"), String.join("\n", lines) + "\n");

    JsonNode scored = run("score-model", "--config", config.toString(), "--conf", "model.id=churn-csv",
        "--input", input.toString(), "--format", "csv", "--output", root.resolve("scored-qnl").toString());

    Dataset<Row> output = TestSpark.session().read().parquet(root.resolve("scored-qnl").toString());
    assertThat(scored.get("rows").asLong()).isEqualTo(10);
    assertThat(output.select("customerID").as(org.apache.spark.sql.Encoders.STRING()).collectAsList())
        .containsExactlyInAnyOrder("S001", "S002", "S003", "S004", "S005", "S006", "S007", "S008", "S009", "S010");
    assertThat(output.where(col("customerID").equalTo("S007")).first().<String>getAs("Contract")).isEqualTo("Two\nYear");
    assertThat(output.where(col("customerID").equalTo("S008")).first().<String>getAs("Contract")).isEqualTo("One \"year\"");
    assertThat(output.where(col("churn_csv_score").isNull()).count()).isZero();
  }

  @Test
  void emptyInputsToTrainingAndScoringAreUserErrorsThatNameTheFile() throws Exception {
    Path empty = Files.createDirectories(root.resolve("header-only"));
    Files.writeString(empty.resolve("part-0.csv"), "customerID,gender,tenure,Contract,MonthlyCharges,TotalCharges,Churn\n");

    JobRun training = runAny("train-model", "--config", config.toString(), "--conf", "model.id=churn-empty",
        "--conf", "model.data.train=\"" + empty + "\"");
    JobRun scoring = runAny("score-model", "--config", config.toString(), "--input", empty.toString(), "--format", "csv",
        "--output", root.resolve("scored-empty").toString());

    assertThat(training.code()).as(training.summary().toString()).isEqualTo(2);
    assertThat(training.summary().get("error").get("message").asText())
        .contains("churn-empty").contains(empty.toString()).contains("has no rows");
    assertThat(scoring.code()).as(scoring.summary().toString()).isEqualTo(2);
    assertThat(scoring.summary().get("error").get("message").asText()).contains(empty.toString()).contains("has no rows");
    assertThat(root.resolve("scored-empty")).doesNotExist();
  }
}
