package com.targeting.core.validate;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.lit;

import com.targeting.core.Observations;
import com.targeting.core.TargetingException;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.functions;
import org.apache.spark.sql.catalyst.plans.logical.LocalRelation;
import org.apache.spark.sql.catalyst.plans.logical.LogicalPlan;
import org.apache.spark.sql.execution.datasources.HadoopFsRelation;
import org.apache.spark.sql.execution.datasources.InMemoryFileIndex;
import org.apache.spark.sql.execution.datasources.LogicalRelation;
import scala.collection.JavaConverters;

/**
 * The copies of each duplicated key of an extract, counted in a pass over its key column alone,
 * for {@link ContractValidator#validate(Dataset, Contract, String, Optional)}: the window that
 * counts them otherwise shuffles and sorts every whole row (93.6 MB of shuffle at 1,000,000
 * customers), where this pass shuffles keys and the duplicated ones (at most
 * {@link #MAX_DUPLICATED_KEYS}) are joined back by broadcast.
 *
 * <p>Only for an extract that reads the same rows each time it is evaluated ({@link #rereadable}):
 * files listed once (CSV, Parquet, JSON, read in {@code PERMISSIVE} mode, which keeps every record
 * whichever columns are read) or local rows, by a deterministic plan. A JDBC, Redshift or Snowflake
 * extract is queried again, and a Delta table read at its latest version, on each evaluation.
 * Files changed between the two passes are caught after the main pass ({@link #verify}): its rows
 * and its rows of duplicated keys must be those counted here.
 */
public final class KeyCopies {
  /** The most duplicated keys joined back by broadcast; with more, the window counts them. */
  public static final int MAX_DUPLICATED_KEYS = 100_000;

  private static final String KEY = "__key";
  private static final String COPIES = "__copies";

  private final Dataset<Row> keyed;
  private final Dataset<Row> duplicated;
  private final long rows;
  private final long duplicatedRows;
  private final int duplicatedKeys;
  private final String sourceName;
  private Observations.Observed matched;

  private KeyCopies(Dataset<Row> keyed, Dataset<Row> duplicated, long rows, long duplicatedRows, int duplicatedKeys,
      String sourceName) {
    this.keyed = keyed;
    this.duplicated = duplicated;
    this.rows = rows;
    this.duplicatedRows = duplicatedRows;
    this.duplicatedKeys = duplicatedKeys;
    this.sourceName = sourceName;
  }

  /**
   * Counts the copies of each key of {@code extract} (one Spark job over the key column): empty
   * when the contract has no key, the extract may read other rows when evaluated again, or more
   * than {@link #MAX_DUPLICATED_KEYS} keys are duplicated. Call once every plan built over the
   * extract has been analyzed: this reads it.
   *
   * @param extract the extract as read, without observations; the key converted as the contract
   *     converts it, so that "007" and "7" are one int key
   */
  public static Optional<KeyCopies> count(Dataset<Row> extract, Contract contract, String sourceName) {
    return count(extract, contract, sourceName, MAX_DUPLICATED_KEYS);
  }

  static Optional<KeyCopies> count(Dataset<Row> extract, Contract contract, String sourceName, int maxDuplicatedKeys) {
    if (contract.keyColumn().isEmpty() || !rereadable(extract)) {
      return Optional.empty();
    }
    Dataset<Row> keyed = extract.select(ContractValidator.convertedKey(extract, contract).as(KEY));
    Observations.Observed read = Observations.observe(keyed, "key_pass_rows", functions.count(lit(1)).as("rows"));
    // A null key matches nothing in the join back; it is quarantined as null, whatever its copies.
    Dataset<Row> duplicated = read.dataset().where(col(KEY).isNotNull()).groupBy(col(KEY)).agg(functions.count(lit(1)).as(COPIES))
        .where(col(COPIES).gt(1)).limit(maxDuplicatedKeys + 1);
    List<Row> keys = duplicated.collectAsList();
    long rows = ((Number) read.await("the rows of the key pass over " + sourceName,
        () -> Map.of("rows", keyed.count())).get("rows")).longValue();
    if (keys.size() > maxDuplicatedKeys) {
      return Optional.empty();
    }
    long duplicatedRows = keys.stream().mapToLong(row -> row.getLong(1)).sum();
    // The aggregate's own schema: the key's converted type, whatever the extract calls the column.
    Dataset<Row> local = extract.sparkSession().createDataFrame(keys, duplicated.schema());
    return Optional.of(new KeyCopies(keyed, local, rows, duplicatedRows, keys.size(), sourceName));
  }

  /** The rows the key pass read. */
  public long rows() {
    return rows;
  }

  /** How many keys occur more than once. */
  public int duplicatedKeys() {
    return duplicatedKeys;
  }

  /**
   * {@code rows} with {@code copiesColumn}: the copies of the row's key where it is duplicated,
   * else null; the rows of duplicated keys are observed, for {@link #verify}.
   */
  Dataset<Row> joinOnto(Dataset<Row> rows, String key, String copiesColumn) {
    if (matched != null) {
      throw new IllegalStateException("the copies of " + sourceName + "'s keys are already joined onto a plan");
    }
    String keyColumn = ContractValidator.unusedName(rows, "__duplicate_key", copiesColumn);
    Dataset<Row> keys = duplicated.select(col(KEY).as(keyColumn), col(COPIES).as(copiesColumn));
    Dataset<Row> joined = rows.join(functions.broadcast(keys),
            col(ContractValidator.quoted(key)).equalTo(col(keyColumn)), "left")
        .drop(keyColumn);
    matched = Observations.observe(joined, "duplicated_key_rows", functions.count(col(copiesColumn)).as("rows"));
    return matched.dataset();
  }

  /**
   * Checks, once an action over the validated rows has completed, that the main pass read the
   * rows this pass counted: {@code extractRows} rows, and as many rows of duplicated keys.
   *
   * @throws TargetingException a user error, naming the extract, when they differ: its files
   *     changed between the two passes, and its duplicates may not be the ones quarantined
   */
  public void verify(long extractRows) {
    if (duplicatedKeys > 0 && matched == null) {
      throw new IllegalStateException("verify before the copies of " + sourceName + "'s keys were joined onto a plan");
    }
    long matchedRows = duplicatedKeys == 0 ? 0 : ((Number) matched.await("the rows of duplicated keys of " + sourceName,
        () -> Map.of("rows", keyed.join(functions.broadcast(this.duplicated.select(KEY)), KEY)
            .count())).get("rows")).longValue();
    if (extractRows != rows || matchedRows != duplicatedRows) {
      throw TargetingException.userError("Extract %s changed while it was read: the pass over its key column read %d rows, "
          + "%d of them of duplicated keys, the main pass %d rows, %d of them of those keys; nothing was written. "
          + "Run again once the extract's files are complete and no longer written to",
          sourceName, rows, duplicatedRows, extractRows, matchedRows);
    }
  }

  /**
   * Whether every leaf of {@code extract}'s plan reads the same rows each time it is evaluated:
   * files listed when the extract was created ({@link InMemoryFileIndex}), read in
   * {@code PERMISSIVE} mode (the default; {@code DROPMALFORMED} drops a record by the columns a
   * query reads, so a pass over the key alone keeps records the whole read drops), or local rows;
   * and the plan is deterministic.
   */
  static boolean rereadable(Dataset<Row> extract) {
    LogicalPlan plan = extract.queryExecution().analyzed();
    if (!plan.deterministic()) {
      return false;
    }
    for (LogicalPlan leaf : JavaConverters.seqAsJavaList(plan.collectLeaves())) {
      if (leaf instanceof LocalRelation) {
        continue;
      }
      if (!(leaf instanceof LogicalRelation relation) || !(relation.relation() instanceof HadoopFsRelation files)
          || !files.location().getClass().equals(InMemoryFileIndex.class)) {
        return false;
      }
      String mode = JavaConverters.mapAsJavaMap(files.options()).entrySet().stream()
          .filter(option -> option.getKey().equalsIgnoreCase("mode")).map(Map.Entry::getValue).findFirst().orElse("PERMISSIVE");
      if (!mode.toUpperCase(Locale.ROOT).equals("PERMISSIVE")) {
        return false;
      }
    }
    return true;
  }
}
