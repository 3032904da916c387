package com.targeting.core.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntFunction;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A test server started on a port another process holds is started again on another port, and is
 * never taken for the process that holds it (a CI run's Trino tests once talked to another run's
 * Trino). The server here is a one-file Java program that listens on the port it is given.
 */
class ServerProcessTest {
  @TempDir
  Path dir;

  @Test
  void aPortHeldByAnotherProcessIsLeftForTheNext() throws IOException {
    IntFunction<List<String>> listener = listener();
    try (ServerSocket stranger = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
      int free = ServerProcess.freePort();
      AtomicInteger asked = new AtomicInteger();
      ServerProcess.Launched launched = ServerProcess.launch("listener", listener, dir, Duration.ofSeconds(60),
          () -> asked.getAndIncrement() == 0 ? stranger.getLocalPort() : free);
      try {
        assertThat(launched.port()).isEqualTo(free);
        assertThat(asked).hasValue(2);
        assertThat(ServerProcess.listensOn(launched.process(), free)).isEqualTo(Optional.of(true));
        assertThat(ServerProcess.listensOn(launched.process(), stranger.getLocalPort())).isEqualTo(Optional.of(false));
      } finally {
        launched.process().destroyForcibly();
      }
    }
  }

  @Test
  void failsAfterThreeTakenPortsNamingThem() throws IOException {
    try (ServerSocket stranger = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
      int taken = stranger.getLocalPort();
      assertThatThrownBy(() -> ServerProcess.launch("listener", listener(), dir, Duration.ofSeconds(60), () -> taken))
          .hasMessage("listener lost its port to another process 3 times (ports " + taken + ", " + taken + ", " + taken + ")");
    }
  }

  /** {@code java Listen.java <port>}: listens on loopback {@code port} until killed; fails if it cannot bind. */
  private IntFunction<List<String>> listener() throws IOException {
    Path source = Files.writeString(dir.resolve("Listen.java"), """
        public class Listen {
          public static void main(String[] args) throws Exception {
            try (var socket = new java.net.ServerSocket(Integer.parseInt(args[0]), 50, java.net.InetAddress.getLoopbackAddress())) {
              Thread.sleep(600_000);
            }
          }
        }
        """);
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    return port -> List.of(java, source.toString(), Integer.toString(port));
  }
}
