package com.targeting.core.source;

import static java.util.Objects.requireNonNull;

import com.targeting.core.config.ConfigLoader;
import com.targeting.core.config.ConfigNode;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * A source as config describes it: a format, an optional path, reader options (for csv, over
 * {@link ReaderSource#CSV_DEFAULTS}) and {@code min-rows}, the fewest rows a run accepts from it
 * (default 0 here; {@code program.source.min-rows} defaults to 1 in reference.conf). Options whose
 * name suggests a credential are read from config (which takes them from {@code ${?ENV}}) but are
 * never shown by {@link #toString()} or {@link ReaderSource#describe()}.
 */
public record SourceConfig(String format, Optional<String> path, Map<String, String> options, long minRows) {
  static final Set<String> FILE_FORMATS = Set.of("parquet", "csv", "json", "orc", "delta", "text");

  public SourceConfig {
    requireNonNull(format, "format is null");
    requireNonNull(path, "path is null");
    options = Map.copyOf(options);
    if (minRows < 0) {
      throw new IllegalArgumentException("min-rows must be 0 or more, was " + minRows);
    }
  }

  /** A source that accepts any number of rows, none included. */
  public SourceConfig(String format, Optional<String> path, Map<String, String> options) {
    this(format, path, options, 0);
  }

  public static SourceConfig from(ConfigNode node) {
    String format = node.string("format");
    Optional<String> path = node.optionalString("path");
    if (FILE_FORMATS.contains(format) && path.isEmpty()) {
      throw node.invalid("format", "format " + format + " needs a path");
    }
    Map<String, String> options = new java.util.LinkedHashMap<>(node.stringMap("options"));
    // The warehouse query lives in sql/ (one file per program and dialect), not copied into config.
    if (node.has("query-file")) {
      if (options.containsKey("query") || options.containsKey("dbtable")) {
        throw node.invalid("query-file", "a source takes query-file or options.query / options.dbtable, not both");
      }
      String query = ConfigLoader.readText(node.string("query-file")).replaceAll("(?m)--.*$", "").trim();
      options.put("query", query.endsWith(";") ? query.substring(0, query.length() - 1).trim() : query);
    }
    long minRows = node.longValue("min-rows", 0);
    if (minRows < 0) {
      throw node.invalid("min-rows", "must be 0 or more, was " + minRows);
    }
    return new SourceConfig(format, path, options, minRows);
  }

  public boolean isFileFormat() {
    return isFileFormat(format);
  }

  public static boolean isFileFormat(String format) {
    return FILE_FORMATS.contains(format);
  }

  @Override
  public String toString() {
    return format + path.map(p -> " " + p).orElse("");
  }
}
