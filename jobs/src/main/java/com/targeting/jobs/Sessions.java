package com.targeting.jobs;

import com.targeting.core.config.ConfigNode;
import com.typesafe.config.Config;
import java.lang.management.ManagementFactory;
import java.util.Map;
import java.util.Optional;
import org.apache.spark.sql.SparkSession;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Builds (or joins) the Spark session of a job from the {@code spark} section of the config. */
public final class Sessions {
  private static final Logger LOG = LoggerFactory.getLogger(Sessions.class);

  /**
   * The JVM flag every job's driver and executors should run with: Spark's whole-stage code
   * generation emits methods over HotSpot's 8,000-byte limit for compiling them (a wide contract is
   * validated in one projection), and without the flag they stay interpreted. Reading and
   * classifying 1,000,000 investment profiles took 52 CPU-s without it, 38 with it. local.sh and
   * the EMR Serverless templates pass it. A trade: compiling those methods costs CPU once per JVM,
   * about 5 s at 150,000 customers on 2 cores.
   */
  public static final String COMPILE_HUGE_METHODS = "-XX:-DontCompileHugeMethods";

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
    hugeMethodWarning(vmOption("DontCompileHugeMethods")).ifPresent(LOG::info);
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

  /**
   * The note (logged at INFO) for a driver JVM that leaves huge generated methods interpreted ({@code
   * DontCompileHugeMethods} is {@code "true"}, HotSpot's default), else empty (also when the JVM
   * does not have the option).
   */
  static Optional<String> hugeMethodWarning(Optional<String> dontCompileHugeMethods) {
    return dontCompileHugeMethods.filter("true"::equals).map(value -> "This JVM leaves methods over 8,000 bytes of bytecode "
        + "interpreted, as Spark generates them for wide rows: faster from a few hundred thousand rows per JVM with "
        + COMPILE_HUGE_METHODS + " (spark.driver.extraJavaOptions, spark.executor.extraJavaOptions; README, Benchmarks)");
  }

  private static Optional<String> vmOption(String name) {
    try {
      return Optional.of(ManagementFactory.getPlatformMXBean(com.sun.management.HotSpotDiagnosticMXBean.class)
          .getVMOption(name).getValue());
    } catch (RuntimeException e) { // not HotSpot, or no such option
      return Optional.empty();
    }
  }
}
