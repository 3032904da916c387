package com.example.targeting;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.targeting.core.config.ConfigLoader;
import com.targeting.core.program.ProgramConfig;
import com.targeting.core.program.ProgramRunner;
import com.targeting.core.program.RunSummary;
import com.targeting.core.testing.TestSpark;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import javax.xml.parsers.DocumentBuilderFactory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.w3c.dom.Document;
import org.w3c.dom.NodeList;

/**
 * A program with a decision the library does not know ({@link BalancePriority}, defined here and
 * found through {@code META-INF/services}) runs through the unchanged runner: its section is in the
 * run summary and in the HTML report written beside it, with the change from the previous run.
 */
class ProgramExtensionTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir
  Path root;

  @Test
  void aDecisionDefinedOutsideTheLibraryRunsAndReportsItsOwnSection() throws Exception {
    // 2026-11-19: C1..C4 kept (C3 and C4 at or above 1000: high), C5 removed (balance below 100), C6 quarantined.
    RunSummary first = run(LocalDate.of(2026, 11, 19), "C1,150\nC2,900\nC3,1000\nC4,2500.5\nC5,50\nC6,abc\n");
    // 2026-11-20: one more high customer and one less normal.
    RunSummary second = run(LocalDate.of(2026, 11, 20), "C1,150\nC3,1000\nC4,2500.5\nC7,4000\nC5,50\nC6,abc\n");

    JsonNode firstSummary = JSON.valueToTree(first.fields());
    assertThat(firstSummary.path("input_rows").asLong()).isEqualTo(6);
    assertThat(firstSummary.path("quarantined_rows").asLong()).isEqualTo(1);
    assertThat(firstSummary.path("candidates").asLong()).isEqualTo(4);
    JsonNode priorities = firstSummary.path("priorities");
    assertThat(JSON.convertValue(priorities.path("candidates"), Map.class)).isEqualTo(Map.of("high", 2L, "normal", 2L));
    assertThat(priorities.path("balance").path("high").asDouble()).isEqualTo(3500.5);
    assertThat(priorities.path("balance").path("normal").asDouble()).isEqualTo(1050.0);
    assertThat(Path.of(priorities.path("chart").asText().replace("file:", ""))).exists();

    JsonNode secondSummary = JSON.valueToTree(second.fields());
    assertThat(JSON.convertValue(secondSummary.path("priorities").path("candidates"), Map.class))
        .isEqualTo(Map.of("high", 3L, "normal", 1L));
    // Every stage of the recipe is timed, and the stages fit inside the run.
    JsonNode timings = secondSummary.path("stage_timings_ms");
    List<String> stages = new ArrayList<>();
    timings.fieldNames().forEachRemaining(stages::add);
    assertThat(stages).containsExactly("lock_recover", "load_models", "read_classify", "score_decide", "report",
        "prepare_tables", "publish");
    long staged = 0;
    for (JsonNode millis : timings) {
      staged += millis.asLong();
    }
    assertThat(staged).isLessThanOrEqualTo(secondSummary.path("total_ms").asLong());

    // The HTML report beside the summary: well-formed, with the funnel, the new section and the change from 2026-11-19.
    Path html = Path.of(secondSummary.path("report_path").asText().replace("file:", ""));
    assertThat(html.getParent().getParent().getParent().getFileName().toString()).isEqualTo("reports");
    Document page = DocumentBuilderFactory.newInstance().newDocumentBuilder()
        .parse(new ByteArrayInputStream(Files.readAllBytes(html)));
    List<String> headings = texts(page.getElementsByTagName("h2"));
    assertThat(headings).contains("Funnel", "Charts", "priorities", "Change from the previous run", "Stage timings (ms)");
    String text = page.getDocumentElement().getTextContent();
    assertThat(text).contains("Previous: run " + firstSummary.path("run_id").asText() + " of 2026-11-19");
    assertThat(rowOf(page, "priorities.candidates.high")).containsExactly("priorities.candidates.high", "2", "3", "1", "50");
    assertThat(rowOf(page, "candidates")).containsExactly("candidates", "4", "4", "0", "0");
    NodeList images = page.getElementsByTagName("img");
    assertThat(images.getLength()).isGreaterThanOrEqualTo(2); // the funnel and the decision's own chart
    for (int i = 0; i < images.getLength(); i++) {
      String source = images.item(i).getAttributes().getNamedItem("src").getNodeValue();
      byte[] png = Base64.getDecoder().decode(source.substring("data:image/png;base64,".length()));
      assertThat(new String(png, 1, 3, StandardCharsets.US_ASCII)).isEqualTo("PNG");
    }
  }

  private RunSummary run(LocalDate runDate, String rows) throws Exception {
    Path customers = root.resolve("customers-" + runDate + ".csv");
    Files.writeString(customers, "customer_id,balance\n" + rows);
    Path program = root.resolve("program.conf");
    Files.writeString(program, """
        program {
          id = extension-test
          key = customer_id
          source { format = csv, path = "%s" }
          contract { columns { customer_id = string, balance = double }, max-quarantined-fraction = 0.5 }
          filters = [{ id = balance, rules = [{ keep = "balance >= 100", reason = "balance below 100" }] }]
          decide = [{ type = balance-priority, threshold = 1000 }]
          %s
        }
        """.formatted(customers, com.targeting.core.testing.TestPrograms.OUTPUTS));
    return ProgramRunner.run(TestSpark.session(), ProgramConfig.from(ConfigLoader.load(List.of(program.toString()),
        List.of("paths.root=" + root, "run.date=\"" + runDate + "\""))));
  }

  private static List<String> texts(NodeList nodes) {
    List<String> texts = new ArrayList<>();
    for (int i = 0; i < nodes.getLength(); i++) {
      texts.add(nodes.item(i).getTextContent());
    }
    return texts;
  }

  /** The cells of the row of the change table (five cells) whose first cell is {@code name}. */
  private static List<String> rowOf(Document page, String name) {
    NodeList rows = page.getElementsByTagName("tr");
    for (int i = 0; i < rows.getLength(); i++) {
      List<String> cells = texts(rows.item(i).getChildNodes());
      if (cells.size() == 5 && cells.get(0).equals(name)) {
        return cells;
      }
    }
    throw new AssertionError("no row " + name);
  }
}
