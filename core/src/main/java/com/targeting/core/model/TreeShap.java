package com.targeting.core.model;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Exact TreeSHAP values of an XGBoost tree ensemble, computed in the JVM: the same numbers as
 * XGBoost's {@code predictContrib} (path-dependent TreeSHAP, Lundberg, Erion and Lee 2018,
 * arXiv:1802.03888, Algorithm 2), in O(T·L·D) per row instead of O(T·L·D²), without the native
 * library and its per-booster lock.
 *
 * <p>The algorithm is Fast TreeSHAP v2 (Yang 2021, arXiv:2109.09847), re-derived for XGBoost's
 * split rule. For one leaf ℓ with value v and the d distinct features on its path (each with its
 * zero fraction z_j, the product of the cover ratios of the path's splits on it), a row enters only
 * through the set O of path features all of whose splits it follows. Then, with
 * R(O) = Π_{j∉O} z_j and C(Q) = Σ_k e_k(z_Q)·(|Q|−k)!(d−1−|Q|+k)!/d! (e_k the elementary symmetric
 * polynomials of the zero fractions in Q), the leaf adds v·R(O)·(1−z_j)·C(O∖{j}) to each followed
 * feature j and −v·R(O)·C(O) to each other path feature. C is tabled per leaf for every subset
 * (2^d doubles) when the model is compiled, so scoring a row is one comparison per split and d
 * look-ups per leaf. A feature split twice on a path is one position whose zero fraction is the
 * product and which is followed only if every split on it is (XGBoost's unwind and re-extend).
 *
 * <p>XGBoost's conventions, read from its source ({@code src/predictor/treeshap.cc},
 * {@code predict_fn.h}, {@code cpu_predictor.cc}): a row goes left when its value, as a float, is
 * strictly less than the split's float threshold; a missing value (NaN) takes the split's default
 * branch; covers are the nodes' hessian sums; the base value (the last entry) is the base score in
 * margin units plus each tree's cover-weighted mean leaf value. Values are in margin units (log-odds
 * for a logistic model) and add up, with the base value, to the model's margin. XGBoost adds the
 * trees in float32; this adds them in double, so the two differ by float rounding (about 1e-7 of the
 * largest value per tree); {@link SavedModel} checks the two agree when it loads a model.
 *
 * <p>Supported: gbtree boosters with numeric splits and one output (binary logistic and regression
 * objectives). Anything else is refused with {@link IllegalArgumentException} and the caller keeps
 * XGBoost's own computation.
 */
public final class TreeShap implements Serializable {
  private static final long serialVersionUID = 1L;
  private static final ObjectMapper JSON = new ObjectMapper().enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS);
  /** Deeper paths would need tables of 2^d doubles per leaf beyond what a broadcast should carry. */
  static final int MAX_PATH_FEATURES = 12;

  private final int features;
  private final double baseValue;
  private final int trees;
  private final int maxNodes;
  /** Internal nodes of tree t are [nodeStart[t], nodeStart[t + 1]); leaves likewise. */
  private final int[] nodeStart;
  private final int[] leafStart;
  private final int[] nodeFeature;
  private final float[] nodeThreshold;
  private final boolean[] nodeDefaultLeft;
  private final double[] leafValue;
  /** Positions (distinct path features) of leaf l are [positionStart[l], positionStart[l + 1]). */
  private final int[] positionStart;
  private final int[] positionFeature;
  private final double[] positionZero;
  /** Path splits of leaf l are [stepStart[l], stepStart[l + 1]): the node (index within its tree), the side ℓ is on, the position. */
  private final int[] stepStart;
  private final int[] stepNode;
  private final boolean[] stepLeft;
  private final int[] stepPosition;
  /** Leaf l's C table: 2^d doubles from tableStart[l]. */
  private final int[] tableStart;
  private final double[] tables;

  private TreeShap(int features, double baseValue, Builder b) {
    this.features = features;
    this.baseValue = baseValue;
    this.trees = b.nodeStart.size() - 1;
    this.maxNodes = b.maxNodes;
    this.nodeStart = ints(b.nodeStart);
    this.leafStart = ints(b.leafStart);
    this.nodeFeature = ints(b.nodeFeature);
    this.nodeThreshold = new float[b.nodeThreshold.size()];
    for (int i = 0; i < nodeThreshold.length; i++) {
      nodeThreshold[i] = b.nodeThreshold.get(i);
    }
    this.nodeDefaultLeft = booleans(b.nodeDefaultLeft);
    this.leafValue = doubles(b.leafValue);
    this.positionStart = ints(b.positionStart);
    this.positionFeature = ints(b.positionFeature);
    this.positionZero = doubles(b.positionZero);
    this.stepStart = ints(b.stepStart);
    this.stepNode = ints(b.stepNode);
    this.stepLeft = booleans(b.stepLeft);
    this.stepPosition = ints(b.stepPosition);
    this.tableStart = ints(b.tableStart);
    this.tables = doubles(b.tables);
  }

  /**
   * Compiles a booster saved as JSON (xgboost4j's {@code Booster.toByteArray("json")}, XGBoost 1.x
   * to 3.x model schema).
   *
   * @throws IllegalArgumentException if the model is not a single-output gbtree with numeric splits
   *     and a supported objective, or a split has no cover (XGBoost's own computation divides by it)
   */
  public static TreeShap fromJson(byte[] modelJson) {
    JsonNode learner;
    try {
      learner = JSON.readTree(modelJson).path("learner");
    } catch (IOException e) {
      throw new IllegalArgumentException("not an XGBoost JSON model: " + e.getMessage(), e);
    }
    JsonNode parameters = learner.path("learner_model_param");
    int features = Integer.parseInt(text(parameters, "num_feature"));
    String numClass = parameters.path("num_class").asText("0");
    String numTarget = parameters.path("num_target").asText("1");
    if (!numClass.equals("0") && !numClass.equals("1") || !numTarget.equals("1")) {
      throw new IllegalArgumentException("one output per row needed, the model has num_class " + numClass + ", num_target " + numTarget);
    }
    String objective = learner.path("objective").path("name").asText();
    double baseValue = baseMargin(objective, Float.parseFloat(text(parameters, "base_score").replace("[", "").replace("]", "")));
    JsonNode booster = learner.path("gradient_booster");
    if (!"gbtree".equals(booster.path("name").asText())) {
      throw new IllegalArgumentException("only gbtree boosters, the model's is " + booster.path("name").asText());
    }
    Builder builder = new Builder();
    JsonNode info = booster.path("model").path("tree_info");
    JsonNode trees = booster.path("model").path("trees");
    for (int t = 0; t < trees.size(); t++) {
      if (info.path(t).asInt(0) != 0) {
        throw new IllegalArgumentException("tree " + t + " belongs to output " + info.path(t).asInt());
      }
      baseValue += builder.add(Tree.fromJson(trees.get(t), t, features));
    }
    return new TreeShap(features, baseValue, builder.done());
  }

  /** Compiles trees given directly (tests, and models read by other means), with {@code baseMargin} in margin units. */
  static TreeShap of(int features, double baseMargin, List<Tree> trees) {
    Builder builder = new Builder();
    double baseValue = baseMargin;
    for (Tree tree : trees) {
      baseValue += builder.add(tree);
    }
    return new TreeShap(features, baseValue, builder.done());
  }

  /** The number of features M: rows have M values, contributions M + 1 (the base value last). */
  public int features() {
    return features;
  }

  /** The number of trees. */
  public int trees() {
    return trees;
  }

  /** The base value: the expected margin when no feature is known (the last entry of every row's contributions). */
  public double baseValue() {
    return baseValue;
  }

  /**
   * How far a value of ours may be from entry {@code j} of XGBoost's contributions {@code native_}
   * of the same row: 1e-6 relative, plus XGBoost's float32 accumulation, up to 2^-24 of the row's
   * largest value per tree (XGBoost's own contributions miss its margin by as much).
   */
  public static double tolerance(float[] native_, int j, int trees) {
    double largest = 1.0;
    for (float value : native_) {
      largest = Math.max(largest, Math.abs(value));
    }
    return 1e-6 * Math.max(1.0, Math.abs(native_[j])) + trees * Math.pow(2, -24) * largest;
  }

  /** Every split's threshold (rows on and next to them check a model against XGBoost). */
  float[] thresholds() {
    return nodeThreshold.clone();
  }

  /** The doubles of the subset tables, the size that dominates a broadcast of this model. */
  long tableSize() {
    return tables.length;
  }

  /**
   * The SHAP values of one row: M contributions, then the base value; they add up to the margin.
   *
   * @param x the row's M feature values, NaN for missing
   * @throws IllegalArgumentException if {@code x} does not hold M values
   */
  public double[] contributions(double[] x) {
    double[] out = new double[features + 1];
    contributions(x, out, new boolean[maxNodes]);
    return out;
  }

  /** As {@link #contributions(double[])}, into {@code out} (M + 1), with {@code scratch} of at least {@link #scratchSize()}. */
  public void contributions(double[] x, double[] out, boolean[] scratch) {
    if (x.length != features) {
      throw new IllegalArgumentException("a row of " + x.length + " values for a model of " + features + " features");
    }
    Arrays.fill(out, 0, features, 0.0);
    out[features] = baseValue;
    boolean[] goesLeft = scratch;
    for (int t = 0; t < trees; t++) {
      int first = nodeStart[t];
      int nodes = nodeStart[t + 1] - first;
      for (int q = 0; q < nodes; q++) {
        double value = x[nodeFeature[first + q]];
        goesLeft[q] = Double.isNaN(value) ? nodeDefaultLeft[first + q] : (float) value < nodeThreshold[first + q];
      }
      for (int leaf = leafStart[t]; leaf < leafStart[t + 1]; leaf++) {
        int p0 = positionStart[leaf];
        int d = positionStart[leaf + 1] - p0;
        int full = (1 << d) - 1;
        int followed = full;
        for (int s = stepStart[leaf]; s < stepStart[leaf + 1]; s++) {
          if (goesLeft[stepNode[s]] != stepLeft[s]) {
            followed &= ~(1 << stepPosition[s]);
          }
        }
        double weight = leafValue[leaf];
        for (int j = 0; j < d; j++) {
          if ((followed & (1 << j)) == 0) {
            weight *= positionZero[p0 + j];
          }
        }
        int table = tableStart[leaf];
        double unfollowed = followed == full ? 0.0 : -weight * tables[table + followed];
        for (int j = 0; j < d; j++) {
          int bit = 1 << j;
          out[positionFeature[p0 + j]] += (followed & bit) != 0
              ? weight * (1.0 - positionZero[p0 + j]) * tables[table + (followed ^ bit)]
              : unfollowed;
        }
      }
    }
  }

  /** The scratch a call of {@link #contributions(double[], double[], boolean[])} needs. */
  public int scratchSize() {
    return maxNodes;
  }

  /** XGBoost's {@code ProbToMargin} of the saved base score, in float as XGBoost computes it. */
  private static double baseMargin(String objective, float baseScore) {
    return switch (objective) {
      case "binary:logistic", "reg:logistic" -> (float) -Math.log(1.0f / baseScore - 1.0f);
      case "reg:squarederror", "reg:pseudohubererror", "reg:absoluteerror" -> baseScore;
      case "count:poisson", "reg:gamma", "reg:tweedie" -> (float) Math.log(baseScore);
      default -> throw new IllegalArgumentException("objective " + objective + " is not supported");
    };
  }

  private static String text(JsonNode node, String field) {
    JsonNode value = node.path(field);
    if (value.isMissingNode() || value.isNull()) {
      throw new IllegalArgumentException("the model has no " + field);
    }
    return value.asText();
  }

  /**
   * One regression tree as XGBoost stores it: per node, children (−1 for none), split feature,
   * threshold (a leaf's value at a leaf), default direction and cover; node 0 is the root.
   */
  record Tree(int[] left, int[] right, int[] feature, float[] condition, boolean[] defaultLeft, double[] cover) {
    static Tree fromJson(JsonNode tree, int index, int features) {
      int[] left = intArray(tree.path("left_children"));
      int[] right = intArray(tree.path("right_children"));
      int[] feature = intArray(tree.path("split_indices"));
      JsonNode conditions = tree.path("split_conditions");
      JsonNode hessians = tree.path("sum_hessian");
      JsonNode defaults = tree.path("default_left");
      JsonNode types = tree.path("split_type");
      int n = left.length;
      if (right.length != n || feature.length != n || conditions.size() != n || hessians.size() != n || defaults.size() != n) {
        throw new IllegalArgumentException("tree " + index + " has arrays of different lengths");
      }
      float[] condition = new float[n];
      double[] cover = new double[n];
      boolean[] defaultLeft = new boolean[n];
      for (int i = 0; i < n; i++) {
        // The writer prints the shortest decimal that reads back as the same float: parse the
        // decimal once, to float, never through a double (two roundings).
        condition[i] = Float.parseFloat(conditions.get(i).decimalValue().toString());
        cover[i] = Float.parseFloat(hessians.get(i).decimalValue().toString());
        defaultLeft[i] = defaults.get(i).asInt() != 0;
        if (types.size() > i && types.get(i).asInt() != 0) {
          throw new IllegalArgumentException("tree " + index + " has a categorical split");
        }
        if (left[i] != -1 && (feature[i] < 0 || feature[i] >= features)) {
          throw new IllegalArgumentException("tree " + index + " splits on feature " + feature[i] + " of " + features);
        }
      }
      String leafVector = tree.path("tree_param").path("size_leaf_vector").asText("1");
      if (!leafVector.equals("0") && !leafVector.equals("1")) {
        throw new IllegalArgumentException("tree " + index + " has vector leaves");
      }
      return new Tree(left, right, feature, condition, defaultLeft, cover);
    }

    private static int[] intArray(JsonNode values) {
      int[] result = new int[values.size()];
      for (int i = 0; i < result.length; i++) {
        result[i] = values.get(i).asInt();
      }
      return result;
    }
  }

  /** Flattens trees into the arrays, leaf by leaf; each add returns the tree's expected value. */
  private static final class Builder {
    final List<Integer> nodeStart = new ArrayList<>(List.of(0));
    final List<Integer> leafStart = new ArrayList<>(List.of(0));
    final List<Integer> nodeFeature = new ArrayList<>();
    final List<Float> nodeThreshold = new ArrayList<>();
    final List<Boolean> nodeDefaultLeft = new ArrayList<>();
    final List<Double> leafValue = new ArrayList<>();
    final List<Integer> positionStart = new ArrayList<>(List.of(0));
    final List<Integer> positionFeature = new ArrayList<>();
    final List<Double> positionZero = new ArrayList<>();
    final List<Integer> stepStart = new ArrayList<>(List.of(0));
    final List<Integer> stepNode = new ArrayList<>();
    final List<Boolean> stepLeft = new ArrayList<>();
    final List<Integer> stepPosition = new ArrayList<>();
    final List<Integer> tableStart = new ArrayList<>();
    final List<Double> tables = new ArrayList<>();
    int maxNodes = 1;

    private Tree tree;
    private int[] local;
    private final List<int[]> path = new ArrayList<>();

    double add(Tree tree) {
      this.tree = tree;
      this.local = new int[tree.left().length];
      Arrays.fill(local, -1);
      int before = nodeFeature.size();
      double expected = walk(0, 0);
      maxNodes = Math.max(maxNodes, nodeFeature.size() - before);
      nodeStart.add(nodeFeature.size());
      leafStart.add(leafValue.size());
      return expected;
    }

    Builder done() {
      return this;
    }

    /** Visits the reachable nodes depth first, numbering internal nodes; returns the subtree's cover-weighted mean. */
    private double walk(int node, int depth) {
      if (depth > 1024) {
        throw new IllegalArgumentException("a tree deeper than 1024 (a cycle?)");
      }
      if (tree.left()[node] == -1) {
        addLeaf(tree.condition()[node]);
        return tree.condition()[node];
      }
      double cover = tree.cover()[node];
      int left = tree.left()[node];
      int right = tree.right()[node];
      if (!(cover > 0) || !(tree.cover()[left] >= 0) || !(tree.cover()[right] >= 0)) {
        throw new IllegalArgumentException("node " + node + " has no cover (a model trained without hessians?)");
      }
      int index = nodeFeature.size() - nodeStart.get(nodeStart.size() - 1);
      local[node] = index;
      nodeFeature.add(tree.feature()[node]);
      nodeThreshold.add(tree.condition()[node]);
      nodeDefaultLeft.add(tree.defaultLeft()[node]);
      path.add(new int[] {node, 1});
      double meanLeft = walk(left, depth + 1);
      path.set(path.size() - 1, new int[] {node, 0});
      double meanRight = walk(right, depth + 1);
      path.remove(path.size() - 1);
      return (meanLeft * tree.cover()[left] + meanRight * tree.cover()[right]) / cover;
    }

    private void addLeaf(double value) {
      List<Integer> features = new ArrayList<>();
      List<Double> zeros = new ArrayList<>();
      for (int[] step : path) {
        int node = step[0];
        boolean left = step[1] == 1;
        double fraction = tree.cover()[left ? tree.left()[node] : tree.right()[node]] / tree.cover()[node];
        int feature = tree.feature()[node];
        int position = features.indexOf(feature);
        if (position < 0) {
          position = features.size();
          features.add(feature);
          zeros.add(fraction);
        } else {
          zeros.set(position, zeros.get(position) * fraction);
        }
        stepNode.add(local[node]);
        stepLeft.add(left);
        stepPosition.add(position);
      }
      int d = features.size();
      if (d > MAX_PATH_FEATURES) {
        throw new IllegalArgumentException("a leaf with " + d + " distinct features on its path (at most " + MAX_PATH_FEATURES + ")");
      }
      leafValue.add(value);
      positionFeature.addAll(features);
      positionZero.addAll(zeros);
      positionStart.add(positionFeature.size());
      stepStart.add(stepNode.size());
      tableStart.add(tables.size());
      for (double c : combinationSums(zeros)) {
        tables.add(c);
      }
    }
  }

  /**
   * C(Q) for every subset Q of the d positions (bit j for position j), the full set excepted (0):
   * Σ_k e_k(z_Q)·(|Q|−k)!(d−1−|Q|+k)!/d!. The elementary symmetric polynomials of a subset come
   * from those of the subset without its highest bit: O(d) per subset.
   */
  static double[] combinationSums(List<Double> zeros) {
    int d = zeros.size();
    double[] result = new double[1 << d];
    double[][] symmetric = new double[1 << d][];
    symmetric[0] = new double[] {1.0};
    double[] weight = new double[d + 1]; // weight[s] = s!(d−1−s)!/d! = 1/(d·binomial(d−1, s)) for s = 0..d−1
    double binomial = 1.0;
    for (int s = 0; s < d; s++) {
      weight[s] = 1.0 / (d * binomial);
      binomial = binomial * (d - 1 - s) / (s + 1);
    }
    for (int mask = 1; mask < 1 << d; mask++) {
      int high = 31 - Integer.numberOfLeadingZeros(mask);
      double[] previous = symmetric[mask ^ (1 << high)];
      double z = zeros.get(high);
      double[] e = new double[previous.length + 1];
      for (int k = 0; k < e.length; k++) {
        e[k] = (k < previous.length ? previous[k] : 0.0) + (k > 0 ? z * previous[k - 1] : 0.0);
      }
      symmetric[mask] = e;
    }
    for (int mask = 0; mask < (1 << d) - 1; mask++) {
      double[] e = symmetric[mask];
      int size = e.length - 1;
      double sum = 0.0;
      for (int k = 0; k <= size; k++) {
        sum += e[k] * weight[size - k];
      }
      result[mask] = sum;
    }
    return result;
  }

  private static int[] ints(List<Integer> values) {
    return values.stream().mapToInt(Integer::intValue).toArray();
  }

  private static double[] doubles(List<Double> values) {
    return values.stream().mapToDouble(Double::doubleValue).toArray();
  }

  private static boolean[] booleans(List<Boolean> values) {
    boolean[] result = new boolean[values.size()];
    for (int i = 0; i < result.length; i++) {
      result[i] = values.get(i);
    }
    return result;
  }
}
