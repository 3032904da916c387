package com.targeting.core.sink.dynamodb;

/**
 * A write budget: {@code rate} units per second with at most one second of burst. A request larger
 * than the bucket waits until the bucket is full, then goes into debt, so the long-run rate holds.
 */
final class TokenBucket {
  private final double rate;
  private final double capacity;
  private double tokens;
  private long last;

  TokenBucket(double rate) {
    this.rate = rate;
    this.capacity = Math.max(rate, 1.0);
    this.tokens = 0; // start empty: no burst above the budget at the start of every task
    this.last = System.nanoTime();
  }

  void acquire(double units) throws InterruptedException {
    refill();
    double needed = Math.min(units, capacity);
    if (tokens < needed) {
      long waitNanos = (long) ((needed - tokens) / rate * 1e9);
      Thread.sleep(waitNanos / 1_000_000, (int) (waitNanos % 1_000_000));
      refill();
    }
    tokens -= units;
  }

  private void refill() {
    long now = System.nanoTime();
    tokens = Math.min(capacity, tokens + (now - last) / 1e9 * rate);
    last = now;
  }
}
