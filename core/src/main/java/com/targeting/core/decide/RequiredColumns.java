package com.targeting.core.decide;

import com.targeting.core.TargetingException;
import java.util.Arrays;
import java.util.List;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

/** Checks that a decision's configured input columns exist, naming the decision and the columns. */
final class RequiredColumns {
  private RequiredColumns() {}

  static void require(Dataset<Row> rows, String decision, String... columns) {
    List<String> present = Arrays.asList(rows.columns());
    List<String> missing = Arrays.stream(columns).filter(c -> !present.contains(c)).toList();
    if (!missing.isEmpty()) {
      throw TargetingException.userError("Decision %s needs columns %s that the scored rows lack (they have %s)",
          decision, missing, present);
    }
  }
}
