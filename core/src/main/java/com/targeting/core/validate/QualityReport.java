package com.targeting.core.validate;

import static java.util.Objects.requireNonNull;

import com.targeting.core.TargetingException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * What a {@link QualitySuite} found in one dataset: each check with its status ({@code passed},
 * {@code failed}, or {@code skipped} for a run-over-run check with no earlier run), the metric
 * it judged where it has one value, and Deequ's message when it failed.
 */
public record QualityReport(String dataset, String describe, List<Result> results) {
  public QualityReport {
    requireNonNull(dataset, "dataset is null");
    requireNonNull(describe, "describe is null");
    results = List.copyOf(results);
  }

  public enum Status {
    PASSED, FAILED, SKIPPED;

    public String text() {
      return name().toLowerCase(Locale.ROOT);
    }
  }

  /** A check's status, its metric (when it judged one value) and why it failed or was skipped. */
  public record Outcome(Status status, Optional<Double> value, String message) {
    public Outcome {
      requireNonNull(status, "status is null");
      requireNonNull(value, "value is null");
      requireNonNull(message, "message is null");
    }
  }

  public record Result(QualitySuite.QualityCheck check, Outcome outcome) {
    public Result {
      requireNonNull(check, "check is null");
      requireNonNull(outcome, "outcome is null");
    }

    public boolean failed(QualitySuite.Level level) {
      return outcome.status() == Status.FAILED && check.level() == level;
    }

    /** The result as a row of the validation table and an entry of the summary. */
    public Map<String, Object> toMap() {
      Map<String, Object> map = new LinkedHashMap<>();
      map.put("check_id", check.id());
      map.put("check_type", check.type().configName());
      map.put("level", check.level().configName());
      map.put("status", outcome.status().text());
      map.put("columns", check.columns());
      map.put("assertion", check.describe());
      map.put("value", outcome.value().orElse(null));
      map.put("message", outcome.message().isEmpty() ? null : outcome.message());
      return map;
    }
  }

  public boolean hasErrors() {
    return results.stream().anyMatch(result -> result.failed(QualitySuite.Level.ERROR));
  }

  /** The failed checks of a level. */
  public List<Result> failures(QualitySuite.Level level) {
    return results.stream().filter(result -> result.failed(level)).toList();
  }

  /** Checks by status, for logs and the summary. */
  public Map<String, Long> counts() {
    Map<String, Long> counts = new LinkedHashMap<>();
    for (Status status : Status.values()) {
      counts.put(status.text(), results.stream().filter(result -> result.outcome().status() == status).count());
    }
    counts.put("failed_errors", (long) failures(QualitySuite.Level.ERROR).size());
    counts.put("failed_warnings", (long) failures(QualitySuite.Level.WARNING).size());
    return counts;
  }

  /** The dataset's entry of the run summary's {@code validation} section. */
  public Map<String, Object> toSummary() {
    Map<String, Object> summary = new LinkedHashMap<>();
    summary.put("source", describe);
    summary.put("status", hasErrors() ? "failed" : failures(QualitySuite.Level.WARNING).isEmpty() ? "passed" : "warned");
    summary.putAll(counts());
    List<Map<String, Object>> checks = new ArrayList<>();
    results.forEach(result -> checks.add(result.toMap()));
    summary.put("checks", checks);
    return summary;
  }

  /**
   * Fails (user error) when an error-level check failed, naming the dataset, its location and each
   * failed check with its constraint and metric; warnings pass.
   *
   * @param consequence what the failure stops, for the message (for example "nothing was written")
   */
  public void requirePassed(String consequence) {
    List<Result> errors = failures(QualitySuite.Level.ERROR);
    if (errors.isEmpty()) {
      return;
    }
    List<String> lines = new ArrayList<>();
    for (Result error : errors) {
      lines.add(error.check().id() + " (" + error.check().describe() + ")"
          + error.outcome().value().map(value -> ": was " + QualitySuite.number(value)).orElse("")
          + (error.outcome().message().isEmpty() ? "" : " [" + error.outcome().message() + "]"));
    }
    throw TargetingException.userError("Validation of %s (%s) failed %d error-level check(s); %s: %s",
        dataset, describe, errors.size(), consequence, String.join("; ", lines));
  }
}
