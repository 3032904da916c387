package com.targeting.core.testing;

import java.io.File;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * A test server run as a JVM process of its own on a loopback port (its dependencies off the
 * tests' classpath), stopped with the test JVM; and the helpers every such server needs.
 */
final class ServerProcess {
  private ServerProcess() {}

  /** {@code core/test-servers/<module>/target/lib}, found from any module's working directory. */
  static Path library(String module) {
    return fetched(module, "lib");
  }

  /** {@code core/test-servers/<module>/target/<relative>} (a file or folder), found from any module's working directory. */
  static Path fetched(String module, String relative) {
    for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
      Path path = dir.resolve("core/test-servers/" + module + "/target/" + relative);
      if (Files.exists(path)) {
        return path;
      }
    }
    throw new IllegalStateException(module + " is not fetched: run the build from the repository root "
        + "(mvn verify), which builds core/test-servers/" + module + " first");
  }

  /** Starts {@code java <jvmArguments> -cp <lib>/* <mainClass> <arguments>} and waits for {@code port}. */
  static Process start(String name, Path lib, List<String> jvmArguments, String mainClass, List<String> arguments, int port) {
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.addAll(jvmArguments);
    command.addAll(List.of("-cp", lib + File.separator + "*", mainClass));
    command.addAll(arguments);
    return start(name, command, port);
  }

  /** Starts {@code command}, stopped with this JVM, and waits up to 60 s until it listens on {@code port} (loopback). */
  static Process start(String name, List<String> command, int port) {
    return launch(name, command, Path.of("").toAbsolutePath(), port, Duration.ofSeconds(60)).process();
  }

  /** A started server process and the file its stdout and stderr go to. */
  record Launched(Process process, Path log) {}

  /**
   * Runs {@code command} in {@code directory}, its output to a temporary log file, stops it when the
   * test JVM exits, and waits up to {@code timeout} for {@code port} to accept connections. Fails
   * naming the log if the process exits or never listens.
   */
  static Launched launch(String name, List<String> command, Path directory, int port, Duration timeout) {
    try {
      Path log = Files.createTempFile(name, ".log");
      Process process = new ProcessBuilder(command).directory(directory.toFile())
          .redirectErrorStream(true).redirectOutput(log.toFile()).start();
      Runtime.getRuntime().addShutdownHook(new Thread(process::destroy));
      long deadline = System.nanoTime() + timeout.toNanos();
      while (System.nanoTime() < deadline) {
        if (!process.isAlive()) {
          throw new IllegalStateException(name + " exited with " + process.exitValue() + "; its log: " + log);
        }
        try (Socket socket = new Socket()) {
          socket.connect(new InetSocketAddress("127.0.0.1", port), 200);
          return new Launched(process, log);
        } catch (IOException e) {
          Thread.sleep(200);
        }
      }
      process.destroy();
      throw new IllegalStateException(name + " did not listen on port " + port + " within " + timeout.toSeconds()
          + " s; its log: " + log);
    } catch (IOException e) {
      throw new IllegalStateException("Cannot start " + name, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  static int freePort() {
    try (java.net.ServerSocket socket = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      return socket.getLocalPort();
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  /** A JSON reply of a loopback stand-in for an AWS service. */
  static void replyJson(com.sun.net.httpserver.HttpExchange exchange, int status, String json) throws IOException {
    byte[] bytes = json.getBytes(java.nio.charset.StandardCharsets.UTF_8);
    exchange.getResponseHeaders().put("Content-Type", List.of("application/x-amz-json-1.0"));
    exchange.sendResponseHeaders(status, bytes.length);
    exchange.getResponseBody().write(bytes);
  }
}
