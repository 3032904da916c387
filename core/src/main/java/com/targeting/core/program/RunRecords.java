package com.targeting.core.program;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.targeting.core.TargetingException;
import com.targeting.core.fs.HadoopFiles;
import com.targeting.core.report.HtmlReport;
import com.targeting.core.sink.RunJournal;
import com.targeting.core.sink.RunPartition;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.spark.sql.SparkSession;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The records a program's runs leave for people: one summary per attempt, at {@code
 * <outputs.summaries>/program=<id>/dt=<date>/<run-id>.json} (a table Athena reads as JSON), and
 * one HTML report per attempt at {@code <outputs.reports>/program=<id>/dt=<date>/<run-id>.html}.
 * Reads the program's earlier summaries for the report's change from the previous run.
 */
final class RunRecords {
  private static final Logger LOG = LoggerFactory.getLogger(RunRecords.class);
  private static final ObjectMapper JSON = new ObjectMapper();

  private final SparkSession spark;
  private final ProgramConfig program;
  private final RunPartition partition;

  RunRecords(SparkSession spark, ProgramConfig program) {
    this.spark = requireNonNull(spark, "spark is null");
    this.program = requireNonNull(program, "program is null");
    this.partition = new RunPartition(program.id(), program.runDate());
  }

  /** Where the summary of the date's attempt {@code runId} is written. */
  String summaryPath(String runId) {
    return partition.under(program.outputs().summaries()) + "/" + runId + ".json";
  }

  boolean hasSummary(String runId) {
    return HadoopFiles.exists(spark, summaryPath(runId));
  }

  /**
   * The summary of a run that died (SIGKILL, a lost driver) and left no summary of its own, so that
   * the attempt shows in the run history: failed ({@code error.category = interrupted}), with what
   * run {@code foundBy}'s recovery did about its outputs.
   */
  void recordInterrupted(RunJournal.Recovery recovery, String foundBy) {
    String path = summaryPath(recovery.runId());
    String done = switch (recovery.action()) {
      case "rolled_forward" -> "completed its publish";
      case "rolled_back" -> "deleted its unpublished files";
      default -> "found its outputs published";
    };
    RunSummary interrupted = RunSummary.started(program, recovery.runId(), recovery.startedAt())
        .failed(new RunSummary.RunError("interrupted", "The run stopped without a summary (killed or lost) "
            + "with its outputs " + recovery.stateFound() + "; run " + foundBy + " found it and " + done))
        .put("recovered_by", foundBy)
        .put("summary_path", path);
    HadoopFiles.writeString(spark, path, interrupted.toJson());
  }

  /**
   * Writes the attempt's data-quality results, one JSON object per check (with {@code program},
   * {@code run_id} and {@code dataset}), to {@code <outputs.validation>/program=<id>/dt=<date>/<run-id>.json}:
   * a table Athena reads as JSON ({@code sql/athena/validation.sql}), written whether the checks
   * passed or not, before a failure stops the run.
   */
  void writeValidation(com.targeting.core.validate.QualityReport report) {
    StringBuilder lines = new StringBuilder();
    for (com.targeting.core.validate.QualityReport.Result result : report.results()) {
      Map<String, Object> row = new java.util.LinkedHashMap<>();
      row.put("program", program.id());
      row.put("run_id", program.runId());
      row.put("dataset", report.dataset());
      row.putAll(result.toMap());
      try {
        lines.append(JSON.writeValueAsString(row)).append('\n');
      } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
        throw TargetingException.internal("Validation result of %s is not JSON: %s", result.check().id(), e.getMessage());
      }
    }
    String path = partition.under(program.outputs().validation()) + "/" + program.runId() + ".json";
    HadoopFiles.writeString(spark, path, lines.toString());
    LOG.info("Validation results written to {}", path);
  }

  /**
   * Writes the run's HTML report ({@link HtmlReport}), named in the summary as {@code report_path},
   * with each figure's change from the program's previous succeeded run, then the summary itself
   * (as {@code summary_path}). A report that cannot be drawn or written does not fail the run: the
   * summary says why ({@code report_error}) instead of naming it.
   *
   * @param charts the PNG charts the run's parts drew, by title
   */
  void write(RunSummary summary, Map<String, byte[]> charts) {
    String summaryPath = summaryPath(program.runId());
    summary.put("summary_path", summaryPath);
    // Not in the summaries' folder: that is a table Athena reads as JSON, every file in it.
    String htmlPath = partition.under(program.outputs().reports()) + "/" + program.runId() + ".html";
    summary.put("report_path", htmlPath);
    try {
      HadoopFiles.writeString(spark, htmlPath, HtmlReport.render(readJson(summary.toJson(), summaryPath), charts, previousRun()));
      LOG.info("Run report written to {}", htmlPath);
    } catch (RuntimeException e) {
      // The report is for people: the run's outputs and its summary stand without it, and the summary says why it is missing.
      LOG.warn("No run report: {}", TargetingException.messageOf(e));
      summary.remove("report_path");
      summary.put("report_error", TargetingException.messageOf(e));
    }
    HadoopFiles.writeString(spark, summaryPath, summary.toJson());
  }

  /**
   * The summary of the program's latest succeeded run before this one: of this run date or the
   * latest earlier one that has one. Reads the run dates newest first and stops at the first that
   * has a succeeded run, so a long history costs one listing of its dates.
   */
  Optional<JsonNode> previousRun() {
    String thisDate = "dt=" + program.runDate();
    List<HadoopFiles.Listed> dates = new ArrayList<>(HadoopFiles.globDirectories(spark,
        program.outputs().summaries() + "/program=" + program.id() + "/dt=*"));
    dates.sort(Comparator.comparing(HadoopFiles.Listed::name).reversed());
    for (HadoopFiles.Listed date : dates) {
      if (date.name().compareTo(thisDate) > 0) {
        continue;
      }
      JsonNode best = null;
      for (HadoopFiles.Listed listed : HadoopFiles.glob(spark, date.path() + "/*.json")) {
        if (listed.name().equals(program.runId() + ".json")) {
          continue;
        }
        JsonNode candidate = readJson(HadoopFiles.readString(spark, listed.path()), listed.path());
        if (candidate.path("status").asText().equals("succeeded")
            && (best == null || candidate.path("finished_at").asText().compareTo(best.path("finished_at").asText()) > 0)) {
          best = candidate;
        }
      }
      if (best != null) {
        return Optional.of(best);
      }
    }
    return Optional.empty();
  }

  private static JsonNode readJson(String json, String path) {
    try {
      return JSON.readTree(json);
    } catch (java.io.IOException e) {
      throw TargetingException.internal("Run summary %s is not JSON: %s", path, e.getMessage());
    }
  }
}
