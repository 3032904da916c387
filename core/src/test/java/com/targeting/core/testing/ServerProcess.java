package com.targeting.core.testing;

import java.io.File;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.IntFunction;
import java.util.function.IntSupplier;

/**
 * A test server run as a JVM process of its own on a loopback port (its dependencies off the
 * tests' classpath), stopped with the test JVM; and the helpers every such server needs.
 */
final class ServerProcess {
  private static final int ATTEMPTS = 3;
  /** {@code /proc/net/tcp}'s state of a listening socket. */
  private static final String LISTEN = "0A";

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

  /**
   * Starts {@code java <jvmArguments> -cp <lib>/* <mainClass> <arguments(port)>} on a free loopback
   * port and waits until it listens there; returns the port.
   */
  static int start(String name, Path lib, List<String> jvmArguments, String mainClass, IntFunction<List<String>> arguments) {
    return start(name, port -> {
      List<String> command = new ArrayList<>();
      command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
      command.addAll(jvmArguments);
      command.addAll(List.of("-cp", lib + File.separator + "*", mainClass));
      command.addAll(arguments.apply(port));
      return command;
    });
  }

  /** Starts {@code command(port)} on a free loopback port, stopped with this JVM, waiting up to 60 s; returns the port. */
  static int start(String name, IntFunction<List<String>> command) {
    return launch(name, command, Path.of("").toAbsolutePath(), Duration.ofSeconds(60)).port();
  }

  /** A started server process, the loopback port it listens on and the file its stdout and stderr go to. */
  record Launched(Process process, int port, Path log) {}

  /**
   * Runs {@code command(port)} in {@code directory} for a free loopback port, its output to a
   * temporary log file, stops it when the test JVM exits, and waits up to {@code timeout} until
   * <em>it</em> listens on the port.
   *
   * <p>A port free when chosen can be taken before the server binds it, by another build's server
   * on the same host: the server then fails to bind while the other one answers on "its" port, and
   * a test would talk to a stranger (a CI run's Trino tests once found their tables dropped by
   * another run's). So a listener counts only if its socket is one of the process's own (Linux's
   * {@code /proc}; where that cannot be read, any listener counts), and a server that another
   * process beat to its port is stopped and started again on another, up to {@value #ATTEMPTS} times.
   * Fails naming the log if the process exits for any other reason or never listens.
   */
  static Launched launch(String name, IntFunction<List<String>> command, Path directory, Duration timeout) {
    return launch(name, command, directory, timeout, ServerProcess::freePort);
  }

  /** {@link #launch(String, IntFunction, Path, Duration)} on the ports {@code ports} hands out, in turn. */
  static Launched launch(String name, IntFunction<List<String>> command, Path directory, Duration timeout, IntSupplier ports) {
    List<String> lost = new ArrayList<>();
    for (int attempt = 1; attempt <= ATTEMPTS; attempt++) {
      int port = ports.getAsInt();
      Optional<Launched> launched = launchOnce(name, command.apply(port), directory, port, timeout);
      if (launched.isPresent()) {
        return launched.get();
      }
      lost.add(Integer.toString(port));
    }
    throw new IllegalStateException(name + " lost its port to another process " + ATTEMPTS + " times (ports "
        + String.join(", ", lost) + ")");
  }

  /** The server listening on {@code port}, or empty when another process holds the port. */
  private static Optional<Launched> launchOnce(String name, List<String> command, Path directory, int port, Duration timeout) {
    try {
      Path log = Files.createTempFile(name, ".log");
      Process process = new ProcessBuilder(command).directory(directory.toFile())
          .redirectErrorStream(true).redirectOutput(log.toFile()).start();
      Runtime.getRuntime().addShutdownHook(new Thread(process::destroy));
      long deadline = System.nanoTime() + timeout.toNanos();
      while (System.nanoTime() < deadline) {
        if (!process.isAlive()) {
          if (Files.readString(log).toLowerCase(java.util.Locale.ROOT).contains("address already in use")) {
            return Optional.empty();
          }
          throw new IllegalStateException(name + " exited with " + process.exitValue() + "; its log: " + log);
        }
        try (Socket socket = new Socket()) {
          socket.connect(new InetSocketAddress("127.0.0.1", port), 200);
        } catch (IOException e) {
          Thread.sleep(200);
          continue;
        }
        if (listensOn(process, port).orElse(true)) {
          return Optional.of(new Launched(process, port, log));
        }
        destroy(process);
        return Optional.empty();
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

  /**
   * Whether a socket listening on loopback {@code port} belongs to {@code process} or one of its
   * descendants: the listening sockets' inodes of {@code /proc/net/tcp} and {@code tcp6} against the
   * processes' {@code /proc/<pid>/fd} links. Empty where {@code /proc} does not say (not Linux,
   * another network namespace).
   */
  static Optional<Boolean> listensOn(Process process, int port) {
    Set<String> listening = new HashSet<>();
    for (String table : List.of("/proc/net/tcp", "/proc/net/tcp6")) {
      try {
        for (String line : Files.readAllLines(Path.of(table))) {
          // sl local_address rem_address st ... inode: "0: 0100007F:1F90 00000000:0000 0A ... 12345"
          String[] fields = line.trim().split("\\s+");
          if (fields.length > 9 && fields[3].equals(LISTEN) && fields[1].endsWith(String.format(":%04X", port))) {
            listening.add("socket:[" + fields[9] + "]");
          }
        }
      } catch (IOException e) {
        // No such table here: the other may still answer.
      }
    }
    if (listening.isEmpty()) {
      return Optional.empty();
    }
    List<ProcessHandle> ours = new ArrayList<>(List.of(process.toHandle()));
    process.descendants().forEach(ours::add);
    boolean readable = false;
    for (ProcessHandle handle : ours) {
      try (DirectoryStream<Path> fds = Files.newDirectoryStream(Path.of("/proc", Long.toString(handle.pid()), "fd"))) {
        readable = true;
        for (Path fd : fds) {
          try {
            if (listening.contains(Files.readSymbolicLink(fd).toString())) {
              return Optional.of(true);
            }
          } catch (IOException e) {
            // Closed while listed.
          }
        }
      } catch (IOException e) {
        // Exited, or not ours to read.
      }
    }
    return readable ? Optional.of(false) : Optional.empty();
  }

  private static void destroy(Process process) throws InterruptedException {
    process.destroy();
    if (!process.waitFor(20, TimeUnit.SECONDS)) {
      process.destroyForcibly();
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
