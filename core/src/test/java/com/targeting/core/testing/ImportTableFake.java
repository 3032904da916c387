package com.targeting.core.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Stream;
import java.util.zip.GZIPInputStream;

/**
 * dynalite has no ImportTable, so this loopback front for it does what the service does:
 * on ImportTable it creates the table from the TableCreationParameters (a CreateTable request to
 * dynalite) and loads every gzip DynamoDB-JSON file under the S3 prefix, which it reads from
 * a local directory standing in for the bucket; DescribeImport first answers IN_PROGRESS, then
 * COMPLETED with the item count. Every other call passes through. The ImportTable requests are
 * kept so a test can check what the job asked for.
 */
public final class ImportTableFake implements AutoCloseable {
  private static final ObjectMapper JSON = new ObjectMapper();

  private final HttpServer server;
  private final HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
  private final String target;
  private final Map<String, Path> buckets;
  private final Map<String, Long> imported = new ConcurrentHashMap<>();
  private final Map<String, Integer> describes = new ConcurrentHashMap<>();
  private final Map<String, Long> errors = new ConcurrentHashMap<>();
  private volatile String skipPk;
  public final List<JsonNode> importRequests = new CopyOnWriteArrayList<>();

  public ImportTableFake(String target, Map<String, Path> buckets) {
    this.target = target;
    this.buckets = Map.copyOf(buckets);
    try {
      server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 16);
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
    server.createContext("/", this::handle);
    server.start();
  }

  /** From now on, items whose pk starts with {@code prefix} are skipped and counted as errors, as DynamoDB does with bad items. */
  public void skipItemsWithPk(String prefix) {
    skipPk = prefix;
  }

  public String endpoint() {
    return "http://127.0.0.1:" + server.getAddress().getPort();
  }

  private void handle(HttpExchange exchange) throws IOException {
    try (exchange) {
      byte[] body = exchange.getRequestBody().readAllBytes();
      String operation = String.valueOf(exchange.getRequestHeaders().getFirst("X-Amz-Target"));
      if (operation.endsWith(".ImportTable")) {
        ServerProcess.replyJson(exchange, 200, importTable(JSON.readTree(body)));
      } else if (operation.endsWith(".DescribeImport")) {
        String arn = JSON.readTree(body).get("ImportArn").asText();
        int seen = describes.merge(arn, 1, Integer::sum);
        ServerProcess.replyJson(exchange, 200, description(arn, seen > 1 ? "COMPLETED" : "IN_PROGRESS"));
      } else {
        HttpResponse<byte[]> response = send(operation, body, exchange.getRequestHeaders().getFirst("Authorization"),
            exchange.getRequestHeaders().getFirst("X-Amz-Date"));
        exchange.getResponseHeaders().put("Content-Type", List.of("application/x-amz-json-1.0"));
        exchange.sendResponseHeaders(response.statusCode(), response.body().length == 0 ? -1 : response.body().length);
        exchange.getResponseBody().write(response.body());
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (IOException | RuntimeException e) {
      // Said out loud, and answered as DynamoDB answers its own failures (500, retried by the SDK),
      // instead of a dropped connection that tells the client nothing.
      System.err.println("ImportTable fake: " + exchange.getRequestHeaders().getFirst("X-Amz-Target") + " failed: " + e);
      e.printStackTrace();
      try {
        ServerProcess.replyJson(exchange, 500, "{\"__type\":\"com.amazon.coral.service#InternalFailure\",\"message\":"
            + JSON.writeValueAsString(String.valueOf(e)) + "}");
      } catch (IOException | RuntimeException replyFailure) {
        // the response had begun: the connection closes, as it did
      }
    }
  }

  private String importTable(JsonNode request) throws IOException, InterruptedException {
    importRequests.add(request);
    JsonNode parameters = request.get("TableCreationParameters");
    String table = parameters.get("TableName").asText();
    ObjectNode create = ((ObjectNode) parameters).deepCopy();
    check(send("DynamoDB_20120810.CreateTable", JSON.writeValueAsBytes(create), null, null));
    String bucket = request.get("S3BucketSource").get("S3Bucket").asText();
    String prefix = request.get("S3BucketSource").get("S3KeyPrefix").asText();
    long items = 0;
    long skipped = 0;
    try (Stream<Path> files = Files.walk(buckets.get(bucket).resolve(prefix))) {
      for (Path file : files.filter(f -> f.toString().endsWith(".gz")).toList()) {
        try (BufferedReader reader = new BufferedReader(new InputStreamReader(
            new GZIPInputStream(Files.newInputStream(file)), StandardCharsets.UTF_8))) {
          for (String line = reader.readLine(); line != null; line = reader.readLine()) {
            JsonNode item = JSON.readTree(line).get("Item");
            if (skipPk != null && item.get("pk").get("S").asText().startsWith(skipPk)) {
              skipped++;
              continue;
            }
            ObjectNode put = JSON.createObjectNode();
            put.put("TableName", table);
            put.set("Item", item);
            check(send("DynamoDB_20120810.PutItem", JSON.writeValueAsBytes(put), null, null));
            items++;
          }
        }
      }
    }
    String arn = "arn:aws:dynamodb:us-east-1:000000000000:table/" + table + "/import/" + request.get("ClientToken").asText();
    imported.put(arn, items);
    errors.put(arn, skipped);
    return description(arn, "IN_PROGRESS");
  }

  private String description(String arn, String status) {
    long items = imported.getOrDefault(arn, 0L);
    long failed = errors.getOrDefault(arn, 0L);
    return "{\"ImportTableDescription\":{\"ImportArn\":\"" + arn + "\",\"ImportStatus\":\"" + status + "\","
        + "\"ProcessedItemCount\":" + (items + failed) + ",\"ImportedItemCount\":" + items + ",\"ErrorCount\":" + failed + "}}";
  }

  private HttpResponse<byte[]> send(String operation, byte[] body, String authorization, String date)
      throws IOException, InterruptedException {
    // dynalite accepts any signature, but a SigV4 Authorization header needs its X-Amz-Date.
    String auth = authorization != null ? authorization
        : "AWS4-HMAC-SHA256 Credential=local/20260101/us-east-1/dynamodb/aws4_request, SignedHeaders=host;x-amz-date, Signature=fake";
    HttpRequest request = HttpRequest.newBuilder(URI.create(target + "/"))
        .header("X-Amz-Target", operation)
        .header("Content-Type", "application/x-amz-json-1.0")
        .header("Authorization", auth)
        .header("X-Amz-Date", authorization != null && date != null ? date : "20260101T000000Z")
        .POST(HttpRequest.BodyPublishers.ofByteArray(body))
        .build();
    return client.send(request, HttpResponse.BodyHandlers.ofByteArray());
  }

  private static void check(HttpResponse<byte[]> response) {
    if (response.statusCode() != 200) {
      throw new IllegalStateException("dynalite refused: " + new String(response.body(), StandardCharsets.UTF_8));
    }
  }


  @Override
  public void close() {
    server.stop(0);
  }
}
