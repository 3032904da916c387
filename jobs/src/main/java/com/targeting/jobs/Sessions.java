package com.targeting.jobs;

import com.targeting.core.config.ConfigNode;
import com.typesafe.config.Config;
import java.util.Map;
import org.apache.spark.sql.SparkSession;

/** Builds (or joins) the Spark session of a job from the {@code spark} section of the config. */
public final class Sessions {
  private Sessions() {}

  /**
   * The {@code spark} section (defaults in reference.conf).
   *
   * @param appName {@code spark.app-name}; a job's session is named {@code <app-name>:<job>}
   * @param settings {@code spark.settings}: Spark settings by name, values as text
   */
  record Settings(String appName, Map<String, String> settings) {
    Settings {
      settings = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(settings));
    }

    static Settings from(Config config) {
      ConfigNode spark = ConfigNode.root(config).node("spark");
      return new Settings(spark.string("app-name"), spark.stringMap("settings"));
    }
  }

  /**
   * The session named {@code <spark.app-name>:<job>} with every {@code spark.settings} entry; an
   * active session is joined, and its Hadoop configuration takes the {@code spark.hadoop.*} settings.
   */
  public static SparkSession start(Config config, String job) {
    Settings spark = Settings.from(config);
    SparkSession.Builder builder = SparkSession.builder().appName(spark.appName() + ":" + job);
    for (Map.Entry<String, String> setting : spark.settings().entrySet()) {
      builder.config(setting.getKey(), setting.getValue());
    }
    SparkSession session = builder.getOrCreate();
    // A session that already existed (an in-process caller, a notebook) keeps its Hadoop settings;
    // the job's file-system settings (S3 endpoint, committer) must still apply to its own paths.
    for (Map.Entry<String, String> setting : spark.settings().entrySet()) {
      if (setting.getKey().startsWith("spark.hadoop.")) {
        session.sparkContext().hadoopConfiguration().set(setting.getKey().substring("spark.hadoop.".length()), setting.getValue());
      }
    }
    return session;
  }
}
