package com.targeting.core.transform;

import static java.util.Objects.requireNonNull;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.lit;

import com.targeting.core.TargetingException;
import com.targeting.core.config.ConfigNode;
import com.targeting.core.config.SqlTemplate;
import com.targeting.core.source.ReaderSource;
import com.targeting.core.source.SourceConfig;
import java.time.LocalDate;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import scala.collection.JavaConverters;

/**
 * A lookup table left-joined onto the customers: market data per marketplace, the last contact
 * per customer, the opt-out list. The table is read from its source, registered as a view named
 * {@code view}, shaped by {@code query} (which must return one row per join key) and joined.
 * With {@code freshness}, the table must hold a recent enough snapshot ({@link Freshness}),
 * checked when the join is built, before the run writes anything.
 */
public record Enrichment(
    String id, SourceConfig source, String view, String query, List<String> joinOn, boolean broadcast,
    Optional<Freshness> freshness) {

  public Enrichment {
    requireNonNull(id, "id is null");
    requireNonNull(source, "source is null");
    requireNonNull(view, "view is null");
    requireNonNull(query, "query is null");
    joinOn = List.copyOf(joinOn);
    requireNonNull(freshness, "freshness is null");
  }

  /** An enrichment without a freshness limit. */
  public Enrichment(String id, SourceConfig source, String view, String query, List<String> joinOn, boolean broadcast) {
    this(id, source, view, query, joinOn, broadcast, Optional.empty());
  }

  public static Enrichment from(ConfigNode node, Map<String, Object> parameters) {
    List<String> joinOn = node.strings("join-on");
    if (joinOn.isEmpty()) {
      throw node.invalid("join-on", "must name at least one key column");
    }
    return new Enrichment(
        node.string("id"),
        SourceConfig.from(node.node("source")),
        node.string("view"),
        SqlTemplate.query(node.string("query"), parameters, node, "query"),
        joinOn,
        node.bool("broadcast", false),
        node.optionalNode("freshness").map(freshness -> Freshness.from(freshness, runDate(parameters, node))));
  }

  /** {@code :run_date}, which every program's parameters carry. */
  private static LocalDate runDate(Map<String, Object> parameters, ConfigNode node) {
    if (parameters.get("run_date") instanceof LocalDate runDate) {
      return runDate;
    }
    throw node.invalid("freshness", "needs the run date, which this config has no run.date for");
  }

  /**
   * Joins the lookup onto {@code rows}. A lookup with several rows for one key would duplicate
   * customers, so that is checked first (one aggregation over the lookup, bounded result) and
   * fails the run naming the key.
   */
  public Dataset<Row> joinOnto(SparkSession spark, Dataset<Row> rows) {
    Dataset<Row> table = ReaderSource.of(source).read(spark);
    freshness.ifPresent(limit -> limit.check(table, id, ReaderSource.of(source).describe()));
    table.createOrReplaceTempView(view);
    Dataset<Row> lookup;
    try {
      lookup = spark.sql(query);
    } catch (Exception e) { // Scala throws the checked AnalysisException undeclared
      if (e instanceof org.apache.spark.sql.AnalysisException) {
        throw TargetingException.userError("Enrichment %s: query cannot run: %s", id, e.getMessage());
      }
      throw e;
    }
    // A null key matches nothing in a join: such lookup rows are dropped, not counted as duplicates.
    for (String key : joinOn) {
      lookup = lookup.where(col("`" + key + "`").isNotNull());
    }
    requireJoinable(rows, lookup);
    requireUniqueKeys(lookup);
    Dataset<Row> right = broadcast ? org.apache.spark.sql.functions.broadcast(lookup) : lookup; // broadcast: small table, avoids a shuffle of customers
    return rows.join(right, JavaConverters.asScalaBuffer(joinOn).toSeq(), "left");
  }

  /** Join keys on both sides, and no other column name on both (it would be ambiguous later). */
  private void requireJoinable(Dataset<Row> rows, Dataset<Row> lookup) {
    java.util.Set<String> left = new java.util.TreeSet<>(String.CASE_INSENSITIVE_ORDER);
    left.addAll(java.util.Arrays.asList(rows.columns()));
    java.util.Set<String> right = new java.util.TreeSet<>(String.CASE_INSENSITIVE_ORDER);
    right.addAll(java.util.Arrays.asList(lookup.columns()));
    for (String key : joinOn) {
      if (!left.contains(key) || !right.contains(key)) {
        throw TargetingException.userError("Enrichment %s: join key %s must be a column of both the rows and the query's result (query returns %s)",
            id, key, right);
      }
    }
    java.util.List<String> clashes = right.stream()
        .filter(c -> left.contains(c) && joinOn.stream().noneMatch(c::equalsIgnoreCase)).toList();
    if (!clashes.isEmpty()) {
      throw TargetingException.userError("Enrichment %s: the query returns columns the rows already have: %s; rename them in the query", id, clashes);
    }
  }

  private void requireUniqueKeys(Dataset<Row> lookup) {
    if (provablyUnique(lookup)) {
      return;
    }
    org.apache.spark.sql.Column[] keys = joinOn.stream().map(k -> col(k)).toArray(org.apache.spark.sql.Column[]::new);
    Row[] duplicate = (Row[]) lookup.groupBy(keys).agg(count(lit(1)).as("rows"))
        .where(col("rows").gt(1)).limit(1).collect();
    if (duplicate.length > 0) {
      throw TargetingException.userError(
          "Enrichment %s: query returns %s rows for %s=%s; it must return one row per key or customers would be duplicated",
          id, duplicate[0].getAs("rows"), joinOn, duplicate[0].mkString(", "));
    }
  }

  /**
   * True when the query's plan guarantees one row per join key, so that counting them would only
   * read the lookup once more for nothing: Spark's optimizer knows the distinct keys of a plan (an
   * aggregation's grouping columns, kept through filters and projections). A query grouped by the
   * join keys (the last contact per customer, the opt-out list) needs no check; any other shape is
   * counted.
   */
  boolean provablyUnique(Dataset<Row> lookup) {
    java.util.Set<String> keys = new java.util.TreeSet<>(String.CASE_INSENSITIVE_ORDER);
    keys.addAll(joinOn);
    for (org.apache.spark.sql.catalyst.expressions.ExpressionSet distinct
        : JavaConverters.setAsJavaSet(lookup.queryExecution().optimizedPlan().distinctKeys())) {
      boolean allKeys = !distinct.isEmpty();
      for (org.apache.spark.sql.catalyst.expressions.Expression expression : JavaConverters.asJavaCollection(distinct.toSeq())) {
        allKeys &= expression instanceof org.apache.spark.sql.catalyst.expressions.Attribute attribute && keys.contains(attribute.name());
      }
      if (allKeys) {
        return true;
      }
    }
    return false;
  }
}
