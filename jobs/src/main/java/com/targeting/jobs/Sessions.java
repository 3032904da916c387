package com.targeting.jobs;

import com.targeting.core.config.ConfigNode;
import com.typesafe.config.Config;
import java.util.Map;
import org.apache.spark.sql.SparkSession;

/** Builds (or joins) the Spark session of a job from the {@code spark} section of the config. */
public final class Sessions {
  private Sessions() {}

  /**
   * The session named {@code <spark.app-name>:<job>} with every {@code spark.settings} entry; an
   * active session is joined, and its Hadoop configuration takes the {@code spark.hadoop.*} settings.
   */
  public static SparkSession start(Config config, String job) {
    ConfigNode spark = ConfigNode.root(config).node("spark");
    SparkSession.Builder builder = SparkSession.builder().appName(spark.string("app-name") + ":" + job);
    for (Map.Entry<String, String> setting : spark.stringMap("settings").entrySet()) {
      builder.config(setting.getKey(), setting.getValue());
    }
    SparkSession session = builder.getOrCreate();
    // A session that already existed (an in-process caller, a notebook) keeps its Hadoop settings;
    // the job's file-system settings (S3 endpoint, committer) must still apply to its own paths.
    for (Map.Entry<String, String> setting : spark.stringMap("settings").entrySet()) {
      if (setting.getKey().startsWith("spark.hadoop.")) {
        session.sparkContext().hadoopConfiguration().set(setting.getKey().substring("spark.hadoop.".length()), setting.getValue());
      }
    }
    return session;
  }
}
