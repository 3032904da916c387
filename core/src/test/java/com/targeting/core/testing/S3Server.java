package com.targeting.core.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.UUID;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.sql.SparkSession;
import org.testcontainers.DockerClientFactory;
import org.testcontainers.containers.MinIOContainer;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * The tests' S3: MinIO through Testcontainers where a Docker engine answers, else S3Proxy (jclouds
 * "transient", in memory) as a child process on a free loopback port. One per test JVM, with keys
 * made up for the run. The same tests run against either.
 */
public final class S3Server {
  private static S3Server instance;

  private final String kind;
  private final String endpoint;
  private final String accessKey;
  private final String secretKey;

  private S3Server(String kind, String endpoint, String accessKey, String secretKey) {
    this.kind = kind;
    this.endpoint = endpoint;
    this.accessKey = accessKey;
    this.secretKey = secretKey;
  }

  public static synchronized S3Server instance() {
    if (instance == null) {
      instance = dockerAvailable() ? minio() : s3proxy();
    }
    return instance;
  }

  /** "minio" or "s3proxy": which server the tests ran against. */
  public String kind() {
    return kind;
  }

  public String endpoint() {
    return endpoint;
  }

  public String accessKey() {
    return accessKey;
  }

  public String secretKey() {
    return secretKey;
  }

  /** The S3A settings for this server, as {@code spark.hadoop.*} pairs for a job's config. */
  public List<String> sparkSettings() {
    return List.of(
        "spark.settings.\"spark.hadoop.fs.s3a.endpoint\"=\"" + endpoint + "\"",
        "spark.settings.\"spark.hadoop.fs.s3a.access.key\"=\"" + accessKey + "\"",
        "spark.settings.\"spark.hadoop.fs.s3a.secret.key\"=\"" + secretKey + "\"",
        "spark.settings.\"spark.hadoop.fs.s3a.path.style.access\"=\"true\"",
        "spark.settings.\"spark.hadoop.fs.s3a.connection.ssl.enabled\"=\"false\"");
  }

  /** Points the session's S3A file system at this server. */
  public void configure(SparkSession spark) {
    Configuration hadoop = spark.sparkContext().hadoopConfiguration();
    hadoop.set("fs.s3a.endpoint", endpoint);
    hadoop.set("fs.s3a.access.key", accessKey);
    hadoop.set("fs.s3a.secret.key", secretKey);
    hadoop.set("fs.s3a.path.style.access", "true");
    hadoop.set("fs.s3a.connection.ssl.enabled", "false");
  }

  /** Creates a bucket with a fresh name (S3A never creates buckets) and returns its name. */
  public String createBucket(String prefix) {
    String bucket = prefix + "-" + UUID.randomUUID().toString().substring(0, 8);
    try (S3Client s3 = S3Client.builder()
        .endpointOverride(URI.create(endpoint))
        .region(Region.US_EAST_1)
        .forcePathStyle(true)
        .httpClient(UrlConnectionHttpClient.create())
        .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create(accessKey, secretKey)))
        .build()) {
      s3.createBucket(r -> r.bucket(bucket));
    }
    return bucket;
  }

  private static boolean dockerAvailable() {
    try {
      return DockerClientFactory.instance().isDockerAvailable();
    } catch (RuntimeException | Error e) {
      return false;
    }
  }

  private static S3Server minio() {
    MinIOContainer container = new MinIOContainer("minio/minio:RELEASE.2024-10-13T13-34-11Z");
    container.start();
    Runtime.getRuntime().addShutdownHook(new Thread(container::stop));
    return new S3Server("minio", container.getS3URL(), container.getUserName(), container.getPassword());
  }

  private static S3Server s3proxy() {
    String identity = "test" + UUID.randomUUID().toString().replace("-", "").substring(0, 12);
    String credential = UUID.randomUUID().toString().replace("-", "");
    int port = ServerProcess.start("s3proxy", ServerProcess.library("s3proxy"), List.of("-Xmx1g"), "org.gaul.s3proxy.Main",
        free -> {
          try {
            Path properties = Files.createTempFile("s3proxy", ".properties");
            Files.writeString(properties, String.join("\n",
                "s3proxy.endpoint=http://127.0.0.1:" + free,
                "s3proxy.authorization=aws-v2-or-v4",
                "s3proxy.identity=" + identity,
                "s3proxy.credential=" + credential,
                "jclouds.provider=transient",
                "jclouds.identity=" + identity,
                "jclouds.credential=" + credential,
                ""));
            return List.of("--properties", properties.toString());
          } catch (IOException e) {
            throw new UncheckedIOException("Cannot write S3Proxy's properties", e);
          }
        });
    return new S3Server("s3proxy", "http://127.0.0.1:" + port, identity, credential);
  }
}
