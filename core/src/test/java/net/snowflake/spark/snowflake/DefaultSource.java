package net.snowflake.spark.snowflake;

import com.targeting.core.testing.RecordingSource;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.RowFactory;

/** A stand-in for spark-snowflake, which needs a Snowflake account: records the options it is handed. */
public final class DefaultSource extends RecordingSource {
  /** The options of the last read, for the test to check. */
  public static final Map<String, String> LAST_OPTIONS = recorder();

  public DefaultSource() {
    super(LAST_OPTIONS, "customer_id STRING, credit_score INT", List.of(RowFactory.create("L1", 720)));
  }
}
