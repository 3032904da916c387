package com.targeting.core.program;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.targeting.core.TargetingException;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The run summary: one JSON object, printed as the last line of a job's stdout and written beside
 * its output. Keys keep their insertion order so the line reads top-down like the run.
 */
public final class RunSummary {
  private static final ObjectMapper MAPPER = new ObjectMapper();

  private final Map<String, Object> fields = new LinkedHashMap<>();

  /**
   * The first fields of every attempt's summary: {@code program}, {@code run_date}, {@code run_id}
   * and {@code started_at} (ISO-8601 instant).
   */
  static RunSummary started(ProgramConfig program, String runId, String startedAt) {
    return new RunSummary()
        .put("program", program.id())
        .put("run_date", program.runDate().toString())
        .put("run_id", runId)
        .put("started_at", startedAt);
  }

  /** One step of the summary's {@code funnel}: the rows a filter removed and the rows left after it. */
  @com.fasterxml.jackson.annotation.JsonPropertyOrder({"filter", "removed", "removed_pct_of_input", "remaining"})
  public record FunnelStep(
      String filter,
      long removed,
      @com.fasterxml.jackson.annotation.JsonProperty("removed_pct_of_input") double removedPctOfInput,
      long remaining) {}

  /**
   * The run's funnel: {@code input_rows}, {@code quarantined_rows}, {@code quarantined_by_rule},
   * {@code removed_by_filter} (in chain order), {@code funnel} (one {@link FunnelStep} per filter),
   * {@code candidates} and {@code pass_rate_pct} (percent of input, two decimals).
   */
  public RunSummary funnel(com.targeting.core.filter.Funnel funnel) {
    put("input_rows", funnel.inputRows());
    put("quarantined_rows", funnel.quarantinedRows());
    put("quarantined_by_rule", funnel.quarantinedByRule());
    put("removed_by_filter", funnel.removedByFilter());
    java.util.List<FunnelStep> steps = new java.util.ArrayList<>();
    long remaining = funnel.inputRows() - funnel.quarantinedRows();
    for (Map.Entry<String, Long> filter : funnel.removedByFilter().entrySet()) {
      remaining -= filter.getValue();
      steps.add(new FunnelStep(filter.getKey(), filter.getValue(), percent(filter.getValue(), funnel.inputRows()), remaining));
    }
    put("funnel", steps);
    put("candidates", funnel.candidates());
    return put("pass_rate_pct", percent(funnel.candidates(), funnel.inputRows()));
  }

  private static double percent(long part, long whole) {
    return whole == 0 ? 0.0 : Math.round(10000.0 * part / whole) / 100.0;
  }

  public RunSummary put(String key, Object value) {
    fields.put(key, value);
    return this;
  }

  /**
   * Marks the summary failed: {@code status = failed} and {@code error = {category, message}}, the
   * category being who has to act ({@code user_error}, {@code external}, {@code internal}).
   */
  public RunSummary failed(Throwable error) {
    return failed(new RunError(TargetingException.categoryOf(error).name().toLowerCase(java.util.Locale.ROOT),
        TargetingException.messageOf(error)));
  }

  /** Marks the summary failed with {@code error}. */
  public RunSummary failed(RunError error) {
    fields.put("status", "failed");
    fields.put("error", error);
    return this;
  }

  /**
   * Why an attempt failed: {@code category} is who has to act ({@code user_error}, {@code
   * external}, {@code internal}, or {@code interrupted} for a run that died without a summary);
   * {@code message} names the file, column, config path or customer involved, never a secret.
   */
  @com.fasterxml.jackson.annotation.JsonPropertyOrder({"category", "message"})
  public record RunError(String category, String message) {}

  public RunSummary remove(String key) {
    fields.remove(key);
    return this;
  }

  public Object get(String key) {
    return fields.get(key);
  }

  public Map<String, Object> fields() {
    return java.util.Collections.unmodifiableMap(fields);
  }

  public String toJson() {
    try {
      return MAPPER.writeValueAsString(fields);
    } catch (JsonProcessingException e) {
      throw TargetingException.internal("Cannot write run summary: %s", e.getMessage());
    }
  }
}
