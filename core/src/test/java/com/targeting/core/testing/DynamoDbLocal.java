package com.targeting.core.testing;

import java.io.File;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * DynamoDB Local as a child process on a free loopback port, one per test JVM, stopped when the
 * JVM exits. Its jars come from the core/test-servers/dynamodb-local module (built first by the
 * reactor): its Jetty and ANTLR would clash with Spark's on one classpath.
 */
public final class DynamoDbLocal {
  private static DynamoDbLocal instance;

  private final Process process;
  private final int port;

  private DynamoDbLocal(Process process, int port) {
    this.process = process;
    this.port = port;
  }

  public static synchronized DynamoDbLocal instance() {
    if (instance == null) {
      instance = start();
    }
    return instance;
  }

  public String endpoint() {
    return "http://127.0.0.1:" + port;
  }

  public int port() {
    return port;
  }

  private static DynamoDbLocal start() {
    Path lib = serverLibrary();
    int port = freePort();
    Path log;
    try {
      log = Files.createTempFile("dynamodb-local", ".log");
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
    ProcessBuilder builder = new ProcessBuilder(List.of(
        Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-Xmx512m",
        "-Djava.library.path=" + lib,
        "-cp", lib + File.separator + "*",
        "com.amazonaws.services.dynamodbv2.local.main.ServerRunner",
        "-inMemory", "-port", Integer.toString(port)))
        .redirectErrorStream(true)
        .redirectOutput(log.toFile());
    Process process;
    try {
      process = builder.start();
    } catch (IOException e) {
      throw new IllegalStateException("Cannot start DynamoDB Local", e);
    }
    DynamoDbLocal server = new DynamoDbLocal(process, port);
    Runtime.getRuntime().addShutdownHook(new Thread(process::destroy));
    long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
    while (System.nanoTime() < deadline) {
      if (!process.isAlive()) {
        throw new IllegalStateException("DynamoDB Local exited; its log: " + log);
      }
      try (Socket socket = new Socket()) {
        socket.connect(new InetSocketAddress("127.0.0.1", port), 200);
        return server;
      } catch (IOException e) {
        sleep(200);
      }
    }
    process.destroy();
    throw new IllegalStateException("DynamoDB Local did not listen on port " + port + " within 60 s; its log: " + log);
  }

  /** core/test-servers/dynamodb-local/target/lib, found from any module's working directory. */
  public static Path serverLibrary() {
    for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
      Path lib = dir.resolve("core/test-servers/dynamodb-local/target/lib");
      if (Files.isDirectory(lib)) {
        return lib;
      }
    }
    throw new IllegalStateException("DynamoDB Local is not fetched: run the build from the repository root "
        + "(mvn verify), which builds core/test-servers/dynamodb-local first");
  }

  static int freePort() {
    try (ServerSocket socket = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      return socket.getLocalPort();
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  private static void sleep(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }
}
