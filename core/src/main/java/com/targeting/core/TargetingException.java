package com.targeting.core;

import static java.util.Objects.requireNonNull;

/**
 * The one exception type the library throws on purpose. Its {@link Category} decides the
 * job's exit code, so an orchestrator can tell a bad config or bad input (do not retry) from
 * an unreachable store (retry) from a bug (page someone).
 */
public final class TargetingException extends RuntimeException {

  /** Who has to act on a failure. */
  public enum Category {
    /** Bad config, arguments or input data: fix the input, retrying will not help. */
    USER_ERROR(2),
    /** A store or service outside the job failed: a retry may succeed. */
    EXTERNAL(3),
    /** A broken invariant inside the job: a bug. */
    INTERNAL(4);

    private final int exitCode;

    Category(int exitCode) {
      this.exitCode = exitCode;
    }

    public int exitCode() {
      return exitCode;
    }
  }

  private final Category category;

  private TargetingException(Category category, String message, Throwable cause) {
    super(message, cause);
    this.category = requireNonNull(category, "category is null");
  }

  public static TargetingException userError(String format, Object... args) {
    return new TargetingException(Category.USER_ERROR, String.format(format, args), null);
  }

  public static TargetingException external(Throwable cause, String format, Object... args) {
    return new TargetingException(Category.EXTERNAL, String.format(format, args), cause);
  }

  public static TargetingException internal(String format, Object... args) {
    return new TargetingException(Category.INTERNAL, String.format(format, args), null);
  }

  /** The first line of a message: Spark's carry plans and stack traces that belong in logs only. */
  public static String firstLine(String message) {
    if (message == null) {
      return "";
    }
    String trimmed = message.strip();
    int newline = trimmed.indexOf('\n');
    return newline < 0 ? trimmed : trimmed.substring(0, newline);
  }

  public Category category() {
    return category;
  }

  /**
   * Who has to act on any failure: a {@code TargetingException} anywhere in the cause chain says
   * so itself; a plan that does not analyze comes from config (a config expression names a column
   * the data lacks); an I/O failure anywhere in the chain is a store's fault, as is a conflict with
   * a concurrent writer of a Delta table (Delta's optimistic concurrency: a retry of the run
   * succeeds); anything else is ours.
   */
  public static Category categoryOf(Throwable error) {
    for (Throwable cause = error; cause != null; cause = cause.getCause()) {
      if (cause instanceof TargetingException targeting) {
        return targeting.category();
      }
      if (cause instanceof org.apache.spark.sql.AnalysisException) {
        return Category.USER_ERROR;
      }
      if (cause instanceof java.io.IOException || cause instanceof org.apache.spark.sql.delta.DeltaConcurrentModificationException) {
        return Category.EXTERNAL;
      }
    }
    return Category.INTERNAL;
  }

  /** The one-line message a summary shows for a failure: ours as written, others with their type. */
  public static String messageOf(Throwable error) {
    if (error instanceof TargetingException) {
      return error.getMessage();
    }
    return firstLine(error.getClass().getName() + ": " + error.getMessage());
  }
}
