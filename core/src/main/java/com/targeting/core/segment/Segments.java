package com.targeting.core.segment;

import static java.util.Objects.requireNonNull;
import static org.apache.spark.sql.functions.avg;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.first;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.when;

import com.targeting.core.TargetingException;
import com.targeting.core.config.ConfigNode;
import com.targeting.core.decide.Decision;
import com.targeting.core.decide.LearnedDecision;
import com.targeting.core.report.Figure;
import com.targeting.core.report.Groups;
import com.targeting.core.report.RunReport;
import com.targeting.core.report.SummarySection;
import com.targeting.core.sink.RunPartition;
import com.targeting.core.transform.StandardizedFeatures;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.apache.spark.ml.clustering.KMeans;
import org.apache.spark.ml.clustering.KMeansModel;
import org.apache.spark.ml.evaluation.ClusteringEvaluator;
import org.apache.spark.ml.linalg.Vector;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Customer segments: Spark ML K-Means ({@code k} clusters, k-means|| initialization, Euclidean
 * distance) on standardized features ({@link StandardizedFeatures}), fitted on each run's kept rows,
 * with the silhouette score (squared Euclidean, Spark's {@link ClusteringEvaluator}). Each segment
 * gets a persona name from its centroid's most distinctive features (the largest |z|: "high
 * followers, high posts 30d").
 *
 * <p><b>Stable ids.</b> A run's clusters are matched to the segments of the latest earlier run in
 * the candidates table ({@link CentroidMatching}: the least total squared distance between this
 * run's centroids and the earlier segments' centroids, the mean of their members' features,
 * standardized as this run's), so a segment keeps its id and its name from week to week; a cluster
 * left unmatched (k grew) gets a new id. The first run numbers segments by size, 1 the largest.
 * Customers found in both runs are counted by their earlier and current segment: the summary's
 * {@code moves}.
 *
 * <pre>
 * { type = segments, output = segment_id, name-output = segment_name, k = 8,
 *   features = [logins_30d, followers, ...], transform = log1p, max-iter = 30, seed = 7 }
 * </pre>
 *
 * <p>Source: Arthur and Vassilvitskii, k-means++ (2007) and Bahmani et al., scalable k-means++
 * (2012), as implemented by Spark ML; Rousseeuw, silhouettes (1987).
 */
public record Segments(String id, String output, String nameOutput, int k, StandardizedFeatures.Spec features, int maxIter,
    long seed, int personaFeatures, String path) implements LearnedDecision {
  private static final Logger LOG = LoggerFactory.getLogger(Segments.class);
  private static final String VECTOR = "__segment_features";
  private static final String CLUSTER = "__segment_cluster";

  public Segments {
    requireNonNull(id, "id is null");
    requireNonNull(output, "output is null");
    requireNonNull(nameOutput, "nameOutput is null");
    requireNonNull(features, "features is null");
    requireNonNull(path, "path is null");
  }

  /**
   * The decision of a {@code type = segments} block.
   *
   * @throws TargetingException a user error naming the path of a bad setting (k outside 2-16, ...)
   */
  public static Segments from(ConfigNode node) {
    int k = node.integer("k", 8);
    if (k < 2 || k > CentroidMatching.MAX_CLUSTERS) {
      throw node.invalid("k", "must be 2 to " + CentroidMatching.MAX_CLUSTERS + ", got " + k);
    }
    int maxIter = node.integer("max-iter", 30);
    if (maxIter < 1) {
      throw node.invalid("max-iter", "must be at least 1, got " + maxIter);
    }
    int personaFeatures = node.integer("persona-features", 2);
    if (personaFeatures < 1) {
      throw node.invalid("persona-features", "must be at least 1, got " + personaFeatures);
    }
    StandardizedFeatures.Spec features = StandardizedFeatures.Spec.from(node);
    return new Segments(node.string("id", "segments"), node.string("output", "segment_id"),
        node.string("name-output", "segment_name"), k, features, maxIter, node.longValue("seed", 7L), personaFeatures, node.path());
  }

  @Override
  public String stage() {
    return id;
  }

  /** A segment of this run: its cluster index, id, persona name, and whether an earlier run had it. */
  record Segment(int cluster, int id, String name, boolean carried, long fittedRows, double[] centroid) {}

  /** An earlier run's segment: id, name, members and mean transformed features (NaN where all were missing). */
  private record Earlier(int id, String name, long members, double[] means) {}

  @Override
  public Decision fit(Dataset<Row> kept, Run run) {
    StandardizedFeatures scaled = features.fit(kept, path);
    List<String> keep = new ArrayList<>(features.columns());
    run.key().filter(key -> !keep.contains(key)).ifPresent(keep::add);
    Dataset<Row> input = kept.select(keep.stream().map(org.apache.spark.sql.functions::col).toArray(Column[]::new));
    Dataset<Row> vectors = scaled.withVector(input, VECTOR);
    long rows = kept.count();
    if (rows < k) {
      throw TargetingException.userError("%s: %d rows kept by the filters, fewer than k = %d segments", path, rows, k);
    }
    KMeansModel model = new KMeans().setK(k).setSeed(seed).setMaxIter(maxIter).setFeaturesCol(VECTOR).setPredictionCol(CLUSTER)
        .fit(vectors);
    Vector[] centers = model.clusterCenters();
    long[] sizes = model.summary().clusterSizes();
    double silhouette = centers.length < 2 ? Double.NaN
        : new ClusteringEvaluator().setFeaturesCol(VECTOR).setPredictionCol(CLUSTER).evaluate(model.transform(vectors));

    RunPartition partition = run.partition();
    Optional<LocalDate> earlierDate = run.candidates().latestRunBefore(run.spark(), partition.program(), partition.runDate());
    Map<String, Object> earlierNote = new LinkedHashMap<>();
    List<Earlier> earlier = earlierDate.map(date -> earlierSegments(run, date, scaled, earlierNote)).orElse(List.of());
    List<Segment> segments = name(centers, sizes, scaled, earlier);
    double matchingDistance = 0;
    for (Segment segment : segments) {
      if (segment.carried()) {
        Earlier match = earlier.stream().filter(e -> e.id() == segment.id()).findFirst().orElseThrow();
        matchingDistance += squaredDistance(segment.centroid(), standardized(match.means(), scaled));
      }
    }
    Fitted fitted = new Fitted(this, scaled, model, segments);
    Map<String, Object> fitReport = new LinkedHashMap<>();
    fitReport.put("k", k);
    fitReport.put("rows_fitted", rows);
    fitReport.put("features", features.columns().size());
    fitReport.put("transform", features.log1p() ? "log1p" : "none");
    fitReport.put("iterations", model.summary().numIter());
    fitReport.put("silhouette", round(silhouette));
    fitReport.put("earlier_run", earlierDate.map(LocalDate::toString).orElse(null));
    if (!earlierNote.isEmpty()) {
      fitReport.putAll(earlierNote);
    }
    if (!earlier.isEmpty()) {
      fitReport.put("matching_distance", round(matchingDistance));
      run.key().ifPresent(key -> fitReport.put("moves", moves(run, earlierDate.orElseThrow(), key, fitted.apply(input))));
    }
    LOG.info("{}: {} segments of {} rows, silhouette {}, earlier run {}", path, segments.size(), rows, round(silhouette),
        earlierDate.map(LocalDate::toString).orElse("none"));
    return fitted.withFitReport(fitReport);
  }

  /**
   * The segments of the earlier run's candidates, with the mean of each feature over their members
   * (transformed as this run's); none, with the reason in {@code note}, when that table lacks a column.
   */
  private List<Earlier> earlierSegments(Run run, LocalDate date, StandardizedFeatures scaled, Map<String, Object> note) {
    Dataset<Row> earlier = run.candidates().read(run.spark(), new RunPartition(run.partition().program(), date));
    List<String> needed = new ArrayList<>(List.of(output, nameOutput));
    needed.addAll(features.columns());
    List<String> missing = needed.stream().filter(column -> !Arrays.asList(earlier.columns()).contains(column)).toList();
    if (!missing.isEmpty()) {
      note.put("earlier_run_unused", "its candidates lack " + missing + ": segments numbered afresh");
      return List.of();
    }
    List<Column> aggregates = new ArrayList<>(List.of(first(col(nameOutput), true), count(lit(1))));
    for (int i = 0; i < features.columns().size(); i++) {
      aggregates.add(avg(scaled.transformed(i)));
    }
    List<Row> rows = earlier.where(col(output).isNotNull()).groupBy(col(output).cast("int"))
        .agg(aggregates.get(0), aggregates.subList(1, aggregates.size()).toArray(Column[]::new)).collectAsList();
    List<Earlier> segments = new ArrayList<>();
    for (Row row : rows) {
      double[] means = new double[features.columns().size()];
      for (int i = 0; i < means.length; i++) {
        means[i] = row.isNullAt(3 + i) ? Double.NaN : row.getDouble(3 + i);
      }
      segments.add(new Earlier(row.getInt(0), row.isNullAt(1) ? "segment " + row.getInt(0) : row.getString(1), row.getLong(2), means));
    }
    segments.sort(Comparator.comparingInt(Earlier::id));
    if (segments.size() > CentroidMatching.MAX_CLUSTERS) {
      note.put("earlier_run_unused", "it had " + segments.size() + " segments, more than " + CentroidMatching.MAX_CLUSTERS
          + ": segments numbered afresh");
      return List.of();
    }
    return segments;
  }

  /** An earlier segment's means as z-scores of this run's standardization (a missing mean is the mean: 0). */
  private static double[] standardized(double[] means, StandardizedFeatures scaled) {
    double[] z = new double[means.length];
    for (int i = 0; i < means.length; i++) {
      z[i] = Double.isNaN(means[i]) ? 0 : scaled.zOfTransformed(i, means[i]);
    }
    return z;
  }

  private static double squaredDistance(double[] a, double[] b) {
    double sum = 0;
    for (int i = 0; i < a.length; i++) {
      sum += (a[i] - b[i]) * (a[i] - b[i]);
    }
    return sum;
  }

  /**
   * Ids and names: matched clusters take their earlier segment's, the others new ids (after the
   * largest id used) and persona names; with no earlier run, ids by size (1 the largest).
   */
  private List<Segment> name(Vector[] centers, long[] sizes, StandardizedFeatures scaled, List<Earlier> earlier) {
    int[] matched = new int[centers.length];
    Arrays.fill(matched, -1);
    if (!earlier.isEmpty()) {
      double[][] cost = new double[centers.length][earlier.size()];
      for (int c = 0; c < centers.length; c++) {
        for (int e = 0; e < earlier.size(); e++) {
          cost[c][e] = squaredDistance(centers[c].toArray(), standardized(earlier.get(e).means(), scaled));
        }
      }
      matched = CentroidMatching.match(cost);
    }
    Integer[] bySize = new Integer[centers.length];
    for (int c = 0; c < centers.length; c++) {
      bySize[c] = c;
    }
    Arrays.sort(bySize, Comparator.comparingLong((Integer c) -> -sizes[c]).thenComparingInt(c -> c));
    Set<String> names = new HashSet<>();
    int nextId = earlier.stream().mapToInt(Earlier::id).max().orElse(0) + 1;
    Segment[] segments = new Segment[centers.length];
    for (int c = 0; c < centers.length; c++) {
      if (matched[c] >= 0) {
        Earlier match = earlier.get(matched[c]);
        segments[c] = new Segment(c, match.id(), match.name(), true, sizes[c], centers[c].toArray());
        names.add(match.name());
      }
    }
    for (int c : bySize) {
      if (segments[c] == null) {
        String name = persona(centers[c].toArray());
        String unique = name;
        for (int n = 2; names.contains(unique); n++) {
          unique = name + " (" + n + ")";
        }
        names.add(unique);
        segments[c] = new Segment(c, nextId++, unique, false, sizes[c], centers[c].toArray());
      }
    }
    return List.of(segments);
  }

  /** "high followers, low days since last active": the centroid's largest |z|, up to {@code personaFeatures}. */
  String persona(double[] centroid) {
    Integer[] order = new Integer[centroid.length];
    for (int i = 0; i < order.length; i++) {
      order[i] = i;
    }
    Arrays.sort(order, Comparator.comparingDouble((Integer i) -> -Math.abs(centroid[i])).thenComparingInt(i -> i));
    List<String> parts = new ArrayList<>();
    for (int j = 0; j < Math.min(personaFeatures, order.length); j++) {
      int i = order[j];
      if (Math.abs(centroid[i]) < 0.25) {
        break;
      }
      parts.add((centroid[i] > 0 ? "high " : "low ") + features.columns().get(i).replace('_', ' '));
    }
    return parts.isEmpty() ? "typical" : String.join(", ", parts);
  }

  /**
   * Customers in both runs by earlier and current segment: stayed, moved (and the largest moves),
   * joined (not in the earlier run's candidates) and left (not kept this run).
   */
  private Map<String, Object> moves(Run run, LocalDate date, String key, Dataset<Row> current) {
    Dataset<Row> earlier = run.candidates().read(run.spark(), new RunPartition(run.partition().program(), date))
        .select(col(key), col(output).cast("int").as("__earlier"));
    Dataset<Row> now = current.select(col(key), col(output).as("__current"));
    List<Row> pairs = earlier.join(now, earlier.col(key).equalTo(now.col(key)), "full_outer")
        .groupBy(col("__earlier"), col("__current")).count().collectAsList();
    long stayed = 0;
    long moved = 0;
    long joined = 0;
    long left = 0;
    List<Map<String, Object>> largest = new ArrayList<>();
    for (Row pair : pairs) {
      long customers = pair.getLong(2);
      if (pair.isNullAt(0)) {
        joined += customers;
      } else if (pair.isNullAt(1)) {
        left += customers;
      } else if (pair.getInt(0) == pair.getInt(1)) {
        stayed += customers;
      } else {
        moved += customers;
        Map<String, Object> move = new LinkedHashMap<>();
        move.put("from", pair.getInt(0));
        move.put("to", pair.getInt(1));
        move.put("customers", customers);
        largest.add(move);
      }
    }
    largest.sort(Comparator.comparingLong((Map<String, Object> move) -> -(Long) move.get("customers"))
        .thenComparingInt(move -> (Integer) move.get("from")).thenComparingInt(move -> (Integer) move.get("to")));
    Map<String, Object> moves = new LinkedHashMap<>();
    moves.put("compared", stayed + moved);
    moves.put("stayed", stayed);
    moves.put("moved", moved);
    moves.put("moved_share", stayed + moved == 0 ? null : round((double) moved / (stayed + moved)));
    moves.put("joined", joined);
    moves.put("left", left);
    moves.put("largest", largest.subList(0, Math.min(10, largest.size())));
    return moves;
  }

  private static Double round(double value) {
    return Figure.round4(value);
  }

  /** The segments fitted on one run: applies the model and names, reports sizes and profiles. */
  static final class Fitted implements Decision, SummarySection {
    private final Segments spec;
    private final StandardizedFeatures scaled;
    private final KMeansModel model;
    private final List<Segment> segments;
    private final Map<String, Object> fitReport;

    Fitted(Segments spec, StandardizedFeatures scaled, KMeansModel model, List<Segment> segments) {
      this(spec, scaled, model, segments, Map.of());
    }

    private Fitted(Segments spec, StandardizedFeatures scaled, KMeansModel model, List<Segment> segments,
        Map<String, Object> fitReport) {
      this.spec = spec;
      this.scaled = scaled;
      this.model = model;
      this.segments = List.copyOf(segments);
      this.fitReport = fitReport;
    }

    Fitted withFitReport(Map<String, Object> report) {
      return new Fitted(spec, scaled, model, segments, new LinkedHashMap<>(report));
    }

    List<Segment> segments() {
      return segments;
    }

    Map<String, Object> fitReport() {
      return java.util.Collections.unmodifiableMap(fitReport);
    }

    /** {@code output} (the segment id, int) and {@code name-output} for every row. */
    @Override
    public Dataset<Row> apply(Dataset<Row> scored) {
      Dataset<Row> predicted = model.transform(scaled.withVector(scored, VECTOR));
      Column id = lit(null).cast("int");
      Column name = lit(null).cast("string");
      for (Segment segment : segments) {
        id = when(col(CLUSTER).equalTo(segment.cluster()), lit(segment.id())).otherwise(id);
        name = when(col(CLUSTER).equalTo(segment.cluster()), lit(segment.name())).otherwise(name);
      }
      return predicted.withColumn(spec.output(), id).withColumn(spec.nameOutput(), name).drop(VECTOR, CLUSTER);
    }

    @Override
    public List<Figure> figures() {
      return List.of(Figure.dimension(spec.output(), col(spec.output()).cast("string")));
    }

    /** The fit's figures, then each segment: id, name, customers selected, carried or new, its distinctive features. */
    @Override
    public void report(RunReport report) {
      Map<String, Object> section = new LinkedHashMap<>(fitReport);
      Map<String, Long> selected = report.groups().countsBy(spec.output(), Groups.Scope.SELECTED);
      List<Map<String, Object>> bySegment = new ArrayList<>();
      for (Segment segment : segments.stream().sorted(Comparator.comparingInt(Segment::id)).toList()) {
        Map<String, Object> entry = new LinkedHashMap<>();
        entry.put("id", segment.id());
        entry.put("name", segment.name());
        entry.put("customers", selected.getOrDefault(Integer.toString(segment.id()), 0L));
        entry.put("carried_from_earlier_run", segment.carried());
        entry.put("distinctive", distinctive(segment.centroid()));
        bySegment.add(entry);
      }
      section.put("segments", bySegment);
      report.put(spec.id(), section);
    }

    /** The centroid's three largest |z|: feature, z and the centroid's value on the feature's own scale. */
    private List<Map<String, Object>> distinctive(double[] centroid) {
      Integer[] order = new Integer[centroid.length];
      for (int i = 0; i < order.length; i++) {
        order[i] = i;
      }
      Arrays.sort(order, Comparator.comparingDouble((Integer i) -> -Math.abs(centroid[i])).thenComparingInt(i -> i));
      List<Map<String, Object>> top = new ArrayList<>();
      for (int j = 0; j < Math.min(3, order.length); j++) {
        int i = order[j];
        Map<String, Object> feature = new LinkedHashMap<>();
        feature.put("feature", scaled.columns().get(i));
        feature.put("z", round(centroid[i]));
        feature.put("centroid_value", round(scaled.original(i, centroid[i])));
        top.add(feature);
      }
      return top;
    }
  }
}
