package com.targeting.core.report;

import static java.util.Objects.requireNonNull;

import com.targeting.core.TargetingException;
import com.targeting.core.fs.HadoopFiles;
import java.time.LocalDate;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

/**
 * What the parts of a program run report, gathered for the run summary and the HTML report: named
 * sections (each a value the summary's JSON can hold) and charts (PNG, written under the run's
 * reports directory and embedded in the HTML report).
 */
public final class RunReport {
  private final SparkSession spark;
  private final String program;
  private final LocalDate runDate;
  private final String reportsDirectory;
  private final Dataset<Row> scored;
  private final Groups groups;
  private final Map<String, Object> sections = new LinkedHashMap<>();
  private final Map<String, byte[]> charts = new LinkedHashMap<>();

  /**
   * @param reportsDirectory where charts are written: {@code <outputs.reports>/program=<id>/dt=<date>}
   * @param scored every scored row of the run (candidates and rows removed after scoring), cached
   * @param groups the run's one aggregation of {@code scored}
   */
  public RunReport(SparkSession spark, String program, LocalDate runDate, String reportsDirectory, Dataset<Row> scored, Groups groups) {
    this.spark = requireNonNull(spark, "spark is null");
    this.program = requireNonNull(program, "program is null");
    this.runDate = requireNonNull(runDate, "runDate is null");
    this.reportsDirectory = requireNonNull(reportsDirectory, "reportsDirectory is null");
    this.scored = requireNonNull(scored, "scored is null");
    this.groups = requireNonNull(groups, "groups is null");
  }

  public SparkSession spark() {
    return spark;
  }

  public String program() {
    return program;
  }

  public LocalDate runDate() {
    return runDate;
  }

  /** Every scored row of the run, with each scorer's and decision's columns; cached. */
  public Dataset<Row> scored() {
    return scored;
  }

  /** The figures the program's parts asked for ({@link SummarySection#figures}). */
  public Groups groups() {
    return groups;
  }

  /**
   * Adds section {@code name} to the run summary.
   *
   * @throws TargetingException (internal) when two parts report a section of the same name
   */
  public void put(String name, Object value) {
    if (sections.putIfAbsent(requireNonNull(name, "name is null"), requireNonNull(value, "value is null")) != null) {
      throw TargetingException.internal("Two parts of program %s report a section named %s", program, name);
    }
  }

  /**
   * Draws a line chart, writes it to {@code <reports directory>/<fileName>} and keeps it for the
   * HTML report.
   *
   * @param series name to {x[], y[]}
   * @return the path written
   */
  public String chart(String fileName, String title, String xTitle, String yTitle, Map<String, double[][]> series) {
    byte[] png = Charts.line(title, xTitle, yTitle, series);
    String path = reportsDirectory + "/" + fileName;
    HadoopFiles.writeBytes(spark, path, png);
    charts.put(fileName, png);
    return path;
  }

  public Map<String, Object> sections() {
    return Collections.unmodifiableMap(sections);
  }

  /** File name to PNG bytes, in the order drawn. */
  public Map<String, byte[]> charts() {
    return Collections.unmodifiableMap(charts);
  }
}
