package com.targeting.core.sink.dynamodb;

import static java.util.Objects.requireNonNull;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import org.apache.spark.api.java.function.MapPartitionsFunction;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.BatchWriteItemResponse;
import software.amazon.awssdk.services.dynamodb.model.DynamoDbException;
import software.amazon.awssdk.services.dynamodb.model.PutRequest;
import software.amazon.awssdk.services.dynamodb.model.WriteRequest;

/**
 * One writer task: puts its partition's items with BatchWriteItem (25 items, 16 MB at most per
 * request) under its share of the job's write budget. Unprocessed items, throttling and server
 * errors are retried with full-jitter exponential backoff up to the attempt limit; what is still
 * unwritten after that is counted, never dropped silently. Returns one row of statistics.
 */
final class BatchWriteTask implements MapPartitionsFunction<Row, Row> {
  static final StructType STATS = new StructType()
      .add("items", DataTypes.LongType)
      .add("written", DataTypes.LongType)
      .add("failed", DataTypes.LongType)
      .add("write_units", DataTypes.LongType)
      .add("requests", DataTypes.LongType)
      .add("throttled", DataTypes.LongType)
      .add("server_errors", DataTypes.LongType)
      .add("unprocessed_retried", DataTypes.LongType)
      .add("elapsed_ms", DataTypes.LongType)
      .add("first_error", DataTypes.StringType);

  private static final int MAX_BATCH_ITEMS = 25;
  private static final long MAX_BATCH_BYTES = 16L * 1024 * 1024;

  private final DynamoDbSettings settings;

  BatchWriteTask(DynamoDbSettings settings) {
    this.settings = requireNonNull(settings, "settings is null");
  }

  /** Counters of one task. */
  private static final class Stats {
    long items;
    long written;
    long failed;
    long writeUnits;
    long requests;
    long throttled;
    long serverErrors;
    long unprocessedRetried;
    String firstError;

    void fail(long count, String error) {
      failed += count;
      if (firstError == null) {
        firstError = error;
      }
    }
  }

  @Override
  public Iterator<Row> call(Iterator<Row> rows) throws Exception {
    long start = System.nanoTime();
    Stats stats = new Stats();
    TokenBucket budget = new TokenBucket(settings.budgetPerWriter());
    try (DynamoDbClient client = settings.client()) {
      List<WriteRequest> batch = new ArrayList<>();
      long batchBytes = 0;
      while (rows.hasNext()) {
        Map<String, AttributeValue> item = DynamoDbItems.fromImportLine(rows.next().getString(0));
        int bytes = DynamoDbItems.size(item);
        stats.items++;
        if (batch.size() == MAX_BATCH_ITEMS || batchBytes + bytes > MAX_BATCH_BYTES) {
          send(client, budget, batch, stats);
          batch = new ArrayList<>();
          batchBytes = 0;
        }
        batch.add(WriteRequest.builder().putRequest(PutRequest.builder().item(item).build()).build());
        batchBytes += bytes;
      }
      if (!batch.isEmpty()) {
        send(client, budget, batch, stats);
      }
    }
    long elapsed = (System.nanoTime() - start) / 1_000_000;
    return List.of(RowFactory.create(stats.items, stats.written, stats.failed, stats.writeUnits, stats.requests,
        stats.throttled, stats.serverErrors, stats.unprocessedRetried, elapsed, stats.firstError)).iterator();
  }

  private void send(DynamoDbClient client, TokenBucket budget, List<WriteRequest> batch, Stats stats)
      throws InterruptedException {
    List<WriteRequest> pending = batch;
    for (int attempt = 1; ; attempt++) {
      // Each put also writes every GSI it appears in: budget those writes too.
      long units = writeUnits(pending) * (1 + settings.indexes());
      budget.acquire(units);
      String retryable;
      try {
        stats.requests++;
        List<WriteRequest> request = pending;
        BatchWriteItemResponse response = client.batchWriteItem(r -> r.requestItems(Map.of(settings.table(), request)));
        List<WriteRequest> unprocessed = response.unprocessedItems().getOrDefault(settings.table(), List.of());
        long done = pending.size() - unprocessed.size();
        stats.written += done;
        stats.writeUnits += units - writeUnits(unprocessed) * (1 + settings.indexes());
        if (unprocessed.isEmpty()) {
          return;
        }
        stats.unprocessedRetried += unprocessed.size();
        pending = unprocessed;
        retryable = unprocessed.size() + " unprocessed items";
      } catch (DynamoDbException e) {
        String code = e.awsErrorDetails() == null || e.awsErrorDetails().errorCode() == null ? "" : e.awsErrorDetails().errorCode();
        if (isThrottling(code)) {
          stats.throttled++;
        } else if (e.statusCode() >= 500) {
          stats.serverErrors++;
        } else {
          String message = e.awsErrorDetails() == null ? e.getMessage() : e.awsErrorDetails().errorMessage();
          stats.fail(pending.size(), (code.isEmpty() ? "HTTP " + e.statusCode() : code) + ": " + message);
          return; // a validation error will not pass on retry
        }
        retryable = code.isEmpty() ? "HTTP " + e.statusCode() : code;
      } catch (SdkClientException e) {
        stats.serverErrors++;
        retryable = e.getClass().getSimpleName() + ": " + e.getMessage();
      }
      if (attempt >= settings.maxAttempts()) {
        stats.fail(pending.size(), "retry limit of " + settings.maxAttempts() + " attempts reached (last: " + retryable + ")");
        return;
      }
      // Full jitter: a random wait up to the exponential cap spreads the retries of many tasks.
      long cap = Math.min(settings.maxBackoffMillis(), settings.baseBackoffMillis() << Math.min(attempt - 1, 20));
      Thread.sleep(ThreadLocalRandom.current().nextLong(cap + 1));
    }
  }

  private static boolean isThrottling(String code) {
    return code.equals("ProvisionedThroughputExceededException") || code.equals("ThrottlingException")
        || code.equals("RequestLimitExceeded");
  }

  private static long writeUnits(List<WriteRequest> requests) {
    return requests.stream().mapToLong(r -> DynamoDbItems.writeUnits(DynamoDbItems.size(r.putRequest().item()))).sum();
  }
}
