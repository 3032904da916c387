package com.targeting.core;

import java.util.Map;
import org.apache.spark.sql.Observation;

/** Metrics observed on the way through an action ({@code Dataset.observe}), instead of another pass. */
public final class Observations {
  private Observations() {}

  /**
   * The observation's metrics. Spark delivers them when an action over the observed plan (or over
   * a cache of it) has completed; call this after such an action, never before.
   */
  public static Map<String, Object> await(Observation observation, String what) {
    try {
      return observation.getAsJava();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw TargetingException.internal("Interrupted while waiting for %s", what);
    }
  }
}
