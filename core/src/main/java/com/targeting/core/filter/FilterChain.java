package com.targeting.core.filter;

import static com.targeting.core.Columns.QUARANTINE_RULE;
import static com.targeting.core.Columns.REMOVAL_REASON;
import static com.targeting.core.Columns.REMOVED_BY;
import static java.util.Objects.requireNonNull;
import static org.apache.spark.sql.functions.coalesce;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.not;
import static org.apache.spark.sql.functions.struct;
import static org.apache.spark.sql.functions.when;

import com.targeting.core.TargetingException;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

/**
 * Runs an ordered list of filters in one pass: a single {@code CASE WHEN} gives every row that
 * passed validation the id of the first filter (and the reason of the first check) that removes
 * it. Rows are never dropped here; sinks split them by {@code removed_by}.
 */
public final class FilterChain {
  private final List<Filter> filters;

  private FilterChain(List<Filter> filters) {
    this.filters = List.copyOf(requireNonNull(filters, "filters is null"));
    Set<String> ids = new HashSet<>();
    for (Filter filter : this.filters) {
      if (!ids.add(filter.id())) {
        throw TargetingException.userError("Filter id %s appears twice in the chain", filter.id());
      }
    }
  }

  public static FilterChain of(List<? extends Filter> filters) {
    return new FilterChain(List.copyOf(filters));
  }

  public List<String> filterIds() {
    return filters.stream().map(Filter::id).toList();
  }

  /** Adds {@code removed_by} and {@code removal_reason}; both stay null for quarantined rows. */
  public Dataset<Row> apply(Dataset<Row> rows) {
    requireResolvable(rows);
    Column outcome = when(col(QUARANTINE_RULE).isNotNull(), lit(null).cast("struct<filter:string,reason:string>"));
    for (Filter filter : filters) {
      for (Filter.Check check : filter.checks()) {
        // A null condition (missing data) removes the row: eligibility must be shown, not assumed.
        outcome = outcome.when(not(coalesce(check.passes(), lit(false))),
            struct(lit(filter.id()).as("filter"), lit(check.reason()).as("reason")));
      }
    }
    String outcomeColumn = "__filter_outcome";
    return rows.withColumn(outcomeColumn, outcome)
        .withColumn(REMOVED_BY, col(outcomeColumn + ".filter"))
        .withColumn(REMOVAL_REASON, col(outcomeColumn + ".reason"))
        .drop(outcomeColumn);
  }

  /**
   * Analyzes each check alone (no data is read) so that an error names the filter and rule: each
   * must resolve against {@code rows} and be boolean.
   */
  private void requireResolvable(Dataset<Row> rows) {
    for (Filter filter : filters) {
      for (Filter.Check check : filter.checks()) {
        org.apache.spark.sql.types.DataType type;
        try {
          type = rows.select(check.passes()).schema().fields()[0].dataType();
        } catch (Exception e) { // Spark throws the checked AnalysisException undeclared
          throw TargetingException.userError("Filter %s, rule '%s' cannot be evaluated: %s",
              filter.id(), check.reason(), TargetingException.firstLine(e.getMessage()));
        }
        if (!(type instanceof org.apache.spark.sql.types.BooleanType)) {
          throw TargetingException.userError("Filter %s, rule '%s': keep must be a condition (boolean), but is of type %s",
              filter.id(), check.reason(), type.simpleString());
        }
      }
    }
  }

}
