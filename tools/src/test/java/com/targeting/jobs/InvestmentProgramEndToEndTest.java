package com.targeting.jobs;

import static org.apache.spark.sql.functions.col;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.targeting.core.testing.TestSpark;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The investment program through the job entry point, as a local run does it: sample data and
 * models are bootstrapped on first use, then the run, then reruns of the same date and runs of
 * other dates. The first run is made once, over a root every test reads and none writes; a test
 * that runs the program again runs over a copy of that root of its own, so each test passes
 * alone and in any order.
 */
class InvestmentProgramEndToEndTest {
  private static final String PROGRAM = "investment-recommendations";

  /** The first run of the date on a fresh root: every test reads it, a test that runs again copies its root. */
  @RegisterExtension
  static final ProgramFixture FIRST = new ProgramFixture(List.of(PROGRAM, "--run-date", "2026-11-20"),
      "bootstrap.rows=4000", "bootstrap.history-rows=3000", "model-defaults.xgboost.num-round=20");

  @Test
  void aFreshRunBootstrapsAndAccountsForEveryCustomer() {
    assertThat(FIRST.result().code()).as(FIRST.summary().toString()).isZero();
    assertThat(FIRST.summary().get("status").asText()).isEqualTo("succeeded");
    assertThat(FIRST.summary().get("bootstrap").get("generated_rows").asLong()).isEqualTo(4000);
    assertThat(FIRST.summary().get("bootstrap").get("trained_models").has("investment-suitability")).isTrue();

    long input = FIRST.summary().get("input_rows").asLong();
    long quarantined = FIRST.summary().get("quarantined_rows").asLong();
    Map<String, Long> removed = JobRun.counts(FIRST.summary().get("removed_by_filter"));
    long candidates = FIRST.summary().get("candidates").asLong();
    assertThat(input).isEqualTo(4000);
    assertThat(quarantined).isPositive();
    assertThat(removed.keySet()).containsExactly("trust", "investment-qualification", "risk-profile", "eligibility", "regulatory-compliance");
    assertThat(removed.values()).allSatisfy(count -> assertThat(count).isPositive());
    assertThat(quarantined + removed.values().stream().mapToLong(Long::longValue).sum() + candidates).isEqualTo(input);
    assertThat(FIRST.summary().get("scored").asLong()).isEqualTo(candidates);
    assertThat(JobRun.counts(FIRST.summary().get("score_bands")).values().stream().mapToLong(Long::longValue).sum()).isEqualTo(candidates);
    assertThat(JobRun.counts(FIRST.summary().get("written"))).containsExactlyEntriesOf(ProgramFixture.written(input, quarantined, candidates));
    assertThat(FIRST.summary().get("dynamodb").get("mode").asText()).isEqualTo("import");
    assertThat(FIRST.summary().get("stage_timings_ms").has("score_decide")).isTrue();
    JsonNode gender = FIRST.summary().get("fairness").get("gender");
    long selected = 0;
    for (JsonNode group : gender.get("groups")) {
      selected += group.get("selected").asLong();
    }
    assertThat(selected).as("every candidate is in one gender group").isEqualTo(candidates);
    assertThat(FIRST.summary().get("models").get("investment-suitability").get("version").asInt()).isEqualTo(1);
    assertThat(Path.of(FIRST.summary().get("summary_path").asText())).exists();
  }

  @Test
  void theOutputTablesHoldWhatTheSummarySays() {
    Dataset<Row> candidates = FIRST.root().table("candidates").where(col("dt").equalTo("2026-11-20"));
    assertThat(candidates.columns()).contains("program", "dt", "customer_id", "suitability_score", "score_band",
        "recommendations", "channels", "investment_capacity");
    assertThat(candidates.count()).isEqualTo(FIRST.summary().get("candidates").asLong());
    assertThat(candidates.where(col("suitability_score").isNull().or(col("suitability_score").lt(0))
        .or(col("suitability_score").gt(1))).count()).isZero();
    assertThat(candidates.select("customer_id").distinct().count()).isEqualTo(candidates.count());

    Map<String, Long> rejectedByFilter = new LinkedHashMap<>();
    for (Row row : (Row[]) FIRST.root().table("rejections").groupBy("removed_by").count().collect()) {
      rejectedByFilter.put(row.getString(0), row.getLong(1));
    }
    assertThat(rejectedByFilter).containsExactlyInAnyOrderEntriesOf(JobRun.counts(FIRST.summary().get("removed_by_filter")));

    Dataset<Row> quarantine = FIRST.root().table("quarantine");
    assertThat(quarantine.count()).isEqualTo(FIRST.summary().get("quarantined_rows").asLong());
    assertThat(quarantine.where(col("quarantine_reason").isNull()).count()).isZero();
  }

  @Test
  void aRerunOfTheSameDateReplacesItsOutputInsteadOfAddingToIt() {
    LocalRoot root = FIRST.copy();
    JobRun rerun = root.run(PROGRAM, "--run-date", "2026-11-20");

    assertThat(rerun.code()).as(rerun.summary().toString()).isZero();
    assertThat(rerun.summary().has("bootstrap")).as("data and models are reused").isFalse();
    assertThat(rerun.summary().get("candidates").asLong()).isEqualTo(FIRST.summary().get("candidates").asLong());
    assertThat(root.table("candidates").count()).isEqualTo(FIRST.summary().get("candidates").asLong());
    assertThat(root.table("rejections").count()).isEqualTo(JobRun.counts(FIRST.summary().get("removed_by_filter")).values().stream().mapToLong(Long::longValue).sum());
  }

  @Test
  void aRunDateCanBeReExportedIntoDynamoDbWithoutRescoring() {
    // dynalite never deletes expired items: the program's 7-day TTL, long past for the fixed run
    // date, leaves every item there to read back.
    String endpoint = com.targeting.core.testing.Dynalite.instance().endpoint();
    String[] export = {"dynamodb-export", "--program", PROGRAM, "--run-date", "2026-11-20",
        "--conf", "program.outputs.dynamodb.mode=batch-write",
        "--conf", "program.outputs.dynamodb.batch-write.endpoint=" + endpoint,
        "--conf", "program.outputs.dynamodb.batch-write.credentials=local",
        "--conf", "program.outputs.dynamodb.batch-write.create-table-if-missing=true",
        "--conf", "program.outputs.dynamodb.batch-write.table=e2e-investment",
        // Every item read back by key and compared, not a sample.
        "--conf", "program.outputs.dynamodb.verify.sample=1000000"};

    LocalRoot root = FIRST.copy();
    JobRun once = root.run(export);
    JobRun again = root.run(export);

    for (JobRun result : List.of(once, again)) {
      assertThat(result.code()).as(result.summary().toString()).isZero();
      assertThat(result.summary().get("written").asLong()).isEqualTo(FIRST.summary().get("candidates").asLong());
      JsonNode report = result.summary().get("dynamodb");
      assertThat(report.get("failed").asLong()).isZero();
      assertThat(report.get("verification").get("sampled_items").asLong()).isEqualTo(FIRST.summary().get("candidates").asLong());
      assertThat(report.get("verification").get("sampled_mismatches").asLong()).isZero();
      for (JsonNode query : report.get("verification").get("gsi_queries")) {
        assertThat(query.get("returned").asLong()).isEqualTo(query.get("expected").asLong());
      }
    }
    // gsi1: one query per risk profile; gsi2: one per top asset class present
    assertThat(once.summary().get("dynamodb").get("verification").get("gsi_queries").size()).isGreaterThanOrEqualTo(3 + 3);
  }

  @Test
  void aRerunThatFailsLeavesTheEarlierExportWholeAndItsOwnFailedSummary() throws Exception {
    LocalRoot root = FIRST.copy();
    Path export = root.output().resolve("dynamodb-import/program=" + PROGRAM + "/dt=2026-11-20");
    long itemsBefore = TestSpark.session().read().text(export.toString()).count();

    JobRun failed = root.run(PROGRAM, "--run-date", "2026-11-20", "--run-id", "broken-export", "--conf",
        "program.outputs.dynamodb.keys.gsi2sk=\"CASE WHEN customer_id <> '' THEN raise_error('export broke') ELSE 'x' END\"");

    assertThat(failed.code()).as(failed.summary().toString()).isNotZero();
    assertThat(failed.summary().get("error").get("message").asText()).contains("export broke");
    assertThat(TestSpark.session().read().text(export.toString()).count()).isEqualTo(itemsBefore);
    Path attempts = root.output().resolve("summaries/program=" + PROGRAM + "/dt=2026-11-20");
    JsonNode recorded = new com.fasterxml.jackson.databind.ObjectMapper().readTree(attempts.resolve("broken-export.json").toFile());
    assertThat(recorded.get("status").asText()).isEqualTo("failed");
    assertThat(recorded.get("run_id").asText()).isEqualTo("broken-export");
    assertThat(recorded.get("error").get("category").asText()).isEqualTo(failed.summary().get("error").get("category").asText());
    assertThat(recorded.get("error").get("message").asText()).contains("export broke");
    assertThat(FIRST.root().moved(Path.of(FIRST.summary().get("summary_path").asText()), root)).as("the earlier attempt's summary stays").exists();

    JobRun recovered = root.run(PROGRAM, "--run-date", "2026-11-20");
    assertThat(recovered.code()).isZero();
    assertThat(recovered.summary().get("candidates").asLong()).isEqualTo(FIRST.summary().get("candidates").asLong());
  }

  @Test
  void tooMuchBadInputFailsTheRunBeforeAnythingIsWritten() throws Exception {
    LocalRoot root = FIRST.copy();
    JobRun result = root.run(PROGRAM, "--run-date", "2026-11-21", "--conf", "program.contract.max-quarantined-fraction=0.0001");

    assertThat(result.code()).isEqualTo(2);
    assertThat(result.summary().get("status").asText()).isEqualTo("failed");
    assertThat(result.summary().get("error").get("message").asText())
        .contains("break the contract").contains("program.contract.max-quarantined-fraction").contains("nothing was written");
    for (String name : List.of("candidates", "rejections", "quarantine", "dynamodb-import")) {
      assertThat(Files.exists(root.output().resolve(name).resolve("program=" + PROGRAM).resolve("dt=2026-11-21")))
          .as(name).isFalse();
    }
    // Only the attempt's own record: a failed summary that says why.
    Path attempts = root.output().resolve("summaries/program=" + PROGRAM + "/dt=2026-11-21");
    try (java.util.stream.Stream<Path> files = Files.list(attempts)) {
      List<Path> summaries = files.filter(file -> file.toString().endsWith(".json")).toList();
      assertThat(summaries).hasSize(1);
      JsonNode recorded = new com.fasterxml.jackson.databind.ObjectMapper().readTree(summaries.get(0).toFile());
      assertThat(recorded.get("status").asText()).isEqualTo("failed");
      assertThat(recorded.get("error").get("category").asText()).isEqualTo("user_error");
      assertThat(recorded.get("error").get("message").asText()).isEqualTo(result.summary().get("error").get("message").asText());
    }
  }

  @Test
  void badConfigAndBadArgumentsAreUserErrorsThatSayWhere() {
    LocalRoot root = FIRST.copy();
    JobRun badValue = root.run(PROGRAM, "--run-date", "2026-11-20", "--conf", "program.contract.max-quarantined-fraction=lots");
    assertThat(badValue.code()).isEqualTo(2);
    assertThat(badValue.summary().get("error").get("message").asText()).contains("program.contract.max-quarantined-fraction");

    JobRun unknownProgram = root.run("no-such-program");
    assertThat(unknownProgram.code()).isEqualTo(2);
    assertThat(unknownProgram.summary().get("error").get("message").asText())
        .contains("Config file not found").contains("programs/no-such-program.conf");

    JobRun badDate = root.run(PROGRAM, "--run-date", "20-11-2026");
    assertThat(badDate.code()).isEqualTo(2);
    assertThat(badDate.summary().get("error").get("message").asText()).isEqualTo("Invalid --run-date '20-11-2026': expected YYYY-MM-DD");
  }

  /** Only a guard against a hang (a header-only extract once waited forever): far above a run's time. */
  private static final java.time.Duration HANG_GUARD = java.time.Duration.ofSeconds(300);

  /** The generated extract's header line, then its first records, each as RFC 4180 text (a null as an empty field). */
  private static List<String> extractLines(int records) {
    Dataset<Row> extract = generatedExtract();
    List<String> lines = new ArrayList<>(List.of(String.join(",", extract.columns())));
    for (Row row : (Row[]) extract.orderBy("customer_id").limit(records).collect()) {
      List<String> fields = new ArrayList<>();
      for (int i = 0; i < row.size(); i++) {
        fields.add(row.isNullAt(i) ? "" : quoted(row.getString(i)));
      }
      lines.add(String.join(",", fields));
    }
    return lines;
  }

  /** The extract the bootstrap generated for the first run, without null or duplicate ids. */
  private static Dataset<Row> generatedExtract() {
    return TestSpark.session().read().options(com.targeting.core.source.ReaderSource.CSV_DEFAULTS)
        .csv(FIRST.root().root().resolve("data").resolve(PROGRAM).resolve("customer_investment_profiles").toString())
        .where(col("customer_id").isNotNull()).dropDuplicates("customer_id");
  }

  private static Path writeExtract(LocalRoot root, String name, List<String> lines) throws Exception {
    Path folder = Files.createDirectories(root.root().resolve("extracts").resolve(name));
    Files.writeString(folder.resolve("part-0.csv"), String.join("\r\n", lines) + "\r\n");
    return folder;
  }

  private static long rowsOf(LocalRoot root, String table, String runDate) {
    return root.table(table).where(col("dt").equalTo(runDate)).count();
  }

  @Test
  void aHeaderOnlyExtractFailsPromptlyAndLeavesTheDatesOutputsAsTheyWere() throws Exception {
    LocalRoot root = FIRST.copy();
    Path empty = writeExtract(root, "header-only", List.of(extractLines(0).get(0)));
    long candidatesBefore = rowsOf(root, "candidates", "2026-11-20");
    long quarantineBefore = rowsOf(root, "quarantine", "2026-11-20");

    JobRun result = org.junit.jupiter.api.Assertions.assertTimeoutPreemptively(HANG_GUARD, () -> root.run(PROGRAM, "--run-date", "2026-11-20",
        "--run-id", "empty-extract", "--conf", "program.source.path=" + empty));

    assertThat(result.code()).as(result.summary().toString()).isEqualTo(2);
    assertThat(result.summary().get("error").get("message").asText())
        .contains(empty.toString()).contains("has 0 rows").contains("program.source.min-rows = 1").contains("nothing was written");
    assertThat(rowsOf(root, "candidates", "2026-11-20")).isEqualTo(candidatesBefore).isPositive();
    assertThat(rowsOf(root, "quarantine", "2026-11-20")).isEqualTo(quarantineBefore);
    Path recorded = root.output().resolve("summaries/program=" + PROGRAM + "/dt=2026-11-20/empty-extract.json");
    JsonNode summary = new com.fasterxml.jackson.databind.ObjectMapper().readTree(recorded.toFile());
    assertThat(summary.get("status").asText()).isEqualTo("failed");
    assertThat(summary.get("error").get("category").asText()).isEqualTo("user_error");
    assertThat(summary.get("error").get("message").asText()).isEqualTo(result.summary().get("error").get("message").asText());
  }

  @Test
  void aHeaderOnlyExtractAcceptedByMinRowsZeroGivesAnAllZeroFunnel() throws Exception {
    LocalRoot root = FIRST.copy();
    Path empty = writeExtract(root, "header-only", List.of(extractLines(0).get(0)));

    JobRun result = org.junit.jupiter.api.Assertions.assertTimeoutPreemptively(HANG_GUARD, () -> root.run(PROGRAM, "--run-date", "2026-11-22",
        "--conf", "program.source.path=" + empty, "--conf", "program.source.min-rows=0"));

    assertThat(result.code()).as(result.summary().toString()).isZero();
    assertThat(result.summary().get("status").asText()).isEqualTo("succeeded");
    assertThat(result.summary().get("input_rows").asLong()).isZero();
    assertThat(result.summary().get("quarantined_rows").asLong()).isZero();
    assertThat(result.summary().get("candidates").asLong()).isZero();
    assertThat(JobRun.counts(result.summary().get("written")).values()).containsOnly(0L);
    assertThat(rowsOf(root, "candidates", "2026-11-22")).isZero();
  }

  /** RFC 4180 quoting of one field: in quotes, with quotes doubled. */
  private static String quoted(String value) {
    return "\"" + value.replace("\"", "\"\"") + "\"";
  }

  @Test
  void quotedLineBreaksStayInTheirRecordAndAnUnreadableRecordIsQuarantinedUnderItsKey() throws Exception {
    List<String> crafted = extractLines(300);
    List<String> header = List.of(crafted.get(0).split(","));
    int goals = header.indexOf("investment_goals");
    Row firstRow = generatedExtract().orderBy("customer_id").first();
    List<String> ids = List.of(firstRow.getString(0), crafted.get(2).substring(1, crafted.get(2).indexOf('"', 1)));
    // The first customer's goals span two lines, with a quote in them; the second has a field too many.
    String goalsText = firstRow.getString(goals) + "\nsee \"notes\"";
    List<String> first = new ArrayList<>();
    for (int i = 0; i < firstRow.size(); i++) {
      first.add(i == goals ? quoted(goalsText) : firstRow.isNullAt(i) ? "" : quoted(firstRow.getString(i)));
    }
    crafted.set(1, String.join(",", first));
    crafted.set(2, crafted.get(2) + ",surplus");
    LocalRoot root = FIRST.copy();
    Path path = writeExtract(root, "crafted", crafted);

    JobRun result = root.run(PROGRAM, "--run-date", "2026-11-23", "--conf", "program.source.path=" + path,
        "--conf", "program.contract.max-quarantined-fraction=0.5");

    assertThat(result.code()).as(result.summary().toString()).isZero();
    assertThat(result.summary().get("input_rows").asLong()).as("one row per record").isEqualTo(300);
    Dataset<Row> quarantine = root.table("quarantine").where(col("dt").equalTo("2026-11-23"));
    Row malformed = quarantine.where(col("customer_id").equalTo(ids.get(1))).first();
    assertThat(malformed.<String>getAs("quarantine_rule")).isEqualTo("malformed-record");
    assertThat(malformed.<String>getAs("quarantine_reason")).startsWith("malformed record (wrong number of fields");
    long copies = 0;
    for (String name : List.of("candidates", "rejections", "quarantine")) {
      Dataset<Row> rows = root.table(name).where(col("dt").equalTo("2026-11-23").and(col("customer_id").equalTo(ids.get(0))));
      copies += rows.count();
      if (List.of(rows.columns()).contains("investment_goals")) {
        for (Row row : (Row[]) rows.select("investment_goals").collect()) {
          assertThat(row.getString(0)).isEqualTo(goalsText);
        }
      }
    }
    assertThat(copies).as("the customer whose field spans two lines is one row").isEqualTo(1);
    assertThat(root.table("quarantine").where(col("dt").equalTo("2026-11-23")).count()
        + root.table("rejections").where(col("dt").equalTo("2026-11-23")).count()
        + root.table("candidates").where(col("dt").equalTo("2026-11-23")).count()).isEqualTo(300);
  }

  @Test
  void aRunThatFailsWhilePreparingItsTablesPublishesNoneAndDeletesWhatItWrote() throws Exception {
    LocalRoot root = FIRST.copy();
    Map<String, Long> versions = new LinkedHashMap<>();
    for (String name : List.of("quarantine", "rejections", "candidates")) {
      versions.put(name, io.delta.tables.DeltaTable.forPath(TestSpark.session(), root.output().resolve(name).toString())
          .history(1).first().getLong(0));
    }
    long filesBefore = parquetFiles(root.output());
    // The candidates' path holds a Parquet folder: refused when the candidates are prepared, after
    // the quarantine and the rejections were written (as the year-0000 date once broke it there).
    Path notDelta = root.root().resolve("not-a-delta-table");
    Files.createDirectories(notDelta);
    Files.writeString(notDelta.resolve("part-0.parquet"), "not delta");

    JobRun failed = root.run(PROGRAM, "--run-date", "2026-11-20", "--run-id", "fails-while-preparing",
        "--conf", "program.outputs.candidates=" + notDelta);

    assertThat(failed.code()).as(failed.summary().toString()).isEqualTo(2);
    assertThat(failed.summary().get("error").get("message").asText()).contains("no Delta log");
    for (Map.Entry<String, Long> table : versions.entrySet()) {
      assertThat(io.delta.tables.DeltaTable.forPath(TestSpark.session(), root.output().resolve(table.getKey()).toString())
          .history(1).first().getLong(0)).as("%s: no commit", table.getKey()).isEqualTo(table.getValue());
    }
    assertThat(parquetFiles(root.output())).as("the prepared files were deleted").isEqualTo(filesBefore);
    JsonNode journal = new com.fasterxml.jackson.databind.ObjectMapper().readTree(
        root.output().resolve("journal/program=" + PROGRAM + "/dt=2026-11-20/journal.json").toFile());
    assertThat(journal.get("run_id").asText()).isEqualTo("fails-while-preparing");
    assertThat(journal.get("state").asText()).isEqualTo("rolled_back");
    assertThat(journal.get("tables")).hasSize(2);
  }

  private static long parquetFiles(Path directory) throws java.io.IOException {
    try (java.util.stream.Stream<Path> files = Files.walk(directory)) {
      return files.filter(file -> file.toString().endsWith(".parquet") && !file.toString().contains("_delta_log")).count();
    }
  }
}
