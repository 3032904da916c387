package com.targeting.core;

import java.util.concurrent.ThreadFactory;

/** Threads of a run's background work (lock heartbeats, model loading): named, and never keeping the JVM alive. */
public final class DaemonThreads {
  private DaemonThreads() {}

  /** A factory of daemon threads called {@code name}. */
  public static ThreadFactory named(String name) {
    return runnable -> {
      Thread thread = new Thread(runnable, name);
      thread.setDaemon(true);
      return thread;
    };
  }
}
