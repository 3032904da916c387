package com.targeting.core.source;

import static java.util.Objects.requireNonNull;

import com.targeting.core.config.ConfigNode;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * A source as config describes it: a format, an optional path and reader options. Options whose
 * name suggests a credential are read from config (which takes them from {@code ${?ENV}}) but are
 * never shown by {@link #toString()} or {@link ReaderSource#describe()}.
 */
public record SourceConfig(String format, Optional<String> path, Map<String, String> options) {
  static final Set<String> FILE_FORMATS = Set.of("parquet", "csv", "json", "orc", "delta", "text");

  public SourceConfig {
    requireNonNull(format, "format is null");
    requireNonNull(path, "path is null");
    options = Map.copyOf(options);
  }

  public static SourceConfig from(ConfigNode node) {
    String format = node.string("format");
    Optional<String> path = node.optionalString("path");
    if (FILE_FORMATS.contains(format) && path.isEmpty()) {
      throw node.invalid("format", "format " + format + " needs a path");
    }
    return new SourceConfig(format, path, node.stringMap("options"));
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
