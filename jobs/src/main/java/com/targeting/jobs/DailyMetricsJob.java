package com.targeting.jobs;

import com.targeting.core.config.ConfigLoader;
import com.targeting.core.config.ConfigNode;
import com.targeting.core.program.RunSummary;
import com.targeting.core.report.DailyMetrics;
import com.targeting.core.report.ProgramDay;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.targeting.core.TargetingException;
import com.targeting.core.report.CronSchedule;
import com.typesafe.config.Config;
import java.io.PrintStream;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import org.apache.spark.sql.SparkSession;

/**
 * {@code daily-metrics --run-date D}: the day's report of every program's runs and its CloudWatch
 * EMF lines (to {@code metrics.emf.jsonl} and to stderr, where CloudWatch Logs extracts them).
 * Failed and missing runs are the report's content, not the job's failure: it exits 0 when the
 * report is written.
 */
final class DailyMetricsJob {
  private DailyMetricsJob() {}

  static RunSummary run(JobArguments arguments, PrintStream log) {
    Config config = arguments.loadConfig(arguments.configFilesForEnvironment());
    Map<String, CronSchedule> schedules = programSchedules(arguments.confDir() + "/schedules.json");
    ConfigNode root = ConfigNode.root(config);
    DailyMetrics.Settings settings = DailyMetrics.Settings.from(root.node("daily-metrics"),
        program -> Optional.ofNullable(schedules.get(program)));
    root.refuseUnread(java.util.List.of("daily-metrics"));
    SparkSession spark = Sessions.start(config, "daily-metrics");
    long start = System.nanoTime();
    DailyMetrics.Report report = DailyMetrics.build(spark, settings, arguments.runDate(), Instant.now());
    DailyMetrics.Written written = DailyMetrics.write(spark, settings, report);
    // Raw lines, no log pattern in front: CloudWatch Logs reads a log event as EMF only if it is
    // exactly one JSON object.
    written.emfLines().forEach(log::println);
    log.flush();
    RunSummary summary = new RunSummary()
        .put("job", "daily-metrics")
        .put("run_date", arguments.runDate().toString());
    report.totals().forEach(summary::put);
    summary.put("failed_programs", programs(report, ProgramDay.Status.FAILED));
    summary.put("missing_programs", programs(report, ProgramDay.Status.MISSING));
    summary.put("report_path", written.reportPath());
    summary.put("metrics_path", written.metricsPath());
    summary.put("emf_lines", written.emfLines().size());
    summary.put("total_ms", (System.nanoTime() - start) / 1_000_000);
    summary.put("status", "succeeded");
    return summary;
  }

  /** The programs' run schedules ({@code "kind": "program"} entries) of conf/schedules.json, by program. */
  static Map<String, CronSchedule> programSchedules(String file) {
    Map<String, CronSchedule> schedules = new LinkedHashMap<>();
    try {
      for (JsonNode entry : new ObjectMapper().readTree(ConfigLoader.readText(file)).path("schedules")) {
        if (entry.path("kind").asText().equals("program")) {
          String program = entry.path("program").asText();
          schedules.put(program, CronSchedule.parseStandard(entry.path("cron").asText(), file + ", schedule of " + program));
        }
      }
    } catch (JsonProcessingException e) {
      throw TargetingException.userError("Invalid %s: %s", file, e.getOriginalMessage());
    }
    return schedules;
  }

  private static java.util.List<String> programs(DailyMetrics.Report report, ProgramDay.Status status) {
    return report.programs().stream().filter(p -> p.status() == status).map(ProgramDay::program).toList();
  }
}
