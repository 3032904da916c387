package com.targeting.core.uplift;

import static com.targeting.core.Columns.QUARANTINE_REASON;
import static com.targeting.core.Columns.QUARANTINE_RULE;
import static com.targeting.core.uplift.UpliftColumns.T;
import static com.targeting.core.uplift.UpliftColumns.W;
import static com.targeting.core.uplift.UpliftColumns.Y;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.rand;
import static org.apache.spark.sql.functions.sum;
import static org.apache.spark.sql.functions.when;

import com.targeting.core.TargetingException;
import com.targeting.core.model.ModelTrainer;
import com.targeting.core.model.TrainRecipe;
import com.targeting.core.source.ReaderSource;
import com.targeting.core.validate.BinaryValues;
import com.targeting.core.validate.Contract;
import com.targeting.core.validate.ContractValidator;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Trains an {@link UpliftSpec} into a new registry version: the campaign's rows are checked (bad
 * rows quarantined with a reason, rows of other arms counted and set aside), split by a hash of
 * the row's id into training rows and held-out rows, the learner fitted, the held-out rows scored
 * and written (id, treatment, outcome, uplift, both outcome predictions, segment) so anyone can
 * recompute the metrics, the metrics computed from those written rows, the Qini and uplift charts
 * drawn, and the champion replaced only when the challenger's metric on the same held-out rows is
 * better by the margin.
 */
public final class UpliftTrainer {
  private static final Logger LOG = LoggerFactory.getLogger(UpliftTrainer.class);
  /** The id given to each row when the config names no id column: its position in the source. */
  public static final String ROW_ID = "row_id";
  /** An outcome value that is neither 0 nor 1, or neither outcome.positive nor outcome.negative. */
  public static final String OUTCOME_NOT_BINARY = "outcome-not-binary";

  private UpliftTrainer() {}

  /** What a training run produced and decided. */
  public record Result(String path, int version, Map<String, Object> summary) {}

  public static Result train(SparkSession spark, UpliftSpec spec) {
    ReaderSource source = ReaderSource.of(spec.data().train());
    return train(spark, spec, source.readForContract(spark), source.describe());
  }

  public static Result train(SparkSession spark, UpliftSpec spec, Dataset<Row> campaign, String sourceName) {
    return new Recipe(spark, spec, campaign, sourceName).train();
  }

  /** The uplift family's steps of the {@link TrainRecipe}. */
  private static final class Recipe extends TrainRecipe<Result> {
    private final UpliftSpec spec;
    private final Dataset<Row> campaign;
    private final String sourceName;
    private Map<String, Long> outcomeValues;
    private Dataset<Row> holdout;
    private UpliftMetrics metrics;
    private UpliftModel model;
    private UpliftMetadata metadata;

    Recipe(SparkSession spark, UpliftSpec spec, Dataset<Row> campaign, String sourceName) {
      super(spark, spec, "Uplift model");
      this.spec = spec;
      this.campaign = campaign;
      this.sourceName = sourceName;
    }

    @Override
    protected void requireInputs() {
      requireRows(campaign, sourceName);
      validateTrainingRows(spec.data().validation(), campaign, sourceName);
    }

    @Override
    protected Challenger fitAndEvaluate() {
      String id = spec.idColumn().orElse(ROW_ID);
      Dataset<Row> rows = spec.idColumn().isPresent() ? campaign : withRowId(spark, campaign);

      outcomeValues = List.of(rows.columns()).contains(spec.outcomeColumn())
          ? BinaryValues.counts(rows, spec.outcomeColumn()) : Map.of();
      if (spec.outcomePositive().isPresent() && spec.outcomeNegative().isEmpty()) {
        BinaryValues.requireOneNegative(outcomeValues, "Uplift model " + spec.id(), "outcome", spec.outcomeColumn(),
            spec.outcomePositive().get(), "outcome.negative", sourceName);
      }
      Contract contract = contract(spec, id);
      Dataset<Row> validated = cache(ContractValidator.validate(rows, contract, sourceName));
      Column arm = col("`" + spec.treatmentColumn() + "`");
      Column treated = arm.equalTo(spec.treatedValue());
      Column inArms = treated.or(arm.equalTo(spec.controlValue()));
      Row[] groups = (Row[]) validated.groupBy(col(QUARANTINE_RULE), when(col(QUARANTINE_RULE).isNull(), inArms).as("in_arms"))
          .agg(count(lit(1))).collect();
      Map<String, Long> quarantined = new TreeMap<>();
      long total = 0;
      long bad = 0;
      long otherArms = 0;
      for (Row group : groups) {
        total += group.getLong(2);
        if (!group.isNullAt(0)) {
          bad += group.getLong(2);
          quarantined.merge(group.getString(0), group.getLong(2), Long::sum);
        } else if (!group.getBoolean(1)) {
          otherArms += group.getLong(2);
        }
      }
      if (total > 0 && (double) bad / total > spec.data().maxQuarantinedFraction()) {
        throw TargetingException.userError("Campaign data %s: %d of %d rows break the contract, more than the limit of %.2f%% "
            + "(data.max-quarantined-fraction). By rule: %s", sourceName, bad, total, 100 * spec.data().maxQuarantinedFraction(), quarantined);
      }
      if (bad > 0) {
        validated.where(col(QUARANTINE_RULE).isNotNull()).write().parquet(path + "/training-quarantine");
      }
      Column outcome = col("`" + spec.outcomeColumn() + "`");
      Column y = spec.outcomePositive().map(p -> when(outcome.cast("string").equalTo(p), 1.0).otherwise(0.0))
          .orElse(outcome.cast("double"));
      Column w = spec.weightColumn().map(c -> col("`" + c + "`").cast("double")).orElse(lit(1.0));
      Dataset<Row> usable = validated.where(col(QUARANTINE_RULE).isNull().and(inArms))
          .drop(QUARANTINE_RULE, QUARANTINE_REASON)
          .withColumn(T, when(treated, 1.0).otherwise(0.0))
          .withColumn(Y, y)
          .withColumn(W, w)
          .withColumn("__split", ModelTrainer.splitNumber(col("`" + id + "`"), spec.data().seed()));
      Dataset<Row> train = cache(usable.where(col("__split").geq(spec.data().testFraction())));
      holdout = cache(usable.where(col("__split").lt(spec.data().testFraction())));
      Row trainCounts = train.agg(count(lit(1)), sum(T), sum(Y), sum(col(W).multiply(col(Y))), sum(W)).first();
      long trainRows = trainCounts.getLong(0);
      long trainTreated = (long) trainCounts.getDouble(1);
      if (trainTreated == 0 || trainTreated == trainRows) {
        throw TargetingException.userError("Uplift model %s: the training rows of %s need both arms (%s = %s and %s); found %d treated of %d",
            spec.id(), sourceName, spec.treatmentColumn(), spec.treatedValue(), spec.controlValue(), trainTreated, trainRows);
      }
      double threshold = spec.segmentThreshold().orElse(trainCounts.getDouble(3) / trainCounts.getDouble(4));
      Column fold = when(ModelTrainer.splitNumber(col("`" + id + "`"), spec.data().seed() + 1).lt(0.5), 0).otherwise(1);
      LOG.info("Training uplift model {} v{} ({} learner) on {} rows", spec.id(), version, spec.learner().configName(), trainRows);

      long fitStart = System.nanoTime();
      model = UpliftModel.fit(spec, train, fold, spec.data().seed(), threshold);
      List<UpliftModel> replicates = new ArrayList<>();
      for (int i = 0; i < spec.bootstrapReplicates(); i++) {
        // Poisson(1) weights: the bootstrap without materializing resampled rows.
        Dataset<Row> resample = train.withColumn(W, col(W).multiply(poissonOne(rand(spec.data().seed() + 1000 + i))));
        replicates.add(UpliftModel.fit(spec, resample, fold, spec.data().seed() + 1000 + i, threshold));
      }
      model = model.withReplicates(replicates);
      long fitMillis = (System.nanoTime() - fitStart) / 1_000_000;

      // The held-out rows as anyone can read them back: the metrics are computed from what was written.
      String holdoutPath = path + "/holdout";
      writeHoldout(model.score(holdout, "uplift", spec.bootstrapConfidence()), id, spec.evaluation().holdoutFormat(), holdoutPath);
      Dataset<Row> written = readHoldout(spark, spec.evaluation().holdoutFormat(), holdoutPath);
      long holdoutRows = written.count();
      metrics = metrics(spec, holdoutRows);
      UpliftMetrics.Evaluation evaluation = metrics.evaluate(written, spec.evaluation().k(), spec.evaluation().curvePoints());
      Map<String, String> report = UpliftReport.curves(spark, path + "/report", spec.id() + " v" + version, evaluation);
      Map<String, Long> segments = segments(written);

      if (total != bad + otherArms + trainRows + holdoutRows) {
        throw TargetingException.internal("Uplift model %s: %d source rows but %d quarantined + %d other arms + %d train + %d holdout",
            spec.id(), total, bad, otherArms, trainRows, holdoutRows);
      }
      metadata = new UpliftMetadata(spec.id(), version, spec.learner().configName(),
          new UpliftMetadata.Treatment(spec.treatmentColumn(), spec.treatedValue(), spec.controlValue()), spec.outcomeColumn(), id,
          new UpliftMetadata.Features(spec.numericFeatures(), spec.categoricalFeatures(),
              spec.categoricalEncoding().configName()), spec.protectedAttributes(),
          spec.weightColumn().orElse(null), spec.propensity().mode(), spec.xgboost(),
          new UpliftMetadata.Rows(total, bad, otherArms, trainRows, trainTreated, trainRows - trainTreated, holdoutRows),
          quarantined, evaluation.metrics(), segments, new UpliftMetadata.Holdout(holdoutPath, spec.evaluation().holdoutFormat()),
          report, fitMillis, sourceName, Instant.now().toString(), spark.version(),
          UpliftModelStore.objectives(model), Double.isNaN(model.propensity()) ? null : model.propensity(), model.threshold(),
          model.replicates().size());
      return new Challenger(spec.promotionMetric(), spec.promotionMargin(), true,
          (Double) evaluation.metrics().get(spec.promotionMetric()));
    }

    /** The champion scores the same held-out rows. */
    @Override
    protected Double championValue(int championVersion) {
      UpliftModel current = UpliftModelStore.load(spark, registry.versionPath(spec.id(), championVersion)).model();
      Dataset<Row> scored = current.score(holdout, "uplift", spec.bootstrapConfidence())
          .select(col(T).as("treatment"), col(Y).as("outcome"), col("uplift"));
      return (Double) metrics.evaluate(scored, spec.evaluation().k(), 0).metrics().get(spec.promotionMetric());
    }

    @Override
    protected void writeArtifacts() {
      UpliftModelStore.saveParts(path, model);
    }

    @Override
    protected String metadataJson() {
      return metadata.toJson(path + "/" + UpliftModelStore.FILE_NAME);
    }

    @Override
    protected Result result(Map<String, Object> promotion) {
      Map<String, Object> summary = metadata.summary();
      summary.put("path", path);
      summary.put("outcome_values", outcomeValues);
      summary.put("promotion", promotion);
      validation.ifPresent(report -> summary.put("validation", report.toSummary()));
      return new Result(path, version, summary);
    }
  }

  /** Exact up to the configured row count (or when asked), binned beyond. */
  static UpliftMetrics metrics(UpliftSpec spec, long rows) {
    UpliftMetrics exact = new UpliftMetrics("outcome", "treatment", "uplift");
    UpliftSpec.Evaluation evaluation = spec.evaluation();
    boolean binned = evaluation.mode().equals("binned") || (evaluation.mode().equals("auto") && rows > evaluation.exactRowLimit());
    return binned ? exact.binned(evaluation.bins()) : exact;
  }

  /** 0, 1, 2, ... drawn with Poisson(1) probabilities from a uniform number (truncated at 6). */
  static Column poissonOne(Column uniform) {
    double[] cumulative = new double[7];
    double p = Math.exp(-1);
    double total = 0;
    for (int k = 0; k < cumulative.length; k++) {
      total += p;
      cumulative[k] = total;
      p = p / (k + 1);
    }
    Column draw = lit(6.0);
    for (int k = cumulative.length - 2; k >= 0; k--) {
      draw = when(uniform.lt(cumulative[k]), (double) k).otherwise(draw);
    }
    return draw;
  }

  /** {@code row_id}: each row's 0-based position in the source as Spark reads it (for one file: its data line). */
  static Dataset<Row> withRowId(SparkSession spark, Dataset<Row> rows) {
    if (java.util.Arrays.asList(rows.columns()).contains(ROW_ID)) {
      throw TargetingException.userError("The campaign data has a %s column but no id-column is configured: set id-column = %s",
          ROW_ID, ROW_ID);
    }
    StructType schema = rows.schema().add(ROW_ID, DataTypes.LongType, false);
    return spark.createDataFrame(rows.javaRDD().zipWithIndex().map(pair -> {
      Object[] values = new Object[pair._1().size() + 1];
      for (int i = 0; i < pair._1().size(); i++) {
        values[i] = pair._1().get(i);
      }
      values[values.length - 1] = pair._2();
      return RowFactory.create(values);
    }), schema);
  }

  static Contract contract(UpliftSpec spec, String id) {
    Map<String, DataType> columns = new LinkedHashMap<>();
    columns.put(id, spec.idColumn().isPresent() ? DataTypes.StringType : DataTypes.LongType);
    spec.numericFeatures().forEach(f -> columns.put(f, DataTypes.DoubleType));
    spec.categoricalFeatures().forEach(f -> columns.put(f, DataTypes.StringType));
    columns.put(spec.treatmentColumn(), DataTypes.StringType);
    columns.put(spec.outcomeColumn(), spec.outcomePositive().isPresent() ? DataTypes.StringType : DataTypes.DoubleType);
    spec.weightColumn().ifPresent(w -> columns.put(w, DataTypes.DoubleType));
    String treatment = quote(spec.treatmentColumn());
    String outcome = quote(spec.outcomeColumn());
    List<Contract.Rule> rules = new ArrayList<>();
    rules.add(new Contract.Rule("missing-treatment", treatment + " IS NULL", "missing treatment " + spec.treatmentColumn()));
    rules.add(new Contract.Rule("missing-outcome", outcome + " IS NULL", "missing outcome " + spec.outcomeColumn()));
    BinaryValues.rule(OUTCOME_NOT_BINARY, "outcome", spec.outcomeColumn(), spec.outcomePositive(), spec.outcomeNegative(),
        "set outcome.positive to name the positive value").ifPresent(rules::add);
    spec.weightColumn().ifPresent(w -> rules.add(new Contract.Rule("bad-weight", quote(w) + " IS NULL OR " + quote(w) + " < 0",
        "weight " + w + " missing or negative")));
    return new Contract(Optional.of(id), columns, rules, spec.data().maxQuarantinedFraction());
  }

  private static String quote(String column) {
    return "`" + column.replace("`", "``") + "`";
  }

  private static void writeHoldout(Dataset<Row> scored, String id, String format, String path) {
    List<Column> columns = new ArrayList<>(List.of(col("`" + id + "`"), col(T).cast("int").as("treatment"),
        col(Y).cast("int").as("outcome"), col("uplift"), col("uplift" + UpliftColumns.TREATED_SUFFIX),
        col("uplift" + UpliftColumns.CONTROL_SUFFIX), col("uplift" + UpliftColumns.SEGMENT_SUFFIX)));
    if (java.util.Arrays.asList(scored.columns()).contains("uplift" + UpliftColumns.LCB_SUFFIX)) {
      columns.add(col("uplift" + UpliftColumns.LCB_SUFFIX));
    }
    Dataset<Row> rows = scored.select(columns.toArray(Column[]::new));
    if (format.equals("csv")) {
      rows.write().option("header", "true").option("escape", "\"").csv(path);
    } else {
      rows.write().parquet(path);
    }
  }

  private static Dataset<Row> readHoldout(SparkSession spark, String format, String path) {
    return format.equals("csv")
        ? spark.read().options(ReaderSource.CSV_DEFAULTS).option("inferSchema", "true").csv(path)
        : spark.read().parquet(path);
  }

  private static Map<String, Long> segments(Dataset<Row> holdout) {
    Map<String, Long> segments = new TreeMap<>();
    for (Row row : (Row[]) holdout.groupBy(col("uplift" + UpliftColumns.SEGMENT_SUFFIX)).agg(count(lit(1))).collect()) {
      segments.put(row.getString(0), row.getLong(1));
    }
    return segments;
  }
}
