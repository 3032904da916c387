package com.targeting.core.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.targeting.core.TargetingException;
import com.targeting.core.config.ConfigNode;
import com.targeting.core.testing.TestSpark;
import com.targeting.core.uplift.UpliftSpec;
import com.typesafe.config.ConfigFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.Stream;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SaveMode;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * One model of each family, trained by the shared train recipe from its config ({@link
 * ModelFamilySpec#train}) and loaded back through the shared loader ({@link ModelRegistry#load}):
 * the run summary's entry holds what the saved metadata file says, and the scorer scores.
 */
class ModelFamiliesTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir
  static Path temp;

  /** 1,500 customers of a randomized campaign, as a CSV extract gives them: the offer helps when x is high. */
  @BeforeAll
  static void data() {
    Random random = new Random(7);
    String[] kinds = {"gold", "silver"};
    List<Row> rows = new ArrayList<>();
    for (int i = 0; i < 1_500; i++) {
      double x = random.nextDouble() * 10;
      String kind = kinds[random.nextInt(2)];
      boolean offered = random.nextBoolean();
      double logit = (x - 5) * 0.5 + (offered ? (x - 5) * 0.4 : 0) + ("gold".equals(kind) ? 0.5 : 0);
      boolean bought = random.nextDouble() < 1 / (1 + Math.exp(-logit));
      rows.add(RowFactory.create("C" + i, Double.toString(x), kind, offered ? "offer" : "none", bought ? "Yes" : "No",
          bought ? 1 : 0));
    }
    Dataset<Row> all = TestSpark.session().createDataFrame(rows,
        StructType.fromDDL("customer_id STRING, x STRING, kind STRING, arm STRING, bought STRING, converted INT"));
    all.write().mode(SaveMode.Overwrite).parquet(temp.resolve("customers").toString());
  }

  private static ConfigNode defaults() {
    return ConfigNode.root(ConfigFactory.parseString("registry = \"" + temp.resolve("registry") + "\"\n"
        + "promotion { margin = 0.0 }\ncalibration = none\nreason-codes = 0\n"
        + "xgboost { num-round = 10, max-depth = 3, eta = 0.3, num-workers = 1, nthread = 1 }\n"));
  }

  private static ModelSpec buyer(String extra) {
    return ModelSpec.from(ConfigNode.root(ConfigFactory.parseString("id = buyer\nobjective = binary\n"
        + "data { train = \"" + temp.resolve("customers") + "\" }\n"
        + "label { column = bought, positive = \"Yes\" }\nfeatures { numeric = [x], categorical = [kind] }\n"
        + "id-column = customer_id\n" + extra)), defaults());
  }

  private static UpliftSpec offer(String extra) {
    return UpliftSpec.from(ConfigNode.root(ConfigFactory.parseString("id = offer\nlearner = t\n"
        + "data { train = \"" + temp.resolve("customers") + "\", test-fraction = 0.4 }\n"
        + "treatment { column = arm, treated = offer, control = none }\noutcome { column = converted }\n"
        + "features { numeric = [x], categorical = [kind] }\nid-column = customer_id\n" + extra)), defaults());
  }

  /** {@code value} as JSON text reads back (numbers typed as a file's are). */
  private static JsonNode tree(Object value) {
    try {
      return JSON.readTree(JSON.writeValueAsString(value));
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  private static JsonNode file(String path) throws Exception {
    return JSON.readTree(Path.of(path).toFile());
  }

  @Test
  void aModelOfEachFamilyTrainsThroughTheRecipeAndLoadsThroughTheRegistryWithItsMetadata() throws Exception {
    ModelSpec buyer = buyer("");
    UpliftSpec offer = offer("");
    List<ModelFamilySpec> specs = List.of(buyer, offer);
    Map<String, Object> trained = new java.util.LinkedHashMap<>();
    for (ModelFamilySpec spec : specs) {
      trained.put(spec.id(), spec.train(TestSpark.session()));
    }
    List<LoadedModel> loaded = new ArrayList<>();
    for (ModelFamilySpec spec : specs) {
      loaded.add(ModelRegistry.at(TestSpark.session(), spec.registry()).load(spec));
    }

    LoadedModel model = loaded.get(0);
    String modelPath = temp.resolve("registry/buyer/v1").toString();
    JsonNode modelJson = file(modelPath + "/model.json");
    assertThat(model.id()).isEqualTo("buyer");
    assertThat(model.path()).isEqualTo(modelPath);
    assertThat(model.version()).isEqualTo(1);
    assertThat(model.summary().keySet()).containsExactly("version", "path", "created_at", "metrics", "card");
    assertThat(model.summary().get("card")).isEqualTo(ModelCard.summary(
        ModelMetadata.fromJson(java.nio.file.Files.readString(java.nio.file.Path.of(modelPath, "model.json")), modelPath)));
    assertThat(model.summary().get("version")).isEqualTo(1);
    assertThat(model.summary().get("path")).isEqualTo(modelPath);
    assertThat(model.summary().get("created_at")).isEqualTo(modelJson.get("created_at").asText());
    assertThat(tree(model.summary().get("metrics"))).isEqualTo(modelJson.get("metrics"));
    assertThat(tree(((Map<?, ?>) trained.get("buyer")).get("metrics"))).isEqualTo(modelJson.get("metrics"));
    assertThat(modelJson.get("metrics").get("auc_roc").asDouble()).isBetween(0.6, 1.0);

    LoadedModel uplift = loaded.get(1);
    String upliftPath = temp.resolve("registry/offer/v1").toString();
    JsonNode upliftJson = file(upliftPath + "/uplift.json");
    assertThat(uplift.id()).isEqualTo("offer");
    assertThat(uplift.version()).isEqualTo(1);
    assertThat(uplift.summary().keySet()).containsExactly("version", "path", "learner", "created_at", "holdout_metrics");
    assertThat(uplift.summary().get("path")).isEqualTo(upliftPath);
    assertThat(uplift.summary().get("learner")).isEqualTo("t");
    assertThat(uplift.summary().get("created_at")).isEqualTo(upliftJson.get("created_at").asText());
    assertThat(tree(uplift.summary().get("holdout_metrics"))).isEqualTo(upliftJson.get("metrics"));

    // uplift.json keeps the keys (and their order) that versions saved before the typed record have.
    List<String> keys = new ArrayList<>();
    upliftJson.fieldNames().forEachRemaining(keys::add);
    assertThat(keys).containsExactly("id", "version", "learner", "treatment", "outcome", "id_column", "features", "protected",
        "weight_column", "propensity", "xgboost", "rows", "quarantined_by_rule", "metrics", "holdout_segments", "holdout",
        "report", "fit_ms", "source", "created_at", "spark_version", "parts", "propensity_value", "segment_threshold",
        "bootstrap_replicates");
    assertThat(upliftJson.get("treatment")).isEqualTo(JSON.readTree("{\"column\":\"arm\",\"treated\":\"offer\",\"control\":\"none\"}"));
    assertThat(upliftJson.get("parts")).isEqualTo(JSON.readTree("{\"mu1\":\"binary\",\"mu0\":\"binary\"}"));
    JsonNode rows = upliftJson.get("rows");
    assertThat(rows.get("source").asLong()).isEqualTo(1_500);
    assertThat(rows.get("train").asLong() + rows.get("holdout").asLong()).isEqualTo(1_500);
    // The train-model summary is the file without the loading keys, plus path, outcome values and promotion.
    @SuppressWarnings("unchecked")
    Map<String, Object> upliftTrained = (Map<String, Object>) trained.get("offer");
    ObjectNode expected = upliftJson.deepCopy();
    expected.remove(List.of("parts", "propensity_value", "segment_threshold", "bootstrap_replicates"));
    JsonNode summary = tree(upliftTrained);
    assertThat((JsonNode) ((ObjectNode) summary.deepCopy()).without(List.of("path", "outcome_values", "promotion", "train_ms")))
        .isEqualTo(expected);
    assertThat(upliftTrained.get("path")).isEqualTo(upliftPath);
    assertThat(((Map<?, ?>) upliftTrained.get("rows")).get("train")).isInstanceOf(Long.class);

    Dataset<Row> customers = TestSpark.session().read().parquet(temp.resolve("customers").toString()).limit(5);
    assertThat(model.scorer().id()).isEqualTo("buyer");
    assertThat(model.scorer().score(customers).where("buyer_score BETWEEN 0 AND 1").count()).isEqualTo(5);
    assertThat(uplift.scorer().id()).isEqualTo("offer");
    assertThat(uplift.scorer().score(customers).where("uplift BETWEEN -1 AND 1 AND uplift_segment IS NOT NULL").count())
        .isEqualTo(5);
  }

  @Test
  void anUpliftVersionSavedBeforeTheTypedMetadataLoadsAndAPinOfTheWrongFamilyIsMissing() throws Exception {
    UpliftSpec offer = offer("");
    offer.train(TestSpark.session());
    int trainedAs = ModelRegistry.at(TestSpark.session(), offer.registry()).champion("offer").orElseThrow();
    Path saved = temp.resolve("registry/offer/v" + trainedAs);
    // As the map-built metadata could be written: nested keys in another order, a key this version does not know.
    Path older = temp.resolve("registry/offer/v" + (trainedAs + 100));
    try (Stream<Path> files = Files.walk(saved)) {
      for (Path from : files.toList()) {
        Path to = older.resolve(saved.relativize(from).toString());
        if (from.getFileName().toString().endsWith(".crc")) {
          continue; // the copy's uplift.json is rewritten: no checksum of the original
        } else if (Files.isDirectory(from)) {
          Files.createDirectories(to);
        } else {
          Files.copy(from, to);
        }
      }
    }
    ObjectNode json = (ObjectNode) file(older + "/uplift.json");
    json.set("treatment", JSON.readTree("{\"control\":\"none\",\"column\":\"arm\",\"treated\":\"offer\"}"));
    json.set("features", JSON.readTree("{\"categorical\":[\"kind\"],\"numeric\":[\"x\"]}"));
    json.put("written_by", "an older trainer");
    Files.writeString(older.resolve("uplift.json"), JSON.writerWithDefaultPrettyPrinter().writeValueAsString(json));

    UpliftSpec pinned = offer("version = " + (trainedAs + 100));
    LoadedModel loaded = ModelRegistry.at(TestSpark.session(), pinned.registry()).load(pinned);
    assertThat(loaded.version()).isEqualTo(trainedAs);
    assertThat(loaded.path()).isEqualTo(older.toString());
    Dataset<Row> customers = TestSpark.session().read().parquet(temp.resolve("customers").toString()).limit(20);
    assertThat(loaded.scorer().score(customers).select("customer_id", "uplift")
        .except(ModelRegistry.at(TestSpark.session(), offer.registry()).load(offer).scorer().score(customers)
            .select("customer_id", "uplift")).count()).isZero();

    // An XGBoost model pinned to the uplift model's version finds no model.json there.
    ModelSpec wrongFamily = ModelSpec.from(ConfigNode.root(ConfigFactory.parseString("id = offer\nobjective = binary\n"
        + "label { column = converted }\nfeatures { numeric = [x] }\nversion = " + trainedAs)), defaults());
    assertThatThrownBy(() -> ModelRegistry.at(TestSpark.session(), wrongFamily.registry()).load(wrongFamily))
        .isInstanceOf(TargetingException.class)
        .hasMessage("Model offer version " + trainedAs + " does not exist at " + saved);
  }
}
