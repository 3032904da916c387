package com.targeting.core.program;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.targeting.core.TargetingException;
import com.targeting.core.config.ConfigLoader;
import com.targeting.core.testing.TestSpark;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A program's data-quality suite in whole runs: a failed error-level check stops the run before
 * any table or DynamoDB file is written, with the summary and the validation table saying which
 * check failed and why; a failed warning is reported and the run publishes as usual; run-over-run
 * checks read the earlier run date's metrics from the repository on the run's storage.
 */
class ProgramValidationTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir
  Path root;

  /** A program over {@code extract} whose suite has the given checks, with a DynamoDB import export. */
  private Path program(Path extract, String checks) throws IOException {
    return program(extract, checks, 0.5);
  }

  private Path program(Path extract, String checks, double maxQuarantined) throws IOException {
    Path program = root.resolve("program-" + Math.abs((checks + maxQuarantined).hashCode()) + ".conf");
    Files.writeString(program, """
        program {
          id = validation-test
          key = customer_id
          source { format = csv, path = "%s", options { header = "true" } }
          contract { columns { customer_id = string, balance = double, segment = string }, max-quarantined-fraction = %s }
          validation {
            repository = ${paths.output}"/validation-metrics"
            checks = [%s]
          }
          filters = [{ id = balance, rules = [{ keep = "balance >= 100", reason = "balance below 100" }] }]
          outputs {
            candidates = ${paths.output}"/candidates"
            rejections = ${paths.output}"/rejections"
            quarantine = ${paths.output}"/quarantine"
            summaries = ${paths.output}"/summaries"
            dynamodb {
              mode = import
              path = ${paths.output}"/dynamodb-import"
              keys { pk = "customer_id" }
              attributes = [customer_id, balance]
              ttl-attribute = expires_at
              ttl-days = 7
            }
          }
        }
        """.formatted(extract, maxQuarantined, checks));
    return program;
  }

  private Path extract(String name, String csv) throws IOException {
    Path extract = Files.createDirectories(root.resolve(name));
    Files.writeString(extract.resolve("part-0.csv"), "customer_id,balance,segment\n" + csv);
    return extract;
  }

  private RunSummary run(Path program, String date, String runId) {
    return ProgramRunner.run(TestSpark.session(), ProgramConfig.from(ConfigLoader.load(List.of(program.toString()),
        List.of("paths.root=" + root, "run.date=\"" + date + "\"", "run.id=" + runId))));
  }

  private List<JsonNode> validationRows(String date, String runId) throws IOException {
    Path file = root.resolve("output/validation/program=validation-test/dt=" + date + "/" + runId + ".json");
    List<JsonNode> rows = new ArrayList<>();
    for (String line : Files.readAllLines(file)) {
      rows.add(JSON.readTree(line));
    }
    return rows;
  }

  private JsonNode summary(String date, String runId) throws IOException {
    return JSON.readTree(root.resolve("output/summaries/program=validation-test/dt=" + date + "/" + runId + ".json").toFile());
  }

  private List<Path> written() throws IOException {
    List<Path> files = new ArrayList<>();
    for (String output : List.of("candidates", "rejections", "quarantine", "dynamodb-import")) {
      Path location = root.resolve("output").resolve(output);
      if (Files.exists(location)) {
        try (Stream<Path> walk = Files.walk(location)) {
          walk.filter(Files::isRegularFile).forEach(files::add);
        }
      }
    }
    return files;
  }

  @Test
  void aFailedErrorCheckStopsTheRunBeforeAnyWriteAndSaysWhichCheckFailed() throws IOException {
    // C2 twice: uniqueness fails at error level (the contract quarantines both copies; the suite
    // judges the extract as delivered and stops the run).
    Path extract = extract("duplicated", "C1,150,retail\nC2,900,retail\nC2,901,retail\nC4,500,private\n");
    Path program = program(extract, """
        { level = error, type = unique, columns = [customer_id] }
        { level = warning, type = allowed-values, column = segment, values = [retail] }""");

    assertThatThrownBy(() -> run(program, "2026-11-20", "duplicated"))
        .isInstanceOf(TargetingException.class)
        .hasMessageContaining("Validation of extract (")
        .hasMessageContaining("failed 1 error-level check(s); nothing was written: unique(customer_id) (customer_id unique)");

    assertThat(written()).as("tables and DynamoDB files").isEmpty();
    JsonNode summary = summary("2026-11-20", "duplicated");
    assertThat(summary.path("status").asText()).isEqualTo("failed");
    assertThat(summary.path("error").path("category").asText()).isEqualTo("user_error");
    JsonNode extractResults = summary.path("validation").path("extract");
    assertThat(extractResults.path("status").asText()).isEqualTo("failed");
    assertThat(extractResults.path("failed_errors").asLong()).isEqualTo(1);
    assertThat(extractResults.path("failed_warnings").asLong()).isEqualTo(1);
    List<JsonNode> rows = validationRows("2026-11-20", "duplicated");
    assertThat(rows).extracting(row -> row.path("check_id").asText() + " " + row.path("level").asText() + " " + row.path("status").asText())
        .containsExactly("unique(customer_id) error failed", "allowed-values(segment) warning failed");
    // 1 of 4 rows private: 3 of 4 in [retail].
    assertThat(rows.get(1).path("value").asDouble()).isEqualTo(0.75);
    assertThat(rows).allSatisfy(row -> {
      assertThat(row.path("program").asText()).isEqualTo("validation-test");
      assertThat(row.path("run_id").asText()).isEqualTo("duplicated");
      assertThat(row.path("dataset").asText()).isEqualTo("extract");
    });
  }

  @Test
  void anExtractBrokenBeyondTheQuarantineLimitStillGetsItsDataQualityRecord() throws IOException {
    // Both copies of C2 are quarantined: 2 of 4 rows, above a limit of 10%.
    Path extract = extract("too-broken", "C1,150,retail\nC2,900,retail\nC2,901,retail\nC4,500,retail\n");
    Path program = program(extract, "{ level = warning, type = unique, columns = [customer_id] }", 0.1);

    assertThatThrownBy(() -> run(program, "2026-11-20", "too-broken"))
        .hasMessageContaining("2 of 4 rows (50.00%) break the contract");

    assertThat(written()).isEmpty();
    assertThat(validationRows("2026-11-20", "too-broken")).extracting(row -> row.path("status").asText()).containsExactly("failed");
    assertThat(summary("2026-11-20", "too-broken").path("validation").path("extract").path("status").asText()).isEqualTo("warned");
  }

  @Test
  void aFailedWarningIsReportedAndTheRunPublishes() throws IOException {
    Path extract = extract("clean", "C1,150,retail\nC2,900,retail\nC3,50,retail\nC4,500,private\n");
    Path program = program(extract, """
        { level = error, type = unique, columns = [customer_id] }
        { level = warning, type = allowed-values, column = segment, values = [retail] }""");

    RunSummary summary = run(program, "2026-11-20", "warned");

    assertThat(summary.fields().get("status")).isEqualTo("succeeded");
    assertThat(summary.fields().get("candidates")).isEqualTo(3L);
    JsonNode written = summary("2026-11-20", "warned");
    assertThat(written.path("validation").path("extract").path("status").asText()).isEqualTo("warned");
    assertThat(written.path("stage_timings_ms").has("validate")).isTrue();
    assertThat(validationRows("2026-11-20", "warned")).extracting(row -> row.path("status").asText())
        .containsExactly("passed", "failed");
    assertThat(written()).anyMatch(file -> file.toString().contains("/candidates/program=validation-test/dt=2026-11-20/"))
        .anyMatch(file -> file.toString().contains("/dynamodb-import/"));
  }

  @Test
  void runOverRunChecksCompareWithTheEarlierRunDate() throws IOException {
    String checks = "{ level = error, type = row-count-change, max-relative-change = 0.5 }";
    Path week1 = extract("week1", "C1,150,retail\nC2,900,retail\nC3,50,retail\nC4,500,private\n");
    assertThat(run(program(week1, checks), "2026-11-13", "week1").fields().get("status")).isEqualTo("succeeded");
    assertThat(validationRows("2026-11-13", "week1").get(0).path("status").asText()).isEqualTo("skipped");

    // A week later the extract has a single row: -75%, beyond the allowed 50%.
    Path week2 = extract("week2", "C1,150,retail\n");
    assertThatThrownBy(() -> run(program(week2, checks), "2026-11-20", "week2"))
        .hasMessageContaining("row-count-change (row count within 50% of the previous run's)");
    assertThat(validationRows("2026-11-20", "week2").get(0).path("status").asText()).isEqualTo("failed");
  }
}
