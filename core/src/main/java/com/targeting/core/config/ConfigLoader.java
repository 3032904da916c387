package com.targeting.core.config;

import com.targeting.core.TargetingException;
import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigParseOptions;
import com.typesafe.config.ConfigRenderOptions;
import com.typesafe.config.ConfigSyntax;
import com.typesafe.config.ConfigValueFactory;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.WeakHashMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Builds the one resolved config of a run from, highest priority first: {@code --conf key=value}
 * overrides, the environment file, the program file, and every {@code reference.conf} on the
 * classpath. {@code ${?VAR}} substitutions read the process environment. Runs on the driver
 * before Spark starts, so a bad file fails in milliseconds.
 */
public final class ConfigLoader {
  private ConfigLoader() {}

  /**
   * @param files config files, highest priority first; local paths or Hadoop URIs
   *     ({@code s3://bucket/conf/x.conf}), read through Hadoop's file systems
   * @param overrides {@code key=value} pairs; a value that is not valid HOCON is taken as a string
   */
  public static Config load(List<String> files, List<String> overrides) {
    Config merged = ConfigFactory.empty();
    for (String override : overrides) {
      merged = merged.withFallback(parseOverride(override));
    }
    for (String file : files) {
      merged = merged.withFallback(parseFile(file));
    }
    // Unresolved, so that reference.conf paths built on ${paths.root} follow the env file.
    merged = merged.withFallback(ConfigFactory.defaultReferenceUnresolved());
    Config resolved;
    try {
      resolved = merged.resolve();
    } catch (ConfigException e) {
      throw TargetingException.userError("Cannot resolve config %s: %s", files, e.getMessage());
    }
    SUBSTITUTED.put(resolved, substitutedPaths(merged));
    return resolved;
  }

  /**
   * Paths of settings that the files use through {@code ${path}} substitutions (a program's shared
   * {@code training-data} block, its {@code budget}): they are read, by the config itself, even if
   * no code reads them. Known only for a config this class loaded.
   */
  static Set<String> substituted(Config resolved) {
    Set<String> paths = SUBSTITUTED.get(resolved);
    return paths == null ? Set.of() : paths;
  }

  private static final Map<Config, Set<String>> SUBSTITUTED = Collections.synchronizedMap(new WeakHashMap<>());
  private static final Pattern SUBSTITUTION = Pattern.compile("\\$\\{\\??\\s*([^}\\s]+)\\s*}");

  private static Set<String> substitutedPaths(Config unresolved) {
    String text = unresolved.root().render(ConfigRenderOptions.defaults().setComments(false).setOriginComments(false)
        .setJson(false));
    Set<String> paths = new HashSet<>();
    Matcher matcher = SUBSTITUTION.matcher(text);
    while (matcher.find()) {
      paths.add(matcher.group(1).replace("\"", ""));
    }
    return Set.copyOf(paths);
  }

  static Config parseOverride(String override) {
    int equals = override.indexOf('=');
    if (equals <= 0) {
      throw TargetingException.userError("Invalid --conf '%s': expected key=value", override);
    }
    String key = override.substring(0, equals).trim();
    String value = override.substring(equals + 1).trim();
    // Only values that are clearly HOCON (quoted, a number, a boolean, a list, an object, a
    // substitution) are parsed as such; anything else is the literal string, so that "//" or "#"
    // in a path or query is not taken for the start of a comment.
    if (looksLikeHocon(value)) {
      ConfigParseOptions options =
          ConfigParseOptions.defaults().setOriginDescription("--conf " + key).setSyntax(ConfigSyntax.CONF);
      try {
        Config parsed = ConfigFactory.parseString(key + " = " + value, options);
        if (parsed.hasPath(key)) {
          return parsed;
        }
      } catch (ConfigException e) {
        throw TargetingException.userError("Invalid --conf %s: %s", key, e.getMessage());
      }
    }
    try {
      return ConfigFactory.empty().withValue(key, ConfigValueFactory.fromAnyRef(value, "--conf " + key));
    } catch (ConfigException e) {
      throw TargetingException.userError("Invalid --conf '%s': %s", key, e.getMessage());
    }
  }

  private static boolean looksLikeHocon(String value) {
    return value.startsWith("\"") || value.startsWith("[") || value.startsWith("{") || value.startsWith("${")
        || value.matches("-?\\d+(\\.\\d+)?([eE][-+]?\\d+)?") || value.equals("true") || value.equals("false")
        || value.equals("null");
  }

  static Config parseFile(String location) {
    ConfigParseOptions options = ConfigParseOptions.defaults()
        .setOriginDescription(location)
        .setSyntax(ConfigSyntax.CONF)
        .setAllowMissing(false);
    try {
      URI uri = URI.create(location.replace(" ", "%20"));
      if (uri.getScheme() == null || "file".equals(uri.getScheme())) {
        // Parsed as a file, so that `include "local.conf"` finds its neighbour.
        java.io.File file = uri.getScheme() == null ? new java.io.File(location) : new java.io.File(uri);
        if (!file.isFile()) {
          throw TargetingException.userError("Config file not found: %s", location);
        }
        return ConfigFactory.parseFile(file, options);
      }
      return ConfigFactory.parseString(read(location), options);
    } catch (ConfigException e) {
      throw TargetingException.userError("Cannot parse config file %s: %s", location, e.getMessage());
    }
  }

  /** The text of a local file or a Hadoop URI (s3://...), read before Spark starts. */
  public static String readText(String location) {
    return read(location);
  }

  private static String read(String location) {
    URI uri = URI.create(location.replace(" ", "%20"));
    if (uri.getScheme() == null || "file".equals(uri.getScheme())) {
      Path path = uri.getScheme() == null ? Path.of(location) : Path.of(uri);
      try {
        return Files.readString(path, StandardCharsets.UTF_8);
      } catch (NoSuchFileException e) {
        throw TargetingException.userError("Config file not found: %s", location);
      } catch (IOException e) {
        throw TargetingException.external(e, "Cannot read config file %s: %s", location, e.getMessage());
      }
    }
    org.apache.hadoop.fs.Path path = new org.apache.hadoop.fs.Path(uri);
    try (InputStream in = path.getFileSystem(new org.apache.hadoop.conf.Configuration()).open(path)) {
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (java.io.FileNotFoundException e) {
      throw TargetingException.userError("Config file not found: %s", location);
    } catch (IOException e) {
      throw TargetingException.external(e, "Cannot read config file %s: %s", location, e.getMessage());
    }
  }
}
