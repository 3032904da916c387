package com.targeting.core.config;

import static java.util.Objects.requireNonNull;

import com.targeting.core.TargetingException;
import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigObject;
import com.typesafe.config.ConfigValue;
import com.typesafe.config.ConfigValueType;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A typed view of one object in the resolved config that remembers its full path, so that every
 * error names the file, line and path of the offending setting, including inside lists
 * ({@code program.filters[2].rules[0].keep}).
 */
public final class ConfigNode {
  private final Config config;
  private final String path;

  private ConfigNode(Config config, String path) {
    this.config = requireNonNull(config, "config is null");
    this.path = requireNonNull(path, "path is null");
  }

  public static ConfigNode root(Config config) {
    return new ConfigNode(config, "");
  }

  /** This node with settings it lacks taken from {@code defaults} (HOCON merge). */
  public ConfigNode withFallback(ConfigNode defaults) {
    return new ConfigNode(config.withFallback(defaults.config), path);
  }

  public String path() {
    return path;
  }

  public String pathOf(String key) {
    return path.isEmpty() ? key : path + "." + key;
  }

  public boolean has(String key) {
    return config.hasPath(key);
  }

  public ConfigNode node(String key) {
    return read(key, () -> new ConfigNode(config.getConfig(key), pathOf(key)));
  }

  public Optional<ConfigNode> optionalNode(String key) {
    return has(key) ? Optional.of(node(key)) : Optional.empty();
  }

  public List<ConfigNode> nodes(String key) {
    if (!has(key)) {
      return List.of();
    }
    List<? extends Config> list = read(key, () -> config.getConfigList(key));
    List<ConfigNode> nodes = new ArrayList<>(list.size());
    for (int i = 0; i < list.size(); i++) {
      nodes.add(new ConfigNode(list.get(i), pathOf(key) + "[" + i + "]"));
    }
    return List.copyOf(nodes);
  }

  public String string(String key) {
    String value = read(key, () -> config.getString(key));
    if (value.isBlank()) {
      throw invalid(key, "must not be blank");
    }
    return value;
  }

  public String string(String key, String defaultValue) {
    return has(key) ? string(key) : defaultValue;
  }

  public Optional<String> optionalString(String key) {
    return has(key) ? Optional.of(string(key)) : Optional.empty();
  }

  public int integer(String key) {
    return read(key, () -> config.getInt(key));
  }

  public int integer(String key, int defaultValue) {
    return has(key) ? integer(key) : defaultValue;
  }

  public long longValue(String key, long defaultValue) {
    return has(key) ? read(key, () -> config.getLong(key)) : defaultValue;
  }

  public double doubleValue(String key) {
    return read(key, () -> config.getDouble(key));
  }

  public double doubleValue(String key, double defaultValue) {
    return has(key) ? doubleValue(key) : defaultValue;
  }

  /** A HOCON duration ({@code 30s}, {@code 10m}; a bare number is milliseconds). */
  public java.time.Duration duration(String key) {
    return read(key, () -> config.getDuration(key));
  }

  public boolean bool(String key, boolean defaultValue) {
    return has(key) ? read(key, () -> config.getBoolean(key)) : defaultValue;
  }

  /** A number, string or boolean, as HOCON typed it. */
  public Object scalar(String key) {
    ConfigValue value = read(key, () -> config.getValue(key));
    if (value.valueType() == ConfigValueType.OBJECT || value.valueType() == ConfigValueType.LIST
        || value.valueType() == ConfigValueType.NULL) {
      throw invalid(key, "must be a number, string or boolean");
    }
    return value.unwrapped();
  }

  public List<String> strings(String key) {
    if (!has(key)) {
      return List.of();
    }
    return List.copyOf(read(key, () -> config.getStringList(key)));
  }

  /** An object of scalar values, keys in the order the file gives them where HOCON keeps it. */
  public Map<String, String> stringMap(String key) {
    if (!has(key)) {
      return Map.of();
    }
    ConfigObject object = read(key, () -> config.getObject(key));
    Map<String, String> values = new LinkedHashMap<>();
    for (Map.Entry<String, ConfigValue> entry : object.entrySet()) {
      ConfigValue value = entry.getValue();
      if (value.valueType() == ConfigValueType.OBJECT || value.valueType() == ConfigValueType.LIST) {
        throw invalid(key + "." + entry.getKey(), "must be a string, number or boolean");
      }
      values.put(entry.getKey(), String.valueOf(value.unwrapped()));
    }
    return values;
  }

  /** Scalar values keyed by name, with their HOCON types kept (numbers stay numbers). */
  public Map<String, Object> scalarMap(String key) {
    if (!has(key)) {
      return Map.of();
    }
    ConfigObject object = read(key, () -> config.getObject(key));
    Map<String, Object> values = new LinkedHashMap<>();
    for (Map.Entry<String, ConfigValue> entry : object.entrySet()) {
      if (entry.getValue().valueType() == ConfigValueType.NULL) {
        throw invalid(key + "." + entry.getKey(), "must have a value, not null");
      }
      values.put(entry.getKey(), entry.getValue().unwrapped());
    }
    return values;
  }

  /** Names of the child objects of {@code key}, e.g. the risk profiles of an allocation table. */
  public List<String> keys(String key) {
    if (!has(key)) {
      return List.of();
    }
    return List.copyOf(read(key, () -> config.getObject(key)).keySet());
  }

  public String origin(String key) {
    if (has(key)) {
      return config.getValue(key).origin().description();
    }
    return config.origin().description();
  }

  /** An error about a setting that is present but wrong: names file, line, path and problem. */
  public TargetingException invalid(String key, String problem) {
    return TargetingException.userError("Invalid config at %s, %s: %s", origin(key), pathOf(key), problem);
  }

  private <T> T read(String key, java.util.function.Supplier<T> reader) {
    try {
      return reader.get();
    } catch (ConfigException.Missing e) {
      throw TargetingException.userError(
          "Missing config setting %s (object defined at %s)", pathOf(key), config.origin().description());
    } catch (ConfigException e) {
      throw TargetingException.userError(
          "Invalid config at %s, %s: %s", origin(key), pathOf(key), stripOrigin(e.getMessage()));
    }
  }

  private static String stripOrigin(String message) {
    // typesafe-config prefixes messages with "origin: path"; we already say where.
    int index = message.lastIndexOf(": ");
    return index >= 0 ? message.substring(index + 2) : message;
  }
}
