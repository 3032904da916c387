package com.targeting.core.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import ml.dmlc.xgboost4j.java.Booster;
import ml.dmlc.xgboost4j.java.DMatrix;
import ml.dmlc.xgboost4j.java.XGBoost;
import ml.dmlc.xgboost4j.java.XGBoostError;
import org.junit.jupiter.api.Test;

/**
 * {@link TreeShap} against the definition (Shapley values of the path-dependent value function,
 * every subset enumerated) on random trees, and against XGBoost's own {@code predictContrib} on
 * boosters XGBoost trained.
 */
class TreeShapTest {
  private static final int FEATURES = 5;

  @Test
  void aStumpGivesTheRowsLeafItsDifferenceFromTheMean() {
    // Root splits feature 0 at 0.5 (missing goes left); left leaf -1 (cover 4), right leaf 2 (cover 6).
    TreeShap shap = TreeShap.of(1, 0.25, List.of(new TreeShap.Tree(
        new int[] {1, -1, -1}, new int[] {2, -1, -1}, new int[] {0, 0, 0}, new float[] {0.5f, -1f, 2f},
        new boolean[] {true, false, false}, new double[] {10, 4, 6})));
    // Expected value (-1·4 + 2·6)/10 = 0.8, plus the base margin 0.25.
    assertThat(shap.contributions(new double[] {0.2})).containsExactly(new double[] {-1.8, 1.05}, within(1e-15));
    // A value equal to the threshold goes right (XGBoost's "x < threshold" is left).
    assertThat(shap.contributions(new double[] {0.5})).containsExactly(new double[] {1.2, 1.05}, within(1e-15));
    assertThat(shap.contributions(new double[] {Double.NaN})).containsExactly(new double[] {-1.8, 1.05}, within(1e-15));
  }

  @Test
  void aFeatureSplitTwiceOnAPathIsOnePlayer() {
    // x0 < 1 then x0 < 0: leaves -3 (x0 < 0), 1 (0 <= x0 < 1), 5 (x0 >= 1), covers 2, 3, 5.
    TreeShap shap = TreeShap.of(2, 0.0, List.of(new TreeShap.Tree(
        new int[] {1, 3, -1, -1, -1}, new int[] {2, 4, -1, -1, -1}, new int[] {0, 0, 0, 0, 0},
        new float[] {1f, 0f, 5f, -3f, 1f}, new boolean[] {false, false, false, false, false}, new double[] {10, 5, 5, 2, 3})));
    double mean = (-3 * 2 + 1 * 3 + 5 * 5) / 10.0;
    // One feature: its value is the whole difference from the mean.
    assertThat(shap.contributions(new double[] {0.5, 7})).containsExactly(new double[] {1 - mean, 0, mean}, within(1e-15));
    assertThat(shap.contributions(new double[] {-0.5, 7})).containsExactly(new double[] {-3 - mean, 0, mean}, within(1e-15));
  }

  @Test
  void equalsTheShapleyValuesOfEverySubsetOnRandomTrees() {
    Random random = new Random(20261130);
    int tabulatedTrees = 0;
    int mixedModels = 0;
    int partlyTabulated = 0;
    for (int model = 0; model < 40; model++) {
      List<TreeShap.Tree> trees = new ArrayList<>();
      for (int t = 0; t < 1 + random.nextInt(4); t++) {
        trees.add(randomTree(random, 1 + random.nextInt(8)));
      }
      double base = random.nextGaussian();
      TreeShap tabulated = TreeShap.of(FEATURES, base, trees);
      TreeShap folded = TreeShap.of(FEATURES, base, trees, TreeShap.FOLDED_LIMIT, 0);
      TreeShap weighed = TreeShap.of(FEATURES, base, trees, 0, 0);
      // A budget for some of the trees only, and a copy through Java serialization (how Spark ships it).
      TreeShap partial = TreeShap.of(FEATURES, base, trees, TreeShap.FOLDED_LIMIT, 40);
      TreeShap shipped = serializedCopy(tabulated);
      partlyTabulated += partial.tabulatedTrees() > 0 && partial.tabulatedTrees() < tabulated.tabulatedTrees() ? 1 : 0;
      // Deep trees have too many cells and stay leaf by leaf: models mix the two.
      tabulatedTrees += tabulated.tabulatedTrees();
      mixedModels += tabulated.tabulatedTrees() > 0 && tabulated.tabulatedTrees() < trees.size() ? 1 : 0;
      assertThat(folded.folded()).isTrue();
      assertThat(folded.tabulatedTrees()).isZero();
      assertThat(weighed.folded()).as("unfolded unless no leaf has a feature on its path").isEqualTo(folded.tableSize() == 0);
      assertThat(weighed.tabulatedTrees()).isZero();
      for (double[] x : rows(random, trees, 30)) {
        double[] expected = bruteForce(trees, base, x);
        double margin = base;
        for (TreeShap.Tree tree : trees) {
          margin += leafValue(tree, x);
        }
        for (TreeShap shap : List.of(tabulated, folded, weighed, partial, shipped)) {
          double[] actual = shap.contributions(x);
          assertThat(actual).as("model %d (folded %s, tabulated %d), row %s", model, shap.folded(), shap.tabulatedTrees(),
                  java.util.Arrays.toString(x))
              .containsExactly(expected, within(1e-11));
          assertThat(java.util.Arrays.stream(actual).sum()).isCloseTo(margin, within(1e-11));
        }
      }
    }
    assertThat(tabulatedTrees).isPositive();
    assertThat(mixedModels).isPositive();
    assertThat(partlyTabulated).isPositive();
  }

  @Test
  void equalsXGBoostsOwnContributions() throws XGBoostError {
    Random random = new Random(17);
    int rows = 600;
    float[] data = new float[rows * FEATURES];
    Map<String, float[]> labels = trainingRows(random, data);
    for (String objective : List.of("binary:logistic", "reg:squarederror", "reg:logistic", "reg:pseudohubererror", "count:poisson",
        "reg:gamma", "reg:tweedie")) {
      boolean main = objective.equals("binary:logistic") || objective.equals("reg:squarederror");
      for (int[] shape : main ? new int[][] {{1, 30}, {3, 100}, {6, 40}, {8, 20}} : new int[][] {{4, 30}}) {
        DMatrix train = new DMatrix(data, rows, FEATURES, Float.NaN);
        train.setLabel(labels.get(objective));
        Map<String, Object> params = new HashMap<>(Map.of("objective", objective, "max_depth", shape[0], "eta", 0.3,
            "min_child_weight", 0.1, "nthread", 1, "seed", 7, "verbosity", 0));
        Booster booster = XGBoost.train(train, params, shape[1], Map.of(), null, null);
        TreeShap shap = TreeShap.fromJson(booster.toByteArray("json"));
        assertThat(shap.trees()).isEqualTo(shape[1]);
        if (shape[0] <= 4) {
          assertThat(shap.tabulatedTrees()).as("%s depth %d", objective, shape[0]).isEqualTo(shape[1]);
        }

        float[] scored = rowsOnThresholds(random, shap, data, 200);
        DMatrix matrix = new DMatrix(scored, 200, FEATURES, Float.NaN);
        float[][] native_ = booster.predictContrib(matrix, 0);
        float[][] margins = booster.predict(matrix, true, 0);
        for (int r = 0; r < 200; r++) {
          double[] x = new double[FEATURES];
          for (int f = 0; f < FEATURES; f++) {
            x[f] = scored[r * FEATURES + f];
          }
          double[] ours = shap.contributions(x);
          for (int j = 0; j <= FEATURES; j++) {
            assertThat(ours[j]).as("%s depth %d trees %d row %d entry %d", objective, shape[0], shape[1], r, j)
                .isCloseTo(native_[r][j], within(TreeShap.tolerance(native_[r], j, shape[1])));
          }
          assertThat(java.util.Arrays.stream(ours).sum()).isCloseTo(margins[r][0], within(TreeShap.tolerance(margins[r], 0, shape[1])));
        }
        booster.dispose();
        train.dispose();
        matrix.dispose();
      }
    }
  }

  /**
   * Margins equal XGBoost's bit for bit; predictions through a link within two float ulps of
   * XGBoost's (C's expf and Java's exp round differently on a few rows in ten thousand, and the
   * logistic function's reciprocal may round that difference up once more).
   */
  @Test
  void predictsAsXGBoostDoes() throws XGBoostError {
    Random random = new Random(23);
    int rows = 600;
    float[] data = new float[rows * FEATURES];
    Map<String, float[]> labels = trainingRows(random, data);
    int scoredRows = 5_000;
    for (String objective : labels.keySet().stream().sorted().toList()) {
      for (int[] shape : new int[][] {{2, 50}, {6, 60}}) {
        DMatrix train = new DMatrix(data, rows, FEATURES, Float.NaN);
        train.setLabel(labels.get(objective));
        Map<String, Object> params = new HashMap<>(Map.of("objective", objective, "max_depth", shape[0], "eta", 0.3,
            "min_child_weight", 0.1, "nthread", 1, "seed", 7, "verbosity", 0));
        Booster booster = XGBoost.train(train, params, shape[1], Map.of(), null, null);
        TreeShap model = TreeShap.fromJson(booster.toByteArray("json"));
        assertThat(model.predicts()).as(objective).isTrue();
        float[] scored = rowsOnThresholds(random, model, data, scoredRows);
        DMatrix matrix = new DMatrix(scored, scoredRows, FEATURES, Float.NaN);
        float[][] margins = booster.predict(matrix, true, 0);
        float[][] predictions = booster.predict(matrix, false, 0);
        // The C library's logf may round the base margin to a neighbour of Java's: set as at load.
        assertThat(Contributions.matchBaseMargin(model, scored, margins)).as(objective).isTrue();
        for (int r = 0; r < scoredRows; r++) {
          double[] x = new double[FEATURES];
          for (int f = 0; f < FEATURES; f++) {
            x[f] = scored[r * FEATURES + f];
          }
          float margin = model.margin(x);
          double prediction = model.prediction(x);
          double[] neighbour = new double[FEATURES];
          for (int f = 0; f < FEATURES; f++) { // rows come as doubles; these read as the same floats
            neighbour[f] = r % 2 == 0 ? Math.nextUp(x[f]) : Math.nextDown(x[f]);
          }
          assertThat(model.margin(neighbour)).isEqualTo(margin);
          if (margin != margins[r][0] || ulps(prediction, predictions[r][0]) > 2) {
            assertThat(margin).as("%s depth %d row %d: margin", objective, shape[0], r).isEqualTo(margins[r][0]);
            assertThat(prediction).as("%s depth %d row %d: within 2 ulps", objective, shape[0], r).isEqualTo(predictions[r][0]);
          }
          if (r < 100) {
            double[] both = model.contributionsAndPrediction(x);
            assertThat(both[FEATURES + 1]).isEqualTo(prediction);
            assertThat(java.util.Arrays.copyOf(both, FEATURES + 1)).containsExactly(model.contributions(x));
          }
        }
        booster.dispose();
        train.dispose();
        matrix.dispose();
      }
    }
  }

  /** The links over the range of margins (from a booster without trees, whose prediction is the link of its base margin). */
  @Test
  void theLinksRoundWithinTwoUlpsOfXGBoostsOverTheWholeRange() throws XGBoostError {
    int n = 500_000;
    Random random = new Random(5);
    float[] special = {0f, -0f, 88.7f, -88.7f, 89f, -89f, 100f, -100f, 1e-30f, -1e-30f, Float.MIN_VALUE, 17f, -17f, 30f, -30f, 80f, -80f};
    float[] margins = new float[n];
    for (int i = 0; i < n; i++) {
      margins[i] = i < special.length ? special[i] : (float) (random.nextGaussian() * (i % 3 == 0 ? 30 : 4));
    }
    for (String objective : List.of("binary:logistic", "count:poisson")) {
      DMatrix train = new DMatrix(new float[] {0f, 1f}, 2, 1, Float.NaN);
      train.setLabel(new float[] {0f, 1f});
      Booster booster = XGBoost.train(train, new HashMap<>(Map.of("objective", objective, "nthread", 1, "verbosity", 0)), 0, Map.of(), null,
          null);
      DMatrix matrix = new DMatrix(new float[n], n, 1, Float.NaN);
      float[] base = margins.clone();
      if (objective.equals("count:poisson")) { // exp overflows float beyond 88.7
        for (int i = 0; i < n; i++) {
          base[i] = Math.max(-80f, Math.min(80f, base[i]));
        }
      }
      matrix.setBaseMargin(base);
      float[][] predictions = booster.predict(matrix, false, 0);
      TreeShap.Link link = TreeShap.Link.of(objective);
      int equal = 0;
      for (int i = 0; i < n; i++) {
        double ours = link.apply(base[i]);
        if (ulps(ours, predictions[i][0]) > 2) {
          assertThat(ours).as("%s of margin %s, within 2 ulps", objective, base[i]).isEqualTo(predictions[i][0]);
        }
        equal += ours == predictions[i][0] ? 1 : 0;
      }
      assertThat(equal).as(objective + ": most round the same").isGreaterThan(n * 99 / 100);
      booster.dispose();
      train.dispose();
      matrix.dispose();
    }
  }

  @Test
  void refusesWhatItCannotComputeExactly() throws XGBoostError {
    Random random = new Random(3);
    float[] data = new float[300 * 2];
    float[] labels = new float[300];
    for (int i = 0; i < labels.length; i++) {
      data[2 * i] = (float) random.nextGaussian();
      data[2 * i + 1] = (float) random.nextGaussian();
      labels[i] = i % 3;
    }
    DMatrix train = new DMatrix(data, 300, 2, Float.NaN);
    train.setLabel(labels);
    Booster multiclass = XGBoost.train(train, new HashMap<>(Map.of("objective", "multi:softprob", "num_class", 3, "verbosity", 0)),
        3, Map.of(), null, null);
    assertThatThrownBy(() -> TreeShap.fromJson(multiclass.toByteArray("json")))
        .isInstanceOf(IllegalArgumentException.class).hasMessage("one output per row needed, the model has num_class 3, num_target 1");
    assertThatThrownBy(() -> TreeShap.fromJson("{\"learner\": 1".getBytes(StandardCharsets.UTF_8)))
        .isInstanceOf(IllegalArgumentException.class).hasMessageStartingWith("not an XGBoost JSON model");
    multiclass.dispose();
    train.dispose();
  }

  private static TreeShap serializedCopy(TreeShap shap) {
    try {
      java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
      try (java.io.ObjectOutputStream out = new java.io.ObjectOutputStream(bytes)) {
        out.writeObject(shap);
      }
      try (java.io.ObjectInputStream in = new java.io.ObjectInputStream(new java.io.ByteArrayInputStream(bytes.toByteArray()))) {
        return (TreeShap) in.readObject();
      }
    } catch (java.io.IOException | ClassNotFoundException e) {
      throw new AssertionError(e);
    }
  }

  /**
   * Fills {@code data} (rows of FEATURES values, 10% NaN) and returns a label per objective: a
   * real response of three features, its 0/1 cut for the logistic objectives, and a positive one
   * for the log-link objectives.
   */
  private static Map<String, float[]> trainingRows(Random random, float[] data) {
    int rows = data.length / FEATURES;
    float[] binary = new float[rows];
    float[] real = new float[rows];
    float[] positive = new float[rows];
    for (int r = 0; r < rows; r++) {
      for (int f = 0; f < FEATURES; f++) {
        data[r * FEATURES + f] = random.nextDouble() < 0.1 ? Float.NaN : (float) random.nextGaussian();
      }
      double a = value(data[r * FEATURES]);
      double b = value(data[r * FEATURES + 1]);
      double c = value(data[r * FEATURES + 2]);
      real[r] = (float) (a + b * b - c * a + random.nextGaussian() * 0.5);
      binary[r] = real[r] > 0.5 ? 1f : 0f;
      positive[r] = (float) Math.exp(real[r] / 2);
    }
    return Map.of("binary:logistic", binary, "reg:logistic", binary, "reg:squarederror", real,
        "reg:pseudohubererror", real, "count:poisson", positive, "reg:gamma", positive, "reg:tweedie", positive);
  }

  /** How many floats apart a prediction (a float widened to double) is from XGBoost's. */
  private static long ulps(double ours, float xgboost) {
    if ((double) (float) ours != ours) {
      throw new AssertionError(ours + " is not a float");
    }
    return Math.abs((long) Float.floatToIntBits((float) ours) - Float.floatToIntBits(xgboost));
  }

  private static double value(float v) {
    return Float.isNaN(v) ? 0 : v;
  }

  /** Rows of training values with, in a third of the entries, a split's threshold exactly, one float above or below. */
  private static float[] rowsOnThresholds(Random random, TreeShap shap, float[] data, int rows) {
    float[] thresholds = shap.thresholds();
    float[] result = new float[rows * FEATURES];
    for (int i = 0; i < result.length; i++) {
      float threshold = thresholds[random.nextInt(thresholds.length)];
      result[i] = switch (random.nextInt(6)) {
        case 0 -> threshold;
        case 1 -> Math.nextUp(threshold);
        case 2 -> Math.nextDown(threshold);
        default -> data[random.nextInt(data.length)];
      };
    }
    return result;
  }

  /** A random tree of at most {@code depth} levels over few features (so paths repeat them), covers summing up. */
  private static TreeShap.Tree randomTree(Random random, int depth) {
    List<int[]> children = new ArrayList<>();
    List<Integer> features = new ArrayList<>();
    List<Float> conditions = new ArrayList<>();
    List<Boolean> defaults = new ArrayList<>();
    List<Double> covers = new ArrayList<>();
    grow(random, depth, 1 + random.nextInt(100), children, features, conditions, defaults, covers);
    int n = children.size();
    int[] left = new int[n];
    int[] right = new int[n];
    int[] feature = new int[n];
    float[] condition = new float[n];
    boolean[] defaultLeft = new boolean[n];
    double[] cover = new double[n];
    for (int i = 0; i < n; i++) {
      left[i] = children.get(i)[0];
      right[i] = children.get(i)[1];
      feature[i] = features.get(i);
      condition[i] = conditions.get(i);
      defaultLeft[i] = defaults.get(i);
      cover[i] = covers.get(i);
    }
    return new TreeShap.Tree(left, right, feature, condition, defaultLeft, cover);
  }

  private static int grow(Random random, int depth, double cover, List<int[]> children, List<Integer> features,
      List<Float> conditions, List<Boolean> defaults, List<Double> covers) {
    int node = children.size();
    children.add(new int[] {-1, -1});
    covers.add(cover);
    defaults.add(random.nextBoolean());
    if (depth == 0 || random.nextInt(6) == 0) {
      features.add(0);
      conditions.add((float) random.nextGaussian());
      return node;
    }
    features.add(random.nextInt(3)); // features 0..2 of 5: repeated on paths, 3 and 4 never used
    // Now and then a threshold of the edge cases: signed zeros, infinities, one value used twice.
    conditions.add(random.nextInt(5) > 0 ? (float) (random.nextGaussian() * 0.8)
        : new float[] {0f, -0f, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, 0.25f}[random.nextInt(5)]);
    double share = 0.05 + 0.9 * random.nextDouble();
    int left = grow(random, depth - 1, cover * share, children, features, conditions, defaults, covers);
    int right = grow(random, depth - 1, cover * (1 - share), children, features, conditions, defaults, covers);
    children.set(node, new int[] {left, right});
    return node;
  }

  /** Training-like rows plus NaN, infinities, signed zeros and values on or next to thresholds. */
  private static List<double[]> rows(Random random, List<TreeShap.Tree> trees, int count) {
    List<Float> thresholds = new ArrayList<>();
    for (TreeShap.Tree tree : trees) {
      for (int i = 0; i < tree.left().length; i++) {
        if (tree.left()[i] != -1) {
          thresholds.add(tree.condition()[i]);
        }
      }
    }
    List<double[]> rows = new ArrayList<>();
    for (int r = 0; r < count; r++) {
      double[] x = new double[FEATURES];
      for (int f = 0; f < FEATURES; f++) {
        float threshold = thresholds.isEmpty() ? 0f : thresholds.get(random.nextInt(thresholds.size()));
        x[f] = switch (random.nextInt(9)) {
          case 0 -> Double.NaN;
          case 1 -> random.nextBoolean() ? Double.POSITIVE_INFINITY : Double.NEGATIVE_INFINITY;
          case 2 -> random.nextBoolean() ? 0.0 : -0.0;
          case 3 -> threshold;
          case 4 -> Math.nextUp(threshold);
          case 5 -> Math.nextDown(threshold);
          default -> random.nextGaussian();
        };
      }
      rows.add(x);
    }
    return rows;
  }

  /** φ_i = Σ_S |S|!(M−|S|−1)!/M! (f_{S∪{i}}(x) − f_S(x)) over every subset S of the other features. */
  private static double[] bruteForce(List<TreeShap.Tree> trees, double base, double[] x) {
    double[] phi = new double[FEATURES + 1];
    double[] value = new double[1 << FEATURES];
    for (int s = 0; s < value.length; s++) {
      for (TreeShap.Tree tree : trees) {
        value[s] += conditional(tree, 0, s, x);
      }
    }
    for (int i = 0; i < FEATURES; i++) {
      for (int s = 0; s < value.length; s++) {
        if ((s & (1 << i)) == 0) {
          int size = Integer.bitCount(s);
          phi[i] += factorial(size) * factorial(FEATURES - size - 1) / factorial(FEATURES) * (value[s | (1 << i)] - value[s]);
        }
      }
    }
    phi[FEATURES] = base + value[0];
    return phi;
  }

  /** f_S(x): follow x at splits on known features (in S), else the cover-weighted mean of both sides. */
  private static double conditional(TreeShap.Tree tree, int node, int known, double[] x) {
    if (tree.left()[node] == -1) {
      return tree.condition()[node];
    }
    int left = tree.left()[node];
    int right = tree.right()[node];
    if ((known & (1 << tree.feature()[node])) != 0) {
      return conditional(tree, goesLeft(tree, node, x) ? left : right, known, x);
    }
    return (conditional(tree, left, known, x) * tree.cover()[left] + conditional(tree, right, known, x) * tree.cover()[right])
        / tree.cover()[node];
  }

  private static double leafValue(TreeShap.Tree tree, double[] x) {
    int node = 0;
    while (tree.left()[node] != -1) {
      node = goesLeft(tree, node, x) ? tree.left()[node] : tree.right()[node];
    }
    return tree.condition()[node];
  }

  private static boolean goesLeft(TreeShap.Tree tree, int node, double[] x) {
    double v = x[tree.feature()[node]];
    return Double.isNaN(v) ? tree.defaultLeft()[node] : (float) v < tree.condition()[node];
  }

  private static double factorial(int n) {
    double result = 1;
    for (int i = 2; i <= n; i++) {
      result *= i;
    }
    return result;
  }
}
