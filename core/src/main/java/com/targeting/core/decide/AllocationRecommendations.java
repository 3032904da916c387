package com.targeting.core.decide;

import com.targeting.core.report.Figure;
import com.targeting.core.report.Groups;
import com.targeting.core.report.RunReport;
import com.targeting.core.report.SummarySection;
import static com.targeting.core.Columns.RECOMMENDATIONS;
import static java.util.Objects.requireNonNull;
import static org.apache.spark.sql.functions.array;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.greatest;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.negate;
import static org.apache.spark.sql.functions.round;
import static org.apache.spark.sql.functions.slice;
import static org.apache.spark.sql.functions.sort_array;
import static org.apache.spark.sql.functions.struct;
import static org.apache.spark.sql.functions.when;

import com.targeting.core.config.ConfigNode;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

/**
 * Top-N asset-class recommendations with amounts, from a model's per-class preference and the
 * risk profile's allocation table (seed 000: conservative bonds 60 / stocks 30 / cash 10, ...).
 *
 * <p>Each asset class belongs to an allocation bucket ({@code etfs -> stocks}). A class is
 * eligible when its bucket has a positive share in the customer's profile; eligible classes are
 * ranked by preference x bucket share, the top {@code max} kept, and the investable part of the
 * capacity (the shares of buckets that hold asset classes; "cash" holds none and stays cash) is
 * split among them in proportion to preference x share. Amounts therefore never exceed capacity.
 */
public record AllocationRecommendations(
    int max,
    String preferenceColumn,
    String capacityColumn,
    String profileColumn,
    Map<String, String> bucketOfClass,
    Map<String, Map<String, Double>> allocations) implements Decision, SummarySection {

  public AllocationRecommendations {
    requireNonNull(preferenceColumn, "preferenceColumn is null");
    requireNonNull(capacityColumn, "capacityColumn is null");
    requireNonNull(profileColumn, "profileColumn is null");
    bucketOfClass = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(bucketOfClass));
    allocations = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(allocations));
  }

  public static AllocationRecommendations from(ConfigNode node) {
    int max = node.integer("max");
    if (max < 1) {
      throw node.invalid("max", "must be at least 1, was " + max);
    }
    Map<String, String> buckets = node.stringMap("asset-classes");
    if (buckets.isEmpty()) {
      throw node.invalid("asset-classes", "must map at least one asset class to its allocation bucket");
    }
    Map<String, Map<String, Double>> allocations = new LinkedHashMap<>();
    for (String profile : node.keys("allocations")) {
      Map<String, Double> shares = new LinkedHashMap<>();
      double total = 0;
      for (Map.Entry<String, Object> share : node.scalarMap("allocations." + profile).entrySet()) {
        if (!(share.getValue() instanceof Number number) || number.doubleValue() < 0) {
          throw node.invalid("allocations." + profile + "." + share.getKey(), "must be a non-negative percentage");
        }
        shares.put(share.getKey(), number.doubleValue() / 100.0);
        total += number.doubleValue();
      }
      if (Math.abs(total - 100.0) > 1e-9) {
        throw node.invalid("allocations." + profile, "shares must add up to 100, they add up to " + total);
      }
      allocations.put(profile, shares);
    }
    if (allocations.isEmpty()) {
      throw node.invalid("allocations", "at least one risk profile is needed");
    }
    return new AllocationRecommendations(
        max,
        node.string("preference-column"),
        node.string("capacity-column"),
        node.string("profile-column"),
        buckets,
        allocations);
  }

  @Override
  public Dataset<Row> apply(Dataset<Row> scored) {
    RequiredColumns.require(scored, "allocation-recommendations", preferenceColumn, capacityColumn, profileColumn);
    Column preference = col(preferenceColumn);
    Column profile = col(profileColumn);
    Column[] options = bucketOfClass.entrySet().stream().map(entry -> {
      Column share = shareOf(profile, entry.getValue());
      Column classPreference = preference.getItem(entry.getKey());
      // sort_array orders structs field by field: eligible classes first, then the negated weight
      // ranks the best first (ties by class name).
      return struct(
          share.gt(0).and(classPreference.isNotNull()).equalTo(false).as("ineligible"),
          negate(classPreference.multiply(share)).as("sort_key"),
          lit(entry.getKey()).as("asset_class"),
          lit(entry.getValue()).as("bucket"),
          classPreference.as("preference"),
          share.as("allocation_share"));
    }).toArray(Column[]::new);

    // The classes are known when the plan is built, so the top are fixed positions of the sorted
    // array: element access and sums that Spark compiles, no lambdas for it to interpret. The sorted
    // array and the total weight are columns of their own, computed once per row.
    int slots = Math.min(max, options.length);
    Column sorted = col(SORTED);
    Column count = lit(0);
    Column totalWeight = lit(0.0);
    Column[] entries = new Column[slots];
    Column investable = greatest(col(capacityColumn), lit(0.0)).multiply(investedShare(profile));
    for (int i = 0; i < slots; i++) {
      Column o = sorted.getItem(i);
      Column eligible = o.getField("ineligible").equalTo(false);
      count = count.plus(when(eligible, 1).otherwise(0));
      totalWeight = totalWeight.plus(when(eligible, negate(o.getField("sort_key"))).otherwise(0.0));
      entries[i] = when(eligible, struct(
          lit(i + 1).as("rank"),
          o.getField("asset_class").as("asset_class"),
          o.getField("bucket").as("bucket"),
          round(o.getField("preference"), 6).as("preference"),
          o.getField("allocation_share").as("allocation_share"),
          // floor to cents so the amounts never add up to more than the investable capacity
          org.apache.spark.sql.functions.floor(col(INVESTABLE).multiply(negate(o.getField("sort_key"))).divide(col(TOTAL_WEIGHT)).multiply(100))
              .divide(100).as("amount")));
    }
    // Eligible classes sort first, so the eligible ones among the top slots are a prefix.
    return scored
        .withColumn(SORTED, sort_array(array(options)))
        .withColumn(INVESTABLE, investable)
        .withColumn(TOTAL_WEIGHT, totalWeight)
        .withColumn(COUNT, count)
        .withColumn(RECOMMENDATIONS, slice(array(entries), lit(1), col(COUNT)))
        .drop(SORTED, INVESTABLE, TOTAL_WEIGHT, COUNT);
  }

  private static final String SORTED = "__allocation_sorted";
  private static final String TOTAL_WEIGHT = "__allocation_total_weight";
  private static final String INVESTABLE = "__allocation_investable";
  private static final String COUNT = "__allocation_count";

  /** The share of {@code bucket} in the customer's profile; 0 for unknown profiles or buckets. */
  private Column shareOf(Column profile, String bucket) {
    Column result = null;
    for (Map.Entry<String, Map<String, Double>> allocation : allocations.entrySet()) {
      double value = allocation.getValue().getOrDefault(bucket, 0.0);
      Column matches = profile.equalTo(allocation.getKey());
      result = result == null ? when(matches, value) : result.when(matches, value);
    }
    return result.otherwise(0.0);
  }

  /** Fraction of capacity that goes into asset classes: buckets without classes (cash) stay uninvested. */
  private Column investedShare(Column profile) {
    Set<String> investedBuckets = new LinkedHashSet<>(bucketOfClass.values());
    Column result = null;
    for (Map.Entry<String, Map<String, Double>> allocation : allocations.entrySet()) {
      double invested = allocation.getValue().entrySet().stream()
          .filter(e -> investedBuckets.contains(e.getKey())).mapToDouble(Map.Entry::getValue).sum();
      result = result == null ? when(profile.equalTo(allocation.getKey()), invested) : result.when(profile.equalTo(allocation.getKey()), invested);
    }
    return result.otherwise(0.0);
  }

  public List<String> profiles() {
    return List.copyOf(allocations.keySet());
  }

  /** Counted by the asset class of each selected row's first recommendation. */
  @Override
  public List<Figure> figures() {
    return List.of(Figure.dimension("top_asset_classes", col(RECOMMENDATIONS).getItem(0).getField("asset_class")));
  }

  /** {@code top_asset_classes}: selected rows per asset class of their first recommendation. */
  @Override
  public void report(RunReport report) {
    report.put("top_asset_classes", report.groups().countsBy("top_asset_classes", Groups.Scope.SELECTED));
  }
}
