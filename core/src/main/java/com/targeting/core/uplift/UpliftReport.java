package com.targeting.core.uplift;

import com.targeting.core.fs.HadoopFiles;
import com.targeting.core.report.Charts;
import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.spark.sql.SparkSession;

/**
 * The charts people read (PNG, XChart), written to any Hadoop file system: the Qini and uplift
 * curves of a model with the random and perfect baselines, and the budget/profit curve.
 */
public final class UpliftReport {
  private UpliftReport() {}

  /** {@code qini.png} and {@code uplift.png} under {@code directory}; returns their paths. */
  public static Map<String, String> curves(SparkSession spark, String directory, String title, UpliftMetrics.Evaluation evaluation) {
    Map<String, String> written = new LinkedHashMap<>();
    UpliftMetrics.Curve model = evaluation.model();
    double n = model.x()[model.x().length - 1];
    Map<String, double[][]> qini = new LinkedHashMap<>();
    qini.put("model", new double[][] {model.x(), model.qini()});
    qini.put("random", new double[][] {{0, n}, {0, model.qini()[model.qini().length - 1]}});
    qini.put("perfect", new double[][] {evaluation.perfectQini().x(), evaluation.perfectQini().qini()});
    written.put("qini", chart(spark, directory + "/qini.png", title + String.format(": Qini curve (qini_auc_score %.4f)",
        (Double) evaluation.metrics().get("qini_auc_score")), "customers targeted, by predicted uplift",
        "incremental responders (Qini)", qini));
    Map<String, double[][]> uplift = new LinkedHashMap<>();
    uplift.put("model", new double[][] {model.x(), model.uplift()});
    uplift.put("random", new double[][] {{0, n}, {0, model.uplift()[model.uplift().length - 1]}});
    uplift.put("perfect", new double[][] {evaluation.perfectUplift().x(), evaluation.perfectUplift().uplift()});
    written.put("uplift", chart(spark, directory + "/uplift.png", title + String.format(": uplift curve (uplift_auc_score %.4f)",
        (Double) evaluation.metrics().get("uplift_auc_score")), "customers targeted, by predicted uplift",
        "cumulative gain (uplift x customers)", uplift));
    return written;
  }

  /** One line chart, written to {@code path}: each series is {x[], y[]}; returns the path. */
  public static String chart(SparkSession spark, String path, String title, String xTitle, String yTitle,
      Map<String, double[][]> series) {
    HadoopFiles.writeBytes(spark, path, Charts.line(title, xTitle, yTitle, series));
    return path;
  }
}
