package com.targeting.core.program;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.targeting.core.config.ConfigLoader;
import com.targeting.core.testing.TestSpark;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A program run over an extract of several files quarantines every copy of a key found in more
 * than one file, whatever the case of the header, beside broken and unparseable records sharing
 * those keys; the funnel balances.
 */
class DuplicateKeysRunTest {
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
        """.formatted(extract, com.targeting.core.testing.TestPrograms.OUTPUTS));
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
}
