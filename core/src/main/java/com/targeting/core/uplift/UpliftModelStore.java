package com.targeting.core.uplift;

import com.targeting.core.TargetingException;
import com.targeting.core.fs.HadoopFiles;
import com.targeting.core.model.Booster;
import com.targeting.core.model.ModelSpec;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.SparkSession;

/**
 * An uplift model version on disk: {@code uplift.json} ({@link UpliftMetadata}: learner, parts,
 * propensity, threshold, features, metrics, rows) written last, each XGBoost part under
 * {@code parts/<name>}, bootstrap replicates under {@code replicates/r<i>/parts/<name>}.
 */
public final class UpliftModelStore {
  public static final String FILE_NAME = "uplift.json";

  private UpliftModelStore() {}

  /** A loaded version: the model and its metadata. */
  public record Loaded(String path, UpliftModel model, UpliftMetadata metadata) {
    public int version() {
      return metadata.version();
    }

    public List<String> features() {
      return metadata.featureList();
    }
  }

  /** Every part of {@code model} and of its replicates, under {@code path}. */
  static void saveParts(String path, UpliftModel model) {
    savePartsOf(path, model);
    for (int i = 0; i < model.replicates().size(); i++) {
      savePartsOf(path + "/replicates/r" + i, model.replicates().get(i));
    }
  }

  private static void savePartsOf(String path, UpliftModel model) {
    model.parts().forEach((name, booster) -> booster.save(path + "/parts/" + name));
  }

  /** Part name to its objective ({@code binary}, {@code regression}), as {@code uplift.json} lists them. */
  static Map<String, String> objectives(UpliftModel model) {
    Map<String, String> parts = new LinkedHashMap<>();
    model.parts().forEach((name, booster) -> parts.put(name, booster.objective().configName()));
    return parts;
  }

  public static Loaded load(SparkSession spark, String path) {
    String file = path + "/" + FILE_NAME;
    if (!HadoopFiles.exists(spark, file)) {
      throw TargetingException.userError("No uplift model at %s: %s is missing (train it with the train-model job)", path, file);
    }
    UpliftMetadata metadata = UpliftMetadata.fromJson(HadoopFiles.readString(spark, file), file);
    UpliftSpec.Learner learner = UpliftSpec.Learner.valueOf(String.valueOf(metadata.learner()).toUpperCase(java.util.Locale.ROOT));
    String id = metadata.id();
    double propensity = metadata.propensityValue() == null ? Double.NaN : metadata.propensityValue();
    double threshold = metadata.segmentThreshold();
    List<UpliftModel> replicates = new ArrayList<>();
    for (int i = 0; i < metadata.bootstrapReplicates(); i++) {
      replicates.add(new UpliftModel(learner, loadParts(path + "/replicates/r" + i, id, metadata), propensity, threshold, List.of()));
    }
    return new Loaded(path, new UpliftModel(learner, loadParts(path, id, metadata), propensity, threshold, replicates), metadata);
  }

  private static Map<String, Booster> loadParts(String path, String id, UpliftMetadata metadata) {
    Map<String, Booster> parts = new LinkedHashMap<>();
    (metadata.parts() == null ? Map.<String, String>of() : metadata.parts()).forEach((name, objectiveName) -> {
      ModelSpec.Objective objective = ModelSpec.Objective.valueOf(objectiveName.toUpperCase(java.util.Locale.ROOT));
      parts.put(name, Booster.load(path + "/parts/" + name, id + "-" + name, objective));
    });
    return parts;
  }
}
