package com.targeting.core.report;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * One attempt of a program run, read from its run summary (one JSON file per attempt under
 * {@code summaries/program=<p>/dt=<d>/}): its id, whether it succeeded, the error of a failed one
 * and the funnel figures of a succeeded one. {@code finishedAt} orders attempts: the summary's
 * {@code finished_at} (ISO-8601 instant) where it has one, else the file's modification time.
 */
public record RunAttempt(
    String runId,
    Status status,
    Optional<RunError> error,
    Optional<RunFigures> figures,
    Instant finishedAt,
    String path) {

  /** What a run summary's {@code status} says. */
  public enum Status {
    SUCCEEDED, FAILED;

    public String label() {
      return name().toLowerCase(java.util.Locale.ROOT);
    }
  }

  /** A failed attempt's {@code error}: category (user_error, external, internal) and message. */
  public record RunError(String category, String message) {
    public RunError {
      requireNonNull(category, "category is null");
      requireNonNull(message, "message is null");
    }
  }

  public RunAttempt {
    requireNonNull(runId, "runId is null");
    requireNonNull(status, "status is null");
    requireNonNull(error, "error is null");
    requireNonNull(figures, "figures is null");
    requireNonNull(finishedAt, "finishedAt is null");
    requireNonNull(path, "path is null");
  }

  /**
   * Reads one summary.
   *
   * @param fileName the file's name, the run id of a summary that has no {@code run_id} (the
   *     {@code summary.json} of runs before run ids)
   * @param modified the file's modification time, the order of a summary without {@code finished_at}
   * @throws IllegalArgumentException with the reason when the summary has no usable status
   */
  public static RunAttempt from(JsonNode summary, String path, String fileName, Instant modified) {
    if (!summary.isObject()) {
      throw new IllegalArgumentException("not a JSON object");
    }
    String statusText = summary.path("status").asText("");
    Status status = switch (statusText) {
      case "succeeded" -> Status.SUCCEEDED;
      case "failed" -> Status.FAILED;
      default -> throw new IllegalArgumentException("status is '" + statusText + "', expected succeeded or failed");
    };
    String runId = summary.hasNonNull("run_id") ? summary.get("run_id").asText()
        : fileName.endsWith(".json") ? fileName.substring(0, fileName.length() - ".json".length()) : fileName;
    Optional<RunError> error = Optional.empty();
    if (status == Status.FAILED) {
      JsonNode node = summary.path("error");
      error = Optional.of(new RunError(node.path("category").asText("unknown"), node.path("message").asText("")));
    }
    Optional<RunFigures> figures = status == Status.SUCCEEDED ? RunFigures.from(summary) : Optional.empty();
    return new RunAttempt(runId, status, error, figures, finishedAt(summary, modified), path);
  }

  private static Instant finishedAt(JsonNode summary, Instant modified) {
    String text = summary.path("finished_at").asText("");
    if (!text.isEmpty()) {
      try {
        return Instant.parse(text);
      } catch (DateTimeParseException e) {
        // a summary with an odd timestamp still counts; the file's time orders it
      }
    }
    return modified;
  }

  /** The attempt as the daily report lists it. */
  public Map<String, Object> toJson() {
    Map<String, Object> json = new LinkedHashMap<>();
    json.put("run_id", runId);
    json.put("status", status.label());
    json.put("finished_at", finishedAt.toString());
    error.ifPresent(e -> {
      Map<String, Object> details = new LinkedHashMap<>();
      details.put("category", e.category());
      details.put("message", e.message());
      json.put("error", details);
    });
    json.put("path", path);
    return json;
  }
}
