package com.targeting.core.transform;

import static java.util.Objects.requireNonNull;

import com.targeting.core.TargetingException;
import com.targeting.core.config.ConfigNode;
import com.targeting.core.config.SqlTemplate;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.functions;

/** A column computed by a Spark SQL expression from config (investment capacity, account age). */
public record DerivedColumn(String name, String expression) {
  public DerivedColumn {
    requireNonNull(name, "name is null");
    requireNonNull(expression, "expression is null");
  }

  public static DerivedColumn from(ConfigNode node, Map<String, Object> parameters) {
    return new DerivedColumn(node.string("name"), SqlTemplate.expression(node.string("expr"), parameters, node, "expr"));
  }

  /** Adds the columns in order, so a later one may use an earlier one. */
  public static Dataset<Row> addAll(Dataset<Row> rows, List<DerivedColumn> columns) {
    Dataset<Row> result = rows;
    for (DerivedColumn column : columns) {
      try {
        result = result.withColumn(column.name(), functions.expr(column.expression()));
      } catch (Exception e) { // Spark throws the checked AnalysisException undeclared
        String message = TargetingException.firstLine(e.getMessage());
        throw TargetingException.userError("Derived column %s = %s cannot be evaluated: %s", column.name(), column.expression(), message);
      }
    }
    return result;
  }
}
