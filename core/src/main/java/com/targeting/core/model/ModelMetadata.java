package com.targeting.core.model;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.targeting.core.TargetingException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The {@code model.json} beside a saved pipeline: what the model needs, how it was trained and how
 * good it was on held-out data, readable without loading the model.
 */
public record ModelMetadata(
    @JsonProperty("id") String id,
    @JsonProperty("version") int version,
    @JsonProperty("objective") String objective,
    @JsonProperty("label") String label,
    @JsonProperty("positive_label") String positiveLabel,
    @JsonProperty("classes") List<String> classes,
    @JsonProperty("numeric_features") List<String> numericFeatures,
    @JsonProperty("categorical_features") List<String> categoricalFeatures,
    @JsonProperty("categorical_encoding") String categoricalEncoding,
    @JsonProperty("protected_attributes") List<String> protectedAttributes,
    @JsonProperty("params") Map<String, Object> params,
    @JsonProperty("calibration") String calibration,
    @JsonProperty("score_source") String scoreSource,
    @JsonProperty("metrics") Map<String, Double> metrics,
    @JsonProperty("calibration_table") List<Map<String, Object>> calibrationTable,
    @JsonProperty("feature_importance_gain") Map<String, Double> featureImportance,
    @JsonProperty("rows") Map<String, Long> rows,
    @JsonProperty("quarantined_by_rule") Map<String, Long> quarantinedByRule,
    @JsonProperty("training_source") String trainingSource,
    @JsonProperty("test_source") String testSource,
    @JsonProperty("created_at") String createdAt,
    @JsonProperty("spark_version") String sparkVersion,
    @JsonProperty("training_window") Map<String, Object> trainingWindow,
    @JsonProperty("validation") Map<String, Object> validation,
    @JsonProperty("fairness") Map<String, Object> fairness,
    @JsonProperty("intended_use") String intendedUse,
    @JsonProperty("limitations") List<String> limitations,
    @JsonProperty("training_enrichments") Map<String, Object> trainingEnrichments) {

  static final String FILE_NAME = "model.json";

  private static final ObjectMapper MAPPER = new ObjectMapper()
      .enable(SerializationFeature.INDENT_OUTPUT)
      .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

  public String toJson() {
    try {
      return MAPPER.writeValueAsString(this);
    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
      throw TargetingException.internal("Cannot write model.json of %s: %s", id, e.getMessage());
    }
  }

  public static ModelMetadata fromJson(String json, String location) {
    try {
      return MAPPER.readValue(json, ModelMetadata.class);
    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
      throw TargetingException.userError("Invalid %s: %s", location, e.getOriginalMessage());
    }
  }

  /** How the categorical features were encoded; index for a version saved before the key existed. */
  public CategoricalEncoding encoding() {
    return CategoricalEncoding.ofSaved(categoricalEncoding);
  }

  public List<String> features() {
    List<String> all = new ArrayList<>(numericFeatures);
    all.addAll(categoricalFeatures);
    return all;
  }

  public long trainingRows() {
    return rows.getOrDefault("train", 0L);
  }

  public long testRows() {
    return rows.getOrDefault("test", 0L);
  }
}
