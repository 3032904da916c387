package com.targeting.core.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A loopback HTTP proxy in front of dynalite (which is no throttling simulator) that answers a
 * share of BatchWriteItem calls with faults, as DynamoDB does under load: throttling (400
 * ProvisionedThroughputExceeded), server errors (500) and partial success (half the items back as UnprocessedItems). The share is
 * a deterministic pattern over the calls (every n-th), so a test is repeatable. Everything else
 * passes through unchanged.
 */
public final class FaultProxy implements AutoCloseable {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Set<String> HOP_HEADERS = Set.of("host", "content-length", "connection", "transfer-encoding",
      "expect", "upgrade", "keep-alive");

  private final HttpServer server;
  private final HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
  private final String target;
  private final int throttleEvery;
  private final int serverErrorEvery;
  private final int partialEvery;
  private final AtomicLong batchWrites = new AtomicLong();
  public final AtomicLong throttled = new AtomicLong();
  public final AtomicLong serverErrors = new AtomicLong();
  public final AtomicLong partial = new AtomicLong();

  /** Every {@code n}-th BatchWriteItem call gets that fault; 0 turns a fault off; 1 faults every call. */
  public FaultProxy(String target, int throttleEvery, int serverErrorEvery, int partialEvery) {
    this.target = target;
    this.throttleEvery = throttleEvery;
    this.serverErrorEvery = serverErrorEvery;
    this.partialEvery = partialEvery;
    try {
      server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 64);
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
    server.createContext("/", this::handle);
    server.setExecutor(Executors.newFixedThreadPool(8));
    server.start();
  }

  public String endpoint() {
    return "http://127.0.0.1:" + server.getAddress().getPort();
  }

  private void handle(HttpExchange exchange) throws IOException {
    try (exchange) {
      byte[] body = exchange.getRequestBody().readAllBytes();
      String operation = String.valueOf(exchange.getRequestHeaders().getFirst("X-Amz-Target"));
      if (operation.endsWith(".BatchWriteItem")) {
        long call = batchWrites.incrementAndGet();
        if (throttleEvery > 0 && call % throttleEvery == 0) {
          throttled.incrementAndGet();
          ServerProcess.replyJson(exchange, 400, "{\"__type\":\"com.amazonaws.dynamodb.v20120810#ProvisionedThroughputExceededException\","
              + "\"message\":\"The level of configured provisioned throughput for the table was exceeded\"}");
          return;
        }
        if (serverErrorEvery > 0 && call % serverErrorEvery == 0) {
          serverErrors.incrementAndGet();
          ServerProcess.replyJson(exchange, 500, "{\"__type\":\"com.amazon.coral.service#InternalFailure\",\"message\":\"injected\"}");
          return;
        }
        if (partialEvery > 0 && call % partialEvery == 0) {
          partial.incrementAndGet();
          forwardHalf(exchange, body);
          return;
        }
      }
      HttpResponse<byte[]> response = forward(exchange, body);
      response.headers().map().forEach((name, values) -> {
        if (!HOP_HEADERS.contains(name.toLowerCase()) && !name.startsWith(":")) {
          exchange.getResponseHeaders().put(name, values);
        }
      });
      exchange.sendResponseHeaders(response.statusCode(), response.body().length == 0 ? -1 : response.body().length);
      exchange.getResponseBody().write(response.body());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** Sends the first half of each table's requests; returns the rest as UnprocessedItems. */
  private void forwardHalf(HttpExchange exchange, byte[] body) throws IOException, InterruptedException {
    ObjectNode request = (ObjectNode) JSON.readTree(body);
    ObjectNode sent = JSON.createObjectNode();
    ObjectNode unprocessed = JSON.createObjectNode();
    for (Iterator<Map.Entry<String, JsonNode>> tables = request.get("RequestItems").fields(); tables.hasNext(); ) {
      Map.Entry<String, JsonNode> table = tables.next();
      ArrayNode first = JSON.createArrayNode();
      ArrayNode rest = JSON.createArrayNode();
      int half = (table.getValue().size() + 1) / 2;
      for (int i = 0; i < table.getValue().size(); i++) {
        (i < half ? first : rest).add(table.getValue().get(i));
      }
      sent.set(table.getKey(), first);
      if (!rest.isEmpty()) {
        unprocessed.set(table.getKey(), rest);
      }
    }
    request.set("RequestItems", sent);
    HttpResponse<byte[]> response = forward(exchange, JSON.writeValueAsBytes(request));
    if (response.statusCode() != 200) {
      ServerProcess.replyJson(exchange, response.statusCode(), new String(response.body(), StandardCharsets.UTF_8));
      return;
    }
    ObjectNode result = (ObjectNode) JSON.readTree(response.body());
    result.set("UnprocessedItems", unprocessed);
    ServerProcess.replyJson(exchange, 200, JSON.writeValueAsString(result));
  }

  private HttpResponse<byte[]> forward(HttpExchange exchange, byte[] body) throws IOException, InterruptedException {
    HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(target + exchange.getRequestURI()))
        .method(exchange.getRequestMethod(), HttpRequest.BodyPublishers.ofByteArray(body));
    exchange.getRequestHeaders().forEach((name, values) -> {
      if (!HOP_HEADERS.contains(name.toLowerCase())) {
        values.forEach(value -> request.header(name, value));
      }
    });
    return client.send(request.build(), HttpResponse.BodyHandlers.ofByteArray());
  }


  @Override
  public void close() {
    server.stop(0);
  }
}
