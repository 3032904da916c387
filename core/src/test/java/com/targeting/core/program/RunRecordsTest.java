package com.targeting.core.program;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.targeting.core.config.ConfigLoader;
import com.targeting.core.testing.TestSpark;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Which earlier summary a run's report compares itself with. */
class RunRecordsTest {
  @TempDir
  Path root;

  @Test
  void thePreviousRunIsTheLatestSucceededRunOfThisDateOrTheLatestEarlierDateThatHasOne() throws Exception {
    summary("2026-11-17", "r17", "succeeded", "2026-11-17T06:00:00Z");
    summary("2026-11-18", "r18a", "succeeded", "2026-11-18T06:00:00Z");
    summary("2026-11-18", "r18b", "succeeded", "2026-11-18T07:30:00Z");
    summary("2026-11-18", "r18c", "failed", "2026-11-18T09:00:00Z");
    summary("2026-11-19", "r19", "failed", "2026-11-19T06:00:00Z");
    summary("2026-11-21", "r21", "succeeded", "2026-11-21T06:00:00Z");
    // A later date is not "previous"; a date with failed runs only is passed over.
    assertThat(previousOf("2026-11-20", "now").map(run -> run.path("run_id").asText())).contains("r18b");
    // The run's own summary (a rerun writes it before its report is read again) is never its previous run.
    summary("2026-11-20", "now", "succeeded", "2026-11-20T06:00:00Z");
    assertThat(previousOf("2026-11-20", "now").map(run -> run.path("run_id").asText())).contains("r18b");
    // An earlier succeeded run of the same date beats every earlier date.
    assertThat(previousOf("2026-11-20", "rerun").map(run -> run.path("run_id").asText())).contains("now");
    assertThat(previousOf("2026-11-16", "first")).isEmpty();
  }

  @Test
  void aProgramWithoutSummariesHasNoPreviousRun() throws Exception {
    assertThat(previousOf("2026-11-20", "now")).isEmpty();
  }

  private void summary(String date, String runId, String status, String finishedAt) throws Exception {
    Path file = root.resolve("out/summaries/program=records-test/dt=" + date + "/" + runId + ".json");
    Files.createDirectories(file.getParent());
    Files.writeString(file, """
        {"program":"records-test","run_date":"%s","run_id":"%s","status":"%s","finished_at":"%s"}
        """.formatted(date, runId, status, finishedAt));
  }

  private Optional<JsonNode> previousOf(String runDate, String runId) throws Exception {
    Path program = root.resolve("program.conf");
    Files.writeString(program, """
        program {
          id = records-test
          key = customer_id
          source { format = csv, path = "%s/customers.csv" }
          contract { columns { customer_id = string }, max-quarantined-fraction = 0.5 }
          %s
        }
        """.formatted(root, com.targeting.core.testing.TestPrograms.OUTPUTS));
    ProgramConfig config = ProgramConfig.from(ConfigLoader.load(List.of(program.toString()),
        List.of("paths.root=" + root, "paths.output=" + root.resolve("out"), "run.date=\"" + runDate + "\"", "run.id=" + runId)));
    return new RunRecords(TestSpark.session(), config).previousRun();
  }
}
