package com.targeting.core.model;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.targeting.core.TargetingException;
import java.util.List;
import java.util.Map;

/**
 * The {@code model.json} beside a saved pipeline: enough to know what the model needs and how
 * good it was without loading it, and to map class indices back to labels.
 */
public record ModelMetadata(
    @JsonProperty("id") String id,
    @JsonProperty("objective") String objective,
    @JsonProperty("label") String label,
    @JsonProperty("positive_label") String positiveLabel,
    @JsonProperty("classes") List<String> classes,
    @JsonProperty("numeric_features") List<String> numericFeatures,
    @JsonProperty("categorical_features") List<String> categoricalFeatures,
    @JsonProperty("params") Map<String, Object> params,
    @JsonProperty("metrics") Map<String, Double> metrics,
    @JsonProperty("training_rows") long trainingRows,
    @JsonProperty("test_rows") long testRows,
    @JsonProperty("training_source") String trainingSource,
    @JsonProperty("created_at") String createdAt,
    @JsonProperty("spark_version") String sparkVersion) {

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

  public List<String> features() {
    List<String> all = new java.util.ArrayList<>(numericFeatures);
    all.addAll(categoricalFeatures);
    return all;
  }
}
