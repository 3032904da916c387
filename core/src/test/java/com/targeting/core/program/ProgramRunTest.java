package com.targeting.core.program;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.targeting.core.config.ConfigLoader;
import com.targeting.core.testing.TestPrograms;
import com.targeting.core.testing.TestSpark;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Whole program runs: over an extract of several files, every copy of a key found in more than one
 * file is quarantined, whatever the case of the header, beside broken and unparseable records
 * sharing those keys, and the funnel balances; a fairness config naming a column the rows lack
 * fails the run before any row is read.
 */
class ProgramRunTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir
  Path root;

  @Test
  void duplicatesAcrossTheExtractsFilesAreQuarantinedEveryCopy() throws Exception {
    Path extract = Files.createDirectories(root.resolve("customers"));
    // Two files, read as two partitions; the header's case differs from the contract's.
    Files.writeString(extract.resolve("part-0.csv"), "Customer_ID,balance\nC1,150\nC2,900\nC3,abc\nC4,50\n,10\n");
    Files.writeString(extract.resolve("part-1.csv"), "Customer_ID,balance\nC2,901\nC5,500\nC3,1000\nC5,\"open\n");
    Path program = root.resolve("program.conf");
    Files.writeString(program, """
        program {
          id = duplicate-keys-test
          key = customer_id
          source { format = csv, path = "%s" }
          contract { columns { customer_id = string, balance = double }, max-quarantined-fraction = 0.9 }
          filters = [{ id = balance, rules = [{ keep = "balance >= 100", reason = "balance below 100" }] }]
          %s
        }
        """.formatted(extract, TestPrograms.OUTPUTS));
    RunSummary summary = ProgramRunner.run(TestSpark.session(), ProgramConfig.from(ConfigLoader.load(
        List.of(program.toString()), List.of("paths.root=" + root, "run.date=\"2026-11-20\""))));

    JsonNode fields = JSON.valueToTree(summary.fields());
    assertThat(fields.path("input_rows").asLong()).isEqualTo(9);
    // C2 twice: both copies; C3's and C5's broken copies (unparseable; a quote left open, which
    // swallows nothing, being the file's last record) keep their own rule, their other copies are
    // duplicates.
    assertThat(JSON.convertValue(fields.path("quarantined_by_rule"), Map.class)).isEqualTo(Map.of(
        "duplicate-key", 4L, "unparseable", 1L, "null-key", 1L, "malformed-record", 1L));
    assertThat(fields.path("candidates").asLong()).isEqualTo(1);
    assertThat(fields.path("removed_by_filter").path("balance").asLong()).isEqualTo(1);
  }

  @Test
  void aMisspelledProtectedAttributeFailsTheRunBeforeAnyRowIsRead() throws Exception {
    Path extract = Files.createDirectories(root.resolve("fairness-customers"));
    Files.writeString(extract.resolve("part-0.csv"), "customer_id,balance,gender\nC1,150,F\n");
    Path program = root.resolve("fairness.conf");
    Files.writeString(program, """
        program {
          id = fairness-test
          key = customer_id
          source { format = csv, path = "%s" }
          contract { columns { customer_id = string, balance = double, gender = string }, max-quarantined-fraction = 0.5 }
          filters = [{ id = balance, rules = [{ keep = "balance >= 100", reason = "balance below 100" }] }]
          fairness { protected = [gendre] }
          %s
        }
        """.formatted(extract, TestPrograms.OUTPUTS));
    java.util.concurrent.atomic.AtomicInteger jobs = new java.util.concurrent.atomic.AtomicInteger();
    org.apache.spark.scheduler.SparkListener listener = new org.apache.spark.scheduler.SparkListener() {
      @Override
      public void onJobStart(org.apache.spark.scheduler.SparkListenerJobStart job) {
        if (job.stageInfos().head().name().contains("ProgramRunner") || job.stageInfos().head().name().contains("Funnel")) {
          jobs.incrementAndGet();
        }
      }
    };
    TestSpark.session().sparkContext().listenerBus().waitUntilEmpty();
    TestSpark.session().sparkContext().addSparkListener(listener);
    try {
      assertThatThrownBy(() -> ProgramRunner.run(TestSpark.session(), ProgramConfig.from(ConfigLoader.load(
          List.of(program.toString()), List.of("paths.root=" + root, "run.date=\"2026-11-20\"")))))
          .isInstanceOf(com.targeting.core.TargetingException.class)
          .hasMessageContaining("program.fairness.protected names gendre, which is not a column of the rows: did you mean gender?");
      TestSpark.session().sparkContext().listenerBus().waitUntilEmpty();
    } finally {
      TestSpark.session().sparkContext().removeSparkListener(listener);
    }
    assertThat(jobs.get()).as("the classify stage's jobs over the rows").isZero();
    assertThat(root.resolve("output").resolve("candidates")).doesNotExist();
  }
}
