package io.github.spark_redshift_community.spark.redshift;

import com.targeting.core.testing.RecordingSource;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.RowFactory;

/**
 * A stand-in for the spark-redshift community connector, which needs a Redshift cluster and does
 * not resolve from this build's registry: records the options it is handed.
 */
public final class DefaultSource extends RecordingSource {
  /** The options of the last read, for the test to check. */
  public static final Map<String, String> LAST_OPTIONS = recorder();

  public DefaultSource() {
    super(LAST_OPTIONS, "customer_id STRING, idle_cash DOUBLE", List.of(RowFactory.create("C1", 6000.0)));
  }
}
