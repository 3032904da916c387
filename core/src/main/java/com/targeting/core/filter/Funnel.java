package com.targeting.core.filter;

import static com.targeting.core.Columns.QUARANTINE_RULE;
import static com.targeting.core.Columns.REMOVED_BY;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.lit;

import com.targeting.core.TargetingException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

/**
 * Where every input row went: quarantined (by contract rule), removed (by the first failing
 * filter, in chain order) or kept as a candidate. Computed by one aggregation over the
 * classified rows, so {@code input = quarantined + removed + candidates} holds by construction;
 * {@link #requireBalanced(long)} checks it against an independent input count anyway.
 */
public record Funnel(long inputRows, Map<String, Long> quarantinedByRule, Map<String, Long> removedByFilter, long candidates) {

  public Funnel {
    quarantinedByRule = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(quarantinedByRule));
    removedByFilter = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(removedByFilter));
  }

  /** One pass: count rows per (quarantine rule, removing filter). The result has a row per pair seen. */
  public static Funnel of(Dataset<Row> classified, List<String> filterIds) {
    Row[] groups = (Row[]) classified.groupBy(col(QUARANTINE_RULE), col(REMOVED_BY))
        .agg(count(lit(1)).as("rows"))
        .collect();
    Map<String, Long> quarantined = new LinkedHashMap<>();
    Map<String, Long> removed = new LinkedHashMap<>();
    for (String id : filterIds) {
      removed.put(id, 0L);
    }
    long input = 0;
    long candidates = 0;
    for (Row group : groups) {
      String rule = group.getString(0);
      String filter = group.getString(1);
      long rows = group.getLong(2);
      input += rows;
      if (rule != null) {
        quarantined.merge(rule, rows, Long::sum);
      } else if (filter != null) {
        if (!removed.containsKey(filter)) {
          throw TargetingException.internal("Row removed by unknown filter %s", filter);
        }
        removed.merge(filter, rows, Long::sum);
      } else {
        candidates += rows;
      }
    }
    return new Funnel(input, quarantined, removed, candidates);
  }

  /**
   * The funnel of rows no contract checked (scored rows run through the post-score filters), from
   * counts made elsewhere: {@code inputRows} rows, {@code removed} per filter, {@code candidates}
   * kept. Filters of {@code filterIds} that removed nothing count 0.
   *
   * @throws TargetingException (internal) when a row was removed by a filter not in {@code filterIds}
   */
  public static Funnel ofRemovals(long inputRows, Map<String, Long> removed, List<String> filterIds, long candidates) {
    Map<String, Long> byFilter = new LinkedHashMap<>();
    for (String id : filterIds) {
      byFilter.put(id, 0L);
    }
    for (Map.Entry<String, Long> filter : removed.entrySet()) {
      if (!byFilter.containsKey(filter.getKey())) {
        throw TargetingException.internal("Row removed by unknown filter %s", filter.getKey());
      }
      byFilter.put(filter.getKey(), filter.getValue());
    }
    return new Funnel(inputRows, Map.of(), byFilter, candidates);
  }

  /**
   * This funnel followed by a later chain over its candidates (post-score filters): the later
   * chain's removals come after this one's, and its candidates are the final ones.
   */
  public Funnel followedBy(Funnel later) {
    if (later.inputRows() != candidates || later.quarantinedRows() != 0) {
      throw TargetingException.internal("Post-score funnel covers %d rows (%d quarantined), but %d candidates were scored",
          later.inputRows(), later.quarantinedRows(), candidates);
    }
    Map<String, Long> removed = new LinkedHashMap<>(removedByFilter);
    for (Map.Entry<String, Long> filter : later.removedByFilter().entrySet()) {
      if (removed.putIfAbsent(filter.getKey(), filter.getValue()) != null) {
        throw TargetingException.internal("Filter %s is in both chains", filter.getKey());
      }
    }
    return new Funnel(inputRows, quarantinedByRule, removed, later.candidates());
  }

  public long quarantinedRows() {
    return quarantinedByRule.values().stream().mapToLong(Long::longValue).sum();
  }

  public long removedRows() {
    return removedByFilter.values().stream().mapToLong(Long::longValue).sum();
  }

  public double quarantinedFraction() {
    return inputRows == 0 ? 0.0 : (double) quarantinedRows() / inputRows;
  }

  /** Fails if the classified rows do not add up to the rows the source delivered. */
  public void requireBalanced(long sourceRows) {
    long accounted = quarantinedRows() + removedRows() + candidates;
    if (accounted != sourceRows || inputRows != sourceRows) {
      throw TargetingException.internal(
          "Funnel does not balance: source has %d rows but %d are accounted for (quarantined %d, removed %d, candidates %d)",
          sourceRows, accounted, quarantinedRows(), removedRows(), candidates);
    }
  }
}
