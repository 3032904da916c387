package com.targeting.core.report;

import com.fasterxml.jackson.databind.JsonNode;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * The figures of a succeeded run, from its summary: the funnel ({@code input_rows =
 * quarantined_rows + Σ removed_by_filter + candidates}), the rows each sink wrote and the run's
 * duration. Rates are percentages of the input rounded to two decimals (the seed's "Filter Pass
 * Rate: 30% (45K / 150K)"); they are absent when the input was empty.
 */
public record RunFigures(
    long inputRows,
    long quarantinedRows,
    Map<String, Long> removedByFilter,
    long candidates,
    OptionalLong totalMs,
    Map<String, Long> written) {

  public RunFigures {
    removedByFilter = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(removedByFilter));
    written = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(written));
  }

  /** Empty when the summary lacks the funnel's three counts (nothing to report then). */
  static Optional<RunFigures> from(JsonNode summary) {
    if (!summary.path("input_rows").isIntegralNumber() || !summary.path("quarantined_rows").isIntegralNumber()
        || !summary.path("candidates").isIntegralNumber()) {
      return Optional.empty();
    }
    OptionalLong total = summary.path("total_ms").isIntegralNumber()
        ? OptionalLong.of(summary.get("total_ms").asLong()) : OptionalLong.empty();
    return Optional.of(new RunFigures(summary.get("input_rows").asLong(), summary.get("quarantined_rows").asLong(),
        counts(summary.path("removed_by_filter")), summary.get("candidates").asLong(), total,
        counts(summary.path("written"))));
  }

  /** The integral members of an object, in order; other members (nested reports) are not counts. */
  private static Map<String, Long> counts(JsonNode object) {
    Map<String, Long> counts = new LinkedHashMap<>();
    object.fields().forEachRemaining(entry -> {
      if (entry.getValue().isIntegralNumber()) {
        counts.put(entry.getKey(), entry.getValue().asLong());
      }
    });
    return counts;
  }

  /** Candidates as a percentage of the input. */
  public Optional<Double> passRatePercent() {
    return percent(candidates);
  }

  /** Quarantined rows as a percentage of the input. */
  public Optional<Double> quarantineRatePercent() {
    return percent(quarantinedRows);
  }

  /** The run's wall-clock duration in seconds (total_ms / 1000). */
  public Optional<Double> durationSeconds() {
    return totalMs.isPresent() ? Optional.of(totalMs.getAsLong() / 1000.0) : Optional.empty();
  }

  private Optional<Double> percent(long part) {
    if (inputRows <= 0) {
      return Optional.empty();
    }
    return Optional.of(BigDecimal.valueOf(part * 100.0 / inputRows).setScale(2, RoundingMode.HALF_UP).doubleValue());
  }

  public Map<String, Object> toJson() {
    Map<String, Object> json = new LinkedHashMap<>();
    json.put("input_rows", inputRows);
    json.put("quarantined_rows", quarantinedRows);
    json.put("removed_by_filter", removedByFilter);
    json.put("candidates", candidates);
    json.put("filter_pass_rate_pct", passRatePercent().orElse(null));
    json.put("quarantine_rate_pct", quarantineRatePercent().orElse(null));
    json.put("duration_s", durationSeconds().orElse(null));
    json.put("written", written);
    return json;
  }
}
