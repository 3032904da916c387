package com.targeting.core.source;

import static java.util.Objects.requireNonNull;

import com.targeting.core.TargetingException;
import java.util.Map;
import org.apache.spark.sql.AnalysisException;
import org.apache.spark.sql.DataFrameReader;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

/**
 * Every source is a Spark {@link DataFrameReader} with a format and options: files (parquet, csv,
 * json, delta), JDBC, Snowflake (spark-snowflake) and Redshift (the spark-redshift community
 * connector, which EMR ships: it is named here by data source and never bundled).
 */
public final class ReaderSource implements Source {
  /** Short names in config for the connectors' data source names. */
  static final Map<String, String> DATA_SOURCES = Map.of(
      "redshift", "io.github.spark_redshift_community.spark.redshift",
      "snowflake", "net.snowflake.spark.snowflake");

  /** Where a connector that is not bundled comes from, for the error that says it is missing. */
  static final Map<String, String> WHERE_TO_GET = Map.of(
      "redshift", "the spark-redshift community connector, which EMR 7.x ships: add --jars "
          + "/usr/share/aws/redshift/jdbc/redshift-jdbc.jar,/usr/share/aws/redshift/spark-redshift/lib/spark-redshift.jar "
          + "to spark-submit (locally, build with the Maven profile -Predshift)",
      "snowflake", "net.snowflake:spark-snowflake_2.12 and net.snowflake:snowflake-jdbc: build the job jar with the Maven "
          + "profile -Psnowflake, or add them with spark-submit --packages");

  private final SourceConfig config;

  private ReaderSource(SourceConfig config) {
    this.config = requireNonNull(config, "config is null");
  }

  public static ReaderSource of(SourceConfig config) {
    return new ReaderSource(config);
  }

  public String dataSourceName() {
    return DATA_SOURCES.getOrDefault(config.format(), config.format());
  }

  @Override
  public String describe() {
    return config.toString();
  }

  @Override
  public Dataset<Row> read(SparkSession spark) {
    DataFrameReader reader = spark.read().format(dataSourceName()).options(config.options());
    try {
      return config.path().isPresent() ? reader.load(config.path().get()) : reader.load();
    } catch (Exception e) { // Scala throws checked exceptions undeclared
      if (e instanceof ClassNotFoundException) {
        throw TargetingException.userError("Cannot read source %s: data source %s is not on the classpath%s", describe(),
            dataSourceName(), WHERE_TO_GET.containsKey(config.format()) ? "; it comes with " + WHERE_TO_GET.get(config.format()) : "");
      }
      if (!(e instanceof AnalysisException)) {
        throw e;
      }
      if (e.getMessage() != null && e.getMessage().contains("PATH_NOT_FOUND")) {
        throw TargetingException.userError("Cannot read source %s: path does not exist", describe());
      }
      throw TargetingException.userError("Cannot read source %s: %s", describe(), e.getMessage());
    }
  }
}
