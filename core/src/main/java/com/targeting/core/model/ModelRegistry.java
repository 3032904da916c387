package com.targeting.core.model;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.targeting.core.TargetingException;
import com.targeting.core.fs.HadoopFiles;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.SparkSession;

/**
 * Model versions on any Hadoop file system (local, {@code s3a://}): immutable directories
 * {@code <root>/<model-id>/v<N>/} and a champion pointer {@code <root>/<model-id>/champion.json}.
 * A version is never overwritten; only the pointer moves.
 */
public final class ModelRegistry {
  private static final Pattern VERSION = Pattern.compile("v(\\d+)");
  private static final ObjectMapper JSON = new ObjectMapper();
  static final String CHAMPION_FILE = "champion.json";

  private final SparkSession spark;
  private final String root;

  private ModelRegistry(SparkSession spark, String root) {
    this.spark = requireNonNull(spark, "spark is null");
    this.root = stripSlash(requireNonNull(root, "root is null"));
  }

  public static ModelRegistry at(SparkSession spark, String root) {
    return new ModelRegistry(spark, root);
  }

  public String versionPath(String modelId, int version) {
    return root + "/" + modelId + "/v" + version;
  }

  /** Versions saved so far, ascending. */
  public List<Integer> versions(String modelId) {
    Path directory = new Path(root + "/" + modelId);
    List<Integer> versions = new ArrayList<>();
    try {
      FileSystem fs = directory.getFileSystem(spark.sparkContext().hadoopConfiguration());
      if (!fs.exists(directory)) {
        return versions;
      }
      for (FileStatus status : fs.listStatus(directory)) {
        Matcher matcher = VERSION.matcher(status.getPath().getName());
        if (status.isDirectory() && matcher.matches()) {
          versions.add(Integer.parseInt(matcher.group(1)));
        }
      }
    } catch (FileNotFoundException e) {
      return versions;
    } catch (IOException e) {
      throw TargetingException.external(e, "Cannot list model versions under %s: %s", directory, e.getMessage());
    }
    versions.sort(Integer::compare);
    return versions;
  }

  /** The path a new version is saved under: one past the highest existing version. */
  public int nextVersion(String modelId) {
    List<Integer> versions = versions(modelId);
    return versions.isEmpty() ? 1 : versions.get(versions.size() - 1) + 1;
  }

  public Optional<Integer> champion(String modelId) {
    String pointer = root + "/" + modelId + "/" + CHAMPION_FILE;
    if (!HadoopFiles.exists(spark, pointer)) {
      return Optional.empty();
    }
    try {
      JsonNode node = JSON.readTree(HadoopFiles.readString(spark, pointer));
      return Optional.of(node.get("version").asInt());
    } catch (IOException | NullPointerException e) {
      throw TargetingException.userError("Invalid champion pointer %s: expected {\"version\": N, ...}", pointer);
    }
  }

  /**
   * The path of the version a scorer uses: {@code spec}'s pinned version, else its champion; the
   * version must hold the family's metadata file (what its saver writes last).
   *
   * @throws TargetingException a user error when there is no champion or no such version
   */
  public String resolve(ModelFamilySpec spec) {
    String modelId = spec.id();
    int version = spec.pinnedVersion().orElseGet(() -> champion(modelId).orElseThrow(() ->
        TargetingException.userError("Model %s has no champion in registry %s: train it with the train-model job",
            modelId, root)));
    String path = versionPath(modelId, version);
    if (!HadoopFiles.exists(spark, path + "/" + spec.metadataFile())) {
      throw TargetingException.userError("Model %s version %d does not exist at %s", modelId, version, path);
    }
    return path;
  }

  /** The version {@link #resolve} finds, loaded by its family and checked against {@code spec}. */
  public LoadedModel load(ModelFamilySpec spec) {
    return spec.load(spark, resolve(spec));
  }

  /** Whether {@link #resolve} would find a version: the pinned one saved, else a champion. */
  public boolean hasChampion(ModelFamilySpec spec) {
    return spec.pinnedVersion().map(v -> HadoopFiles.exists(spark, versionPath(spec.id(), v) + "/" + spec.metadataFile()))
        .orElseGet(() -> champion(spec.id()).isPresent());
  }

  /**
   * Whether a challenger replaces the champion of {@code modelId}: only if its held-out value of
   * {@code metric} beats the champion's, scored by {@code championValue} on the same rows, by more
   * than {@code margin}. A champion that cannot score them (its features are gone) is kept, and the
   * reason given. The decision, both figures and the reason, for the summary.
   */
  public Map<String, Object> promotionDecision(String modelId, String metric, double margin, boolean higherIsBetter,
      double challenger, java.util.function.IntFunction<Double> championValue) {
    Map<String, Object> decision = new LinkedHashMap<>();
    decision.put("metric", metric);
    decision.put("margin", margin);
    decision.put("challenger_value", challenger);
    Optional<Integer> champion = champion(modelId);
    if (champion.isEmpty()) {
      decision.put("champion_version", null);
      decision.put("promoted", true);
      decision.put("reason", "no champion yet");
      return decision;
    }
    decision.put("champion_version", champion.get());
    double value;
    try {
      value = championValue.apply(champion.get());
    } catch (Exception e) { // Spark throws checked exceptions undeclared
      decision.put("promoted", false);
      decision.put("reason", "the champion cannot score this test data (" + TargetingException.firstLine(String.valueOf(e.getMessage()))
          + "); keeping it: retrain with promotion by hand if the features changed on purpose");
      return decision;
    }
    decision.put("champion_value", value);
    boolean better = higherIsBetter ? challenger > value + margin : challenger < value - margin;
    decision.put("promoted", better);
    decision.put("reason", better
        ? "challenger beats the champion by more than the margin on the same held-out rows"
        : "challenger does not beat the champion by more than the margin on the same held-out rows");
    return decision;
  }

  /** Moves the champion pointer (written whole, then renamed over the old one). */
  public void promote(String modelId, int version, String metric, double value) {
    Map<String, Object> pointer = new LinkedHashMap<>();
    pointer.put("version", version);
    pointer.put("metric", metric);
    pointer.put("value", value);
    pointer.put("promoted_at", Instant.now().toString());
    String target = root + "/" + modelId + "/" + CHAMPION_FILE;
    try {
      String json = JSON.writeValueAsString(pointer);
      Path to = new Path(target);
      if ("file".equals(to.toUri().getScheme()) || to.toUri().getScheme() == null) {
        // A local file system: write a file of its own, then an atomic rename over the pointer.
        java.nio.file.Path file = java.nio.file.Path.of(to.toUri().getPath());
        java.nio.file.Path temporary = file.resolveSibling(CHAMPION_FILE + "." + java.util.UUID.randomUUID() + ".tmp");
        java.nio.file.Files.writeString(temporary, json);
        java.nio.file.Files.move(temporary, file, java.nio.file.StandardCopyOption.ATOMIC_MOVE,
            java.nio.file.StandardCopyOption.REPLACE_EXISTING);
      } else {
        // Object stores replace an object in one PUT: readers see the old pointer or the new one.
        HadoopFiles.writeString(spark, target, json);
      }
    } catch (IOException e) {
      throw TargetingException.external(e, "Cannot write champion pointer %s: %s", target, e.getMessage());
    }
  }

  private static String stripSlash(String path) {
    return path.endsWith("/") ? path.substring(0, path.length() - 1) : path;
  }
}
