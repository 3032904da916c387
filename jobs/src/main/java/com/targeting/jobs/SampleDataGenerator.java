package com.targeting.jobs;

import java.time.LocalDate;
import java.util.List;
import java.util.ServiceLoader;
import org.apache.spark.sql.SparkSession;

/**
 * Writes a program's sample datasets for the local bootstrap ({@code bootstrap.enabled}), found
 * with {@link ServiceLoader} ({@code META-INF/services/com.targeting.jobs.SampleDataGenerator}).
 * The generators live in the tools module (targeting-tools), which {@code
 * scripts/spark-submit/local.sh} puts on the classpath; the job jar that ships to EMR has none.
 */
public interface SampleDataGenerator {

  /**
   * Writes every dataset of {@code programId} (extract, contact history, opt-outs, ...) side by
   * side under {@code directory}: {@code rows} profiles and {@code historyRows} rows of labelled
   * history, deterministic for a {@code seed} and {@code runDate}. Returns the paths written.
   *
   * @throws com.targeting.core.TargetingException a user error when there is no generator for
   *     {@code programId}
   */
  List<String> generate(SparkSession spark, String programId, String directory, long rows, long historyRows, long seed,
      LocalDate runDate);

  /** The first generator on the classpath, if any. */
  static java.util.Optional<SampleDataGenerator> find() {
    return ServiceLoader.load(SampleDataGenerator.class, SampleDataGenerator.class.getClassLoader()).findFirst();
  }
}
