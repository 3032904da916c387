package com.targeting.core.uplift;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.targeting.core.TargetingException;
import com.targeting.core.fs.HadoopFiles;
import com.targeting.core.model.Booster;
import com.targeting.core.model.ModelSpec;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.SparkSession;

/**
 * An uplift model version on disk: {@code uplift.json} (learner, parts, propensity, threshold,
 * features, metrics, rows) written last, each XGBoost part under {@code parts/<name>}, bootstrap
 * replicates under {@code replicates/r<i>/parts/<name>}.
 */
public final class UpliftModelStore {
  public static final String FILE_NAME = "uplift.json";
  private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

  private UpliftModelStore() {}

  /** A loaded version: the model and its metadata. */
  public record Loaded(String path, UpliftModel model, JsonNode metadata) {
    public int version() {
      return metadata.path("version").asInt();
    }

    public List<String> features() {
      List<String> features = new ArrayList<>();
      metadata.path("features").path("numeric").forEach(f -> features.add(f.asText()));
      metadata.path("features").path("categorical").forEach(f -> features.add(f.asText()));
      return features;
    }
  }

  static void save(SparkSession spark, String path, UpliftModel model, Map<String, Object> metadata) {
    if (HadoopFiles.exists(spark, path + "/" + FILE_NAME)) {
      throw TargetingException.internal("Uplift model version %s already exists; versions are never overwritten", path);
    }
    saveParts(path, model);
    for (int i = 0; i < model.replicates().size(); i++) {
      saveParts(path + "/replicates/r" + i, model.replicates().get(i));
    }
    Map<String, Object> document = new LinkedHashMap<>(metadata);
    document.put("parts", objectives(model));
    document.put("propensity_value", Double.isNaN(model.propensity()) ? null : model.propensity());
    document.put("segment_threshold", model.threshold());
    document.put("bootstrap_replicates", model.replicates().size());
    try {
      HadoopFiles.writeString(spark, path + "/" + FILE_NAME, JSON.writeValueAsString(document));
    } catch (IOException e) {
      throw TargetingException.internal("Cannot write %s: %s", path + "/" + FILE_NAME, e.getMessage());
    }
  }

  private static void saveParts(String path, UpliftModel model) {
    model.parts().forEach((name, booster) -> booster.save(path + "/parts/" + name));
  }

  private static Map<String, String> objectives(UpliftModel model) {
    Map<String, String> parts = new LinkedHashMap<>();
    model.parts().forEach((name, booster) -> parts.put(name, booster.objective().configName()));
    return parts;
  }

  public static Loaded load(SparkSession spark, String path) {
    String file = path + "/" + FILE_NAME;
    if (!HadoopFiles.exists(spark, file)) {
      throw TargetingException.userError("No uplift model at %s: %s is missing (train it with the train-model job)", path, file);
    }
    JsonNode metadata;
    try {
      metadata = JSON.readTree(HadoopFiles.readString(spark, file));
    } catch (IOException e) {
      throw TargetingException.userError("Invalid %s: %s", file, e.getMessage());
    }
    UpliftSpec.Learner learner = UpliftSpec.Learner.valueOf(metadata.path("learner").asText().toUpperCase(java.util.Locale.ROOT));
    String id = metadata.path("id").asText();
    double propensity = metadata.path("propensity_value").isNumber() ? metadata.path("propensity_value").asDouble() : Double.NaN;
    double threshold = metadata.path("segment_threshold").asDouble();
    List<UpliftModel> replicates = new ArrayList<>();
    for (int i = 0; i < metadata.path("bootstrap_replicates").asInt(); i++) {
      replicates.add(new UpliftModel(learner, loadParts(path + "/replicates/r" + i, id, metadata), propensity, threshold, List.of()));
    }
    return new Loaded(path, new UpliftModel(learner, loadParts(path, id, metadata), propensity, threshold, replicates), metadata);
  }

  private static Map<String, Booster> loadParts(String path, String id, JsonNode metadata) {
    Map<String, Booster> parts = new LinkedHashMap<>();
    Iterator<Map.Entry<String, JsonNode>> entries = metadata.path("parts").fields();
    while (entries.hasNext()) {
      Map.Entry<String, JsonNode> part = entries.next();
      ModelSpec.Objective objective = ModelSpec.Objective.valueOf(part.getValue().asText().toUpperCase(java.util.Locale.ROOT));
      parts.put(part.getKey(), Booster.load(path + "/parts/" + part.getKey(), id + "-" + part.getKey(), objective));
    }
    return parts;
  }
}
