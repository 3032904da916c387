package com.targeting.jobs;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.targeting.core.testing.TestSpark;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * daily-metrics over hand-written run summaries of Monday 2026-11-16, when three programs were
 * due: investment-recommendations failed, then succeeded on a second attempt;
 * loan-offer-targeting failed only (an old-style summary.json); promotion-uplift never ran.
 * engagement-prediction runs on Sundays: not due, not missing.
 */
class DailyMetricsJobTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String RUN_DATE = "2026-11-16";
  /** The metric units of the EMF specification's JSON schema (CloudWatch's StandardUnit). */
  private static final Pattern UNITS = Pattern.compile("^(Seconds|Microseconds|Milliseconds|Bytes|Kilobytes|Megabytes|Gigabytes|"
      + "Terabytes|Bits|Kilobits|Megabits|Gigabits|Terabits|Percent|Count|Bytes/Second|Kilobytes/Second|Megabytes/Second|"
      + "Gigabytes/Second|Terabytes/Second|Bits/Second|Kilobits/Second|Megabits/Second|Gigabits/Second|Terabits/Second|"
      + "Count/Second|None)$");

  @TempDir
  Path root;

  private Path summary(String program, String file, String json) throws IOException {
    Path path = root.resolve("output/summaries/program=" + program + "/dt=" + RUN_DATE + "/" + file);
    Files.createDirectories(path.getParent());
    Files.writeString(path, json);
    return path;
  }

  @Test
  void reportsEachProgramsDayAndEmitsEmfThatMatchesIt() throws IOException {
    summary("investment-recommendations", "run-1.json", """
        {"job":"investment-recommendations","program":"investment-recommendations","run_date":"2026-11-16","run_id":"run-1",
         "finished_at":"2026-11-16T06:20:00Z","status":"failed",
         "error":{"category":"external","message":"Cannot write s3a://bucket/output/candidates: connection reset"}}""");
    summary("investment-recommendations", "run-2.json", """
        {"job":"investment-recommendations","program":"investment-recommendations","run_date":"2026-11-16","run_id":"run-2",
         "input_rows":150000,"quarantined_rows":1010,
         "removed_by_filter":{"trust":7486,"investment-qualification":29800,"risk-profile":37000,"eligibility":22000,
                              "regulatory-compliance":7952},
         "candidates":44752,"written":{"quarantine":1010,"rejections":104238,"candidates":44752,"dynamodb":{"mode":"import"}},
         "total_ms":5700000,"finished_at":"2026-11-16T07:40:00Z","status":"succeeded"}""");
    summary("investment-recommendations", "broken.json", "{\"status\":");
    // Before run ids: one summary.json per date, no run_id and no finished_at.
    Path loan = summary("loan-offer-targeting", "summary.json", """
        {"job":"loan-offer-targeting","status":"failed",
         "error":{"category":"user_error","message":"Extract snowflake breaks its contract: missing columns [fico_score]"}}""");
    Files.setLastModifiedTime(loan, FileTime.from(Instant.parse("2026-11-16T02:05:00Z")));
    Files.writeString(root.resolve("output/summaries/program=loan-offer-targeting/dt=" + RUN_DATE + "/budget-profit.png"), "not a summary");

    Instant before = Instant.now();
    ByteArrayOutputStream stderr = new ByteArrayOutputStream();
    PrintStream originalErr = System.err;
    JobRun run;
    System.setErr(new PrintStream(stderr, true, StandardCharsets.UTF_8));
    try {
      run = JobRun.of(List.of("daily-metrics", "--run-date", RUN_DATE, "--conf-dir", TestSpark.confDirectory().toString(),
          "--conf", "paths.root=" + root));
    } finally {
      System.setErr(originalErr);
    }
    Instant after = Instant.now();

    // The job's summary: failed and missing runs are the report's content, not the job's failure.
    JsonNode summary = run.summary();
    assertThat(run.code()).as(summary.toString()).isZero();
    assertThat(summary.get("status").asText()).isEqualTo("succeeded");
    assertThat(summary.get("programs_due").asLong()).isEqualTo(3);
    assertThat(summary.get("succeeded").asLong()).isEqualTo(1);
    assertThat(summary.get("failed").asLong()).isEqualTo(1);
    assertThat(summary.get("missing").asLong()).isEqualTo(1);
    assertThat(summary.get("unreadable_summaries").asLong()).isEqualTo(1);
    assertThat(summary.get("failed_programs")).containsExactly(JSON.valueToTree("loan-offer-targeting"));
    assertThat(summary.get("missing_programs")).containsExactly(JSON.valueToTree("promotion-uplift"));

    Path directory = root.resolve("output/daily-metrics/dt=" + RUN_DATE);
    JsonNode report = JSON.readTree(directory.resolve("report.json").toFile());
    Map<String, JsonNode> programs = new HashMap<>();
    report.get("programs").forEach(p -> programs.put(p.get("program").asText(), p));
    assertThat(programs).containsOnlyKeys("investment-recommendations", "loan-offer-targeting", "promotion-uplift",
        "engagement-prediction");

    JsonNode investment = programs.get("investment-recommendations");
    assertThat(investment.get("status").asText()).isEqualTo("succeeded");
    assertThat(investment.get("attempts").asInt()).isEqualTo(2);
    assertThat(investment.get("failed_attempts").asInt()).isEqualTo(1);
    assertThat(investment.get("latest").get("run_id").asText()).isEqualTo("run-2");
    JsonNode figures = investment.get("latest_succeeded");
    assertThat(figures.get("run_id").asText()).isEqualTo("run-2");
    assertThat(figures.get("input_rows").asLong()).isEqualTo(150_000);
    assertThat(figures.get("quarantined_rows").asLong()).isEqualTo(1010);
    assertThat(figures.get("candidates").asLong()).isEqualTo(44_752);
    assertThat(figures.get("filter_pass_rate_pct").asDouble()).isEqualTo(29.83);  // 44,752 / 150,000
    assertThat(figures.get("quarantine_rate_pct").asDouble()).isEqualTo(0.67);    // 1,010 / 150,000
    assertThat(figures.get("duration_s").asDouble()).isEqualTo(5700.0);
    assertThat(figures.get("removed_by_filter").get("risk-profile").asLong()).isEqualTo(37_000);
    assertThat(JobRun.counts(figures.get("written"))).containsExactly(
        Map.entry("quarantine", 1010L), Map.entry("rejections", 104_238L), Map.entry("candidates", 44_752L));
    assertThat(investment.get("all_attempts").get(0).get("error").get("category").asText()).isEqualTo("external");

    JsonNode loanDay = programs.get("loan-offer-targeting");
    assertThat(loanDay.get("status").asText()).isEqualTo("failed");
    assertThat(loanDay.get("attempts").asInt()).isEqualTo(1);
    assertThat(loanDay.get("latest").get("run_id").asText()).isEqualTo("summary");
    assertThat(loanDay.get("latest").get("finished_at").asText()).isEqualTo("2026-11-16T02:05:00Z");
    assertThat(loanDay.get("latest").get("error").get("message").asText())
        .isEqualTo("Extract snowflake breaks its contract: missing columns [fico_score]");
    assertThat(loanDay.has("latest_succeeded")).isFalse();

    JsonNode promotion = programs.get("promotion-uplift");
    assertThat(promotion.get("status").asText()).isEqualTo("missing");
    assertThat(promotion.get("due").asBoolean()).isTrue();
    assertThat(promotion.get("attempts").asInt()).isZero();
    JsonNode engagement = programs.get("engagement-prediction");
    assertThat(engagement.get("status").asText()).isEqualTo("not_scheduled");
    assertThat(engagement.get("due").asBoolean()).isFalse();
    assertThat(summary.get("not_scheduled").asLong()).isEqualTo(1);
    assertThat(report.get("unreadable").get(0).get("path").asText()).endsWith("broken.json");

    // EMF: the file's lines are the lines on stderr, each a valid document per the specification.
    List<String> lines = Files.readAllLines(directory.resolve("metrics.emf.jsonl"));
    List<String> logged = stderr.toString(StandardCharsets.UTF_8).lines().filter(l -> l.startsWith("{\"_aws\"")).toList();
    assertThat(logged).isEqualTo(lines);
    long endOfDay = Instant.parse("2026-11-17T00:00:00Z").toEpochMilli() - 1;
    Map<String, JsonNode> byProgram = new HashMap<>();
    Map<String, Long> removedRows = new HashMap<>();
    JsonNode day = null;
    for (String line : lines) {
      JsonNode document = JSON.readTree(line);
      assertValidEmf(document);
      long timestamp = document.get("_aws").get("Timestamp").asLong();
      if (endOfDay < before.toEpochMilli()) {
        assertThat(timestamp).isEqualTo(endOfDay);  // a past day's metrics are stamped at its end
      } else {
        assertThat(timestamp).isBetween(before.toEpochMilli(), after.toEpochMilli());
      }
      JsonNode directive = document.get("_aws").get("CloudWatchMetrics").get(0);
      assertThat(directive.get("Namespace").asText()).isEqualTo("Targeting");
      List<String> dimensions = new ArrayList<>();
      directive.get("Dimensions").get(0).forEach(d -> dimensions.add(d.asText()));
      if (dimensions.equals(List.of("Program"))) {
        byProgram.put(document.get("Program").asText(), document);
      } else if (dimensions.equals(List.of("Program", "Filter"))) {
        assertThat(document.get("Program").asText()).isEqualTo("investment-recommendations");
        removedRows.put(document.get("Filter").asText(), document.get("RemovedRows").asLong());
      } else {
        assertThat(dimensions).isEmpty();
        day = document;
      }
    }
    assertThat(lines).hasSize(3 + 5 + 1);

    JsonNode investmentMetrics = byProgram.get("investment-recommendations");
    assertThat(units(investmentMetrics)).containsExactlyInAnyOrderEntriesOf(Map.of("Attempts", "Count", "FailedAttempts", "Count",
        "Succeeded", "Count", "Missing", "Count", "InputRows", "Count", "QuarantinedRows", "Count", "Candidates", "Count",
        "FilterPassRate", "Percent", "QuarantineRate", "Percent", "Duration", "Seconds"));
    assertThat(investmentMetrics.get("Attempts").asLong()).isEqualTo(investment.get("attempts").asLong());
    assertThat(investmentMetrics.get("FailedAttempts").asLong()).isEqualTo(investment.get("failed_attempts").asLong());
    assertThat(investmentMetrics.get("Succeeded").asLong()).isEqualTo(1);
    assertThat(investmentMetrics.get("Missing").asLong()).isZero();
    assertThat(investmentMetrics.get("InputRows").asLong()).isEqualTo(figures.get("input_rows").asLong());
    assertThat(investmentMetrics.get("QuarantinedRows").asLong()).isEqualTo(figures.get("quarantined_rows").asLong());
    assertThat(investmentMetrics.get("Candidates").asLong()).isEqualTo(figures.get("candidates").asLong());
    assertThat(investmentMetrics.get("FilterPassRate").asDouble()).isEqualTo(figures.get("filter_pass_rate_pct").asDouble());
    assertThat(investmentMetrics.get("QuarantineRate").asDouble()).isEqualTo(figures.get("quarantine_rate_pct").asDouble());
    assertThat(investmentMetrics.get("Duration").asDouble()).isEqualTo(figures.get("duration_s").asDouble());
    assertThat(investmentMetrics.get("RunDate").asText()).isEqualTo(RUN_DATE);
    assertThat(removedRows).isEqualTo(Map.of("trust", 7486L, "investment-qualification", 29_800L, "risk-profile", 37_000L,
        "eligibility", 22_000L, "regulatory-compliance", 7952L));

    JsonNode loanMetrics = byProgram.get("loan-offer-targeting");
    assertThat(units(loanMetrics)).containsOnlyKeys("Attempts", "FailedAttempts", "Succeeded", "Missing");
    assertThat(loanMetrics.get("Attempts").asLong()).isEqualTo(1);
    assertThat(loanMetrics.get("FailedAttempts").asLong()).isEqualTo(1);
    assertThat(loanMetrics.get("Succeeded").asLong()).isZero();
    JsonNode promotionMetrics = byProgram.get("promotion-uplift");
    assertThat(promotionMetrics.get("Missing").asLong()).isEqualTo(1);
    assertThat(promotionMetrics.get("Attempts").asLong()).isZero();

    assertThat(day).isNotNull();
    assertThat(day.get("ProgramsDue").asLong()).isEqualTo(report.get("totals").get("programs_due").asLong()).isEqualTo(3);
    assertThat(day.get("ProgramsSucceeded").asLong()).isEqualTo(1);
    assertThat(day.get("ProgramsFailed").asLong()).isEqualTo(1);
    assertThat(day.get("ProgramsMissing").asLong()).isEqualTo(1);
    assertThat(day.get("UnreadableSummaries").asLong()).isEqualTo(1);
  }

  @Test
  void aDayWithoutRunsOfTheWeeklyProgramsOnlyMissesTheDailyOne() {
    JobRun run = JobRun.of(List.of("daily-metrics", "--run-date", "2026-11-18", "--conf-dir", TestSpark.confDirectory().toString(),
        "--conf", "paths.root=" + root));

    assertThat(run.code()).as(run.summary().toString()).isZero();
    assertThat(run.summary().get("programs_due").asLong()).isEqualTo(1);  // a Wednesday: the weekly programs were not due
    assertThat(run.summary().get("not_scheduled").asLong()).isEqualTo(3);
    assertThat(run.summary().get("missing_programs")).containsExactly(JSON.valueToTree("investment-recommendations"));
    assertThat(run.summary().get("emf_lines").asLong()).isEqualTo(2);
  }

  @Test
  void onASundayTheEngagementProgramIsDueBesideTheDailyOne() {
    JobRun run = JobRun.of(List.of("daily-metrics", "--run-date", "2026-11-22", "--conf-dir", TestSpark.confDirectory().toString(),
        "--conf", "paths.root=" + root));

    assertThat(run.code()).as(run.summary().toString()).isZero();
    assertThat(run.summary().get("programs_due").asLong()).isEqualTo(2);
    assertThat(run.summary().get("not_scheduled").asLong()).isEqualTo(2);  // the Monday programs
    assertThat(run.summary().get("missing_programs"))
        .containsExactly(JSON.valueToTree("engagement-prediction"), JSON.valueToTree("investment-recommendations"));
  }

  /** Metric name to unit of the document's one directive. */
  private static Map<String, String> units(JsonNode document) {
    Map<String, String> units = new HashMap<>();
    document.get("_aws").get("CloudWatchMetrics").get(0).get("Metrics").forEach(m -> units.put(m.get("Name").asText(), m.get("Unit").asText()));
    return units;
  }

  /**
   * The rules of "Specification: Embedded metric format" (Amazon CloudWatch user guide) and its
   * JSON schema: _aws with an integer Timestamp and CloudWatchMetrics; each MetricDirective has
   * exactly Namespace (1-255 characters), Dimensions (at least one DimensionSet of at most 30 keys,
   * each a root member with a string value) and Metrics (at most 100 MetricDefinitions with a Name
   * that is a numeric root member and, optionally, a CloudWatch Unit).
   */
  private static void assertValidEmf(JsonNode document) {
    assertThat(document.isObject()).isTrue();
    JsonNode aws = document.get("_aws");
    assertThat(aws).as("_aws").isNotNull();
    assertThat(aws.isObject()).isTrue();
    assertThat(aws.get("Timestamp").isIntegralNumber()).as("Timestamp is an integer").isTrue();
    JsonNode directives = aws.get("CloudWatchMetrics");
    assertThat(directives.isArray() && directives.size() > 0).isTrue();
    for (JsonNode directive : directives) {
      List<String> members = new ArrayList<>();
      directive.fieldNames().forEachRemaining(members::add);
      assertThat(members).containsExactlyInAnyOrder("Namespace", "Dimensions", "Metrics");
      assertThat(directive.get("Namespace").isTextual()).isTrue();
      assertThat(directive.get("Namespace").asText().length()).isBetween(1, 255);
      assertThat(directive.get("Dimensions").isArray() && directive.get("Dimensions").size() >= 1).isTrue();
      for (JsonNode set : directive.get("Dimensions")) {
        assertThat(set.isArray()).isTrue();
        assertThat(set.size()).isLessThanOrEqualTo(30);
        for (JsonNode key : set) {
          assertThat(key.isTextual()).isTrue();
          assertThat(document.get(key.asText())).as("dimension target " + key).isNotNull();
          assertThat(document.get(key.asText()).isTextual()).as("dimension " + key + " is a string").isTrue();
        }
      }
      JsonNode metrics = directive.get("Metrics");
      assertThat(metrics.isArray()).isTrue();
      assertThat(metrics.size()).isBetween(1, 100);
      for (JsonNode metric : metrics) {
        List<String> fields = new ArrayList<>();
        metric.fieldNames().forEachRemaining(fields::add);
        assertThat(Set.of("Name", "Unit", "StorageResolution")).containsAll(fields);
        String name = metric.get("Name").asText();
        assertThat(name.length()).isBetween(1, 255);
        assertThat(document.get(name)).as("metric target " + name).isNotNull();
        assertThat(document.get(name).isNumber()).as("metric " + name + " is a number").isTrue();
        if (metric.has("Unit")) {
          assertThat(metric.get("Unit").asText()).matches(UNITS);
        }
      }
    }
  }
}
