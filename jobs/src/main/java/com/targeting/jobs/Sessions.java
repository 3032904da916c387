package com.targeting.jobs;

import com.targeting.core.config.ConfigNode;
import com.typesafe.config.Config;
import java.util.Map;
import org.apache.spark.sql.SparkSession;

/** Builds (or joins) the Spark session of a job from the {@code spark} section of the config. */
final class Sessions {
  private Sessions() {}

  static SparkSession start(Config config, String job) {
    ConfigNode spark = ConfigNode.root(config).node("spark");
    SparkSession.Builder builder = SparkSession.builder().appName(spark.string("app-name") + ":" + job);
    for (Map.Entry<String, String> setting : spark.stringMap("settings").entrySet()) {
      builder.config(setting.getKey(), setting.getValue());
    }
    return builder.getOrCreate();
  }
}
