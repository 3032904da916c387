package com.targeting.core.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;

/**
 * dynalite (npm, MIT licence), a DynamoDB-compatible server on Node.js, as a child process on a
 * free loopback port, one per test JVM, stopped when the JVM exits. The core/test-servers/dynalite
 * module installs it (the reactor builds it before core); {@code node} must be on the PATH.
 *
 * <p>What dynalite does not do is part of what tests can rely on: it never deletes expired items;
 * it has no ImportTable (see {@link ImportTableFake}); it accepts any credentials and signature;
 * table names need 3+ characters. It has no UpdateTimeToLive either (it answers
 * UnknownOperationException) and its DescribeTimeToLive always says DISABLED. {@link #endpoint()}
 * is therefore a loopback front that adds those two operations as DynamoDB has them: an
 * UpdateTimeToLive request must pass botocore's model of the operation ({@link AwsServiceModel})
 * and name an existing table (dynalite's own DescribeTable answers); enabling TTL twice is refused
 * with DynamoDB's ValidationException; DescribeTimeToLive then answers ENABLED with the attribute,
 * and DeleteTable forgets it. Every other call passes through unchanged. {@link #serverEndpoint()}
 * is dynalite itself, for tests of a server without TTL (as scripts/dynalite.sh runs it).
 */
public final class Dynalite {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Set<String> HOP_HEADERS = Set.of("host", "content-length", "connection", "transfer-encoding",
      "expect", "upgrade", "keep-alive");
  private static Dynalite instance;

  private final int port;
  private final HttpServer front;
  private final HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
  /** Table name to its TTL attribute, for tables whose TTL was enabled through the front. */
  private final Map<String, String> ttl = new ConcurrentHashMap<>();

  private Dynalite(int port) {
    this.port = port;
    try {
      front = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 64);
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
    front.createContext("/", this::handle);
    front.setExecutor(Executors.newFixedThreadPool(8, runnable -> {
      Thread thread = new Thread(runnable, "dynalite-front");
      thread.setDaemon(true);
      return thread;
    }));
    front.start();
  }

  public static synchronized Dynalite instance() {
    if (instance == null) {
      Path cli = ServerProcess.fetched("dynalite", "node_modules/dynalite/cli.js");
      // Tables become ACTIVE at once (default: after 500 ms, which the SDK's waiter polls every 20 s).
      int port = ServerProcess.start("dynalite", free -> List.of("node", cli.toString(), "--host", "127.0.0.1",
          "--port", Integer.toString(free), "--createTableMs", "0", "--deleteTableMs", "0", "--updateTableMs", "0"));
      instance = new Dynalite(port);
    }
    return instance;
  }

  /** dynalite with DynamoDB's UpdateTimeToLive and DescribeTimeToLive (see the class comment). */
  public String endpoint() {
    return "http://127.0.0.1:" + front.getAddress().getPort();
  }

  /** dynalite itself: UpdateTimeToLive is an UnknownOperationException, DescribeTimeToLive says DISABLED. */
  public String serverEndpoint() {
    return "http://127.0.0.1:" + port;
  }

  private void handle(HttpExchange exchange) throws IOException {
    try (exchange) {
      byte[] body = exchange.getRequestBody().readAllBytes();
      String target = String.valueOf(exchange.getRequestHeaders().getFirst("X-Amz-Target"));
      String operation = target.substring(target.lastIndexOf('.') + 1);
      if (operation.equals("UpdateTimeToLive")) {
        updateTimeToLive(exchange, JSON.readTree(body));
        return;
      }
      if (operation.equals("DescribeTimeToLive")) {
        String attribute = ttl.get(String.valueOf(JSON.readTree(body).path("TableName").asText(null)));
        if (attribute != null) {
          ServerProcess.replyJson(exchange, 200, JSON.writeValueAsString(Map.of("TimeToLiveDescription",
              Map.of("TimeToLiveStatus", "ENABLED", "AttributeName", attribute))));
          return;
        }
      }
      HttpResponse<byte[]> response = forward(exchange, body);
      if (operation.equals("DeleteTable") && response.statusCode() == 200) {
        ttl.remove(JSON.readTree(body).path("TableName").asText(""));
      }
      response.headers().map().forEach((name, values) -> {
        if (!HOP_HEADERS.contains(name.toLowerCase()) && !name.startsWith(":")) {
          exchange.getResponseHeaders().put(name, values);
        }
      });
      exchange.sendResponseHeaders(response.statusCode(), response.body().length == 0 ? -1 : response.body().length);
      exchange.getResponseBody().write(response.body());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (IOException | RuntimeException e) {
      // Said out loud, and answered as DynamoDB answers its own failures (500, retried by the SDK),
      // instead of a dropped connection that tells the client nothing.
      System.err.println("dynalite front: " + exchange.getRequestHeaders().getFirst("X-Amz-Target") + " failed: " + e);
      e.printStackTrace();
      try {
        ServerProcess.replyJson(exchange, 500, "{\"__type\":\"com.amazon.coral.service#InternalFailure\",\"message\":"
            + JSON.writeValueAsString(String.valueOf(e)) + "}");
      } catch (IOException | RuntimeException replyFailure) {
        // the response had begun: the connection closes, as it did
      }
    }
  }

  /** As DynamoDB: a request of the model's shape, an existing table, and no second enabling. */
  private void updateTimeToLive(HttpExchange exchange, JsonNode request) throws IOException, InterruptedException {
    String problems = AwsServiceModel.problems("dynamodb", "UpdateTimeToLive", request);
    if (!problems.isEmpty()) {
      validation(exchange, problems);
      return;
    }
    String table = request.get("TableName").asText();
    ObjectNode describe = JSON.createObjectNode().put("TableName", table);
    HttpRequest.Builder builder = HttpRequest.newBuilder(URI.create(serverEndpoint() + "/"))
        .POST(HttpRequest.BodyPublishers.ofByteArray(JSON.writeValueAsBytes(describe)));
    copyHeaders(exchange, builder);
    builder.setHeader("X-Amz-Target", "DynamoDB_20120810.DescribeTable");
    HttpResponse<byte[]> described = client.send(builder.build(), HttpResponse.BodyHandlers.ofByteArray());
    if (described.statusCode() != 200) {
      // ResourceNotFoundException for a missing table, in dynalite's (DynamoDB's) own words.
      ServerProcess.replyJson(exchange, described.statusCode(), new String(described.body(), java.nio.charset.StandardCharsets.UTF_8));
      return;
    }
    JsonNode specification = request.get("TimeToLiveSpecification");
    String attribute = specification.get("AttributeName").asText();
    if (specification.get("Enabled").asBoolean()) {
      if (ttl.putIfAbsent(table, attribute) != null) {
        validation(exchange, "TimeToLive is already enabled");
        return;
      }
    } else if (!ttl.remove(table, attribute)) {
      validation(exchange, "TimeToLive is already disabled");
      return;
    }
    ServerProcess.replyJson(exchange, 200, JSON.writeValueAsString(Map.of("TimeToLiveSpecification", specification)));
  }

  private static void validation(HttpExchange exchange, String message) throws IOException {
    ServerProcess.replyJson(exchange, 400, JSON.writeValueAsString(Map.of(
        "__type", "com.amazon.coral.validate#ValidationException", "message", message)));
  }

  private HttpResponse<byte[]> forward(HttpExchange exchange, byte[] body) throws IOException, InterruptedException {
    HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(serverEndpoint() + exchange.getRequestURI()))
        .method(exchange.getRequestMethod(), HttpRequest.BodyPublishers.ofByteArray(body));
    copyHeaders(exchange, request);
    return client.send(request.build(), HttpResponse.BodyHandlers.ofByteArray());
  }

  private static void copyHeaders(HttpExchange exchange, HttpRequest.Builder request) {
    exchange.getRequestHeaders().forEach((name, values) -> {
      if (!HOP_HEADERS.contains(name.toLowerCase())) {
        values.forEach(value -> request.header(name, value));
      }
    });
  }
}
