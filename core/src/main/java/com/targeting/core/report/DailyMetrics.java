package com.targeting.core.report;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.targeting.core.TargetingException;
import com.targeting.core.config.ConfigNode;
import com.targeting.core.fs.HadoopFiles;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.function.Function;
import org.apache.spark.sql.SparkSession;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The nightly metrics aggregation (seeds 000 and 001, 11:59 PM: "aggregate daily metrics, publish
 * to CloudWatch, generate daily report"). Reads every run summary of a date, one JSON file per
 * attempt under {@code <summaries>/program=<p>/dt=<d>/}, and gives per program: attempts, the
 * latest status, the latest succeeded attempt's funnel figures, pass rate, quarantine rate and
 * duration. Programs that were due that day by their schedule ({@code conf/schedules.json}) and have no summary
 * are reported as missing. A summary that cannot be read is listed with its reason and counted;
 * it never hides the others.
 *
 * <p>Writes {@code <output>/dt=<d>/report.json} and {@code metrics.emf.jsonl}, one CloudWatch EMF
 * document per line ({@link EmfDocument}); rerunning a date replaces both.
 */
public final class DailyMetrics {
  private static final Logger LOG = LoggerFactory.getLogger(DailyMetrics.class);
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final ObjectMapper PRETTY = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

  /** A program the report expects, and the schedule that says on which days (none: every day). */
  public record ExpectedProgram(String program, Optional<CronSchedule> schedule) {
    public ExpectedProgram {
      requireNonNull(program, "program is null");
      requireNonNull(schedule, "schedule is null");
    }

    boolean dueOn(LocalDate date) {
      return schedule.map(s -> s.runsOn(date)).orElse(true);
    }
  }

  /** {@code daily-metrics} in config: where summaries are, where the report goes, the EMF namespace. */
  public record Settings(String summaries, String output, String namespace, List<ExpectedProgram> programs) {
    public Settings {
      requireNonNull(summaries, "summaries is null");
      requireNonNull(output, "output is null");
      requireNonNull(namespace, "namespace is null");
      programs = List.copyOf(programs);
    }

    /**
     * @param scheduleOf the schedule of a program by id, if it has one (written once, in
     *     {@code conf/schedules.json}, which Airflow and EventBridge are given too)
     */
    public static Settings from(ConfigNode node, Function<String, Optional<CronSchedule>> scheduleOf) {
      String namespace = node.string("namespace");
      if (namespace.length() > 255) {
        throw node.invalid("namespace", "a CloudWatch namespace has at most 255 characters");
      }
      List<ExpectedProgram> programs = new ArrayList<>();
      for (String id : node.strings("programs")) {
        programs.add(new ExpectedProgram(id, scheduleOf.apply(id)));
      }
      return new Settings(node.string("summaries"), node.string("output"), namespace, programs);
    }
  }

  /** A summary file that could not be used, and why. */
  public record Unreadable(String path, String reason) {}

  /** The day's report: one entry per program that ran or was configured, sorted by program. */
  public record Report(
      LocalDate runDate, Instant generatedAt, String namespace, List<ProgramDay> programs, List<Unreadable> unreadable) {
    public Report {
      programs = List.copyOf(programs);
      unreadable = List.copyOf(unreadable);
    }

    public long count(ProgramDay.Status status) {
      return programs.stream().filter(p -> p.status() == status).count();
    }

    public long due() {
      return programs.stream().filter(p -> p.due() || !p.attempts().isEmpty()).count();
    }

    public Map<String, Object> totals() {
      Map<String, Object> totals = new LinkedHashMap<>();
      totals.put("programs_due", due());
      totals.put("succeeded", count(ProgramDay.Status.SUCCEEDED));
      totals.put("failed", count(ProgramDay.Status.FAILED));
      totals.put("missing", count(ProgramDay.Status.MISSING));
      totals.put("not_scheduled", count(ProgramDay.Status.NOT_SCHEDULED));
      totals.put("unreadable_summaries", (long) unreadable.size());
      return totals;
    }

    public Map<String, Object> toJson() {
      Map<String, Object> json = new LinkedHashMap<>();
      json.put("run_date", runDate.toString());
      json.put("generated_at", generatedAt.toString());
      json.put("totals", totals());
      json.put("programs", programs.stream().map(ProgramDay::toJson).toList());
      json.put("unreadable", unreadable.stream().map(u -> Map.of("path", u.path(), "reason", u.reason())).toList());
      return json;
    }

    /**
     * The EMF documents of the day: one per program that was due or ran (dimension Program), one
     * per filter of each program's latest succeeded attempt (Program, Filter), and one for the day
     * (no dimension). Timestamped at the end of the run date, or now if that is still ahead:
     * CloudWatch refuses timestamps more than two hours ahead.
     */
    public List<EmfDocument> metrics() {
      long endOfDay = runDate.plusDays(1).atStartOfDay(ZoneOffset.UTC).toInstant().toEpochMilli() - 1;
      long timestamp = Math.min(generatedAt.toEpochMilli(), endOfDay);
      Map<String, String> day = Map.of("RunDate", runDate.toString());
      List<EmfDocument> documents = new ArrayList<>();
      for (ProgramDay program : programs) {
        if (program.status() == ProgramDay.Status.NOT_SCHEDULED) {
          continue;
        }
        List<EmfDocument.Metric> metrics = new ArrayList<>();
        metrics.add(count("Attempts", program.attempts().size()));
        metrics.add(count("FailedAttempts", program.failedAttempts()));
        metrics.add(count("Succeeded", program.status() == ProgramDay.Status.SUCCEEDED ? 1 : 0));
        metrics.add(count("Missing", program.status() == ProgramDay.Status.MISSING ? 1 : 0));
        Optional<RunFigures> figures = program.latestSucceeded().flatMap(RunAttempt::figures);
        figures.ifPresent(f -> {
          metrics.add(count("InputRows", f.inputRows()));
          metrics.add(count("QuarantinedRows", f.quarantinedRows()));
          metrics.add(count("Candidates", f.candidates()));
          f.passRatePercent().ifPresent(v -> metrics.add(new EmfDocument.Metric("FilterPassRate", EmfDocument.Unit.PERCENT, v)));
          f.quarantineRatePercent().ifPresent(v -> metrics.add(new EmfDocument.Metric("QuarantineRate", EmfDocument.Unit.PERCENT, v)));
          f.durationSeconds().ifPresent(v -> metrics.add(new EmfDocument.Metric("Duration", EmfDocument.Unit.SECONDS, v)));
        });
        Map<String, String> properties = new LinkedHashMap<>(day);
        properties.put("Status", program.status().label());
        documents.add(new EmfDocument(namespace, timestamp, Map.of("Program", program.program()), metrics, properties));
        figures.ifPresent(f -> f.removedByFilter().forEach((filter, removed) -> {
          Map<String, String> dimensions = new LinkedHashMap<>();
          dimensions.put("Program", program.program());
          dimensions.put("Filter", filter);
          documents.add(new EmfDocument(namespace, timestamp, dimensions, List.of(count("RemovedRows", removed)), day));
        }));
      }
      documents.add(new EmfDocument(namespace, timestamp, Map.of(), List.of(
          count("ProgramsDue", due()),
          count("ProgramsSucceeded", count(ProgramDay.Status.SUCCEEDED)),
          count("ProgramsFailed", count(ProgramDay.Status.FAILED)),
          count("ProgramsMissing", count(ProgramDay.Status.MISSING)),
          count("UnreadableSummaries", unreadable.size())), day));
      return documents;
    }

    private static EmfDocument.Metric count(String name, long value) {
      return new EmfDocument.Metric(name, EmfDocument.Unit.COUNT, value);
    }
  }

  /** Where a report was written, and the EMF lines it holds. */
  public record Written(String reportPath, String metricsPath, List<String> emfLines) {
    public Written {
      emfLines = List.copyOf(emfLines);
    }
  }

  private DailyMetrics() {}

  /** Reads the date's summaries and builds the report; {@code now} stamps it (and bounds the EMF timestamp). */
  public static Report build(SparkSession spark, Settings settings, LocalDate runDate, Instant now) {
    String pattern = trimSlash(settings.summaries()) + "/program=*/dt=" + runDate + "/*.json";
    List<HadoopFiles.Listed> files = HadoopFiles.glob(spark, pattern);
    LOG.info("Daily metrics for {}: {} run summaries under {}", runDate, files.size(), pattern);
    Map<String, List<RunAttempt>> attempts = new TreeMap<>();
    List<Unreadable> unreadable = new ArrayList<>();
    for (HadoopFiles.Listed file : files) {
      String program = programOf(file.path());
      try {
        JsonNode summary = JSON.readTree(HadoopFiles.readString(spark, file.path()));
        attempts.computeIfAbsent(program, p -> new ArrayList<>())
            .add(RunAttempt.from(summary, file.path(), file.name(), Instant.ofEpochMilli(file.modifiedMillis())));
      } catch (JsonProcessingException | IllegalArgumentException e) {
        String reason = TargetingException.firstLine(e.getMessage());
        LOG.warn("Run summary {} cannot be used: {}", file.path(), reason);
        unreadable.add(new Unreadable(file.path(), reason));
      }
    }
    Map<String, ProgramDay> days = new TreeMap<>();
    for (ExpectedProgram expected : settings.programs()) {
      days.put(expected.program(), new ProgramDay(expected.program(), true, expected.dueOn(runDate),
          attempts.getOrDefault(expected.program(), List.of())));
    }
    attempts.forEach((program, found) -> days.computeIfAbsent(program, p -> new ProgramDay(p, false, false, found)));
    return new Report(runDate, now, settings.namespace(), new ArrayList<>(days.values()), unreadable);
  }

  /** Writes report.json and metrics.emf.jsonl under {@code <output>/dt=<run-date>/}, replacing earlier ones. */
  public static Written write(SparkSession spark, Settings settings, Report report) {
    String directory = trimSlash(settings.output()) + "/dt=" + report.runDate();
    List<String> lines = report.metrics().stream().map(EmfDocument::toJson).toList();
    String reportPath = directory + "/report.json";
    String metricsPath = directory + "/metrics.emf.jsonl";
    try {
      HadoopFiles.writeString(spark, reportPath, PRETTY.writeValueAsString(report.toJson()) + "\n");
    } catch (JsonProcessingException e) {
      throw TargetingException.internal("Cannot write the daily report: %s", e.getMessage());
    }
    HadoopFiles.writeString(spark, metricsPath, String.join("\n", lines) + "\n");
    return new Written(reportPath, metricsPath, lines);
  }

  /** {@code .../program=<p>/dt=<d>/<file>} gives {@code <p>}. */
  static String programOf(String path) {
    org.apache.hadoop.fs.Path file = new org.apache.hadoop.fs.Path(path);
    String directory = file.getParent().getParent().getName();
    return directory.startsWith("program=") ? directory.substring("program=".length()) : directory;
  }

  private static String trimSlash(String path) {
    return path.endsWith("/") ? path.substring(0, path.length() - 1) : path;
  }
}
