package com.targeting.tools;

import com.targeting.core.TargetingException;
import com.targeting.core.model.TreeShap;
import com.targeting.core.program.RunSummary;
import com.targeting.jobs.JobArguments;
import java.util.HashMap;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ForkJoinPool;
import java.util.stream.IntStream;
import ml.dmlc.xgboost4j.java.Booster;
import ml.dmlc.xgboost4j.java.DMatrix;
import ml.dmlc.xgboost4j.java.XGBoost;
import ml.dmlc.xgboost4j.java.XGBoostError;

/**
 * Exact SHAP contributions, XGBoost's {@code predictContrib} against {@link TreeShap}, on the same
 * booster and rows: a booster of {@code --trees} trees of depth {@code --depth} is trained on
 * {@code --features} synthetic features (10% missing), then both compute the contributions of
 * {@code --rows} rows on 1 and on {@code --threads} threads, each timed after one warm-up pass over
 * a tenth of the rows; the largest difference is printed beside the times.
 */
final class BenchShapJob {
  private BenchShapJob() {}

  static RunSummary run(JobArguments arguments) {
    long rows = arguments.longOption("rows", 300_000);
    long trees = arguments.longOption("trees", 100);
    long depth = arguments.longOption("depth", 4);
    long features = arguments.longOption("features", 9);
    long threads = arguments.longOption("threads", Runtime.getRuntime().availableProcessors());
    // Enough rows to train on; all rows' values in one Java array.
    require("rows", rows, 1_000, (Integer.MAX_VALUE - 8) / Math.max(1, features));
    require("trees", trees, 1, 100_000);
    require("depth", depth, 1, 12);
    require("features", features, 1, 10_000);
    require("threads", threads, 1, 1_024);
    try {
      return bench((int) rows, (int) trees, (int) depth, (int) features, (int) threads);
    } catch (XGBoostError e) {
      throw new IllegalStateException("XGBoost failed: " + e.getMessage(), e);
    }
  }

  private static void require(String option, long value, long least, long most) {
    if (value < least || value > most) {
      throw TargetingException.userError("bench-shap: --%s must be from %d to %d, was %d", option, least, most, value);
    }
  }

  private static RunSummary bench(int rows, int trees, int depth, int features, int threads) throws XGBoostError {
    Random random = new Random(7);
    float[] data = new float[rows * features];
    float[] labels = new float[rows];
    for (int r = 0; r < rows; r++) {
      double signal = 0;
      for (int f = 0; f < features; f++) {
        float v = random.nextDouble() < 0.1 ? Float.NaN : (float) random.nextGaussian();
        data[r * features + f] = v;
        signal += Float.isNaN(v) ? 0 : v * (f % 3 == 0 ? 1 : -0.5) + (f % 2 == 0 ? v * v * 0.3 : 0);
      }
      labels[r] = signal + random.nextGaussian() > 0.5 ? 1f : 0f;
    }
    int trainRows = Math.min(rows, 50_000);
    DMatrix train = new DMatrix(java.util.Arrays.copyOf(data, trainRows * features), trainRows, features, Float.NaN);
    train.setLabel(java.util.Arrays.copyOf(labels, trainRows));
    Booster booster = XGBoost.train(train, new HashMap<>(Map.of("objective", "binary:logistic", "max_depth", depth, "eta", 0.1,
        "nthread", threads, "seed", 7, "verbosity", 0)), trees, Map.of(), null, null);
    TreeShap shap = TreeShap.fromJson(booster.toByteArray("json"));
    DMatrix all = new DMatrix(data, rows, features, Float.NaN);
    DMatrix warm = new DMatrix(java.util.Arrays.copyOf(data, rows / 10 * features), rows / 10, features, Float.NaN);

    RunSummary summary = new RunSummary().put("job", "bench-shap").put("rows", rows).put("trees", trees).put("depth", depth)
        .put("features", features);
    float[][] expected = null;
    double[][] ours = null;
    for (int t : threads == 1 ? new int[] {1} : new int[] {1, threads}) {
      booster.setParam("nthread", t);
      booster.predictContrib(warm, 0);
      long start = System.nanoTime();
      expected = booster.predictContrib(all, 0);
      double nativeSeconds = (System.nanoTime() - start) / 1e9;

      ForkJoinPool pool = new ForkJoinPool(t);
      try {
        pool.submit(() -> contributions(shap, data, rows / 10, features)).join();
        start = System.nanoTime();
        ours = pool.submit(() -> contributions(shap, data, rows, features)).join();
      } finally {
        pool.shutdown();
      }
      double jvmSeconds = (System.nanoTime() - start) / 1e9;
      summary.put("threads_" + t, Map.of("predict_contrib_seconds", round(nativeSeconds), "tree_shap_seconds", round(jvmSeconds),
          "speed_up", round(nativeSeconds / jvmSeconds),
          "tree_shap_ns_per_row_and_tree", round(jvmSeconds * 1e9 * t / rows / trees),
          "predict_contrib_ns_per_row_and_tree", round(nativeSeconds * 1e9 * t / rows / trees)));
    }
    double largest = 0;
    long outside = 0;
    for (int r = 0; r < rows; r++) {
      for (int j = 0; j <= features; j++) {
        double difference = Math.abs(ours[r][j] - expected[r][j]);
        largest = Math.max(largest, difference);
        if (difference > TreeShap.tolerance(expected[r], j, trees)) {
          outside++;
        }
      }
    }
    booster.dispose();
    train.dispose();
    all.dispose();
    warm.dispose();
    return summary.put("largest_difference", largest).put("values_outside_tolerance", outside).put("status", "succeeded");
  }

  private static double[][] contributions(TreeShap shap, float[] data, int rows, int features) {
    double[][] result = new double[rows][];
    IntStream.range(0, rows).parallel().forEach(r -> {
      double[] x = new double[features];
      for (int f = 0; f < features; f++) {
        x[f] = data[r * features + f];
      }
      result[r] = shap.contributions(x);
    });
    return result;
  }

  private static double round(double value) {
    return Math.round(value * 1000) / 1000.0;
  }
}
