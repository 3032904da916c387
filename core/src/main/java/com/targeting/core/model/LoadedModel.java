package com.targeting.core.model;

import static java.util.Objects.requireNonNull;

import com.targeting.core.score.Scorer;
import java.util.Map;

/**
 * A saved model version of any family, loaded for a run ({@link ModelRegistry#load}): the scorer
 * bound to its config, and the entry the run summary's {@code models} object gives it (XGBoost:
 * version, path, created_at, metrics; uplift: version, path, learner, created_at, holdout_metrics).
 */
public record LoadedModel(String id, String path, int version, Map<String, Object> summary, Scorer scorer) {
  public LoadedModel {
    requireNonNull(id, "id is null");
    requireNonNull(path, "path is null");
    requireNonNull(summary, "summary is null");
    requireNonNull(scorer, "scorer is null");
  }
}
