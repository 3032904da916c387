package com.targeting.core.testing;

import java.nio.file.Path;
import java.util.List;

/**
 * DynamoDB Local as a child process on a free loopback port, one per test JVM, stopped when the
 * JVM exits. Its jars come from the core/test-servers/dynamodb-local module (built first by the
 * reactor): its Jetty and ANTLR would clash with Spark's on one classpath.
 */
public final class DynamoDbLocal {
  private static DynamoDbLocal instance;

  private final int port;

  private DynamoDbLocal(int port) {
    this.port = port;
  }

  public static synchronized DynamoDbLocal instance() {
    if (instance == null) {
      Path lib = ServerProcess.library("dynamodb-local");
      int port = ServerProcess.freePort();
      ServerProcess.start("dynamodb-local", lib, List.of("-Xmx512m", "-Djava.library.path=" + lib),
          "com.amazonaws.services.dynamodbv2.local.main.ServerRunner", List.of("-inMemory", "-port", Integer.toString(port)), port);
      instance = new DynamoDbLocal(port);
    }
    return instance;
  }

  public String endpoint() {
    return "http://127.0.0.1:" + port;
  }

  public int port() {
    return port;
  }
}
