package com.targeting.jobs;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.targeting.core.testing.TestSpark;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.stream.Stream;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Chaos: a program run killed with SIGKILL (as a lost EMR node or an OOM kill) at several points
 * across its writes, each kill found by watching the tables' folders and the run journal. After a
 * kill while the run prepares its tables, readers see exactly the date's earlier outputs; after a
 * kill while it publishes, each table is whole (earlier or new), and the next run completes the
 * publish before anything else. The last rerun completes with exact counts and no duplicates, and
 * every killed attempt shows in the run history as interrupted.
 *
 * <p>{@code -Dchaos.rows=150000} runs the same at the size of the daily extract (for the notes, not
 * the suite).
 */
class PublishingChaosTest {
  private static final String PROGRAM = "investment-recommendations";
  private static final String DATE = "2026-11-20";
  private static final List<String> TABLES = List.of("quarantine", "rejections", "candidates");
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final int ROWS = Integer.getInteger("chaos.rows", 3000);

  @TempDir
  static Path root;

  private static List<String> args(Path output, String source, String runId) {
    List<String> args = new ArrayList<>(List.of(PROGRAM, "--run-date", DATE, "--run-id", runId,
        "--conf-dir", TestSpark.confDirectory().toString(),
        "--conf", "paths.root=" + root,
        "--conf", "paths.output=" + output,
        "--conf", "bootstrap.rows=" + ROWS,
        "--conf", "bootstrap.history-rows=3000",
        "--conf", "model-defaults.xgboost.num-round=20",
        "--conf", "model-defaults.xgboost.eta=0.3",
        // A killed run's lock is taken over by the next run (which starts seconds later).
        "--conf", "publishing.lock-timeout=2s",
        "--conf", "publishing.lock-heartbeat=500ms"));
    if (source != null) {
      args.addAll(List.of("--conf", "program.source.path=" + source));
    }
    return args;
  }

  @Test
  void aRunKilledAtAnyPointOfItsWritesLeavesReadersTheEarlierOutputsAndTheRerunCompletes() throws Exception {
    SparkSession spark = TestSpark.session();
    Path output = root.resolve("output");
    // The earlier run reads the extract the local bootstrap generates (and trains the models on its history).
    JobRun earlier = JobRun.of(args(output, null, "earlier"));
    assertThat(earlier.code()).as(earlier.summary().toString()).isZero();
    Map<String, List<String>> before = read(spark, output);
    String second = generate("data-second", 99).toString();
    assertThat(before.get("candidates")).hasSize((int) earlier.summary().get("candidates").asLong());

    Path journal = output.resolve("journal/program=" + PROGRAM + "/dt=" + DATE + "/journal.json");
    Set<Path> earlierFiles = dataFiles(output);
    Map<String, Predicate<JsonNode>> killPoints = new LinkedHashMap<>();
    killPoints.put("first data file of the rerun written", null);
    killPoints.put("rejections prepared", state -> state != null && state.path("tables").size() >= 2);
    killPoints.put("publishing", state -> state != null && state.path("state").asText().equals("publishing"));

    List<String> landed = new ArrayList<>();
    int kill = 0;
    for (Map.Entry<String, Predicate<JsonNode>> point : killPoints.entrySet()) {
      kill++;
      Path log = root.resolve("killed-" + kill + ".log");
      Process writer = JobProcess.start(args(output, second, "killed-" + kill), log);
      boolean reached = false;
      while (writer.isAlive() && !reached) {
        reached = point.getValue() == null
            ? dataFiles(output).stream().anyMatch(file -> !earlierFiles.contains(file))
            : point.getValue().test(journalOf(journal, "killed-" + kill));
        if (!reached) {
          Thread.sleep(5);
        }
      }
      writer.destroyForcibly(); // SIGKILL: no shutdown hook, no cleanup
      assertThat(writer.waitFor(60, TimeUnit.SECONDS)).isTrue();
      assertThat(reached).as("kill %d (%s) reached its point before the run ended (exit %d); the end of its log:%n%s",
          kill, point.getKey(), writer.exitValue(), tail(log)).isTrue();
      JsonNode state = journalOf(journal, "killed-" + kill);
      String stateAtKill = state == null ? "none" : state.path("state").asText();
      landed.add(point.getKey() + " -> journal " + stateAtKill);

      Map<String, List<String>> afterKill = read(spark, output);
      if (state == null || stateAtKill.equals("preparing")) {
        assertThat(afterKill).as("readers after kill %d (%s)", kill, point.getKey()).isEqualTo(before);
      } else {
        // Killed between its commits: each table is whole, earlier or new; the next run completes it.
        for (String table : TABLES) {
          assertThat(afterKill.get(table)).as("%s after kill %d", table, kill)
              .satisfiesAnyOf(rows -> assertThat(rows).isEqualTo(before.get(table)),
                  rows -> assertThat(rows).isNotEqualTo(before.get(table)).doesNotHaveDuplicates());
        }
      }
    }
    assertThat(landed).as("where the kills landed").anyMatch(kill1 -> kill1.endsWith("preparing"));

    // The last killed run's lock is taken over once older than the timeout (2 s here): the rerun starts
    // in this JVM at once, before that (a run started at once is refused, naming the killed run).
    Path lock = journal.resolveSibling("lock.json");
    while (Files.exists(lock) && Files.getLastModifiedTime(lock).toMillis() > System.currentTimeMillis() - 2500) {
      Thread.sleep(100);
    }
    JobRun completed = JobRun.of(args(output, second, "completed"));
    assertThat(completed.code()).as(completed.summary().toString()).isZero();
    JsonNode summary = completed.summary();
    assertThat(summary.path("recovered").path("run_id").asText()).as("the last killed run's leftovers were handled first: %s", landed)
        .isEqualTo("killed-" + kill);
    Map<String, List<String>> after = read(spark, output);
    long removed = 0;
    for (JsonNode count : summary.get("removed_by_filter")) {
      removed += count.asLong();
    }
    assertThat(after.get("candidates")).hasSize((int) summary.get("candidates").asLong()).doesNotHaveDuplicates()
        .isNotEqualTo(before.get("candidates"));
    assertThat(after.get("rejections")).hasSize((int) removed).doesNotHaveDuplicates();
    assertThat(after.get("quarantine")).hasSize((int) summary.get("quarantined_rows").asLong());
    assertThat(summary.get("input_rows").asLong()).isEqualTo(ROWS);

    // The run history: the earlier run, every killed attempt (interrupted, as its successor found it), the last one.
    Path summaries = output.resolve("summaries/program=" + PROGRAM + "/dt=" + DATE);
    for (int k = 1; k <= kill; k++) {
      JsonNode killed = JSON.readTree(summaries.resolve("killed-" + k + ".json").toFile());
      assertThat(killed.path("status").asText()).isEqualTo("failed");
      assertThat(killed.path("error").path("category").asText()).isEqualTo("interrupted");
    }
    assertThat(JSON.readTree(summaries.resolve("earlier.json").toFile()).path("status").asText()).isEqualTo("succeeded");
    assertThat(JSON.readTree(journal.toFile()).path("state").asText()).isEqualTo("published");
    System.out.printf("chaos (%d rows): kills landed at %s; earlier run %d ms, last run %d ms%n", ROWS, landed,
        earlier.summary().get("total_ms").asLong(), summary.get("total_ms").asLong());
  }

  private static String tail(Path log) throws IOException {
    List<String> lines = Files.readAllLines(log).stream().filter(line -> !line.startsWith("\tat ") && !line.contains(" INFO ")).toList();
    return String.join("\n", lines.subList(Math.max(0, lines.size() - 40), lines.size()));
  }

  private static Path generate(String folder, int seed) {
    JobRun generated = JobRun.of(List.of("generate-sample-data", "--program", PROGRAM, "--run-date", DATE,
        "--rows", String.valueOf(ROWS), "--seed", String.valueOf(seed), "--history-rows", "10",
        "--output", root.resolve(folder).toString(),
        "--conf-dir", TestSpark.confDirectory().toString(), "--conf", "paths.root=" + root));
    assertThat(generated.code()).as(generated.summary().toString()).isZero();
    return root.resolve(folder).resolve("customer_investment_profiles");
  }

  /** The journal as the given run last wrote it; null if that run has written none yet. */
  private static JsonNode journalOf(Path journal, String runId) {
    try {
      JsonNode node = JSON.readTree(journal.toFile());
      return node != null && node.path("run_id").asText().equals(runId) ? node : null;
    } catch (IOException e) {
      return null; // absent, or being replaced
    }
  }

  /** Each table's customer ids and rule for the run date, as a reader (Spark on the Delta log) sees them. */
  private static Map<String, List<String>> read(SparkSession spark, Path output) {
    Map<String, List<String>> tables = new LinkedHashMap<>();
    for (String table : TABLES) {
      String detail = switch (table) {
        case "quarantine" -> "quarantine_rule";
        case "rejections" -> "removed_by";
        default -> "score_band";
      };
      List<String> rows = new ArrayList<>();
      for (Row row : (Row[]) spark.read().format("delta").load(output.resolve(table).toString())
          .where("program = '" + PROGRAM + "' AND dt = '" + DATE + "'").selectExpr("customer_id", detail).collect()) {
        rows.add(row.get(0) + "|" + row.get(1));
      }
      rows.sort(null);
      tables.put(table, rows);
    }
    return tables;
  }

  private static Set<Path> dataFiles(Path output) throws IOException {
    Set<Path> files = new HashSet<>();
    for (String table : TABLES) {
      Path partition = output.resolve(table + "/program=" + PROGRAM + "/dt=" + DATE);
      if (Files.isDirectory(partition)) {
        try (Stream<Path> listed = Files.list(partition)) {
          listed.filter(file -> file.getFileName().toString().endsWith(".parquet")).forEach(files::add);
        }
      }
    }
    return files;
  }
}
