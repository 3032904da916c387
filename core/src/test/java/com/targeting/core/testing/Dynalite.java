package com.targeting.core.testing;

import java.nio.file.Path;
import java.util.List;

/**
 * dynalite (npm, MIT licence), a DynamoDB-compatible server on Node.js, as a child process on a
 * free loopback port, one per test JVM, stopped when the JVM exits. The core/test-servers/dynalite
 * module installs it (the reactor builds it before core); {@code node} must be on the PATH.
 *
 * <p>What it does not do is part of what tests can rely on: it never deletes expired items and
 * does not implement UpdateTimeToLive (DescribeTimeToLive always answers DISABLED), nor ImportTable;
 * it accepts any credentials and signature; table names need 3+ characters.
 */
public final class Dynalite {
  private static Dynalite instance;

  private final int port;

  private Dynalite(int port) {
    this.port = port;
  }

  public static synchronized Dynalite instance() {
    if (instance == null) {
      Path cli = ServerProcess.fetched("dynalite", "node_modules/dynalite/cli.js");
      int port = ServerProcess.freePort();
      // Tables become ACTIVE at once (default: after 500 ms, which the SDK's waiter polls every 20 s).
      ServerProcess.start("dynalite", List.of("node", cli.toString(), "--host", "127.0.0.1", "--port", Integer.toString(port),
          "--createTableMs", "0", "--deleteTableMs", "0", "--updateTableMs", "0"), port);
      instance = new Dynalite(port);
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
