package com.targeting.jobs;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;

/** A job run in this JVM as spark-submit would run it: its exit code and its last stdout line, parsed. */
record JobRun(int code, JsonNode summary) {
  private static final ObjectMapper JSON = new ObjectMapper();

  /** A summary object of counts (funnel, tiers, sinks) as a name-to-count map, in order. */
  static java.util.Map<String, Long> counts(JsonNode object) {
    java.util.Map<String, Long> counts = new java.util.LinkedHashMap<>();
    object.fields().forEachRemaining(entry -> counts.put(entry.getKey(), entry.getValue().asLong()));
    return counts;
  }

  static JobRun of(List<String> args) {
    ByteArrayOutputStream buffer = new ByteArrayOutputStream();
    int code = Main.run(args.toArray(String[]::new), new PrintStream(buffer, true, StandardCharsets.UTF_8));
    String[] lines = buffer.toString(StandardCharsets.UTF_8).strip().split("\n");
    try {
      return new JobRun(code, JSON.readTree(lines[lines.length - 1]));
    } catch (IOException e) {
      throw new AssertionError("the last stdout line is not JSON: " + lines[lines.length - 1], e);
    }
  }
}
