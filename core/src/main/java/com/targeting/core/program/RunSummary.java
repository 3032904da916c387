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

  public RunSummary put(String key, Object value) {
    fields.put(key, value);
    return this;
  }

  /**
   * Marks the summary failed: {@code status = failed} and {@code error = {category, message}}, the
   * category being who has to act ({@code user_error}, {@code external}, {@code internal}).
   */
  public RunSummary failed(Throwable error) {
    Map<String, Object> details = new LinkedHashMap<>();
    details.put("category", TargetingException.categoryOf(error).name().toLowerCase(java.util.Locale.ROOT));
    details.put("message", TargetingException.messageOf(error));
    fields.put("status", "failed");
    fields.put("error", details);
    return this;
  }

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
