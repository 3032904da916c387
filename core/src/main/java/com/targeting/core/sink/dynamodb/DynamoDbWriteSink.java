package com.targeting.core.sink.dynamodb;

import static java.util.Objects.requireNonNull;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.lit;

import com.targeting.core.TargetingException;
import com.targeting.core.sink.RunPartition;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.storage.StorageLevel;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;

/**
 * Candidates written into an existing table with BatchWriteItem from the executors: items with
 * the same key are reduced to one before batching, an item over 400 KB fails the run naming its
 * key, the job's write budget is split across {@code writers} tasks, and anything still unwritten
 * after the retries fails the run with the count. Afterwards, sampled items and the serving GSI
 * queries are read back and compared with what was written.
 */
public final class DynamoDbWriteSink implements DynamoDbSink {
  private static final Logger LOG = LoggerFactory.getLogger(DynamoDbWriteSink.class);

  private final DynamoDbSettings settings;
  private final DynamoDbItemLayout layout;
  private final Optional<TableDefinition> createIfMissing;
  private final int verifySample;
  private final List<GsiCheck> gsiChecks;
  private final Map<String, Object> report = new LinkedHashMap<>();

  public DynamoDbWriteSink(DynamoDbSettings settings, DynamoDbItemLayout layout, Optional<TableDefinition> createIfMissing,
      int verifySample, List<GsiCheck> gsiChecks) {
    this.settings = requireNonNull(settings, "settings is null");
    this.layout = requireNonNull(layout, "layout is null");
    this.createIfMissing = requireNonNull(createIfMissing, "createIfMissing is null");
    this.verifySample = verifySample;
    this.gsiChecks = List.copyOf(gsiChecks);
  }

  @Override
  public String name() {
    return "dynamodb";
  }

  @Override
  public Map<String, Object> report() {
    return java.util.Collections.unmodifiableMap(report);
  }

  @Override
  public DynamoDbItemLayout layout() {
    return layout;
  }

  public DynamoDbSettings settings() {
    return settings;
  }

  @Override
  public long write(Dataset<Row> candidates, RunPartition partition) {
    layout.requireKeys(candidates);
    if (createIfMissing.isPresent()) {
      try (DynamoDbClient client = settings.retryingClient()) {
        switch (createIfMissing.get().createIfMissing(client, settings.table(), layout.ttlAttribute(), settings.localCredentials())) {
          case CREATED -> LOG.info("Created DynamoDB table {}", settings.table());
          case CREATED_WITHOUT_TTL -> {
            LOG.warn("Created DynamoDB table {} without TTL: the local server at {} does not implement UpdateTimeToLive, "
                + "so its items never expire", settings.table(), settings.endpoint());
            report.put("ttl", "not enabled: the local server does not implement UpdateTimeToLive");
          }
          case EXISTED -> { }
        }
      }
    }
    // One item per key (BatchWriteItem refuses duplicates in a request, and across requests the
    // last would win by chance). Read by the size check, the writers and the verification: cache.
    Dataset<Row> items = layout.uniqueItems(candidates, partition).persist(StorageLevel.MEMORY_AND_DISK());
    try {
      Row totals = items.agg(count(lit(1)), org.apache.spark.sql.functions.sum(col("copies"))).first();
      long unique = totals.getLong(0);
      long duplicates = totals.isNullAt(1) ? 0 : totals.getLong(1) - unique;
      DynamoDbItemLayout.requireSizes(items);

      long start = System.nanoTime();
      // One partition per writer, so that the budget split (budget / writers) is the real rate.
      List<Row> stats = items.select("item").repartition(settings.writers())
          .mapPartitions(new BatchWriteTask(settings), Encoders.row(BatchWriteTask.STATS))
          .collectAsList();
      double seconds = (System.nanoTime() - start) / 1e9;
      Map<String, Long> totalsByName = new LinkedHashMap<>();
      String firstError = null;
      for (Row row : stats) {
        for (int i = 0; i < BatchWriteTask.STATS.fields().length - 1; i++) {
          totalsByName.merge(BatchWriteTask.STATS.fields()[i].name(), row.getLong(i), Long::sum);
        }
        if (firstError == null && !row.isNullAt(row.size() - 1)) {
          firstError = row.getString(row.size() - 1);
        }
      }
      report.put("mode", "batch-write");
      report.put("table", settings.table());
      report.put("items", unique);
      report.put("duplicate_keys_resolved", duplicates);
      report.putAll(totalsByName);
      report.put("seconds", Math.round(seconds * 1000) / 1000.0);
      report.put("items_per_second", Math.round(totalsByName.get("written") / seconds));
      report.put("write_units_per_second", Math.round(totalsByName.get("write_units") / seconds * 10) / 10.0);
      report.put("write_budget", settings.writeBudget());
      if (totalsByName.get("failed") > 0) {
        throw TargetingException.external(null, "DynamoDB batch-write to %s: %d of %d items were not written (%s)",
            settings.table(), totalsByName.get("failed"), unique, firstError);
      }
      if (verifySample > 0 || !gsiChecks.isEmpty()) {
        report.put("verification", DynamoDbVerification.verify(settings, layout, candidates, items, verifySample, gsiChecks,
            partition.runDate().toString()));
      }
      return totalsByName.get("written");
    } finally {
      items.unpersist();
    }
  }
}
