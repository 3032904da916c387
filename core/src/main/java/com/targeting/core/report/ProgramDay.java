package com.targeting.core.report;

import static java.util.Objects.requireNonNull;

import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * One program on one date: every attempt found (oldest first), and whether the program was due.
 * Its status is the latest attempt's; a due program with no attempt is {@code missing}; a
 * configured program that was not due and did not run is {@code not_scheduled}.
 */
public record ProgramDay(String program, boolean configured, boolean due, List<RunAttempt> attempts) {

  /** What the day amounts to for a program. */
  public enum Status {
    SUCCEEDED, FAILED, MISSING, NOT_SCHEDULED;

    public String label() {
      return name().toLowerCase(java.util.Locale.ROOT);
    }
  }

  private static final Comparator<RunAttempt> ORDER =
      Comparator.comparing(RunAttempt::finishedAt).thenComparing(RunAttempt::runId);

  public ProgramDay {
    requireNonNull(program, "program is null");
    attempts = attempts.stream().sorted(ORDER).toList();
  }

  public Status status() {
    Optional<RunAttempt> latest = latest();
    if (latest.isEmpty()) {
      return due ? Status.MISSING : Status.NOT_SCHEDULED;
    }
    return switch (latest.get().status()) {
      case SUCCEEDED -> Status.SUCCEEDED;
      case FAILED -> Status.FAILED;
    };
  }

  public Optional<RunAttempt> latest() {
    return attempts.isEmpty() ? Optional.empty() : Optional.of(attempts.get(attempts.size() - 1));
  }

  /** The latest succeeded attempt: the one whose outputs stand (a failed rerun leaves them as they were). */
  public Optional<RunAttempt> latestSucceeded() {
    for (int i = attempts.size() - 1; i >= 0; i--) {
      if (attempts.get(i).status() == RunAttempt.Status.SUCCEEDED) {
        return Optional.of(attempts.get(i));
      }
    }
    return Optional.empty();
  }

  public long failedAttempts() {
    return attempts.stream().filter(a -> a.status() == RunAttempt.Status.FAILED).count();
  }

  public Map<String, Object> toJson() {
    Map<String, Object> json = new LinkedHashMap<>();
    json.put("program", program);
    json.put("configured", configured);
    json.put("due", due);
    json.put("status", status().label());
    json.put("attempts", attempts.size());
    json.put("failed_attempts", failedAttempts());
    latest().ifPresent(a -> json.put("latest", a.toJson()));
    latestSucceeded().ifPresent(a -> {
      Map<String, Object> succeeded = new LinkedHashMap<>();
      succeeded.put("run_id", a.runId());
      succeeded.put("finished_at", a.finishedAt().toString());
      a.figures().ifPresent(f -> succeeded.putAll(f.toJson()));
      json.put("latest_succeeded", succeeded);
    });
    json.put("all_attempts", attempts.stream().map(RunAttempt::toJson).toList());
    return json;
  }
}
