package com.targeting.tools;

import com.targeting.jobs.JobExtension;
import com.targeting.jobs.SampleDataGenerator;
import java.time.LocalDate;
import java.util.List;
import org.apache.spark.sql.SparkSession;

/**
 * What the tools module adds to the job jar's {@code Main} when its jar is on the classpath (as
 * {@code scripts/spark-submit/local.sh} puts it): the jobs {@code generate-sample-data}, {@code
 * bench}, {@code bench-floor} and {@code bench-shap}, and the sample data generator of the local bootstrap. Registered
 * in {@code META-INF/services}.
 */
public final class Tools implements JobExtension, SampleDataGenerator {
  /** For {@link java.util.ServiceLoader}. */
  public Tools() {}

  @Override
  public List<Job> jobs() {
    return List.of(
        new Job("generate-sample-data",
            "  generate-sample-data --program P [--rows N] [--seed S] [--history-rows N] [--output DIR]",
            GenerateSampleDataJob::run),
        new Job("bench",
            "  bench [--program P] [--rows 150000,1m,10m] [--repeats N] [--root DIR] [--output DIR] [--peer DIR]   time runs against "
                + "their floor (and the pandas peer's runs, investment-recommendations only)",
            BenchJob::run),
        new Job("bench-floor",
            "  bench-floor --program P              the floor alone: plain scan + plain model prediction of a run's rows",
            BenchFloorJob::run),
        new Job("bench-shap",
            "  bench-shap [--rows N] [--trees T] [--depth D] [--features M] [--threads K]   exact SHAP: predictContrib vs TreeShap",
            BenchShapJob::run));
  }

  @Override
  public List<String> generate(
      SparkSession spark, String programId, String directory, long rows, long historyRows, long seed, LocalDate runDate) {
    return GenerateSampleDataJob.generate(spark, programId, directory, rows, historyRows, seed, runDate);
  }
}
