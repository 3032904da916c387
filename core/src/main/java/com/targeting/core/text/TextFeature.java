package com.targeting.core.text;

import static java.util.Objects.requireNonNull;
import static org.apache.spark.sql.functions.coalesce;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.date_sub;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.sum;
import static org.apache.spark.sql.functions.to_date;
import static org.apache.spark.sql.functions.when;

import com.targeting.core.TargetingException;
import com.targeting.core.config.ConfigNode;
import com.targeting.core.model.ModelRegistry;
import com.targeting.core.model.TrainingEnrichment;
import com.targeting.core.report.Figure;
import com.targeting.core.source.TableInput;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.storage.StorageLevel;

/**
 * A per-customer feature from the texts a customer wrote: each message of the last {@code
 * lookback-days} before the as-of date scored by a text model ({@link TextClassifierSpec}), then per
 * customer the mean probability of the positive class, the share of messages under the model's
 * threshold and the number scored. In a program's {@code text-features} list:
 *
 * <pre>
 * text-features = [{
 *   id = message-sentiment
 *   model = message-sentiment              # an id of the program's text-models
 *   messages { path = "...", format = csv, options { header = "true" },
 *              key-column = customer_id, text-column = body, date-column = sent_on }
 *   lookback-days = 30                     # messages of [as-of - 30 days, as-of)
 *   training-as-of = observed_date         # the labeled rows' own date (models trained on the feature)
 *   mean-output = message_positivity       # null for a customer without scored messages
 *   negative-share-output = negative_message_share
 *   count-output = messages_scored         # optional; 0 without messages
 * }]
 * </pre>
 *
 * A run computes it as of the run date in a stage of its own ({@link #prepare}) and joins it onto
 * the extract after the enrichments, before the derived columns, so that filters, models and
 * decisions can read it. A model of the program whose features include an output is trained on
 * labeled rows given the same feature as of each row's {@code training-as-of} date ({@link #enrich}):
 * the messages before the day the row was observed, never after it.
 *
 * <p>A message without a text (or a blank one) or without a readable date is not scored (the
 * summary counts both); a customer without messages gets no mean and no share (models treat them
 * as missing) and a count of 0; a labeled row without a readable as-of date likewise. A run whose
 * extract matches none of the messages' customers fails ({@link Prepared#countMatched}): the keys
 * differ.
 */
public final class TextFeature implements TrainingEnrichment {
  private static final String KEY = "__text_key";
  private static final String AS_OF = "__text_as_of";
  private static final String SENT = "__text_sent";
  private static final String SCORED = "__text_scored";
  private static final String SUM = "__text_sum";
  private static final String NEGATIVE = "__text_negative";
  private static final String UNSCORED = "__text_unscored";
  private static final String UNDATED = "__text_undated";

  private final String id;
  private final String where;
  private final TextClassifierSpec model;
  private final TableInput messages;
  private final String keyColumn;
  private final String textColumn;
  private final String dateColumn;
  private final int lookbackDays;
  private final Optional<String> trainingAsOf;
  private final String programKey;
  private final String meanOutput;
  private final String negativeShareOutput;
  private final Optional<String> countOutput;
  /** The text model version the last {@link #enrich} used ({@link #lineage}). */
  private volatile Map<String, Object> lineage = Map.of();

  private TextFeature(ConfigNode node, TextClassifierSpec model, String programKey) {
    this.id = node.string("id");
    this.where = node.path();
    this.model = requireNonNull(model, "model is null");
    this.messages = TableInput.from(node.node("messages"));
    this.keyColumn = node.string("messages.key-column");
    this.textColumn = node.string("messages.text-column");
    this.dateColumn = node.string("messages.date-column");
    this.lookbackDays = node.integer("lookback-days");
    if (lookbackDays < 1) {
      throw node.invalid("lookback-days", "must be 1 or more, was " + lookbackDays);
    }
    this.trainingAsOf = node.optionalString("training-as-of");
    this.programKey = requireNonNull(programKey, "programKey is null");
    this.meanOutput = node.string("mean-output");
    this.negativeShareOutput = node.string("negative-share-output");
    this.countOutput = node.optionalString("count-output");
    if (outputs().stream().distinct().count() < outputs().size()) {
      throw node.invalid("mean-output", "the outputs must be three different columns, were " + outputs());
    }
  }

  /**
   * Reads a text feature.
   *
   * @param models the program's text models by id
   * @param programKey the program's key column (the customers' id), which {@code messages.key-column} matches
   * @throws TargetingException a user error naming the config path of a missing or invalid setting,
   *     or of a model that is not among the program's text models
   */
  public static TextFeature from(ConfigNode node, Map<String, TextClassifierSpec> models, String programKey) {
    String modelId = node.string("model");
    TextClassifierSpec model = models.get(modelId);
    if (model == null) {
      throw node.invalid("model", "names no text model of this program (program.text-models has " + models.keySet() + ")");
    }
    return new TextFeature(node, model, programKey);
  }

  @Override
  public String id() {
    return id;
  }

  /** The run stage that computes it: the id with underscores. */
  public String stage() {
    return id.replace('-', '_');
  }

  /** The config path of this feature, for messages. */
  public String where() {
    return where;
  }

  public Optional<String> trainingAsOf() {
    return trainingAsOf;
  }

  @Override
  public List<String> outputs() {
    List<String> outputs = new ArrayList<>(List.of(meanOutput, negativeShareOutput));
    countOutput.ifPresent(outputs::add);
    return List.copyOf(outputs);
  }

  /** The text model's version the registry resolves (the pinned one, else the champion), loaded. */
  private TextClassifier loadModel(SparkSession spark) {
    return TextClassifier.load(spark, ModelRegistry.at(spark, model.registry()).resolve(model), model);
  }

  /** The messages table: key (text), text, sent date. */
  private Dataset<Row> readMessages(SparkSession spark) {
    Dataset<Row> table = messages.read(spark, where + ".messages", List.of(keyColumn, textColumn, dateColumn));
    return table.select(col("`" + keyColumn + "`").cast("string").as(KEY), col("`" + textColumn + "`").as(textColumn),
        to_date(col("`" + dateColumn + "`").cast("string")).as(SENT));
  }

  /**
   * Per key (and as-of date), the sums the outputs are made of, over the windowed messages scored
   * (a message without a date, which no window can hold, is counted, not scored).
   */
  private Dataset<Row> aggregate(Dataset<Row> windowed, TextClassifier classifier, List<Column> groupBy) {
    Column text = col("`" + textColumn.replace("`", "``") + "`");
    Dataset<Row> scored = classifier.score(windowed.withColumn(textColumn, when(col(SENT).isNotNull(), text)), textColumn, SCORED);
    return scored.groupBy(groupBy.toArray(Column[]::new)).agg(
        count(col(SCORED)).as(SCORED),
        sum(col(SCORED)).as(SUM),
        count(when(col(SCORED).lt(classifier.threshold()), 1)).as(NEGATIVE),
        count(when(col(SCORED).isNull().and(col(SENT).isNotNull()), 1)).as(UNSCORED),
        count(when(col(SENT).isNull(), 1)).as(UNDATED));
  }

  /** {@code rows} (joined to an aggregate) with the outputs in place of the sums. */
  private Dataset<Row> withOutputs(Dataset<Row> joined) {
    Column scored = coalesce(col(SCORED), lit(0L));
    Dataset<Row> result = joined
        .withColumn(meanOutput, when(scored.gt(0), col(SUM).divide(col(SCORED))))
        .withColumn(negativeShareOutput, when(scored.gt(0), col(NEGATIVE).divide(col(SCORED))));
    if (countOutput.isPresent()) {
      result = result.withColumn(countOutput.get(), scored.cast("int"));
    }
    return result.drop(KEY, AS_OF, SCORED, SUM, NEGATIVE, UNSCORED, UNDATED);
  }

  private void requireColumns(Dataset<Row> rows, String rowsName, List<String> needed) {
    List<String> columns = Arrays.asList(rows.columns());
    for (String column : needed) {
      if (!columns.contains(column)) {
        throw TargetingException.userError("%s (text feature %s): %s has no column %s (columns: %s)", where, id, rowsName, column,
            columns);
      }
    }
    for (String output : outputs()) {
      if (columns.contains(output)) {
        throw TargetingException.userError("%s (text feature %s): %s already has a column %s; name the output otherwise",
            where, id, rowsName, output);
      }
    }
  }

  /**
   * The feature as of {@code runDate}, computed and cached (one pass over the messages): what
   * {@link Prepared#joinOnto} adds to the extract, and the summary's figures.
   *
   * @throws TargetingException a user error when the text model has no champion (or its pinned
   *     version is missing) or the messages cannot be read or lack a column
   */
  public Prepared prepare(SparkSession spark, LocalDate runDate) {
    TextClassifier classifier = loadModel(spark);
    LocalDate from = runDate.minusDays(lookbackDays);
    Dataset<Row> windowed = readMessages(spark).where(col(SENT).isNull()
        .or(col(SENT).geq(lit(from.toString()).cast("date")).and(col(SENT).lt(lit(runDate.toString()).cast("date")))));
    Dataset<Row> perCustomer = aggregate(windowed, classifier, List.of(col(KEY))).persist(StorageLevel.MEMORY_AND_DISK());
    try {
      Row totals = perCustomer.agg(count(when(col(SCORED).gt(0), 1)), sum(SCORED), sum(SUM), sum(NEGATIVE), sum(UNSCORED),
          sum(UNDATED)).first();
      long scored = totals.isNullAt(1) ? 0 : totals.getLong(1);
      Map<String, Object> summary = new LinkedHashMap<>();
      Map<String, Object> modelEntry = new LinkedHashMap<>();
      modelEntry.put("id", model.id());
      modelEntry.putAll(classifier.summary());
      summary.put("model", modelEntry);
      summary.put("window", Map.of("from", from.toString(), "until_before", runDate.toString()));
      summary.put("customers_with_messages", totals.getLong(0));
      summary.put("messages_scored", scored);
      summary.put("messages_without_text", totals.isNullAt(4) ? 0L : totals.getLong(4));
      // A date that is missing or not a date (the whole table's): such a message is in no window.
      summary.put("messages_without_date", totals.isNullAt(5) ? 0L : totals.getLong(5));
      summary.put("mean_positivity", scored == 0 ? null : Figure.round4(totals.getDouble(2) / scored));
      summary.put("negative_share", scored == 0 ? null : Figure.round4((double) totals.getLong(3) / scored));
      return new Prepared(perCustomer, summary);
    } catch (RuntimeException | Error e) {
      perCustomer.unpersist();
      throw e;
    }
  }

  /** The feature of a run, cached until {@link #close}. */
  public final class Prepared implements AutoCloseable {
    private final Dataset<Row> perCustomer;
    private final Map<String, Object> summary;

    private Prepared(Dataset<Row> perCustomer, Map<String, Object> summary) {
      this.perCustomer = perCustomer;
      this.summary = summary;
    }

    /** The run summary's entry: model version and metrics, window, messages and customers, means. */
    public Map<String, Object> summary() {
      return summary;
    }

    /**
     * {@code rows} (the extract, keyed by the program's key) with the outputs; one row out for
     * each row in.
     */
    public Dataset<Row> joinOnto(Dataset<Row> rows, String rowsName) {
      requireColumns(rows, rowsName, List.of(programKey));
      Dataset<Row> joined = rows.join(perCustomer, rows.col("`" + programKey + "`").cast("string").equalTo(perCustomer.col(KEY)), "left");
      return withOutputs(joined);
    }

    /**
     * Counts the customers of {@code classified} (the extract joined by {@link #joinOnto}) with a
     * scored message into the summary ({@code customers_matched}).
     *
     * @throws TargetingException a user error when the messages had scored customers but none of
     *     them is a customer of the extract: the keys cannot be the same (type, format, case)
     */
    public long countMatched(Dataset<Row> classified, String rowsName) {
      long matched = classified.where(col("`" + meanOutput + "`").isNotNull()).count();
      summary.put("customers_matched", matched);
      long withMessages = ((Number) summary.get("customers_with_messages")).longValue();
      if (withMessages > 0 && matched == 0) {
        throw TargetingException.userError("%s (text feature %s): none of the %d customers with messages in %s (%s) is a"
            + " customer of %s (%s): the keys differ (type, format or case); nothing was written", where, id, withMessages,
            messages.describe(), keyColumn, rowsName, programKey);
      }
      return matched;
    }

    @Override
    public void close() {
      perCustomer.unpersist();
    }
  }

  /**
   * Labeled rows with the outputs, each as of its own {@code training-as-of} date: the messages of
   * the {@code lookback-days} before it.
   *
   * @throws TargetingException a user error when no {@code training-as-of} is configured, or the
   *     rows lack it or the key
   */
  @Override
  public Map<String, Object> lineage() {
    return lineage;
  }

  /** The text model's version a run uses (the pinned one, else the champion) ({@link Prepared#summary}). */
  public static int version(Map<String, Object> summary) {
    return ((Number) ((Map<?, ?>) summary.get("model")).get("version")).intValue();
  }

  @Override
  public Dataset<Row> enrich(SparkSession spark, Dataset<Row> rows, String rowsName) {
    String asOf = trainingAsOf.orElseThrow(() -> TargetingException.userError(
        "%s (text feature %s): a model is trained on %s, so its labeled rows need the feature as of the day each was"
            + " observed: set %s.training-as-of to their date column", where, id, outputs(), where));
    requireColumns(rows, rowsName, List.of(programKey, asOf));
    TextClassifier classifier = loadModel(spark);
    lineage = Map.of("model", model.id(), "version", classifier.version());
    Dataset<Row> keys = rows.select(col("`" + programKey + "`").cast("string").as(KEY),
        to_date(col("`" + asOf + "`").cast("string")).as(AS_OF)).where(col(KEY).isNotNull().and(col(AS_OF).isNotNull())).distinct();
    Dataset<Row> windowed = readMessages(spark).join(keys, KEY)
        .where(col(SENT).geq(date_sub(col(AS_OF), lookbackDays)).and(col(SENT).lt(col(AS_OF))));
    Dataset<Row> perRow = aggregate(windowed, classifier, List.of(col(KEY), col(AS_OF)));
    Column key = rows.col("`" + programKey + "`").cast("string");
    Column date = to_date(rows.col("`" + asOf + "`").cast("string"));
    // Checkpointed (the labeled rows are read several times: each read would score the messages
    // again), which also keeps the join out of the whole-stage code of the contract's checks.
    return withOutputs(rows.join(perRow, key.equalTo(perRow.col(KEY)).and(date.equalTo(perRow.col(AS_OF))), "left"))
        .localCheckpoint(true);
  }
}
