package com.targeting.core.uplift;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import com.targeting.core.model.CategoricalEncoding;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.targeting.core.TargetingException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The {@code uplift.json} of a saved uplift model version, written last: what it was trained on
 * and how, its row counts, held-out metrics and charts, and what {@link UpliftModelStore} needs to
 * load it back ({@code parts}: part name to objective, {@code propensity_value}: the constant
 * propensity or null when a propensity model was estimated, {@code segment_threshold},
 * {@code bootstrap_replicates}). Versions written before this record existed load alike.
 */
@JsonPropertyOrder({"id", "version", "learner", "treatment", "outcome", "id_column", "features", "protected",
    "weight_column", "propensity", "xgboost", "rows", "quarantined_by_rule", "metrics", "holdout_segments", "holdout",
    "report", "fit_ms", "source", "created_at", "spark_version", "parts", "propensity_value", "segment_threshold",
    "bootstrap_replicates"})
public record UpliftMetadata(
    @JsonProperty("id") String id,
    @JsonProperty("version") int version,
    @JsonProperty("learner") String learner,
    @JsonProperty("treatment") Treatment treatment,
    @JsonProperty("outcome") String outcome,
    @JsonProperty("id_column") String idColumn,
    @JsonProperty("features") Features features,
    @JsonProperty("protected") List<String> protectedAttributes,
    @JsonProperty("weight_column") String weightColumn,
    @JsonProperty("propensity") String propensity,
    @JsonProperty("xgboost") Map<String, Object> xgboost,
    @JsonProperty("rows") Rows rows,
    @JsonProperty("quarantined_by_rule") Map<String, Long> quarantinedByRule,
    @JsonProperty("metrics") Map<String, Object> metrics,
    @JsonProperty("holdout_segments") Map<String, Long> holdoutSegments,
    @JsonProperty("holdout") Holdout holdout,
    @JsonProperty("report") Map<String, String> report,
    @JsonProperty("fit_ms") long fitMillis,
    @JsonProperty("source") String source,
    @JsonProperty("created_at") String createdAt,
    @JsonProperty("spark_version") String sparkVersion,
    @JsonProperty("parts") Map<String, String> parts,
    @JsonProperty("propensity_value") Double propensityValue,
    @JsonProperty("segment_threshold") double segmentThreshold,
    @JsonProperty("bootstrap_replicates") int bootstrapReplicates) {

  /** The keys that say how to load the model; the train-model summary leaves them out. */
  private static final List<String> LOADING_KEYS = List.of("parts", "propensity_value", "segment_threshold", "bootstrap_replicates");

  private static final ObjectMapper JSON = new ObjectMapper()
      .enable(SerializationFeature.INDENT_OUTPUT)
      .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

  /** The two arms: the treatment column and its treated and control values. */
  @JsonPropertyOrder({"column", "treated", "control"})
  public record Treatment(@JsonProperty("column") String column, @JsonProperty("treated") String treated,
      @JsonProperty("control") String control) {}

  /** The features; {@code categorical_encoding} absent (null) in versions saved before it existed: index. */
  @JsonPropertyOrder({"numeric", "categorical", "categorical_encoding"})
  public record Features(@JsonProperty("numeric") List<String> numeric, @JsonProperty("categorical") List<String> categorical,
      @JsonProperty("categorical_encoding") String categoricalEncoding) {}

  /**
   * Every source row once: quarantined, of another arm, training or held out
   * ({@code source = quarantined + other_arms + train + holdout}).
   */
  @JsonPropertyOrder({"source", "quarantined", "other_arms", "train", "train_treated", "train_control", "holdout"})
  public record Rows(@JsonProperty("source") long source, @JsonProperty("quarantined") long quarantined,
      @JsonProperty("other_arms") long otherArms, @JsonProperty("train") long train,
      @JsonProperty("train_treated") long trainTreated, @JsonProperty("train_control") long trainControl,
      @JsonProperty("holdout") long holdout) {}

  /** Where the scored held-out rows were written, and as what (parquet or csv). */
  @JsonPropertyOrder({"path", "format"})
  public record Holdout(@JsonProperty("path") String path, @JsonProperty("format") String format) {}

  /** How the categorical features were encoded ({@link CategoricalEncoding#ofSaved}). */
  public CategoricalEncoding encoding() {
    return CategoricalEncoding.ofSaved(features == null ? null : features.categoricalEncoding());
  }

  /** Numeric features, then categorical ones. */
  public List<String> featureList() {
    List<String> all = new ArrayList<>();
    if (features != null) {
      all.addAll(features.numeric() == null ? List.of() : features.numeric());
      all.addAll(features.categorical() == null ? List.of() : features.categorical());
    }
    return all;
  }

  /** The train-model summary's entry for the model: every key but the loading ones, as plain maps and lists. */
  public Map<String, Object> summary() {
    Map<String, Object> summary = JSON.convertValue(this, new TypeReference<LinkedHashMap<String, Object>>() {});
    LOADING_KEYS.forEach(summary::remove);
    return summary;
  }

  /** The file's text (indented JSON). */
  public String toJson(String location) {
    try {
      return JSON.writeValueAsString(this);
    } catch (JsonProcessingException e) {
      throw TargetingException.internal("Cannot write %s: %s", location, e.getMessage());
    }
  }

  /**
   * Reads {@code uplift.json}; unknown keys are ignored, missing ones left null (0 for numbers).
   *
   * @throws TargetingException a user error naming {@code location} when the text is not such a file
   */
  public static UpliftMetadata fromJson(String json, String location) {
    try {
      return JSON.readValue(json, UpliftMetadata.class);
    } catch (JsonProcessingException e) {
      throw TargetingException.userError("Invalid %s: %s", location, e.getMessage());
    }
  }
}
