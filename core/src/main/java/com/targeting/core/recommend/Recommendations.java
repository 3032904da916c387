package com.targeting.core.recommend;

import static java.util.Objects.requireNonNull;
import static org.apache.spark.sql.functions.array;
import static org.apache.spark.sql.functions.array_except;
import static org.apache.spark.sql.functions.coalesce;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.collect_list;
import static org.apache.spark.sql.functions.collect_set;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.desc;
import static org.apache.spark.sql.functions.explode;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.row_number;
import static org.apache.spark.sql.functions.size;
import static org.apache.spark.sql.functions.slice;
import static org.apache.spark.sql.functions.sort_array;
import static org.apache.spark.sql.functions.struct;
import static org.apache.spark.sql.functions.when;

import com.targeting.core.TargetingException;
import com.targeting.core.config.ConfigNode;
import com.targeting.core.decide.Decision;
import com.targeting.core.decide.LearnedDecision;
import com.targeting.core.report.Figure;
import com.targeting.core.report.Groups;
import com.targeting.core.report.RunReport;
import com.targeting.core.report.SummarySection;
import com.targeting.core.source.TableInput;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.ml.recommendation.ALS;
import org.apache.spark.ml.recommendation.ALSModel;
import org.apache.spark.mllib.evaluation.RankingMetrics;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.expressions.Window;
import org.apache.spark.storage.StorageLevel;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import scala.Tuple2;

/**
 * Top-{@code k} item recommendations per customer by collaborative filtering on implicit feedback:
 * Spark ML ALS with {@code implicitPrefs} (Hu, Koren and Volinsky, "Collaborative filtering for
 * implicit feedback datasets", ICDM 2008), the preference of a customer for an item being the
 * number of interactions (a gig applied to, a connection accepted) in the last {@code
 * lookback-days}, its confidence {@code 1 + alpha * count}. Items a customer already interacted
 * with are not recommended again. A customer with no interactions (cold start: ALS has no factors
 * for them) gets the {@code k} most popular items of their segment ({@code segment}, a column an
 * earlier decision adds), or overall when the segment is unknown; {@code source-output} says
 * which ({@code als}, {@code popular-in-segment}).
 *
 * <p>Measured every run on a time-based holdout: the model refitted on interactions before the
 * last {@code holdout-days}, its top {@code k} for the customers who interacted in those days
 * against what they interacted with, beside the popular-in-segment baseline on the same customers:
 * precision@k, recall@k and NDCG@k (binary relevance; Spark's {@link RankingMetrics}).
 *
 * <pre>
 * { type = recommendations, id = gig_recommendations, output = recommended_gigs, k = 10, segment = segment_id,
 *   interactions { path = ..., format = csv, options { header = "true" }, item-column = gig_id, date-column = applied_on },
 *   als { rank = 16, max-iter = 10, reg-param = 0.1, alpha = 10 } }
 * </pre>
 */
public record Recommendations(String id, String output, String sourceOutput, int k, Optional<String> segment, Interactions interactions,
    int rank, int maxIter, double regParam, double alpha, long seed, int holdoutDays, int lookbackDays, LocalDate runDate, String path)
    implements LearnedDecision {
  private static final Logger LOG = LoggerFactory.getLogger(Recommendations.class);

  /** The interactions table: where it is and what its columns are called. */
  public record Interactions(TableInput table, String key, String item, String date) {
    public Interactions {
      requireNonNull(table, "table is null");
    }

    String describe() {
      return table.describe();
    }
  }

  public Recommendations {
    requireNonNull(id, "id is null");
    requireNonNull(output, "output is null");
    requireNonNull(sourceOutput, "sourceOutput is null");
    requireNonNull(segment, "segment is null");
    requireNonNull(interactions, "interactions is null");
    requireNonNull(runDate, "runDate is null");
    requireNonNull(path, "path is null");
  }

  /**
   * The decision of a {@code type = recommendations} block.
   *
   * @throws TargetingException a user error naming the path of a bad setting
   */
  public static Recommendations from(ConfigNode node, Map<String, Object> parameters) {
    int k = node.integer("k", 10);
    if (k < 1 || k > 100) {
      throw node.invalid("k", "must be 1 to 100, got " + k);
    }
    ConfigNode source = node.node("interactions");
    Interactions interactions = new Interactions(TableInput.from(source), source.string("key-column", "customer_id"),
        source.string("item-column", "item_id"), source.string("date-column", "event_date"));
    int holdout = source.integer("holdout-days", 14);
    int lookback = source.integer("lookback-days", 180);
    if (holdout < 1 || holdout >= lookback) {
      throw source.invalid("holdout-days", "need 1 <= holdout-days < lookback-days, got " + holdout + " and " + lookback);
    }
    ConfigNode als = node.optionalNode("als").orElse(null);
    int rank = als == null ? 16 : als.integer("rank", 16);
    int maxIter = als == null ? 10 : als.integer("max-iter", 10);
    double regParam = als == null ? 0.1 : als.doubleValue("reg-param", 0.1);
    double alpha = als == null ? 10 : als.doubleValue("alpha", 10);
    if (rank < 1 || maxIter < 1 || !(regParam >= 0) || !(alpha > 0)) {
      throw node.invalid("als", "rank and max-iter at least 1, reg-param at least 0, alpha above 0; got " + rank + ", " + maxIter
          + ", " + regParam + ", " + alpha);
    }
    Object runDate = parameters.get("run_date");
    if (!(runDate instanceof LocalDate date)) {
      throw new IllegalStateException("the program's parameters have no run_date");
    }
    return new Recommendations(node.string("id", "recommendations"), node.string("output", "recommendations"),
        node.string("source-output", node.string("output", "recommendations") + "_source"), k, node.optionalString("segment"),
        interactions, rank, maxIter, regParam, alpha, als == null ? 3L : als.longValue("seed", 3L), holdout, lookback, date, node.path());
  }

  @Override
  public String stage() {
    return id;
  }

  /** Metrics of a ranking against the holdout: precision@k, recall@k, NDCG@k. */
  record Ranking(double precision, double recall, double ndcg) {
    Map<String, Object> toMap(int k) {
      Map<String, Object> map = new LinkedHashMap<>();
      map.put("precision_at_" + k, round(precision));
      map.put("recall_at_" + k, round(recall));
      map.put("ndcg_at_" + k, round(ndcg));
      return map;
    }
  }

  @Override
  public Decision fit(Dataset<Row> kept, Run run) {
    String key = run.key().orElseThrow(() -> TargetingException.userError(
        "%s: the program has no key column (program.key) to join interactions on", path));
    segment.ifPresent(column -> {
      if (!Arrays.asList(kept.columns()).contains(column)) {
        throw TargetingException.userError("%s.segment: no column %s when this decision is fitted (a segments decision before "
            + "this one adds it)", path, column);
      }
    });
    Column segmentColumn = segment.map(column -> col(column).cast("string")).orElse(lit("all"));
    Dataset<Row> customers = kept.select(col(key).cast("string").as("__key"), segmentColumn.as("__segment"));
    Dataset<Row> events = readInteractions(run);
    // Customers and items as dense integer ids, as ALS wants them.
    Dataset<Row> users = index(run, events, "__key", "__user").persist(StorageLevel.MEMORY_AND_DISK());
    Dataset<Row> items = index(run, events, "__item", "__item_id").persist(StorageLevel.MEMORY_AND_DISK());
    Dataset<Row> indexed = events.join(users, "__key").join(items, "__item").persist(StorageLevel.MEMORY_AND_DISK());
    List<Dataset<Row>> cached = new ArrayList<>(List.of(users, items, indexed));
    try {
      Column beforeHoldout = col("__date").lt(lit(runDate.minusDays(holdoutDays).toString()).cast("date"));
      long eventCount = indexed.count();

      // The holdout: fitted before it, measured on it, beside popularity in the customer's segment.
      Dataset<Row> train = indexed.where(beforeHoldout);
      Dataset<Row> test = indexed.where(org.apache.spark.sql.functions.not(beforeHoldout));
      Map<String, Object> evaluation = evaluate(run, train, test, customers);

      // Served: fitted on every interaction of the lookback.
      ALSModel model = als().fit(ratings(indexed));
      Dataset<Row> popular = popularInSegment(indexed, customers, k);
      Map<String, List<String>> popularBySegment = new LinkedHashMap<>();
      for (Row row : popular.collectAsList()) {
        popularBySegment.put(row.getString(0), row.getList(1));
      }
      Dataset<Row> recommended = recommend(model, indexed, customers.join(users, "__key"), items)
          .persist(StorageLevel.MEMORY_AND_DISK());
      cached.add(recommended);
      long withAls = recommended.count();
      Map<String, Object> report = new LinkedHashMap<>();
      report.put("interactions", interactions.describe());
      report.put("interactions_used", eventCount);
      report.put("customers_with_interactions", users.count());
      report.put("items", items.count());
      report.put("k", k);
      report.put("als", Map.of("rank", rank, "max_iter", maxIter, "reg_param", regParam, "alpha", alpha));
      report.put("customers_recommended_by_als", withAls);
      report.put("holdout_evaluation", evaluation);
      LOG.info("{}: ALS on {} interactions; holdout {}", path, eventCount, evaluation);
      for (Dataset<Row> dataset : List.of(users, items, indexed)) {
        dataset.unpersist();
      }
      return new Fitted(this, key, recommended, popularBySegment, report);
    } catch (RuntimeException | Error e) {
      cached.forEach(Dataset::unpersist);
      throw e;
    }
  }

  private ALS als() {
    return new ALS().setImplicitPrefs(true).setRank(rank).setMaxIter(maxIter).setRegParam(regParam).setAlpha(alpha).setSeed(seed)
        .setUserCol("__user").setItemCol("__item_id").setRatingCol("__count").setColdStartStrategy("drop");
  }

  /** Interactions per customer and item: their number, ALS's implicit preference. */
  private static Dataset<Row> ratings(Dataset<Row> indexed) {
    return indexed.groupBy("__user", "__item_id").agg(count(lit(1)).cast("float").as("__count"));
  }

  /** The distinct values of {@code column} numbered 0, 1, ...: ({@code column}, {@code idColumn} int). */
  private static Dataset<Row> index(Run run, Dataset<Row> events, String column, String idColumn) {
    // Sorted first: the same values get the same ids whenever the partition is computed (a recomputed
    // cache must not renumber customers under a fitted model), and a rerun fits the same model.
    JavaRDD<Row> numbered = events.select(column).distinct().orderBy(column).javaRDD().zipWithIndex()
        .map(pair -> org.apache.spark.sql.RowFactory.create(pair._1().getString(0), pair._2().intValue()));
    return run.spark().createDataFrame(numbered, org.apache.spark.sql.types.StructType.fromDDL(column + " STRING, " + idColumn + " INT"));
  }

  /** Recommendations asked of ALS beyond {@code k}, to leave out items a customer already interacted with. */
  private static final int EXTRA = 40;

  /**
   * Each customer's top {@code k} items by the model, leaving out items they interacted with:
   * ({@code __key}, {@code __recommended} array of item ids, best first). ALS is asked for {@code k
   * + 40}; a customer with more of those already seen has the list filled with the most popular
   * items overall they have not seen (the seen filter is never relaxed).
   */
  private Dataset<Row> recommend(ALSModel model, Dataset<Row> seen, Dataset<Row> usersToServe, Dataset<Row> items) {
    Dataset<Row> raw = model.recommendForUserSubset(usersToServe.select("__user"), k + EXTRA)
        .select(col("__user"), explode(col("recommendations")).as("__rec"))
        .select(col("__user"), col("__rec.__item_id").as("__item_id"), col("__rec.rating").as("__rating"));
    Dataset<Row> fresh = raw.join(seen.select("__user", "__item_id").distinct(), new String[] {"__user", "__item_id"}, "left_anti")
        .join(items, "__item_id");
    Dataset<Row> ranked = fresh.groupBy("__user")
        .agg(sort_array(collect_list(struct(col("__rating"), col("__item"))), false).as("__ranked"))
        .select(col("__user"), org.apache.spark.sql.functions.transform(col("__ranked"), r -> r.getField("__item")).as("__by_als"));
    Dataset<Row> seenSets = seen.groupBy("__user").agg(collect_set(col("__item")).as("__seen"));
    Column none = array().cast("array<string>");
    Column fill = literal(popularOverall(seen, k + maxItemsPerUser(seen)));
    return usersToServe.select("__user", "__key").join(ranked, new String[] {"__user"}, "left").join(seenSets, new String[] {"__user"}, "left")
        .withColumn("__by_als", slice(coalesce(col("__by_als"), none), 1, k))
        // The fill (a long literal) only for the few whose ALS list came up short.
        .select(col("__key"), when(size(col("__by_als")).geq(k), col("__by_als"))
            .otherwise(slice(array_except(org.apache.spark.sql.functions.concat(col("__by_als"), fill), coalesce(col("__seen"), none)), 1, k))
            .as("__recommended"));
  }

  /** The {@code n} items with the most interactions overall, most first. */
  private static List<String> popularOverall(Dataset<Row> events, int n) {
    return events.groupBy("__item").agg(count(lit(1)).as("__n")).orderBy(desc("__n"), col("__item")).limit(n)
        .collectAsList().stream().map(row -> row.getString(0)).toList();
  }

  /**
   * The {@code n} items with the most interactions among each segment's customers, and overall
   * (segment null): ({@code __segment}, {@code __popular}).
   */
  private static Dataset<Row> popularInSegment(Dataset<Row> events, Dataset<Row> customers, int n) {
    // Customers without a segment fall back on the overall list: counted there, not as a null segment beside it.
    Dataset<Row> counts = events.join(customers.where(col("__segment").isNotNull()), "__key")
        .groupBy("__segment", "__item").agg(count(lit(1)).as("__n"));
    Dataset<Row> overall = events.groupBy("__item").agg(count(lit(1)).as("__n")).withColumn("__segment", lit(null).cast("string"));
    Dataset<Row> ranked = counts.unionByName(overall)
        .withColumn("__r", row_number().over(Window.partitionBy("__segment").orderBy(desc("__n"), col("__item"))))
        .where(col("__r").leq(n));
    return ranked.groupBy("__segment").agg(sort_array(collect_list(struct(col("__r"), col("__item")))).as("__ranked"))
        .select(col("__segment"), org.apache.spark.sql.functions.transform(col("__ranked"), r -> r.getField("__item")).as("__popular"));
  }

  /**
   * ALS fitted before the holdout against popular-in-segment, on the kept customers with an
   * interaction in the holdout and one before it (ALS knows them): precision@k, recall@k, NDCG@k.
   * Both leave out the items a customer interacted with before the holdout.
   */
  private Map<String, Object> evaluate(Run run, Dataset<Row> train, Dataset<Row> test, Dataset<Row> customers) {
    Dataset<Row> trainUsers = train.select("__user", "__key").distinct();
    // Relevant: what they interacted with in the holdout and not before (neither ranker offers an item seen before).
    Dataset<Row> seenBefore = train.groupBy("__user").agg(collect_set(col("__item")).as("__seen_before"));
    Dataset<Row> relevant = test.groupBy("__user").agg(collect_set(col("__item")).as("__holdout_items"))
        .join(seenBefore, "__user")
        .select(col("__user"), array_except(col("__holdout_items"), col("__seen_before")).as("__relevant"))
        .where(size(col("__relevant")).gt(0));
    Dataset<Row> toServe = relevant.select("__user").join(trainUsers, "__user").join(customers, "__key");
    Map<String, Object> result = new LinkedHashMap<>();
    result.put("holdout", runDate.minusDays(holdoutDays) + " to " + runDate.minusDays(1));
    long customersMeasured = toServe.count();
    result.put("customers", customersMeasured);
    if (customersMeasured == 0) {
      result.put("note", "no kept customer interacted both before and during the holdout: not measured");
      return result;
    }
    ALSModel model = als().fit(ratings(train));
    Dataset<Row> byAls = recommend(model, train, toServe, train.select("__item", "__item_id").distinct());
    Dataset<Row> seen = train.join(toServe.select("__user"), "__user").groupBy("__user").agg(collect_set(col("__item")).as("__seen"));
    int maxSeen = maxItemsPerUser(train);
    Column popular = lit(null).cast("array<string>");
    List<String> overall = null;
    for (Row row : popularInSegment(train, customers, k + maxSeen).collectAsList()) {
      if (row.isNullAt(0)) {
        overall = row.getList(1);
      } else {
        popular = when(col("__segment").equalTo(row.getString(0)), literal(row.getList(1))).otherwise(popular);
      }
    }
    popular = coalesce(popular, literal(overall));
    Dataset<Row> measured = toServe.join(relevant, "__user").join(seen, "__user").join(byAls, "__key")
        .withColumn("__baseline", slice(array_except(popular, col("__seen")), 1, k)).persist(StorageLevel.MEMORY_AND_DISK());
    try {
      result.put("als", ranking(measured, "__recommended").toMap(k));
      result.put("popular_in_segment", ranking(measured, "__baseline").toMap(k));
    } finally {
      measured.unpersist();
    }
    return result;
  }

  /** The most interactions one customer has (an upper bound on the items to leave out of their list). */
  private static int maxItemsPerUser(Dataset<Row> events) {
    Row max = events.groupBy("__user").count().agg(org.apache.spark.sql.functions.max("count")).first();
    return max.isNullAt(0) ? 0 : (int) Math.min(1_000, max.getLong(0));
  }

  /** An array literal of item ids (empty for none). */
  static Column literal(List<String> items) {
    if (items == null || items.isEmpty()) {
      return array().cast("array<string>");
    }
    return array(items.stream().map(org.apache.spark.sql.functions::lit).toArray(Column[]::new));
  }

  private Ranking ranking(Dataset<Row> measured, String predicted) {
    JavaRDD<Tuple2<List<String>, List<String>>> pairs = measured.select(col(predicted), col("__relevant")).javaRDD()
        .map(row -> new Tuple2<>(new ArrayList<>(row.<String>getList(0)), new ArrayList<>(row.<String>getList(1))));
    RankingMetrics<String> metrics = RankingMetrics.of(pairs);
    return new Ranking(metrics.precisionAt(k), metrics.recallAt(k), metrics.ndcgAt(k));
  }

  /**
   * The interactions of the lookback before the run date: {@code __key}, {@code __item} (text),
   * {@code __date}; rows missing any of them are left out (counted in the log).
   */
  private Dataset<Row> readInteractions(Run run) {
    Dataset<Row> raw = interactions.table().read(run.spark(), path + ".interactions",
        List.of(interactions.key(), interactions.item(), interactions.date()));
    return raw.select(col(interactions.key()).cast("string").as("__key"), col(interactions.item()).cast("string").as("__item"),
            col(interactions.date()).cast("date").as("__date"))
        .where(col("__key").isNotNull().and(col("__item").isNotNull())
            .and(col("__date").geq(lit(runDate.minusDays(lookbackDays).toString()).cast("date")))
            .and(col("__date").lt(lit(runDate.toString()).cast("date"))));
  }

  private static Double round(double value) {
    return Figure.round4(value);
  }

  /** The recommendations of one run: joined onto the rows, cold starts from their segment's popular items. */
  static final class Fitted implements Decision, SummarySection, AutoCloseable {
    private final Recommendations spec;
    private final String key;
    private final Dataset<Row> recommended;
    private final Map<String, List<String>> popularBySegment;
    private final Map<String, Object> fitReport;

    Fitted(Recommendations spec, String key, Dataset<Row> recommended, Map<String, List<String>> popularBySegment,
        Map<String, Object> fitReport) {
      this.spec = spec;
      this.key = key;
      this.recommended = recommended;
      this.popularBySegment = popularBySegment;
      this.fitReport = fitReport;
    }

    Map<String, Object> fitReport() {
      return fitReport;
    }

    /** {@code output} (array of item ids, at most k) and {@code source-output} for every row. */
    @Override
    public Dataset<Row> apply(Dataset<Row> scored) {
      Column segmentColumn = spec.segment().map(column -> col(column).cast("string")).orElse(lit("all"));
      Column fallback = literal(popularBySegment.get(null));
      for (Map.Entry<String, List<String>> entry : popularBySegment.entrySet()) {
        if (entry.getKey() != null) {
          fallback = when(segmentColumn.equalTo(entry.getKey()), literal(entry.getValue())).otherwise(fallback);
        }
      }
      Dataset<Row> joined = scored.join(recommended, col(key).cast("string").equalTo(recommended.col("__key")), "left");
      Column fromAls = col("__recommended").isNotNull().and(size(col("__recommended")).gt(0));
      return joined.withColumn(spec.output(), when(fromAls, col("__recommended")).otherwise(fallback))
          .withColumn(spec.sourceOutput(), when(fromAls, lit("als")).otherwise(lit("popular-in-segment")))
          .drop("__key", "__recommended");
    }

    @Override
    public List<Figure> figures() {
      return List.of(Figure.dimension(spec.sourceOutput(), col(spec.sourceOutput())));
    }

    @Override
    public void report(RunReport report) {
      Map<String, Object> section = new LinkedHashMap<>(fitReport);
      section.put("by_source", report.groups().countsBy(spec.sourceOutput(), Groups.Scope.SELECTED));
      report.put(spec.id(), section);
    }

    @Override
    public void close() {
      recommended.unpersist();
    }
  }
}
