package com.targeting.core.testing;

import java.nio.file.Path;
import java.util.List;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.StructType;

/** The one Spark session of a test JVM (Surefire reuses one fork per module), and row helpers. */
public final class TestSpark {
  private static SparkSession session;

  private TestSpark() {}

  public static synchronized SparkSession session() {
    if (session == null) {
      session = SparkSession.builder()
          .master("local[2]")
          .appName("targeting-tests")
          .config("spark.ui.enabled", "false")
          .config("spark.ui.showConsoleProgress", "false")
          .config("spark.sql.shuffle.partitions", "2")
          .config("spark.default.parallelism", "2")
          .config("spark.driver.host", "127.0.0.1")
          .config("spark.driver.bindAddress", "127.0.0.1")
          .config("spark.sql.session.timeZone", "UTC")
          .config("spark.sql.constraintPropagation.enabled", "false") // as reference.conf sets it
          .config("spark.hadoop.mapreduce.fileoutputcommitter.marksuccessfuljobs", "false")
          .config("spark.sql.extensions", "io.delta.sql.DeltaSparkSessionExtension")
          .config("spark.sql.catalog.spark_catalog", "org.apache.spark.sql.delta.catalog.DeltaCatalog")
          // Delta rebuilds a table's state from its log in 50 partitions by default: 50 tasks for
          // each snapshot of the tests' tables of a few rows. Delta's own test sessions lower it too.
          .config("spark.databricks.delta.snapshotPartitions", "2")
          .getOrCreate();
      session.sparkContext().setLogLevel("WARN");
    }
    return session;
  }

  /** A dataset from a DDL schema ("customer_id STRING, income STRING") and rows of values. */
  public static Dataset<Row> rows(String ddl, Object[]... values) {
    StructType schema = StructType.fromDDL(ddl);
    List<Row> rows = java.util.Arrays.stream(values).map(RowFactory::create).toList();
    return session().createDataFrame(rows, schema);
  }

  /** The repository's conf/ directory, from a module's working directory. */
  public static Path confDirectory() {
    Path here = Path.of("").toAbsolutePath();
    for (Path dir = here; dir != null; dir = dir.getParent()) {
      if (dir.resolve("conf/programs").toFile().isDirectory()) {
        return dir.resolve("conf");
      }
    }
    throw new IllegalStateException("conf/ not found above " + here);
  }
}
