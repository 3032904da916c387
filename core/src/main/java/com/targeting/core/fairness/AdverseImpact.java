package com.targeting.core.fairness;

import static java.util.Objects.requireNonNull;
import static org.apache.spark.sql.functions.array;
import static org.apache.spark.sql.functions.coalesce;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.explode;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.struct;
import static org.apache.spark.sql.functions.sum;
import static org.apache.spark.sql.functions.when;

import com.targeting.core.Columns;
import com.targeting.core.TargetingException;
import com.targeting.core.config.ConfigNode;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

/**
 * Selection rate per group of each protected attribute and the adverse-impact ratio: a group's
 * rate divided by the highest group's rate. Under the four-fifths rule a ratio below
 * {@code minRatio} (0.8) flags the group. Protected attributes are never model features; they are
 * read here only to report. With a {@code mix-column} (seed 001: {@code credit_tier}) each group
 * also shows how its selected rows split over that column's values, so that a group offered as
 * often but on worse terms shows up too.
 *
 * <p>With {@code parity { positive = "<condition>", max-difference = 0.1 }}, each attribute also
 * gets its demographic parity difference over the scored rows: the largest minus the smallest
 * share of a group's scored rows for which {@code positive} (a Spark SQL condition, for example
 * {@code churn_risk_tier = 'high'}) holds (as Fairlearn's {@code demographic_parity_difference};
 * Dwork et al., "Fairness through awareness", 2012), flagged above {@code max-difference}.
 */
public record AdverseImpact(List<String> attributes, double minRatio, Optional<String> mixColumn, Optional<Parity> parity) {
  static final String UNKNOWN = "(missing)";

  /** A positive decision (SQL condition over the scored rows) and the tolerance of its parity difference. */
  public record Parity(String positive, double maxDifference) {
    public Parity {
      requireNonNull(positive, "positive is null");
      if (!(maxDifference >= 0 && maxDifference <= 1)) {
        throw new IllegalArgumentException("maxDifference must be in [0, 1], was " + maxDifference);
      }
    }
  }

  public AdverseImpact(List<String> attributes, double minRatio, Optional<String> mixColumn) {
    this(attributes, minRatio, mixColumn, Optional.empty());
  }

  public AdverseImpact {
    attributes = List.copyOf(attributes);
    requireNonNull(mixColumn, "mixColumn is null");
    requireNonNull(parity, "parity is null");
    if (minRatio <= 0 || minRatio > 1) {
      throw new IllegalArgumentException("minRatio must be in (0, 1], was " + minRatio);
    }
  }

  public static AdverseImpact from(ConfigNode node) {
    double minRatio = node.doubleValue("min-ratio", 0.8);
    if (minRatio <= 0 || minRatio > 1) {
      throw node.invalid("min-ratio", "must be in (0, 1], was " + minRatio);
    }
    List<String> attributes = node.strings("protected");
    java.util.Set<String> seen = new java.util.TreeSet<>(String.CASE_INSENSITIVE_ORDER);
    for (String attribute : attributes) {
      if (!seen.add(attribute)) {
        throw node.invalid("protected", "names " + attribute + " twice (column names are case-insensitive)");
      }
    }
    Optional<Parity> parity = node.optionalNode("parity").map(block -> {
      double maxDifference = block.doubleValue("max-difference", 0.1);
      if (!(maxDifference >= 0 && maxDifference <= 1)) {
        throw block.invalid("max-difference", "must be a rate difference in [0, 1], was " + maxDifference);
      }
      return new Parity(com.targeting.core.config.SqlTemplate.expression(block.string("positive"), Map.of(), block, "positive"),
          maxDifference);
    });
    return new AdverseImpact(attributes, minRatio, node.optionalString("mix-column"), parity);
  }

  /**
   * Fails, before any row is read, when a protected attribute is not a column of {@code rows}
   * (the rows before scoring, which every attribute must be among): a user error naming the
   * config path, the attribute, the closest column and the columns there are.
   */
  public void requireAttributes(Dataset<Row> rows) {
    attributes.forEach(attribute -> requireColumn(rows, attribute, "program.fairness.protected"));
  }

  /**
   * As {@link #requireAttributes}, for the mix column among the scored rows (it may be a
   * decision's column): checked on their plan, before they are computed.
   */
  public void requireMixColumn(Dataset<Row> scored) {
    mixColumn.ifPresent(mix -> requireColumn(scored, mix, "program.fairness.mix-column"));
  }

  private static void requireColumn(Dataset<Row> rows, String column, String path) {
    List<String> columns = List.of(rows.columns());
    if (columns.stream().noneMatch(column::equalsIgnoreCase)) {
      throw TargetingException.userError("%s names %s, which is not a column of the rows%s (columns: %s)", path, column,
          ConfigNode.closest(column, columns).map(c -> ": did you mean " + c + "?").orElse(""), columns);
    }
  }

  /**
   * The report over a run's population: every row that passed validation, once, with whether it
   * was selected. {@code classified} holds the rows before scoring (with {@code quarantine_rule}
   * and {@code removed_by}: those removed there count as not selected; quarantined rows are left
   * out), {@code decided} every scored row ({@code removed_by} null when selected). The mix column
   * is null for rows removed before scoring, which lack it.
   */
  public Map<String, Object> reportRun(Dataset<Row> classified, Dataset<Row> decided) {
    List<Column> columns = new ArrayList<>();
    attributes.forEach(attribute -> columns.add(col("`" + attribute + "`")));
    List<Column> removedColumns = new ArrayList<>(columns);
    removedColumns.add(lit(false).as(SELECTED));
    List<Column> decidedColumns = new ArrayList<>(columns);
    decidedColumns.add(col(Columns.REMOVED_BY).isNull().as(SELECTED));
    mixColumn.ifPresent(mix -> {
      removedColumns.add(lit(null).cast("string").as(mix));
      decidedColumns.add(col("`" + mix + "`").cast("string").as(mix));
    });
    Dataset<Row> population = classified.where(col(Columns.QUARANTINE_RULE).isNull().and(col(Columns.REMOVED_BY).isNotNull()))
        .select(removedColumns.toArray(Column[]::new))
        .unionByName(decided.select(decidedColumns.toArray(Column[]::new)));
    Map<String, Object> report = report(population, col(SELECTED));
    parity.ifPresent(rule -> addParity(report, decided));
    return report;
  }

  /**
   * Adds {@code demographic_parity} to each attribute's report: the share of the scored rows of
   * each group for which the parity condition holds, the difference between the largest and the
   * smallest share, and whether it is above the tolerance. A condition that is NULL counts as not
   * positive.
   */
  @SuppressWarnings("unchecked")
  public void addParity(Map<String, Object> report, Dataset<Row> scored) {
    Parity rule = parity.orElseThrow();
    Column positive = org.apache.spark.sql.functions.coalesce(org.apache.spark.sql.functions.expr(rule.positive()), lit(false));
    Map<String, Object> rates = new AdverseImpact(attributes, minRatio, Optional.empty()).report(scored, positive);
    for (String attribute : attributes) {
      Map<String, Object> groups = (Map<String, Object>) ((Map<String, Object>) rates.get(attribute)).get("groups");
      // The difference of the exact rates, rounded once (as reported), not of rates already rounded.
      Map<String, Double> exact = new LinkedHashMap<>();
      Map<String, Double> shares = new LinkedHashMap<>();
      groups.forEach((group, figures) -> {
        Map<String, Object> f = (Map<String, Object>) figures;
        long rows = (Long) f.get("rows");
        exact.put(group, rows == 0 ? 0.0 : (double) (Long) f.get("selected") / rows);
        shares.put(group, (Double) f.get("selection_rate"));
      });
      double difference = exact.isEmpty() ? 0.0
          : round(java.util.Collections.max(exact.values()) - java.util.Collections.min(exact.values()));
      Map<String, Object> parityReport = new LinkedHashMap<>();
      parityReport.put("positive", rule.positive());
      parityReport.put("positive_rate", shares);
      parityReport.put("difference", difference);
      parityReport.put("max_difference", rule.maxDifference());
      parityReport.put("flagged", difference > rule.maxDifference());
      Object existing = report.get(attribute);
      if (existing instanceof Map<?, ?> map) {
        ((Map<String, Object>) map).put("demographic_parity", parityReport);
      }
    }
  }

  private static final String SELECTED = "__selected";

  /**
   * One aggregation over {@code rows} for every attribute (each row counted once per attribute,
   * by its group, and among the selected rows by its mix value): one pass over the rows, however
   * many attributes. {@code selected} says which rows were selected. Results are small by
   * construction: one row per attribute, group and mix value.
   *
   * @throws TargetingException a user error naming an attribute that is not a column of the rows
   */
  public Map<String, Object> report(Dataset<Row> rows, Column selected) {
    requireNonNull(selected, "selected is null");
    List<Column> pairs = new ArrayList<>();
    for (int i = 0; i < attributes.size(); i++) {
      String attribute = attributes.get(i);
      if (!java.util.Arrays.asList(rows.columns()).contains(attribute)) {
        throw TargetingException.userError("Fairness report: protected attribute %s is not a column of the rows (has %s)",
            attribute, List.of(rows.columns()));
      }
      pairs.add(struct(lit(i).as("attribute"), coalesce(col("`" + attribute + "`").cast("string"), lit(UNKNOWN)).as("group")));
    }
    Map<String, Object> report = new LinkedHashMap<>();
    if (pairs.isEmpty()) {
      return report;
    }
    // The mix value of a selected row (null for the others, and without a mix column).
    Column mix = mixColumn.map(column -> when(selected, coalesce(col("`" + column + "`").cast("string"), lit(UNKNOWN))))
        .orElse(lit(null).cast("string"));
    Row[] counts = (Row[]) rows.select(explode(array(pairs.toArray(Column[]::new))).as("pair"), selected.as("selected"), mix.as("mix"))
        .groupBy(col("pair.attribute"), col("pair.group"), col("mix"))
        .agg(count(lit(1)), sum(when(col("selected"), 1L).otherwise(0L)))
        .collect();
    List<Map<String, long[]>> groups = new ArrayList<>();
    List<Map<String, Map<String, Long>>> mixes = new ArrayList<>();
    for (int i = 0; i < attributes.size(); i++) {
      groups.add(new TreeMap<>());
      mixes.add(new TreeMap<>());
    }
    for (Row row : counts) {
      int attribute = row.getInt(0);
      long[] figures = groups.get(attribute).computeIfAbsent(row.getString(1), g -> new long[2]);
      figures[0] += row.getLong(3);
      figures[1] += row.getLong(4);
      if (!row.isNullAt(2)) {
        mixes.get(attribute).computeIfAbsent(row.getString(1), g -> new TreeMap<>()).put(row.getString(2), row.getLong(3));
      }
    }
    for (int i = 0; i < attributes.size(); i++) {
      Map<String, Object> ratios = ratios(groups.get(i));
      if (mixColumn.isPresent()) {
        addMix(ratios, mixes.get(i));
      }
      report.put(attributes.get(i), ratios);
    }
    return report;
  }

  /** Adds {@code <mix-column>_mix}: selected rows per value, and their share of the group's selected rows. */
  @SuppressWarnings("unchecked")
  private void addMix(Map<String, Object> ratios, Map<String, Map<String, Long>> mixes) {
    Map<String, Object> byGroup = (Map<String, Object>) ratios.get("groups");
    for (Map.Entry<String, Object> entry : byGroup.entrySet()) {
      Map<String, Object> figures = (Map<String, Object>) entry.getValue();
      long selected = (Long) figures.get("selected");
      Map<String, Object> mix = new LinkedHashMap<>();
      mixes.getOrDefault(entry.getKey(), Map.of()).forEach((value, n) -> {
        Map<String, Object> share = new LinkedHashMap<>();
        share.put("selected", n);
        share.put("share", round(selected == 0 ? 0 : (double) n / selected));
        mix.put(value, share);
      });
      figures.put(mixColumn.get() + "_mix", mix);
    }
  }

  /** The ratios of one attribute, from its rows and selected rows by group. */
  private Map<String, Object> ratios(Map<String, long[]> counts) {
    String reference = null;
    double best = 0;
    for (Map.Entry<String, long[]> entry : counts.entrySet()) {
      double rate = rate(entry.getValue());
      if (reference == null || rate > best) {
        reference = entry.getKey();
        best = rate;
      }
    }
    Map<String, Object> byGroup = new LinkedHashMap<>();
    List<String> flagged = new ArrayList<>();
    for (Map.Entry<String, long[]> entry : counts.entrySet()) {
      double rate = rate(entry.getValue());
      // Compared as reported (4 decimals): 8/100 against 10/100 is 0.8, not 0.7999999999999999.
      double ratio = round(best == 0 ? 1.0 : rate / best);
      boolean below = ratio < minRatio;
      Map<String, Object> figures = new LinkedHashMap<>();
      figures.put("rows", entry.getValue()[0]);
      figures.put("selected", entry.getValue()[1]);
      figures.put("selection_rate", round(rate));
      figures.put("adverse_impact_ratio", round(ratio));
      figures.put("flagged", below);
      if (below) {
        flagged.add(entry.getKey());
      }
      byGroup.put(entry.getKey(), figures);
    }
    Map<String, Object> result = new LinkedHashMap<>();
    result.put("reference_group", reference);
    result.put("min_ratio", minRatio);
    result.put("groups", byGroup);
    result.put("flagged_groups", flagged);
    return result;
  }

  private static double rate(long[] rowsAndSelected) {
    return rowsAndSelected[0] == 0 ? 0 : (double) rowsAndSelected[1] / rowsAndSelected[0];
  }

  /** Fairness figures are reported, and compared with their limits, at 4 decimals. */
  static double round(double value) {
    return Math.round(value * 10000) / 10000.0;
  }
}
