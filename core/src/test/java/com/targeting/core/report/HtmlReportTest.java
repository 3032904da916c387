package com.targeting.core.report;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.Optional;
import javax.xml.parsers.DocumentBuilderFactory;
import org.junit.jupiter.api.Test;
import org.w3c.dom.Document;

class HtmlReportTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  @Test
  void aFailedRunWithHostileTextRendersAsWellFormedPageWithTheTextShownNotRun() throws Exception {
    // A quarantine rule or error message carries what the extract held: markup and control characters.
    JsonNode summary = JSON.readTree("""
        {"program":"p","run_date":"2026-11-20","run_id":"r1","status":"failed",
         "error":{"category":"user_error","message":"bad value '<script>alert(1)</script>' & \\u0001 in \\"income\\""},
         "input_rows":3,"quarantined_rows":1,"quarantined_by_rule":{"non-finite":1},
         "funnel":[{"filter":"trust","removed":1,"removed_pct_of_input":33.33,"remaining":1}],"candidates":1,"scored":1,
         "fairness":{"gender":{"reference_group":"F","min_ratio":0.8,"flagged_groups":["M"],
           "groups":{"F":{"rows":2,"selected":1,"selection_rate":0.5,"adverse_impact_ratio":1.0,"flagged":false},
                     "M":{"rows":1,"selected":0,"selection_rate":0.0,"adverse_impact_ratio":0.0,"flagged":true}}}}}
        """);

    String html = HtmlReport.render(summary, Map.of(), Optional.empty());
    Document page = DocumentBuilderFactory.newInstance().newDocumentBuilder()
        .parse(new ByteArrayInputStream(html.getBytes(StandardCharsets.UTF_8)));

    assertThat(html).doesNotContain("<script>").contains("'&lt;script&gt;alert(1)&lt;/script&gt;' &amp; \\u0001");
    assertThat(page.getElementsByTagName("script").getLength()).isZero();
    String text = page.getDocumentElement().getTextContent();
    assertThat(text).contains("failed", "No earlier succeeded run of this program.", "reference group F");
    // Every section once: "scored" is a row of the funnel table, not a section of its own.
    java.util.List<String> sections = new java.util.ArrayList<>();
    for (int i = 0; i < page.getElementsByTagName("h2").getLength(); i++) {
      sections.add(page.getElementsByTagName("h2").item(i).getTextContent());
    }
    assertThat(sections).contains("Funnel").doesNotContain("scored").doesNotHaveDuplicates();
    assertThat(text).contains("scored (reached the models)1");
    // The flagged group's row is marked.
    assertThat(html).contains("<tr class=\"flagged\"><td>M</td>");
  }

  @Test
  void dataQualityChecksAreATableWithFailuresMarked() throws Exception {
    JsonNode summary = JSON.readTree("""
        {"program":"p","run_date":"2026-11-20","run_id":"r1","status":"failed","candidates":0,
         "validation":{"extract":{"source":"csv in/<x>","status":"failed","passed":1,"failed":1,"skipped":1,
           "failed_errors":1,"failed_warnings":0,"checks":[
             {"check_id":"enough-rows","level":"error","status":"passed","assertion":"row count >= 10","value":12.0,"message":null},
             {"check_id":"unique(id)","level":"error","status":"failed","assertion":"id unique","value":0.5,"message":"Value: 0.5 does not meet the constraint requirement!"},
             {"check_id":"row-count-change","level":"warning","status":"skipped","assertion":"row count within 30% of the previous run's","value":null,"message":"no earlier run date"}]}}}
        """);

    String html = HtmlReport.render(summary, Map.of(), Optional.empty());
    Document page = DocumentBuilderFactory.newInstance().newDocumentBuilder()
        .parse(new ByteArrayInputStream(html.getBytes(StandardCharsets.UTF_8)));

    String text = page.getDocumentElement().getTextContent();
    assertThat(text).contains("Data quality", "csv in/<x>: failed (1 passed, 1 errors, 0 warnings, 1 skipped)",
        "row count >= 10", "no earlier run date");
    assertThat(html).contains("<tr class=\"flagged\"><td>unique(id)</td><td>error</td><td>failed</td>")
        .contains("<tr><td>enough-rows</td>");
    // Not again among the other sections.
    assertThat(html).doesNotContain("<h2>validation</h2>");
  }

  @Test
  void driftIsATableWithDriftedModelsMarked() throws Exception {
    JsonNode summary = JSON.readTree("""
        {"program":"p","run_date":"2026-11-20","run_id":"r1","status":"succeeded","candidates":3,"drifted_models":["churn"],
         "drift":{"warn":0.1,"alert":0.25,"drifted_models":["churn"],"models":{
           "churn":{"version":4,"level":"alert","score_psi":0.31,"max_feature_psi":0.52,"features_above_warn":["tenure","logins"]},
           "ltv":{"version":2,"level":"not_measured","why":"version 2 has no drift-baseline.json"}}}}
        """);

    String html = HtmlReport.render(summary, Map.of(), Optional.empty());
    Document page = DocumentBuilderFactory.newInstance().newDocumentBuilder()
        .parse(new ByteArrayInputStream(html.getBytes(StandardCharsets.UTF_8)));

    assertThat(page.getDocumentElement().getTextContent())
        .contains("Drift (population stability index)", "warn above 0.1, alert above 0.25; drifted: [\"churn\"]",
            "tenure, logins", "version 2 has no drift-baseline.json");
    assertThat(html).contains("<tr class=\"flagged\"><td>churn</td><td class=\"n\">4</td><td>alert</td><td class=\"n\">0.31</td>");
    assertThat(html).doesNotContain("<h2>drifted_models</h2>").doesNotContain("<h2>drift</h2>");
  }
}
