package com.targeting.core.sink;

import static java.util.Objects.requireNonNull;

import com.targeting.core.Columns;
import java.time.LocalDate;

/** The output partition of one run: {@code program=<id>/dt=<run-date>}, Hive style. */
public record RunPartition(String program, LocalDate runDate) {
  public RunPartition {
    requireNonNull(program, "program is null");
    requireNonNull(runDate, "runDate is null");
  }

  /**
   * Where the partition is written before it is swapped in: beside the table, not in it, so that
   * no reader that discovers partitions (Spark, Trino, a crawler) takes a leftover for data.
   */
  public String stagingUnder(String basePath) {
    String base = basePath.endsWith("/") ? basePath.substring(0, basePath.length() - 1) : basePath;
    return under(base + "_staging");
  }

  /** The partition's directory under a table's base path. */
  public String under(String basePath) {
    String base = basePath.endsWith("/") ? basePath.substring(0, basePath.length() - 1) : basePath;
    return base + "/" + Columns.PROGRAM + "=" + program + "/" + Columns.RUN_DATE + "=" + runDate;
  }
}
