package com.targeting.core.sink.dynamodb;

import static java.util.Objects.requireNonNull;

import com.targeting.core.TargetingException;
import com.targeting.core.config.ConfigNode;
import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.ResourceNotFoundException;
import software.amazon.awssdk.services.dynamodb.model.ReturnConsumedCapacity;
import software.amazon.awssdk.services.dynamodb.model.ScanRequest;
import software.amazon.awssdk.services.dynamodb.model.ScanResponse;
import software.amazon.awssdk.services.dynamodb.model.TimeToLiveDescription;

/**
 * The weekly check that DynamoDB's TTL has removed a program's expired candidates (seed 000,
 * Sunday 1:00 AM: "DynamoDB TTL handles automatic deletion; verify cleanup completed").
 *
 * <p>DynamoDB deletes expired items in the background, typically within a few days of their
 * expiry (Amazon DynamoDB developer guide, "Time to Live"), and until then reads still return
 * them. So an item counts against the check only when its TTL attribute (epoch seconds) is more
 * than {@code grace-hours} in the past. Items expired for less are counted apart, as the
 * deletion's normal lag.
 *
 * <p>How: a parallel Scan ({@code segments} segments, one thread each) of the serving table, page
 * by page ({@code page-size}), filtered on the server to items whose TTL is in the past and whose
 * {@code pk} contains {@code #<program>}, then matched exactly (pk ending in {@code #<program>}) here;
 * only {@code pk} and the TTL attribute come back, never customer attributes. Each segment spends
 * an equal share of {@code read-budget} read units per second, paid from the capacity each page
 * reports consuming. Throttling and 5xx are retried by the SDK's standard strategy (backoff with
 * jitter) up to {@code max-attempts}; then the check fails as an external error. A table that does
 * not exist is a config error.
 */
public final class DynamoDbTtlCheck {
  private static final Logger LOG = LoggerFactory.getLogger(DynamoDbTtlCheck.class);
  static final String PARTITION_KEY = "pk";

  /** The serving table (program.outputs.dynamodb) and the check's own settings (dynamodb-ttl-check). */
  public record Settings(
      String table,
      String region,
      String endpoint,
      boolean localCredentials,
      String ttlAttribute,
      String program,
      int graceHours,
      int segments,
      double readBudget,
      int pageSize,
      int sample,
      int maxAttempts) {

    public Settings {
      requireNonNull(table, "table is null");
      requireNonNull(region, "region is null");
      requireNonNull(endpoint, "endpoint is null");
      requireNonNull(ttlAttribute, "ttlAttribute is null");
      requireNonNull(program, "program is null");
      if (graceHours < 0 || segments < 1 || readBudget <= 0 || pageSize < 1 || sample < 0 || maxAttempts < 1) {
        throw new IllegalArgumentException("invalid TTL check settings");
      }
    }

    /**
     * @param dynamodb the program's {@code program.outputs.dynamodb}: the table, region, endpoint
     *     and credentials of {@code batch-write}, and {@code ttl-attribute}
     * @param check {@code dynamodb-ttl-check}
     */
    public static Settings from(ConfigNode dynamodb, ConfigNode check, String program) {
      DynamoDbSettings table = DynamoDbSettings.from(dynamodb.node("batch-write"));
      int grace = check.integer("grace-hours");
      if (grace < 0) {
        throw check.invalid("grace-hours", "must be at least 0, was " + grace);
      }
      int segments = check.integer("segments");
      if (segments < 1 || segments > 1_000_000) {
        throw check.invalid("segments", "must be between 1 and 1000000 (DynamoDB's TotalSegments), was " + segments);
      }
      double budget = check.doubleValue("read-budget");
      if (budget <= 0) {
        throw check.invalid("read-budget", "must be a positive number of read units per second, was " + budget);
      }
      int pageSize = check.integer("page-size");
      if (pageSize < 1) {
        throw check.invalid("page-size", "must be at least 1, was " + pageSize);
      }
      int sample = check.integer("sample");
      if (sample < 0) {
        throw check.invalid("sample", "must be at least 0, was " + sample);
      }
      int attempts = check.integer("max-attempts");
      if (attempts < 1) {
        throw check.invalid("max-attempts", "must be at least 1, was " + attempts);
      }
      return new Settings(table.table(), table.region(), table.endpoint(), table.localCredentials(),
          dynamodb.string("ttl-attribute"), program, grace, segments, budget, pageSize, sample, attempts);
    }

    /** A client whose SDK retries throttling and 5xx with backoff and jitter, up to max-attempts. */
    DynamoDbClient client() {
      return DynamoDbSettings.retryingClient(region, endpoint, localCredentials, maxAttempts);
    }
  }

  /** An item past the grace, by key only, with its expiry (epoch seconds). */
  public record ExpiredKey(String pk, long expiresAt) {
    public ExpiredKey {
      requireNonNull(pk, "pk is null");
    }
  }

  /** What the scan found. */
  public record Result(
      Settings settings,
      Instant now,
      String ttlStatus,
      Optional<String> ttlEnabledAttribute,
      long scannedItems,
      long pastGrace,
      long withinGrace,
      Optional<Long> oldestExpiry,
      List<ExpiredKey> sample,
      double readUnits,
      long pages) {

    public Result {
      sample = List.copyOf(sample);
    }

    /** Epoch seconds: items whose TTL is before this are past the grace. */
    public long cutoff() {
      return now.getEpochSecond() - Duration.ofHours(settings.graceHours()).toSeconds();
    }

    public boolean passed() {
      return pastGrace == 0;
    }

    /** Why the check failed, naming what to look at; empty when it passed. */
    public Optional<String> failure() {
      if (passed()) {
        return Optional.empty();
      }
      boolean enabled = ttlStatus.equals("ENABLED") && ttlEnabledAttribute.map(settings.ttlAttribute()::equals).orElse(false);
      String cause = enabled
          ? "TTL is enabled on " + settings.ttlAttribute() + ": DynamoDB's deletion is behind, check again later"
          : "TTL on the table is " + ttlStatus + ttlEnabledAttribute.map(a -> " (on attribute " + a + ")").orElse("")
              + ", not enabled on " + settings.ttlAttribute() + ": DynamoDB will not delete these items until it is";
      return Optional.of(String.format(
          "DynamoDB table %s: %d items of program %s are past their TTL (%s) by more than %d hours, the oldest since %s; %s",
          settings.table(), pastGrace, settings.program(), settings.ttlAttribute(), settings.graceHours(),
          Instant.ofEpochSecond(oldestExpiry.orElseThrow()), cause));
    }

    public Map<String, Object> toJson() {
      Map<String, Object> json = new LinkedHashMap<>();
      json.put("table", settings.table());
      json.put("program", settings.program());
      json.put("ttl_attribute", settings.ttlAttribute());
      json.put("ttl_status", ttlStatus);
      ttlEnabledAttribute.ifPresent(a -> json.put("ttl_enabled_attribute", a));
      json.put("grace_hours", settings.graceHours());
      json.put("checked_at", now.toString());
      json.put("cutoff", Instant.ofEpochSecond(cutoff()).toString());
      json.put("scanned_items", scannedItems);
      json.put("past_grace", pastGrace);
      json.put("expired_within_grace", withinGrace);
      oldestExpiry.ifPresent(e -> json.put("oldest_expiry", Instant.ofEpochSecond(e).toString()));
      List<Map<String, Object>> keys = new ArrayList<>();
      for (ExpiredKey key : sample) {
        Map<String, Object> entry = new LinkedHashMap<>();
        entry.put("pk", key.pk());
        entry.put("expires_at", Instant.ofEpochSecond(key.expiresAt()).toString());
        entry.put("hours_past_ttl", (now.getEpochSecond() - key.expiresAt()) / 3600);
        keys.add(entry);
      }
      json.put("sample", keys);
      json.put("segments", settings.segments());
      json.put("pages", pages);
      json.put("read_units", Math.round(readUnits * 10) / 10.0);
      return json;
    }
  }

  private DynamoDbTtlCheck() {}

  public static Result run(Settings settings, Instant now) {
    long nowSeconds = now.getEpochSecond();
    long cutoff = nowSeconds - Duration.ofHours(settings.graceHours()).toSeconds();
    try (DynamoDbClient client = settings.client()) {
      TimeToLiveDescription ttl = describeTtl(client, settings);
      ExecutorService pool = Executors.newFixedThreadPool(settings.segments(), runnable -> {
        Thread thread = new Thread(runnable, "dynamodb-ttl-scan");
        thread.setDaemon(true);
        return thread;
      });
      try {
        List<Future<Segment>> futures = new ArrayList<>();
        for (int segment = 0; segment < settings.segments(); segment++) {
          int index = segment;
          futures.add(pool.submit(() -> scan(client, settings, index, nowSeconds, cutoff)));
        }
        Segment total = new Segment(settings.sample());
        for (Future<Segment> future : futures) {
          total.add(future.get());
        }
        Result result = new Result(settings, now, ttl.timeToLiveStatusAsString() == null ? "UNKNOWN" : ttl.timeToLiveStatusAsString(),
            Optional.ofNullable(ttl.attributeName()), total.scanned, total.pastGrace, total.withinGrace,
            total.pastGrace > 0 ? Optional.of(total.oldest) : Optional.empty(), total.sample(), total.readUnits, total.pages);
        LOG.info("TTL check of {} for {}: {} items scanned in {} pages, {} past the {} h grace, {} expired within it",
            settings.table(), settings.program(), total.scanned, total.pages, total.pastGrace, settings.graceHours(), total.withinGrace);
        return result;
      } catch (ExecutionException e) {
        throw translate(e.getCause(), settings);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw TargetingException.internal("Interrupted while scanning DynamoDB table %s", settings.table());
      } finally {
        pool.shutdownNow();
      }
    } catch (SdkException e) {
      throw translate(e, settings);
    }
  }

  private static TimeToLiveDescription describeTtl(DynamoDbClient client, Settings settings) {
    return client.describeTimeToLive(r -> r.tableName(settings.table())).timeToLiveDescription();
  }

  /** One segment's scan, page by page, paced by its share of the read budget. */
  private static Segment scan(DynamoDbClient client, Settings settings, int segment, long nowSeconds, long cutoff)
      throws InterruptedException {
    String suffix = "#" + settings.program();
    TokenBucket budget = new TokenBucket(settings.readBudget() / settings.segments());
    Segment result = new Segment(settings.sample());
    Map<String, AttributeValue> start = null;
    do {
      ScanRequest request = ScanRequest.builder()
          .tableName(settings.table())
          .segment(segment)
          .totalSegments(settings.segments())
          .limit(settings.pageSize())
          // Narrowed on the server (the scan still reads every item: filters save transfer, not read units).
          .filterExpression("#ttl < :now AND contains(#pk, :program)")
          .projectionExpression("#pk, #ttl")
          .expressionAttributeNames(Map.of("#ttl", settings.ttlAttribute(), "#pk", PARTITION_KEY))
          .expressionAttributeValues(Map.of(
              ":now", AttributeValue.fromN(Long.toString(nowSeconds)),
              ":program", AttributeValue.fromS(suffix)))
          .returnConsumedCapacity(ReturnConsumedCapacity.TOTAL)
          .exclusiveStartKey(start)
          .build();
      ScanResponse page = client.scan(request);
      result.pages++;
      result.scanned += page.scannedCount();
      for (Map<String, AttributeValue> item : page.items()) {
        String pk = item.get(PARTITION_KEY).s();
        AttributeValue expiry = item.get(settings.ttlAttribute());
        // contains() also matches "#<program>-v2#..."; only the program's own suffix counts.
        if (pk == null || !pk.endsWith(suffix) || expiry == null || expiry.n() == null) {
          continue;
        }
        long expiresAt = new BigDecimal(expiry.n()).longValue();
        if (expiresAt < cutoff) {
          result.pastGrace(new ExpiredKey(pk, expiresAt));
        } else {
          result.withinGrace++;
        }
      }
      double units = page.consumedCapacity() != null && page.consumedCapacity().capacityUnits() != null
          ? page.consumedCapacity().capacityUnits()
          // No capacity reported: count half a unit (an eventually consistent read of up to 4 KB) per item read.
          : Math.max(0.5, page.scannedCount() * 0.5);
      result.readUnits += units;
      budget.acquire(units);
      start = page.hasLastEvaluatedKey() && !page.lastEvaluatedKey().isEmpty() ? page.lastEvaluatedKey() : null;
    } while (start != null);
    return result;
  }

  private static TargetingException translate(Throwable error, Settings settings) {
    String where = settings.table() + " (region " + settings.region()
        + (settings.endpoint().isEmpty() ? "" : ", endpoint " + settings.endpoint()) + ")";
    if (error instanceof ResourceNotFoundException) {
      return TargetingException.userError(
          "DynamoDB table %s does not exist: check program.outputs.dynamodb.batch-write.table and region", where);
    }
    if (error instanceof TargetingException targeting) {
      return targeting;
    }
    return TargetingException.external(error, "Cannot scan DynamoDB table %s: %s", where,
        TargetingException.firstLine(String.valueOf(error.getMessage())));
  }

  /** Counts of one segment, merged into the total; the sample keeps the smallest keys, so it is the same on every run. */
  private static final class Segment {
    private final int sampleSize;
    private final TreeMap<String, Long> sample = new TreeMap<>();
    long scanned;
    long pastGrace;
    long withinGrace;
    long oldest = Long.MAX_VALUE;
    double readUnits;
    long pages;

    Segment(int sampleSize) {
      this.sampleSize = sampleSize;
    }

    void pastGrace(ExpiredKey key) {
      pastGrace++;
      oldest = Math.min(oldest, key.expiresAt());
      keep(key.pk(), key.expiresAt());
    }

    private void keep(String pk, long expiresAt) {
      if (sampleSize == 0) {
        return;
      }
      sample.put(pk, expiresAt);
      if (sample.size() > sampleSize) {
        sample.pollLastEntry();
      }
    }

    void add(Segment other) {
      scanned += other.scanned;
      pastGrace += other.pastGrace;
      withinGrace += other.withinGrace;
      oldest = Math.min(oldest, other.oldest);
      readUnits += other.readUnits;
      pages += other.pages;
      other.sample.forEach(this::keep);
    }

    List<ExpiredKey> sample() {
      return sample.entrySet().stream().map(e -> new ExpiredKey(e.getKey(), e.getValue())).toList();
    }
  }
}
