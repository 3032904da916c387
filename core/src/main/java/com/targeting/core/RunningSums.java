package com.targeting.core;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.element_at;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.spark_partition_id;
import static org.apache.spark.sql.functions.sum;
import static org.apache.spark.sql.functions.array;
import static org.apache.spark.sql.functions.coalesce;
import static org.apache.spark.sql.functions.map_from_arrays;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.expressions.Window;
import org.apache.spark.sql.expressions.WindowSpec;

/**
 * Running totals in a global order without funnelling every row through one task (what a
 * window with {@code orderBy} and no {@code partitionBy} does): the rows are range-partitioned by
 * a sort, each partition sums its own rows in order, and only the partitions' totals (one row
 * each) reach the driver, which turns them into offsets added back per partition.
 */
public final class RunningSums {
  static final String PART = "__running_part";

  private RunningSums() {}

  /**
   * The rows with {@code <column>_cum} for each of {@code columns}: its sum over every row that
   * comes before this one in {@code order}, this row included. {@code order} must be total (end
   * with a unique key) for the sums to be deterministic. The sorted rows are checkpointed once, so
   * the totals and the sums see the same partitioning.
   */
  public static Dataset<Row> cumulative(Dataset<Row> rows, List<Column> order, List<String> columns) {
    Dataset<Row> sorted = rows.sort(order.toArray(Column[]::new)).withColumn(PART, spark_partition_id()).localCheckpoint(true);
    Row[] totals = (Row[]) sorted.groupBy(col(PART))
        .agg(sum(col("`" + columns.get(0) + "`").cast("double")),
            columns.subList(1, columns.size()).stream().map(c -> sum(col("`" + c + "`").cast("double"))).toArray(Column[]::new))
        .collect();
    // Offsets: the totals of all earlier partitions, in partition order.
    Map<Integer, double[]> byPartition = new TreeMap<>();
    for (Row total : totals) {
      double[] values = new double[columns.size()];
      for (int i = 0; i < values.length; i++) {
        values[i] = total.isNullAt(i + 1) ? 0.0 : total.getDouble(i + 1);
      }
      byPartition.put(total.getInt(0), values);
    }
    List<Map<Integer, Double>> offsets = new ArrayList<>();
    for (int i = 0; i < columns.size(); i++) {
      offsets.add(new HashMap<>());
    }
    double[] running = new double[columns.size()];
    for (Map.Entry<Integer, double[]> partition : byPartition.entrySet()) {
      for (int i = 0; i < running.length; i++) {
        offsets.get(i).put(partition.getKey(), running[i]);
        running[i] += partition.getValue()[i];
      }
    }
    WindowSpec local = Window.partitionBy(col(PART)).orderBy(order.toArray(Column[]::new))
        .rowsBetween(Window.unboundedPreceding(), Window.currentRow());
    Dataset<Row> result = sorted;
    for (int i = 0; i < columns.size(); i++) {
      Column offset = offsets.get(i).isEmpty() ? lit(0.0) : coalesce(element_at(literalMap(offsets.get(i)), col(PART)), lit(0.0));
      result = result.withColumn(columns.get(i) + "_cum",
          sum(col("`" + columns.get(i) + "`").cast("double")).over(local).plus(offset));
    }
    return result.drop(PART);
  }

  private static Column literalMap(Map<Integer, Double> values) {
    List<Column> keys = new ArrayList<>();
    List<Column> entries = new ArrayList<>();
    values.forEach((key, value) -> {
      keys.add(lit(key));
      entries.add(lit(value));
    });
    return map_from_arrays(array(keys.toArray(Column[]::new)), array(entries.toArray(Column[]::new)));
  }
}
