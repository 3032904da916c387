package com.targeting.jobs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import com.targeting.core.testing.AthenaDdl;
import com.targeting.core.testing.TestSpark;
import com.targeting.core.testing.TrinoServer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Athena's engine over what the jobs really wrote: every program runs into one output root (their
 * rows side by side in the shared tables, as in production), Trino (the engine of Athena engine
 * v3) creates every table and view of sql/athena from the DDL as written, and every query of
 * sql/analyst runs as written, its result checked against the run summaries. The same again for
 * the plain Parquet format (sql/athena/parquet). Then a writer killed with SIGKILL in the middle of
 * its writes: readers still get the earlier rows of the date, exactly, and the rerun completes.
 * The Delta runs are made once, over a root every test reads and none writes; a test that runs
 * again runs over a copy of its own, and each test creates the Trino tables it queries.
 */
class AthenaOnTrinoTest {
  private static final String INVESTMENT = "investment-recommendations";
  private static final String LOANS = "loan-offer-targeting";
  private static final String UPLIFT = "promotion-uplift";
  private static final String ENGAGEMENT = "engagement-prediction";
  private static final Map<String, String> RUN_DATES = Map.of(INVESTMENT, "2026-11-20", LOANS, "2026-11-16", UPLIFT, "2026-11-23",
      ENGAGEMENT, "2026-11-22");
  private static final double UPLIFT_BUDGET = 2000;
  private static final Path SQL = TestSpark.confDirectory().getParent().resolve("sql");

  @TempDir
  static Path fixtureRoot;

  /** The Delta runs' root: read only. */
  private static LocalRoot fixture;
  /** The Delta runs of the fixture. */
  private static Runs delta;

  @TempDir
  Path ownRoot;

  /** The succeeded run of each program, and an attempt that failed (its summary is a row like any other). */
  private record Runs(Map<String, JsonNode> succeeded, JsonNode failed) {}

  @BeforeAll
  static void runEveryProgram() {
    TrinoServer.startInBackground(); // starts while the programs run
    TestSpark.session();
    fixture = LocalRoot.of(fixtureRoot, "bootstrap.rows=3000", "model-defaults.xgboost.num-round=20", "model-defaults.xgboost.eta=0.3");
    delta = runAll(fixture, "delta", fixture.output());
  }

  private static JobRun run(LocalRoot root, String program, Path output, String... extra) {
    List<String> args = new ArrayList<>(List.of("--conf", "paths.output=" + output,
        "--conf", "bootstrap.history-rows=" + (program.equals(UPLIFT) ? 6000 : 3000)));
    if (program.equals(UPLIFT)) {
      args.addAll(List.of("--conf", "program.budget=" + UPLIFT_BUDGET)); // binds on 3,000 customers
    }
    if (program.equals(ENGAGEMENT)) {
      args.addAll(List.of("--conf", "program.als.max-iter=3")); // the gig recommendations' ALS: enough to run the stage
    }
    args.addAll(List.of(extra));
    return root.run(Stream.concat(Stream.of(program, "--run-date", RUN_DATES.get(program)), args.stream()).toArray(String[]::new));
  }

  /** Runs every program once in a table format, then a failing attempt (too much bad input). */
  private static Runs runAll(LocalRoot root, String format, Path output) {
    Map<String, JsonNode> runs = new LinkedHashMap<>();
    for (String program : RUN_DATES.keySet().stream().sorted().toList()) {
      JobRun result = run(root, program, output, "--conf", "program.outputs.format=" + format);
      assertThat(result.code()).as(result.summary().toString()).isZero();
      runs.put(program, result.summary());
    }
    JobRun failed = run(root, INVESTMENT, output, "--conf", "program.outputs.format=" + format,
        "--conf", "program.contract.max-quarantined-fraction=0.0001", "--run-id", "too-much-bad-input-" + format);
    assertThat(failed.code()).isEqualTo(2);
    return new Runs(runs, failed.summary());
  }

  @Test
  void everyAnalystQueryRunsOnTrinoOverTheDeltaTablesOfEveryProgram() throws IOException {
    TrinoServer trino = TrinoServer.instance();
    trino.recreateSchema("targeting");
    trino.createTables(AthenaDdl.location(fixture.output()), sqlFiles(SQL.resolve("athena")));
    checkEveryAnalystQuery(trino, "delta", delta);
  }

  @Test
  void everyAnalystQueryRunsOnTrinoOverThePlainParquetTables() throws IOException {
    // Over a copy of the fixture: the runs merge their candidates into the contact history there.
    LocalRoot root = fixture.copyTo(ownRoot);
    Path output = root.root().resolve("output-parquet");
    Runs parquet = runAll(root, "parquet", output);
    TrinoServer trino = TrinoServer.instance();
    trino.recreateSchema("targeting");
    List<Path> ddls = new ArrayList<>(sqlFiles(SQL.resolve("athena/parquet")));
    ddls.add(SQL.resolve("athena/summaries.sql"));
    ddls.add(SQL.resolve("athena/validation.sql"));
    ddls.add(SQL.resolve("athena/engagement-qa.sql"));
    trino.createTables(AthenaDdl.location(output), ddls);
    // A declared column the files lack reads as NULL in Athena, silently: every column of every
    // per-program table must be in the files the program wrote.
    Map<String, String> candidateTables = Map.of(INVESTMENT, "investment_candidates", LOANS, "loan_offers", UPLIFT, "promotion_selections",
        ENGAGEMENT, "engagement_predictions");
    for (Map.Entry<String, String> table : candidateTables.entrySet()) {
      Set<String> declared = new HashSet<>();
      for (Map<String, Object> column : trino.query(TrinoServer.HIVE, "targeting", "SHOW COLUMNS FROM " + table.getValue())) {
        declared.add((String) column.get("Column"));
      }
      declared.remove("dt");
      Path partition = output.resolve("candidates/program=" + table.getKey() + "/dt=" + RUN_DATES.get(table.getKey()));
      assertThat(List.of(TestSpark.session().read().parquet(partition.toString()).columns()))
          .as("columns of %s in the files", table.getValue()).containsAll(declared);
    }
    checkEveryAnalystQuery(trino, "parquet", parquet);
  }

  /** Every file in sql/analyst, as written; a query without a check here fails the test. */
  private static void checkEveryAnalystQuery(TrinoServer trino, String format, Runs all) throws IOException {
    Map<String, JsonNode> runs = all.succeeded();
    List<Path> queries = sqlFiles(SQL.resolve("analyst"));
    assertThat(queries).hasSizeGreaterThanOrEqualTo(10);
    for (Path query : queries) {
      List<Map<String, Object>> rows = trino.query(TrinoServer.HIVE, "targeting", statement(query));
      String name = query.getFileName().toString();
      switch (name) {
        case "channel-audiences.sql" -> assertThat(counts(rows, "channel", "customers"))
            .isEqualTo(new TreeMap<>(JobRun.counts(runs.get(INVESTMENT).get("channel_audiences"))));
        case "top-candidates-per-band.sql" -> {
          Map<String, Long> bands = JobRun.counts(runs.get(INVESTMENT).get("score_bands"));
          long expected = bands.values().stream().mapToLong(n -> Math.min(10, n)).sum();
          assertThat(rows).hasSize((int) expected)
              .allSatisfy(row -> assertThat(row.get("top_asset_class")).isNotNull());
        }
        case "funnel-by-day.sql" -> {
          for (String program : RUN_DATES.keySet()) {
            Map<String, Long> removed = new TreeMap<>();
            rows.stream().filter(row -> row.get("program").equals(program) && row.get("dt").equals(RUN_DATES.get(program)))
                .forEach(row -> removed.put((String) row.get("removed_by"), ((Number) row.get("customers")).longValue()));
            Map<String, Long> expected = new TreeMap<>(JobRun.counts(runs.get(program).get("removed_by_filter")));
            expected.values().removeIf(n -> n == 0);
            assertThat(removed).as(program).isEqualTo(expected);
          }
        }
        case "loan-offers-by-tier.sql" -> {
          JsonNode loans = runs.get(LOANS);
          assertThat(counts(rows, "credit_tier", "offers")).isEqualTo(new TreeMap<>(JobRun.counts(loans.get("credit_tiers"))));
          for (Map<String, Object> row : rows) {
            JsonNode tier = loans.get("loan_amounts").get((String) row.get("credit_tier"));
            assertThat(((Number) row.get("total_amount")).doubleValue()).isCloseTo(tier.get("total_amount").asDouble(), within(0.01));
            long sms = row.get("credit_tier").equals("excellent") ? ((Number) row.get("offers")).longValue() : 0;
            assertThat(((Number) row.get("sms")).longValue()).as("SMS only for the excellent tier").isEqualTo(sms);
          }
        }
        case "uplift-selections-by-segment.sql" -> {
          JsonNode selection = runs.get(UPLIFT).get("budget").get("uplift_selection");
          assertThat(rows.stream().mapToLong(row -> ((Number) row.get("customers")).longValue()).sum())
              .isEqualTo(runs.get(UPLIFT).get("candidates").asLong());
          assertThat(rows.stream().mapToDouble(row -> ((Number) row.get("spend")).doubleValue()).sum())
              .isCloseTo(selection.get("spend").asDouble(), within(0.05));
        }
        case "uplift-budget-by-run.sql" -> {
          JsonNode budget = runs.get(UPLIFT).get("budget");
          assertThat(rows).hasSize(1);
          assertThat(rows.get(0).get("dt")).isEqualTo(RUN_DATES.get(UPLIFT));
          assertThat(((Number) rows.get(0).get("budget")).doubleValue()).isEqualTo(budget.get("budget").asDouble());
          assertThat(((Number) rows.get(0).get("spend")).doubleValue()).isEqualTo(budget.get("uplift_selection").get("spend").asDouble());
          assertThat(((Number) rows.get(0).get("spend")).doubleValue()).isLessThanOrEqualTo(UPLIFT_BUDGET).isPositive();
        }
        case "churn-risk-by-tier.sql" -> {
          JsonNode engagement = runs.get(ENGAGEMENT);
          // Customers per tier (over the bands) and per band (over the tiers), as the run summary counts them.
          Map<String, Long> tiers = new TreeMap<>();
          Map<String, Long> bands = new TreeMap<>();
          for (Map<String, Object> row : rows) {
            long customers = ((Number) row.get("customers")).longValue();
            tiers.merge((String) row.get("churn_risk_tier"), customers, Long::sum);
            bands.merge((String) row.get("engagement_band"), customers, Long::sum);
            assertThat(((Number) row.get("average_churn_probability")).doubleValue()).isBetween(0.0, 1.0);
            // 0 <= sum(p * v) <= sum(v) = mean(v) * n, for probabilities p and positive values v (rounded to cents).
            double total = ((Number) row.get("average_lifetime_value")).doubleValue() * customers;
            assertThat(((Number) row.get("lifetime_value_at_risk")).doubleValue()).isBetween(0.0, total + 0.01 * customers);
          }
          assertThat(tiers).isEqualTo(new TreeMap<>(JobRun.counts(engagement.get("churn_risk_tier"))));
          assertThat(bands).isEqualTo(new TreeMap<>(JobRun.counts(engagement.get("engagement_band"))));
          assertThat(tiers.values().stream().mapToLong(Long::longValue).sum()).isEqualTo(engagement.get("candidates").asLong());
        }
        case "runs-by-day.sql" -> {
          for (JsonNode run : runs.values()) {
            Map<String, Object> row = rows.stream().filter(r -> r.get("run_id").equals(run.get("run_id").asText())).findFirst().orElseThrow();
            assertThat(row.get("status")).isEqualTo("succeeded");
            assertThat(row.get("error_category")).isNull();
            assertThat(((Number) row.get("input_rows")).longValue()).isEqualTo(run.get("input_rows").asLong());
            assertThat(((Number) row.get("candidates")).longValue()).isEqualTo(run.get("candidates").asLong());
          }
          Map<String, Object> failed = rows.stream().filter(r -> r.get("run_id").equals("too-much-bad-input-" + format)).findFirst().orElseThrow();
          assertThat(failed.get("status")).isEqualTo("failed");
          assertThat(failed.get("error_category")).isEqualTo("user_error");
          assertThat((String) failed.get("error_message")).contains("break the contract").contains("nothing was written");
          assertThat(rows).hasSize(runs.size() + 1);
        }
        case "engagement-review-queue.sql" -> {
          // Every flagged customer once, with the flags the summary counted; no warning failed.
          JsonNode review = runs.get(ENGAGEMENT).get("review_reasons");
          List<Map<String, Object>> customers = rows.stream().filter(row -> row.get("item").equals("customer")).toList();
          assertThat((long) customers.size()).isEqualTo(review.get("rows").asLong()).isPositive();
          assertThat(customers.stream().map(row -> row.get("customer_id")).distinct().count()).isEqualTo(customers.size());
          for (String flag : List.of("near-threshold", "valuable-at-risk", "anomaly")) {
            assertThat(customers.stream().filter(row -> ((String) row.get("reasons")).contains(flag)).count()).as(flag)
                .isEqualTo(review.get("flags").get(flag).get("rows").asLong());
          }
          for (Map<String, Object> row : customers) {
            double churn = ((Number) row.get("churn_probability")).doubleValue();
            boolean near = Math.abs(churn - 0.5) < 0.05;
            boolean valuable = row.get("churn_risk_tier").equals("high") && ((Number) row.get("ltv_decile")).intValue() >= 6;
            // An anomaly carries its three distinguishing features in details; other rows none.
            boolean anomaly = ((String) row.get("reasons")).contains("anomaly");
            assertThat(near || valuable || anomaly).as(row.toString()).isTrue();
            assertThat(row.get("details") == null ? 0 : ((String) row.get("details")).split("; ").length).as(row.toString())
                .isEqualTo(anomaly ? 3 : 0);
          }
          assertThat(rows).hasSize(customers.size() + (int) runs.get(ENGAGEMENT).get("validation").get("extract").get("failed_warnings").asLong());
        }
        case "data-quality-by-run.sql" -> {
          // Only engagement-prediction has a suite: one row, its counts those of its summary.
          JsonNode validation = runs.get(ENGAGEMENT).get("validation").get("extract");
          assertThat(rows).hasSize(1);
          Map<String, Object> row = rows.get(0);
          assertThat(row.get("program")).isEqualTo(ENGAGEMENT);
          assertThat(row.get("run_id")).isEqualTo(runs.get(ENGAGEMENT).get("run_id").asText());
          assertThat(row.get("dataset")).isEqualTo("extract");
          for (String count : List.of("passed", "failed_errors", "failed_warnings", "skipped")) {
            assertThat(((Number) row.get(count)).longValue()).as(count).isEqualTo(validation.get(count).asLong());
          }
          // The first run of its date on this output: nothing to compare the run-over-run checks with.
          assertThat(((Number) row.get("skipped")).longValue()).isPositive();
          assertThat(((Number) row.get("passed")).longValue()).isPositive();
        }
        default -> throw new AssertionError("No check for sql/analyst/" + name + ": every analyst query needs one here");
      }
    }
  }

  @Test
  void aWriterKilledDuringItsWritesLeavesReadersTheEarlierRowsAndTheRerunCompletes() throws Exception {
    TrinoServer trino = TrinoServer.instance();
    // Over a copy of the fixture, whose outputs the rerun replaces.
    LocalRoot root = fixture.copyTo(ownRoot);
    Path output = root.output();
    trino.recreateSchema("targeting");
    trino.createTables(AthenaDdl.location(output), sqlFiles(SQL.resolve("athena")));
    String date = RUN_DATES.get(INVESTMENT);
    Map<String, String> readers = Map.of(
        "candidates", "SELECT customer_id, suitability_score, score_band FROM targeting.investment_candidates WHERE dt = '" + date + "'",
        "rejections", "SELECT customer_id, removed_by FROM targeting.rejections WHERE program = '" + INVESTMENT + "' AND dt = '" + date + "'",
        "quarantine", "SELECT customer_id, quarantine_rule FROM targeting.quarantine WHERE program = '" + INVESTMENT + "' AND dt = '" + date + "'");
    Map<String, List<List<Object>>> before = read(trino, readers);
    assertThat(before.get("candidates")).hasSize((int) delta.succeeded().get(INVESTMENT).get("candidates").asLong());

    // The rerun reads another extract of the same date, so its rows differ from the earlier run's.
    JobRun generated = JobRun.of(List.of("generate-sample-data", "--program", INVESTMENT, "--run-date", date, "--rows", "3000", "--seed", "99",
        "--history-rows", "10", "--output", root.root().resolve("data-rerun").toString(),
        "--conf-dir", TestSpark.confDirectory().toString(), "--conf", "paths.root=" + root.root()));
    assertThat(generated.code()).as(generated.summary().toString()).isZero();
    List<String> rerun = List.of(INVESTMENT, "--run-date", date,
        "--conf-dir", TestSpark.confDirectory().toString(),
        "--conf", "paths.root=" + root.root(),
        "--conf", "paths.output=" + output,
        "--conf", "program.source.path=" + root.root().resolve("data-rerun/customer_investment_profiles"),
        "--conf", "publishing.lock-timeout=1s", "--conf", "publishing.lock-heartbeat=250ms");

    List<Path> partitions = Stream.of("quarantine", "rejections", "candidates")
        .map(table -> output.resolve(table + "/program=" + INVESTMENT + "/dt=" + date)).toList();
    Set<Path> existing = dataFiles(partitions);
    Path log = root.root().resolve("killed-run.log");
    Process writer = JobProcess.start(rerun, log);
    Path firstNewFile = null;
    while (writer.isAlive() && firstNewFile == null) {
      firstNewFile = dataFiles(partitions).stream().filter(file -> !existing.contains(file)).findFirst().orElse(null);
      if (firstNewFile == null) {
        Thread.sleep(10);
      }
    }
    writer.destroyForcibly(); // SIGKILL: no shutdown hook, no cleanup, as a lost node
    assertThat(writer.waitFor(60, TimeUnit.SECONDS)).isTrue();
    assertThat(firstNewFile).as("the writer was killed in the middle of writing a table; its log: %s", log).isNotNull();

    Map<String, List<List<Object>>> afterKill = read(trino, readers);
    assertThat(afterKill.get("candidates")).as("candidates after the kill").isEqualTo(before.get("candidates"));
    assertThat(afterKill.get("rejections")).as("rejections after the kill").isEqualTo(before.get("rejections"));

    // The killed run's lock is taken over once it is older than the timeout (1 s here, 10 min by default).
    Path lock = output.resolve("journal/program=" + INVESTMENT + "/dt=" + date + "/lock.json");
    while (Files.exists(lock) && Files.getLastModifiedTime(lock).toMillis() > System.currentTimeMillis() - 1500) {
      Thread.sleep(100);
    }
    JobRun completed = run(root, INVESTMENT, output, "--conf", "program.source.path=" + root.root().resolve("data-rerun/customer_investment_profiles"),
        "--conf", "publishing.lock-timeout=1s", "--conf", "publishing.lock-heartbeat=250ms");
    assertThat(completed.code()).as(completed.summary().toString()).isZero();
    Map<String, List<List<Object>>> after = read(trino, readers);
    JsonNode summary = completed.summary();
    assertThat(after.get("candidates")).hasSize((int) summary.get("candidates").asLong()).isNotEqualTo(before.get("candidates"));
    long removed = 0;
    for (JsonNode count : summary.get("removed_by_filter")) {
      removed += count.asLong();
    }
    assertThat(after.get("rejections")).hasSize((int) removed);
    assertThat(after.get("quarantine")).hasSize((int) summary.get("quarantined_rows").asLong());
    // Killed while preparing its tables: no table of the date was published, the quarantine included.
    assertThat(afterKill.get("quarantine")).as("quarantine after the kill").isEqualTo(before.get("quarantine"));
    // No duplicates: one row per customer, and Trino's count agrees with the summary.
    long distinct = ((Number) trino.query(TrinoServer.HIVE, "targeting", "SELECT count(DISTINCT customer_id) AS n FROM targeting.investment_candidates"
        + " WHERE dt = '" + date + "'").get(0).get("n")).longValue();
    assertThat(distinct).isEqualTo(summary.get("candidates").asLong());
  }

  /** Each table's rows, in one order (a multiset: repeated rows, as quarantined duplicates, count). */
  private static Map<String, List<List<Object>>> read(TrinoServer trino, Map<String, String> queries) {
    Map<String, List<List<Object>>> tables = new TreeMap<>();
    queries.forEach((table, sql) -> {
      List<List<Object>> rows = new ArrayList<>();
      for (Map<String, Object> row : trino.query(TrinoServer.HIVE, "targeting", sql)) {
        rows.add(new ArrayList<>(row.values()));
      }
      rows.sort(java.util.Comparator.comparing(Object::toString));
      tables.put(table, rows);
    });
    return tables;
  }

  private static Set<Path> dataFiles(List<Path> directories) throws IOException {
    Set<Path> files = new HashSet<>();
    for (Path directory : directories) {
      if (Files.isDirectory(directory)) {
        try (Stream<Path> listed = Files.list(directory)) {
          listed.filter(file -> file.getFileName().toString().endsWith(".parquet")).forEach(files::add);
        }
      }
    }
    return files;
  }

  /** A query file as Athena's console runs it: comments and the final semicolon are not sent. */
  private static String statement(Path file) throws IOException {
    String sql = Files.readString(file).replaceAll("(?m)^\\s*--.*$", "").strip();
    return sql.endsWith(";") ? sql.substring(0, sql.length() - 1) : sql;
  }

  /** The .sql files of a directory as the README says to apply them: tables first, then views, each in name order. */
  private static List<Path> sqlFiles(Path directory) throws IOException {
    try (Stream<Path> files = Files.list(directory)) {
      return files.filter(file -> file.toString().endsWith(".sql"))
          .sorted(java.util.Comparator.comparing(AthenaOnTrinoTest::isView).thenComparing(java.util.Comparator.naturalOrder()))
          .toList();
    }
  }

  private static boolean isView(Path file) {
    try {
      return Files.readString(file).matches("(?is).*CREATE\\s+(OR\\s+REPLACE\\s+)?VIEW\\s.*");
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  private static Map<String, Long> counts(List<Map<String, Object>> rows, String key, String count) {
    Map<String, Long> counts = new TreeMap<>();
    rows.forEach(row -> counts.put((String) row.get(key), ((Number) row.get(count)).longValue()));
    return counts;
  }
}
