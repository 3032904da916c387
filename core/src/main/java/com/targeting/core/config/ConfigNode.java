package com.targeting.core.config;

import static java.util.Objects.requireNonNull;

import com.targeting.core.TargetingException;
import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigObject;
import com.typesafe.config.ConfigValue;
import com.typesafe.config.ConfigValueType;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * A typed view of one object in the resolved config that remembers its full path, so that every
 * error names the file, line and path of the offending setting, including inside lists
 * ({@code program.filters[2].rules[0].keep}).
 *
 * <p>Every node made from one {@link #root} records the settings it reads (and the ones it looks
 * for: {@link #has} on an absent key), so that {@link #refuseUnread} can refuse a key in the
 * user's files that nothing read: a key is declared by reading it. Free-form objects ({@link
 * #stringMap}, {@link #scalarMap}, {@link #readAll}) count as wholly read.
 */
public final class ConfigNode {
  private final Config config;
  private final String path;
  /** Paths the same settings are also known by: a model's {@code model-defaults}. */
  private final List<String> aliases;
  private final Reads reads;

  /** What the nodes of one root read: whole settings (and subtrees), and every key looked for. */
  private static final class Reads {
    final Set<String> read = new HashSet<>();
    final Set<String> known = new HashSet<>();

    synchronized void read(String path) {
      read.add(path);
      known.add(path);
    }

    synchronized void known(String path) {
      known.add(path);
    }
  }

  private ConfigNode(Config config, String path, List<String> aliases, Reads reads) {
    this.config = requireNonNull(config, "config is null");
    this.path = requireNonNull(path, "path is null");
    this.aliases = List.copyOf(aliases);
    this.reads = requireNonNull(reads, "reads is null");
  }

  public static ConfigNode root(Config config) {
    return new ConfigNode(config, "", List.of(), new Reads());
  }

  /**
   * This node with settings it lacks taken from {@code defaults} (HOCON merge). What is read
   * through it counts as read in both (a model's {@code xgboost.eta} and {@code model-defaults.xgboost.eta}),
   * in this node's root.
   */
  public ConfigNode withFallback(ConfigNode defaults) {
    List<String> all = new ArrayList<>(aliases);
    all.add(defaults.path);
    all.addAll(defaults.aliases);
    return new ConfigNode(config.withFallback(defaults.config), path, all, reads);
  }

  /** Marks {@code key} and everything under it as read: a free-form object, or a section that is switched off. */
  public void readAll(String key) {
    for (String base : bases()) {
      reads.read(join(base, key));
    }
  }

  private void known(String key) {
    for (String base : bases()) {
      reads.known(join(base, key));
    }
  }

  private List<String> bases() {
    List<String> all = new ArrayList<>(aliases.size() + 1);
    all.add(path);
    all.addAll(aliases);
    return all;
  }

  private static String join(String base, String key) {
    return base.isEmpty() ? key : base + "." + key;
  }

  public String path() {
    return path;
  }

  public String pathOf(String key) {
    return path.isEmpty() ? key : path + "." + key;
  }

  /** Whether {@code key} is set; a scalar or list found counts as read (a presence check reads it). */
  public boolean has(String key) {
    known(key);
    boolean present = config.hasPath(key);
    if (present) {
      ConfigValueType type = config.getValue(key).valueType();
      if (type != ConfigValueType.OBJECT && type != ConfigValueType.LIST) {
        readAll(key);
      }
    }
    return present;
  }

  public ConfigNode node(String key) {
    known(key);
    List<String> childAliases = aliases.stream().map(alias -> join(alias, key)).toList();
    return read(key, () -> new ConfigNode(config.getConfig(key), pathOf(key), childAliases, reads));
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
      String index = "[" + i + "]";
      List<String> childAliases = aliases.stream().map(alias -> join(alias, key) + index).toList();
      nodes.add(new ConfigNode(list.get(i), pathOf(key) + index, childAliases, reads));
    }
    return List.copyOf(nodes);
  }

  public String string(String key) {
    readAll(key);
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
    readAll(key);
    return read(key, () -> config.getInt(key));
  }

  public int integer(String key, int defaultValue) {
    return has(key) ? integer(key) : defaultValue;
  }

  public long longValue(String key, long defaultValue) {
    readAll(key);
    return has(key) ? read(key, () -> config.getLong(key)) : defaultValue;
  }

  public double doubleValue(String key) {
    readAll(key);
    return read(key, () -> config.getDouble(key));
  }

  public double doubleValue(String key, double defaultValue) {
    return has(key) ? doubleValue(key) : defaultValue;
  }

  /** A HOCON duration ({@code 30s}, {@code 10m}; a bare number is milliseconds). */
  public java.time.Duration duration(String key) {
    readAll(key);
    return read(key, () -> config.getDuration(key));
  }

  public boolean bool(String key, boolean defaultValue) {
    readAll(key);
    return has(key) ? read(key, () -> config.getBoolean(key)) : defaultValue;
  }

  /** A number, string or boolean, as HOCON typed it. */
  public Object scalar(String key) {
    readAll(key);
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
    readAll(key);
    return List.copyOf(read(key, () -> config.getStringList(key)));
  }

  /** An object of scalar values, keys in the order the file gives them where HOCON keeps it. */
  public Map<String, String> stringMap(String key) {
    if (!has(key)) {
      return Map.of();
    }
    readAll(key);
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
    readAll(key);
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
    known(key);
    return List.copyOf(read(key, () -> config.getObject(key)).keySet());
  }

  public String origin(String key) {
    if (has(key)) {
      return config.getValue(key).origin().description();
    }
    return config.origin().description();
  }

  /**
   * Refuses what the user's files (and {@code --conf}) set under {@code roots} that no node of this
   * root read or looked for, and any top-level key that is neither one of {@code roots}, nor a
   * job's section ({@code program}, {@code model}, {@code uplift-model}, {@code run}), nor a
   * section of {@code reference.conf}. Settings that come from a {@code reference.conf} are never
   * refused. Call after everything the job reads has been read, before Spark starts.
   *
   * @throws TargetingException a user error naming file, line and path of each unknown key, with
   *     "did you mean" where a known key is close (edit distance, dash/underscore or case)
   */
  public void refuseUnread(List<String> roots) {
    Set<String> read;
    Set<String> known;
    synchronized (reads) {
      read = new HashSet<>(reads.read);
      known = new HashSet<>(reads.known);
    }
    read.addAll(ConfigLoader.substituted(config));
    known.addAll(ConfigLoader.substituted(config));
    Set<String> touched = new HashSet<>(known);
    for (String readPath : read) {
      for (int i = 0; i < readPath.length(); i++) {
        char c = readPath.charAt(i);
        if (c == '.' || c == '[') {
          touched.add(readPath.substring(0, i));
        }
      }
    }
    List<String> problems = new ArrayList<>();
    ConfigObject top = config.root();
    Set<String> sections = new java.util.TreeSet<>(List.of("program", "model", "uplift-model", "run"));
    sections.addAll(roots);
    sections.addAll(com.typesafe.config.ConfigFactory.defaultReference().root().keySet());
    for (Map.Entry<String, ConfigValue> entry : top.entrySet()) {
      String key = entry.getKey();
      if (roots.contains(key)) {
        if (!read.contains(key)) {
          walk(entry.getValue(), key, read, touched, problems);
        }
      } else if (!sections.contains(key) && !touched.contains(key) && !read.contains(key)
          && firstUserOrigin(entry.getValue()) != null) {
        problems.add(unknown(key, entry.getValue(), sections));
      }
    }
    if (!problems.isEmpty()) {
      throw TargetingException.userError("Unknown config %s (nothing reads %s; a mistyped key would be silently ignored):%n  %s",
          problems.size() == 1 ? "key" : "keys", problems.size() == 1 ? "it" : "them", String.join("\n  ", problems));
    }
  }

  private static void walk(ConfigValue value, String path, Set<String> read, Set<String> touched, List<String> problems) {
    if (value instanceof ConfigObject object) {
      for (Map.Entry<String, ConfigValue> entry : object.entrySet()) {
        String child = path + "." + entry.getKey();
        ConfigValue childValue = entry.getValue();
        if (read.contains(child)) {
          continue;
        }
        if (touched.contains(child)) {
          walk(childValue, child, read, touched, problems);
        } else if (firstUserOrigin(childValue) != null) {
          Set<String> siblings = new java.util.TreeSet<>();
          String prefix = path + ".";
          for (String candidate : touched) {
            if (candidate.startsWith(prefix) && candidate.indexOf('.', prefix.length()) < 0
                && candidate.indexOf('[', prefix.length()) < 0) {
              siblings.add(candidate.substring(prefix.length()));
            }
          }
          problems.add(unknown(child, childValue, siblings));
        }
      }
    } else if (value instanceof com.typesafe.config.ConfigList list) {
      for (int i = 0; i < list.size(); i++) {
        String element = path + "[" + i + "]";
        if (read.contains(element)) {
          continue;
        }
        if (touched.contains(element)) {
          walk(list.get(i), element, read, touched, problems);
        } else if (firstUserOrigin(list.get(i)) != null) {
          problems.add(unknown(element, list.get(i), Set.of()));
        }
      }
    }
  }

  private static String unknown(String path, ConfigValue value, Set<String> knownKeys) {
    String name = path.substring(path.lastIndexOf('.') + 1);
    // The line of the key itself, unless merged from several files: then the first user setting in it.
    String origin = value.origin().description();
    if (origin.startsWith("merge of") || isReference(value)) {
      origin = firstUserOrigin(value);
    }
    StringBuilder line = new StringBuilder(path).append(" at ").append(origin);
    closest(name, knownKeys).ifPresent(match -> line.append(": did you mean ").append(match).append("?"));
    return line.toString();
  }

  /** Where the user's file set the first value of {@code value}, or null if it all comes from a reference.conf. */
  private static String firstUserOrigin(ConfigValue value) {
    if (value instanceof ConfigObject object) {
      for (ConfigValue child : object.values()) {
        String origin = firstUserOrigin(child);
        if (origin != null) {
          return origin;
        }
      }
      return null;
    }
    if (value instanceof com.typesafe.config.ConfigList list) {
      for (ConfigValue child : list) {
        String origin = firstUserOrigin(child);
        if (origin != null) {
          return origin;
        }
      }
      return list.isEmpty() && !isReference(value) ? value.origin().description() : null;
    }
    return isReference(value) ? null : value.origin().description();
  }

  /** Whether the value at {@code key} is the library's default, from a {@code reference.conf}, not the user's files. */
  public boolean fromReference(String key) {
    return config.hasPath(key) && isReference(config.getValue(key));
  }

  private static boolean isReference(ConfigValue value) {
    String resource = value.origin().resource();
    return resource != null && resource.endsWith("reference.conf");
  }

  /**
   * The known key closest to {@code name}: the same but for case, dashes and underscores, or within
   * an edit distance of 1 (names up to 4 characters) or 2; empty when none is that close. Also the
   * jobs' "did you mean" for a mistyped command-line option.
   */
  public static Optional<String> closest(String name, java.util.Collection<String> knownKeys) {
    String normalized = normalize(name);
    String best = null;
    int bestDistance = Integer.MAX_VALUE;
    for (String candidate : knownKeys) {
      if (candidate.equals(name)) {
        continue;
      }
      int distance = normalize(candidate).equals(normalized) ? 0 : distance(normalized, normalize(candidate));
      if (distance < bestDistance || (distance == bestDistance && best != null && candidate.compareTo(best) < 0)) {
        best = candidate;
        bestDistance = distance;
      }
    }
    int limit = name.length() <= 4 ? 1 : 2;
    return bestDistance <= limit ? Optional.ofNullable(best) : Optional.empty();
  }

  private static String normalize(String key) {
    return key.toLowerCase(java.util.Locale.ROOT).replace('_', '-');
  }

  private static int distance(String a, String b) {
    int[] previous = new int[b.length() + 1];
    int[] current = new int[b.length() + 1];
    for (int j = 0; j <= b.length(); j++) {
      previous[j] = j;
    }
    for (int i = 1; i <= a.length(); i++) {
      current[0] = i;
      for (int j = 1; j <= b.length(); j++) {
        int substitution = previous[j - 1] + (a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1);
        current[j] = Math.min(substitution, Math.min(previous[j] + 1, current[j - 1] + 1));
      }
      int[] swap = previous;
      previous = current;
      current = swap;
    }
    return previous[b.length()];
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
