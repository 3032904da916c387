package com.targeting.core.model;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.Serializable;
import java.util.ArrayList;
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
 * (2^d doubles) when the model is compiled. A feature split twice on a path is one position whose
 * zero fraction is the product and which is followed only if every split on it is (XGBoost's
 * unwind and re-extend).
 *
 * <p>Per row and tree, the sets O of all leaves come from one pass over the splits, parent before
 * children (a split the row does not follow clears its feature's bit for the subtree on the other
 * side), without a branch on the row's data; then each leaf adds d values. When the tables fit
 * ({@value #FOLDED_LIMIT} doubles in all: 100 trees of depth 6) each leaf's d values are tabled
 * for every O ("folded"), so a leaf costs d additions; beyond, R and C are tabled and a leaf costs
 * d multiplications more.
 *
 * <p>A tree that splits on few distinct thresholds is also tabled whole ("tabulated"): the row's
 * path through it, and so the tree's contributions, depend only on which interval between the
 * tree's sorted thresholds each of its features falls in. Each combination of intervals (a cell)
 * is tabled with the tree's contributions, computed as above for a value of that interval; a row
 * then costs one comparison per threshold and one addition per feature of the tree, instead of a
 * pass over its splits and d additions per leaf. A row missing one of the tree's features takes
 * the leaf tables for that tree (the cells do not cover default branches). Trees of more
 * than {@value #CELL_LIMIT} cells, or beyond {@value #CELL_BUDGET} tabled doubles in all, keep the
 * leaf tables. Only the order in which a tree's terms are added differs (about 1e-16 relative).
 * On the investment-suitability model (100 trees of depth 4 over 9 features: every tree fits, 8 MB
 * of cells) a row takes about 7 us instead of 30.
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
  /** The most doubles of folded tables (32 MB); larger models table R and C instead. */
  static final long FOLDED_LIMIT = 4_000_000;
  /** The most cells of one tabulated tree. */
  static final int CELL_LIMIT = 4096;
  /** The most doubles of all tabulated trees' cells (16 MB). */
  static final long CELL_BUDGET = 2_000_000;

  private final int features;
  private final double baseValue;
  /**
   * The base score in margin units as XGBoost adds it (float), and the objective's link. XGBoost
   * converts the saved base score with its C library's logf, which rounds apart from Java's log
   * now and then: {@link Contributions} may set the neighbouring float that XGBoost's margins show
   * it uses ({@link #useBaseMargin}), once, before the model is shared.
   */
  private float baseMargin;
  private final Link link;
  /** Each leaf's value, as the model stores it (float). */
  private final float[] leafValue;
  private final int trees;
  private final int maxNodes;
  private final boolean folded;
  /** Splits of tree t are [splitStart[t], splitStart[t + 1]), in preorder; leaves likewise. */
  private final int[] splitStart;
  private final int[] leafStart;
  private final int[] splitFeature;
  private final float[] splitThreshold;
  private final boolean[] splitDefaultLeft;
  /** The bit of the split's feature in the sets O of the leaves below it. */
  private final int[] splitBit;
  /** A split's children, numbered within the tree: its splits first (0 is the root), then its leaves. */
  private final int[] splitLeft;
  private final int[] splitRight;
  /** Positions (distinct path features) of leaf l are [positionStart[l], positionStart[l + 1]). */
  private final int[] positionStart;
  private final int[] positionFeature;
  private final double[] positionZero;
  /** Leaf l's tables from tableStart[l]: folded, d values per O; else R(O)·v, then C(O), 2^d each. */
  private final int[] tableStart;
  private final double[] tables;
  /**
   * Tabulated trees: tree t's cells start at cellStart[t] (−1: not tabulated); its features are
   * [cellFeatureStart[t], cellFeatureStart[t + 1]) of cellFeature, each with its stride in the cell
   * index and its sorted distinct thresholds [thresholdStart[i], thresholdStart[i + 1]).
   */
  private final int[] cellStart;
  private final int[] cellFeatureStart;
  private final int[] cellFeature;
  private final int[] cellStride;
  private final int[] thresholdStart;
  private final float[] cellThreshold;
  private final double[] cells;

  private TreeShap(int features, double baseValue, float baseMargin, Link link, Builder b, long foldedLimit, long cellBudget) {
    this.features = features;
    this.baseValue = baseValue;
    this.baseMargin = baseMargin;
    this.link = link;
    this.leafValue = new float[b.leafValue.size()];
    for (int l = 0; l < leafValue.length; l++) {
      leafValue[l] = (float) (double) b.leafValue.get(l);
    }
    this.trees = b.splitStart.size() - 1;
    this.maxNodes = b.maxNodes;
    this.splitStart = ints(b.splitStart);
    this.leafStart = ints(b.leafStart);
    this.splitFeature = ints(b.splitFeature);
    this.splitThreshold = floats(b.splitThreshold);
    this.splitDefaultLeft = booleans(b.splitDefaultLeft);
    this.splitBit = ints(b.splitBit);
    this.splitLeft = ints(b.splitLeft);
    this.splitRight = ints(b.splitRight);
    this.positionStart = ints(b.positionStart);
    this.positionFeature = ints(b.positionFeature);
    this.positionZero = doubles(b.positionZero);
    long foldedSize = 0;
    for (int l = 0; l < b.leafValue.size(); l++) {
      int d = positionStart[l + 1] - positionStart[l];
      foldedSize += (long) d << d;
    }
    this.folded = foldedSize <= foldedLimit;
    this.tableStart = new int[b.leafValue.size()];
    double[] all = new double[(int) Math.min(Integer.MAX_VALUE - 8, folded ? foldedSize : 2L * b.combinationSums.stream().mapToLong(c -> c.length).sum())];
    int offset = 0;
    for (int l = 0; l < tableStart.length; l++) {
      tableStart[l] = offset;
      offset = folded ? fold(l, b.leafValue.get(l), b.combinationSums.get(l), all, offset)
          : weigh(l, b.leafValue.get(l), b.combinationSums.get(l), all, offset);
    }
    this.tables = all;
    Cells tabulated = Cells.of(this, Math.min(cellBudget, Integer.MAX_VALUE - 8));
    this.cellStart = tabulated.start;
    this.cellFeatureStart = ints(tabulated.featureStart);
    this.cellFeature = ints(tabulated.feature);
    this.cellStride = ints(tabulated.stride);
    this.thresholdStart = ints(tabulated.thresholdStart);
    this.cellThreshold = floats(tabulated.threshold);
    this.cells = tabulated.values.build().toArray();
  }

  /** The cell tables of the trees that fit, built from the leaf tables (which must be complete). */
  private static final class Cells {
    final int[] start;
    final List<Integer> featureStart = new ArrayList<>(List.of(0));
    final List<Integer> feature = new ArrayList<>();
    final List<Integer> stride = new ArrayList<>();
    final List<Integer> thresholdStart = new ArrayList<>(List.of(0));
    final List<Float> threshold = new ArrayList<>();
    /** The cells' values, primitive (up to the budget's millions). */
    final java.util.stream.DoubleStream.Builder values = java.util.stream.DoubleStream.builder();
    long size;

    private Cells(int trees) {
      start = new int[trees];
    }

    static Cells of(TreeShap shap, long budget) {
      Cells result = new Cells(shap.trees);
      double[] x = new double[shap.features];
      double[] out = new double[shap.features + 1];
      int[] followed = new int[shap.maxNodes];
      for (int t = 0; t < shap.trees; t++) {
        result.start[t] = -1;
        java.util.TreeMap<Integer, java.util.TreeSet<Float>> thresholds = new java.util.TreeMap<>();
        for (int k = shap.splitStart[t]; k < shap.splitStart[t + 1]; k++) {
          thresholds.computeIfAbsent(shap.splitFeature[k], f -> new java.util.TreeSet<>()).add(shap.splitThreshold[k]);
        }
        long count = 1;
        for (java.util.TreeSet<Float> values : thresholds.values()) {
          count *= values.size() + 1; // below the first, between each two, at or above the last
          count = Math.min(count, (long) CELL_LIMIT + 1);
        }
        long size = count * thresholds.size();
        if (thresholds.isEmpty() || count > CELL_LIMIT || result.size + size > budget) {
          result.featureStart.add(result.feature.size());
          continue;
        }
        result.start[t] = (int) result.size;
        result.size += size;
        List<Integer> local = new ArrayList<>(thresholds.keySet());
        List<float[]> sorted = new ArrayList<>();
        int stride = 1;
        for (int f : local) {
          float[] values = new float[thresholds.get(f).size()];
          int i = 0;
          for (float value : thresholds.get(f)) {
            values[i++] = value;
            result.threshold.add(value);
          }
          sorted.add(values);
          result.feature.add(f);
          result.stride.add(stride);
          result.thresholdStart.add(result.threshold.size());
          stride *= values.length + 1;
        }
        result.featureStart.add(result.feature.size());
        for (int cell = 0; cell < count; cell++) {
          int rest = cell;
          for (int i = 0; i < local.size(); i++) {
            float[] values = sorted.get(i);
            int interval = rest % (values.length + 1);
            rest /= values.length + 1;
            // A value of the interval: below every threshold, or the interval's lower threshold.
            x[local.get(i)] = interval == 0 ? Double.NEGATIVE_INFINITY : values[interval - 1];
          }
          java.util.Arrays.fill(out, 0.0);
          shap.addTree(t, x, out, followed);
          for (int f : local) {
            result.values.add(out[f]);
          }
        }
      }
      return result;
    }
  }

  /** Leaf l's value for each followed set O and position j, from offset; returns the next offset. */
  private int fold(int leaf, double value, double[] sums, double[] into, int offset) {
    int p0 = positionStart[leaf];
    int d = positionStart[leaf + 1] - p0;
    for (int o = 0; o < 1 << d; o++) {
      double weight = residual(leaf, value, o);
      for (int j = 0; j < d; j++) {
        int bit = 1 << j;
        into[offset + o * d + j] = (o & bit) != 0 ? weight * (1.0 - positionZero[p0 + j]) * sums[o ^ bit] : -weight * sums[o];
      }
    }
    return offset + (d << d);
  }

  /** v·R(O) of leaf l: its value times the zero fractions of the path features not in O. */
  private double residual(int leaf, double value, int followed) {
    int p0 = positionStart[leaf];
    double weight = value;
    for (int j = 0; j < positionStart[leaf + 1] - p0; j++) {
      if ((followed & (1 << j)) == 0) {
        weight *= positionZero[p0 + j];
      }
    }
    return weight;
  }

  /** Leaf l's v·R(O), then C(O), for each O, from offset; returns the next offset. */
  private int weigh(int leaf, double value, double[] sums, double[] into, int offset) {
    int p0 = positionStart[leaf];
    int d = positionStart[leaf + 1] - p0;
    for (int o = 0; o < 1 << d; o++) {
      double weight = residual(leaf, value, o);
      into[offset + o] = weight;
      into[offset + (1 << d) + o] = sums[o];
    }
    return offset + (2 << d);
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
    float baseMargin = baseMargin(objective, Float.parseFloat(text(parameters, "base_score").replace("[", "").replace("]", "")));
    JsonNode booster = learner.path("gradient_booster");
    if (!"gbtree".equals(booster.path("name").asText())) {
      throw new IllegalArgumentException("only gbtree boosters, the model's is " + booster.path("name").asText());
    }
    JsonNode info = booster.path("model").path("tree_info");
    JsonNode trees = booster.path("model").path("trees");
    List<Tree> parsed = new ArrayList<>();
    for (int t = 0; t < trees.size(); t++) {
      if (info.path(t).asInt(0) != 0) {
        throw new IllegalArgumentException("tree " + t + " belongs to output " + info.path(t).asInt());
      }
      parsed.add(Tree.fromJson(trees.get(t), t, features));
    }
    return of(features, baseMargin, Link.of(objective), parsed, FOLDED_LIMIT, CELL_BUDGET);
  }

  /** Compiles trees given directly (tests, and models read by other means), with {@code baseMargin} in margin units. */
  static TreeShap of(int features, double baseMargin, List<Tree> trees) {
    return of(features, baseMargin, trees, FOLDED_LIMIT);
  }

  /** As {@link #of(int, double, List)}, folding the tables only if they hold at most {@code foldedLimit} doubles. */
  static TreeShap of(int features, double baseMargin, List<Tree> trees, long foldedLimit) {
    return of(features, baseMargin, trees, foldedLimit, CELL_BUDGET);
  }

  /** As {@link #of(int, double, List, long)}, tabulating trees whole within {@code cellBudget} doubles (0: none). */
  static TreeShap of(int features, double baseMargin, List<Tree> trees, long foldedLimit, long cellBudget) {
    return of(features, baseMargin, Link.IDENTITY, trees, foldedLimit, cellBudget);
  }

  /** As above, predicting with {@code link} from the base margin rounded to float. */
  private static TreeShap of(int features, double baseMargin, Link link, List<Tree> trees, long foldedLimit, long cellBudget) {
    Builder builder = new Builder();
    double baseValue = baseMargin;
    for (Tree tree : trees) {
      baseValue += builder.add(tree);
    }
    return new TreeShap(features, baseValue, (float) baseMargin, link, builder, foldedLimit, cellBudget);
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
    return splitThreshold.clone();
  }

  /** Whether each leaf's values are tabled for every followed set (else computed from R and C). */
  boolean folded() {
    return folded;
  }

  /** The doubles of the tables, the size that dominates a broadcast of this model. */
  long tableSize() {
    return tables.length + cells.length;
  }

  /** How many trees are tabulated whole (the others are computed leaf by leaf). */
  int tabulatedTrees() {
    return (int) java.util.Arrays.stream(cellStart).filter(start -> start >= 0).count();
  }

  /**
   * The SHAP values of one row: M contributions, then the base value; they add up to the margin.
   *
   * @param x the row's M feature values, NaN for missing
   * @throws IllegalArgumentException if {@code x} does not hold M values
   */
  public double[] contributions(double[] x) {
    if (x.length != features) {
      throw new IllegalArgumentException("a row of " + x.length + " values for a model of " + features + " features");
    }
    double[] out = new double[features + 1];
    accumulate(x, out, new int[maxNodes]);
    return out;
  }

  /**
   * The model's margin for one row as XGBoost computes it: the base score in margin units, then
   * each tree's leaf value added in tree order, in float ({@code cpu_predictor.cc}).
   *
   * @param x the row's M feature values, NaN for missing (read as floats, as XGBoost reads them)
   */
  public float margin(double[] x) {
    float sum = baseMargin;
    for (int t = 0; t < trees; t++) {
      int first = splitStart[t];
      int splits = splitStart[t + 1] - first;
      int node = 0;
      while (node < splits) {
        int k = first + node;
        double value = x[splitFeature[k]];
        boolean left = value != value ? splitDefaultLeft[k] : (float) value < splitThreshold[k];
        node = left ? splitLeft[k] : splitRight[k];
      }
      sum += leafValue[leafStart[t] + node - splits];
    }
    return sum;
  }

  /**
   * The model's prediction for one row: {@link #margin} through the objective's link (the logistic
   * function, exp, or none), in float as XGBoost's {@code PredTransform} computes it, widened to
   * double as xgboost4j-spark widens it. For a model {@link Contributions} has checked, the margin
   * is XGBoost's bit for bit and the prediction within two float ulps of XGBoost's: Java's exp
   * stands in for the C library's expf, and the two round apart on about 2 rows in 10,000 (so a
   * row exactly at a score cut-off may fall on the other side of it than under XGBoost).
   */
  public double prediction(double[] x) {
    return link.apply(margin(x));
  }

  /**
   * {@link #contributions} with the {@link #prediction} appended: M contributions, the base value,
   * then the prediction (M + 2 values), from one call per row.
   */
  public double[] contributionsAndPrediction(double[] x) {
    if (x.length != features) {
      throw new IllegalArgumentException("a row of " + x.length + " values for a model of " + features + " features");
    }
    double[] out = new double[features + 2];
    accumulate(x, out, new int[maxNodes]);
    out[features + 1] = prediction(x);
    return out;
  }

  /** The base margin {@link #margin} starts from. */
  float baseMargin() {
    return baseMargin;
  }

  /**
   * Starts {@link #margin} from {@code base} instead: for the load-time check only, before this
   * model is shared, when XGBoost's margins show its C library rounded the base margin to a
   * neighbouring float.
   */
  void useBaseMargin(float base) {
    this.baseMargin = base;
  }

  /** Whether this model's link is one whose prediction can be computed here (see {@link Link#of}). */
  boolean predicts() {
    return link != Link.UNSUPPORTED;
  }

  /**
   * XGBoost's prediction transforms ({@code src/objective/}), in float: the logistic function as
   * {@code common::Sigmoid} writes it (the exponent capped at 88.7, so a very negative margin gives
   * a tiny positive probability, never a division by infinity), exp for the log-link objectives.
   */
  enum Link {
    IDENTITY, LOGISTIC, EXP, UNSUPPORTED;

    static Link of(String objective) {
      return switch (objective) {
        case "binary:logistic", "reg:logistic" -> LOGISTIC;
        case "reg:squarederror", "reg:pseudohubererror", "reg:absoluteerror" -> IDENTITY;
        case "count:poisson", "reg:gamma", "reg:tweedie" -> EXP;
        default -> UNSUPPORTED;
      };
    }

    double apply(float margin) {
      return switch (this) {
        case IDENTITY -> margin;
        case LOGISTIC -> {
          float exponent = Math.min(-margin, 88.7f);
          float denominator = (float) StrictMath.exp(exponent) + 1.0f + 1e-16f;
          yield 1.0f / denominator;
        }
        case EXP -> (float) StrictMath.exp(margin);
        case UNSUPPORTED -> throw new IllegalStateException("no prediction transform for this objective");
      };
    }
  }

  /** Adds the row's contributions to {@code out}, whose first M entries are zero, and sets its base value. */
  private void accumulate(double[] x, double[] out, int[] followed) {
    out[features] = baseValue;
    trees:
    for (int t = 0; t < trees; t++) {
      int start = cellStart[t];
      if (start < 0) {
        addTree(t, x, out, followed);
        continue;
      }
      int f0 = cellFeatureStart[t];
      int f1 = cellFeatureStart[t + 1];
      int cell = 0;
      for (int i = f0; i < f1; i++) {
        double value = x[cellFeature[i]];
        if (value != value) { // missing: the split's default branch, which the cells do not cover
          addTree(t, x, out, followed);
          continue trees;
        }
        float v = (float) value;
        int interval = 0;
        for (int k = thresholdStart[i]; k < thresholdStart[i + 1]; k++) {
          interval += v >= cellThreshold[k] ? 1 : 0;
        }
        cell += interval * cellStride[i];
      }
      int base = start + cell * (f1 - f0) - f0;
      for (int i = f0; i < f1; i++) {
        out[cellFeature[i]] += cells[base + i];
      }
    }
  }

  /** Adds tree t's contributions for row {@code x} to {@code out}, from its leaf tables. */
  private void addTree(int t, double[] x, double[] out, int[] followed) {
    int first = splitStart[t];
    int splits = splitStart[t + 1] - first;
    followed[0] = -1;
    for (int q = 0; q < splits; q++) {
      int k = first + q;
      int set = followed[q];
      double value = x[splitFeature[k]];
      boolean left = value != value ? splitDefaultLeft[k] : (float) value < splitThreshold[k];
      int cleared = set & ~splitBit[k];
      followed[splitLeft[k]] = left ? set : cleared;
      followed[splitRight[k]] = left ? cleared : set;
    }
    for (int leaf = leafStart[t], node = splits; leaf < leafStart[t + 1]; leaf++, node++) {
      int p0 = positionStart[leaf];
      int d = positionStart[leaf + 1] - p0;
      int full = (1 << d) - 1;
      int o = followed[node] & full;
      int table = tableStart[leaf];
      if (folded) {
        int base = table + o * d;
        for (int j = 0; j < d; j++) {
          out[positionFeature[p0 + j]] += tables[base + j];
        }
      } else {
        double weight = tables[table + o];
        int sums = table + (1 << d);
        double unfollowed = -weight * tables[sums + o];
        for (int j = 0; j < d; j++) {
          int bit = 1 << j;
          out[positionFeature[p0 + j]] += (o & bit) != 0
              ? weight * (1.0 - positionZero[p0 + j]) * tables[sums + (o ^ bit)]
              : unfollowed;
        }
      }
    }
  }

  /** XGBoost's {@code ProbToMargin} of the saved base score, in float as XGBoost computes it. */
  private static float baseMargin(String objective, float baseScore) {
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

  /** Flattens trees into the arrays; each add returns the tree's expected value. */
  private static final class Builder {
    final List<Integer> splitStart = new ArrayList<>(List.of(0));
    final List<Integer> leafStart = new ArrayList<>(List.of(0));
    final List<Integer> splitFeature = new ArrayList<>();
    final List<Float> splitThreshold = new ArrayList<>();
    final List<Boolean> splitDefaultLeft = new ArrayList<>();
    final List<Integer> splitBit = new ArrayList<>();
    final List<Integer> splitLeft = new ArrayList<>();
    final List<Integer> splitRight = new ArrayList<>();
    final List<Double> leafValue = new ArrayList<>();
    final List<Integer> positionStart = new ArrayList<>(List.of(0));
    final List<Integer> positionFeature = new ArrayList<>();
    final List<Double> positionZero = new ArrayList<>();
    final List<double[]> combinationSums = new ArrayList<>();
    int maxNodes = 1;

    private Tree tree;
    /** The tree's reachable nodes: splits in preorder, then leaves; each as a JSON node id. */
    private final List<Integer> splits = new ArrayList<>();
    private final List<Integer> leaves = new ArrayList<>();
    /** Per reachable leaf: its path's distinct features and zero fractions, in first-seen order. */
    private final List<List<Integer>> leafFeatures = new ArrayList<>();
    private final List<List<Double>> leafZeros = new ArrayList<>();
    private final List<Integer> splitPosition = new ArrayList<>();
    private final List<int[]> path = new ArrayList<>();

    double add(Tree tree) {
      this.tree = tree;
      splits.clear();
      leaves.clear();
      leafFeatures.clear();
      leafZeros.clear();
      splitPosition.clear();
      double expected = walk(0, 0);
      int[] local = new int[tree.left().length];
      for (int i = 0; i < splits.size(); i++) {
        local[splits.get(i)] = i;
      }
      for (int i = 0; i < leaves.size(); i++) {
        local[leaves.get(i)] = splits.size() + i;
      }
      for (int i = 0; i < splits.size(); i++) {
        int node = splits.get(i);
        splitFeature.add(tree.feature()[node]);
        splitThreshold.add(tree.condition()[node]);
        splitDefaultLeft.add(tree.defaultLeft()[node]);
        splitBit.add(1 << splitPosition.get(i));
        splitLeft.add(local[tree.left()[node]]);
        splitRight.add(local[tree.right()[node]]);
      }
      for (int i = 0; i < leaves.size(); i++) {
        List<Double> zeros = leafZeros.get(i);
        leafValue.add((double) tree.condition()[leaves.get(i)]);
        positionFeature.addAll(leafFeatures.get(i));
        positionZero.addAll(zeros);
        positionStart.add(positionFeature.size());
        combinationSums.add(combinationSums(zeros));
      }
      maxNodes = Math.max(maxNodes, splits.size() + leaves.size());
      splitStart.add(splitFeature.size());
      leafStart.add(leafValue.size());
      return expected;
    }

    /** Visits the reachable nodes depth first; returns the subtree's cover-weighted mean. */
    private double walk(int node, int depth) {
      if (depth > 1024) {
        throw new IllegalArgumentException("a tree deeper than 1024 (a cycle?)");
      }
      if (tree.left()[node] == -1) {
        addLeaf(node);
        return tree.condition()[node];
      }
      double cover = tree.cover()[node];
      int left = tree.left()[node];
      int right = tree.right()[node];
      if (!(cover > 0) || !(tree.cover()[left] >= 0) || !(tree.cover()[right] >= 0)) {
        throw new IllegalArgumentException("node " + node + " has no cover (a model trained without hessians?)");
      }
      List<Integer> above = new ArrayList<>();
      for (int[] step : path) {
        int feature = tree.feature()[step[0]];
        if (!above.contains(feature)) {
          above.add(feature);
        }
      }
      int position = above.indexOf(tree.feature()[node]);
      splits.add(node);
      splitPosition.add(position < 0 ? above.size() : position);
      path.add(new int[] {node, 1});
      double meanLeft = walk(left, depth + 1);
      path.set(path.size() - 1, new int[] {node, 0});
      double meanRight = walk(right, depth + 1);
      path.remove(path.size() - 1);
      return (meanLeft * tree.cover()[left] + meanRight * tree.cover()[right]) / cover;
    }

    private void addLeaf(int node) {
      List<Integer> features = new ArrayList<>();
      List<Double> zeros = new ArrayList<>();
      for (int[] step : path) {
        int split = step[0];
        boolean left = step[1] == 1;
        double fraction = tree.cover()[left ? tree.left()[split] : tree.right()[split]] / tree.cover()[split];
        int feature = tree.feature()[split];
        int position = features.indexOf(feature);
        if (position < 0) {
          features.add(feature);
          zeros.add(fraction);
        } else {
          zeros.set(position, zeros.get(position) * fraction);
        }
      }
      if (features.size() > MAX_PATH_FEATURES) {
        throw new IllegalArgumentException("a leaf with " + features.size() + " distinct features on its path (at most "
            + MAX_PATH_FEATURES + ")");
      }
      leaves.add(node);
      leafFeatures.add(features);
      leafZeros.add(zeros);
    }
  }

  /**
   * C(Q) for every subset Q of the d positions (bit j for position j), the full set excepted (0):
   * Σ_k e_k(z_Q)·(|Q|−k)!(d−1−|Q|+k)!/d!. The elementary symmetric polynomials of a subset come
   * from those of the subset without its highest bit: O(d) per subset.
   */
  private static double[] combinationSums(List<Double> zeros) {
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

  private static float[] floats(List<Float> values) {
    float[] result = new float[values.size()];
    for (int i = 0; i < result.length; i++) {
      result[i] = values.get(i);
    }
    return result;
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
