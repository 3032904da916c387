package com.targeting.core.sink.dynamodb;

import static java.util.Objects.requireNonNull;

import com.targeting.core.config.ConfigNode;
import java.io.Serializable;
import java.net.URI;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.client.config.ClientOverrideConfiguration;
import software.amazon.awssdk.awscore.retry.AwsRetryStrategy;
import software.amazon.awssdk.core.retry.RetryPolicy;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.DynamoDbClientBuilder;

/**
 * How batch writes reach a table: the table, region and (for a local server such as dynalite)
 * endpoint, the job-wide write budget in write units per second, shared equally by {@code writers}
 * concurrent tasks, and the retry policy (full-jitter exponential backoff) for throttling and
 * unprocessed items. Plain values (an empty endpoint means AWS's own): it travels to the executors.
 */
public record DynamoDbSettings(
    String table,
    String region,
    String endpoint,
    boolean localCredentials,
    double writeBudget,
    int writers,
    int maxAttempts,
    long baseBackoffMillis,
    long maxBackoffMillis,
    int indexes) implements Serializable {

  public DynamoDbSettings {
    requireNonNull(table, "table is null");
    requireNonNull(region, "region is null");
    requireNonNull(endpoint, "endpoint is null");
    if (writeBudget <= 0 || writers < 1 || maxAttempts < 1 || baseBackoffMillis < 0 || maxBackoffMillis < baseBackoffMillis
        || indexes < 0) {
      throw new IllegalArgumentException("invalid DynamoDB write settings");
    }
  }

  public static DynamoDbSettings from(ConfigNode node) {
    String credentials = node.string("credentials", "default");
    if (!credentials.equals("default") && !credentials.equals("local")) {
      // The value is not echoed: a mistaken substitution could have put a secret here.
      throw node.invalid("credentials", "must be default (the AWS provider chain) or local (a local server's made-up key)");
    }
    double budget = node.doubleValue("write-budget");
    if (budget <= 0) {
      throw node.invalid("write-budget", "must be a positive number of write units per second, was " + budget);
    }
    int writers = node.integer("writers", 2);
    int attempts = node.integer("max-attempts", 8);
    long base = node.longValue("backoff-base-ms", 25);
    long max = node.longValue("backoff-max-ms", 5_000);
    if (writers < 1) {
      throw node.invalid("writers", "must be at least 1, was " + writers);
    }
    if (attempts < 1) {
      throw node.invalid("max-attempts", "must be at least 1, was " + attempts);
    }
    if (base < 0 || max < base) {
      throw node.invalid("backoff-max-ms", "backoff-base-ms must be at least 0 and at most backoff-max-ms");
    }
    return new DynamoDbSettings(node.string("table"), node.string("region", "us-east-1"), node.optionalString("endpoint").orElse(""),
        credentials.equals("local"), budget, writers, attempts, base, max, 0);
  }

  /** The same settings for a table with {@code count} global secondary indexes. */
  public DynamoDbSettings withIndexes(int count) {
    return new DynamoDbSettings(table, region, endpoint, localCredentials, writeBudget, writers, maxAttempts,
        baseBackoffMillis, maxBackoffMillis, count);
  }

  /** Write units per second for each of the {@code writers} tasks. */
  public double budgetPerWriter() {
    return writeBudget / writers;
  }

  /** A client without SDK retries: the writer retries itself, under its budget. */
  public DynamoDbClient client() {
    return client(region, endpoint, localCredentials, ClientOverrideConfiguration.builder().retryPolicy(RetryPolicy.none()).build());
  }

  /**
   * A client whose SDK retries what is safe to repeat (throttling, 5xx, a connection closed
   * mid-request) with backoff and jitter, up to {@code max-attempts}: for the calls around the
   * writes (create table, ImportTable with its client token, DescribeImport, the serving pointer's
   * conditional put, verification reads), which have no retry loop of their own.
   */
  public DynamoDbClient retryingClient() {
    return retryingClient(region, endpoint, localCredentials, maxAttempts);
  }

  /** {@link #retryingClient()} of these settings. */
  static DynamoDbClient retryingClient(String region, String endpoint, boolean localCredentials, int maxAttempts) {
    return client(region, endpoint, localCredentials, ClientOverrideConfiguration.builder()
        .retryStrategy(AwsRetryStrategy.standardRetryStrategy().toBuilder()
            .maxAttempts(maxAttempts).build())
        .build());
  }

  /**
   * A client of {@code region} (or of {@code endpoint}, a local server, when not empty) over the
   * URL-connection HTTP client, with the default credentials chain or a local server's made-up key.
   */
  static DynamoDbClient client(String region, String endpoint, boolean localCredentials, ClientOverrideConfiguration configuration) {
    DynamoDbClientBuilder builder = DynamoDbClient.builder()
        .region(Region.of(region))
        .httpClient(UrlConnectionHttpClient.create())
        .overrideConfiguration(configuration);
    if (!endpoint.isEmpty()) {
      builder.endpointOverride(URI.create(endpoint));
    }
    AwsCredentialsProvider provider = localCredentials
        // A local server accepts any letters-and-digits key; these are not secrets and reach nothing else.
        ? StaticCredentialsProvider.create(AwsBasicCredentials.create("local", "local"))
        : DefaultCredentialsProvider.create();
    return builder.credentialsProvider(provider).build();
  }
}
