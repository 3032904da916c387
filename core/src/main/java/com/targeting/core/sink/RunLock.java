package com.targeting.core.sink;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.targeting.core.DaemonThreads;
import com.targeting.core.TargetingException;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.hadoop.fs.FileAlreadyExistsException;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.SparkSession;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One run of a program and date at a time: a lock file ({@code lock.json}, beside the run
 * journal) that names the run holding it, refreshed every {@code heartbeat} while the run lives.
 * A lock whose file was last written more than {@code timeout} ago (by the file system's clock,
 * not the driver's) belonged to a run that died without releasing it (SIGKILL, a lost driver) and
 * is taken over; any other lock refuses the run with a user error naming the holder.
 *
 * <p>The file is created only if absent, then read back: the run proceeds only if the file names
 * it. On HDFS and local disks creation is exclusive. On S3 without conditional writes two runs
 * that start within the same few milliseconds can both create it; the read-back and Delta's own
 * conflict detection at publish are what stand behind it there.
 */
public final class RunLock implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(RunLock.class);
  private static final ObjectMapper JSON = new ObjectMapper();

  /** How long a lock lives without a heartbeat, and how often the holder refreshes it. */
  public record Settings(Duration timeout, Duration heartbeat) {
    public Settings {
      requireNonNull(timeout, "timeout is null");
      requireNonNull(heartbeat, "heartbeat is null");
      if (heartbeat.isZero() || heartbeat.isNegative() || heartbeat.compareTo(timeout) >= 0) {
        throw new IllegalArgumentException("heartbeat must be positive and shorter than the timeout");
      }
    }
  }

  private final FileSystem fs;
  private final Path path;
  private final String runId;
  private final ScheduledExecutorService heartbeats;
  private final AtomicReference<String> lost = new AtomicReference<>();

  private RunLock(FileSystem fs, Path path, String runId, Settings settings) {
    this.fs = fs;
    this.path = path;
    this.runId = runId;
    this.heartbeats = Executors.newSingleThreadScheduledExecutor(DaemonThreads.named("run-lock-heartbeat"));
    long every = settings.heartbeat().toMillis();
    heartbeats.scheduleWithFixedDelay(this::beat, every, every, TimeUnit.MILLISECONDS);
  }

  /**
   * Takes the lock at {@code location} for {@code runId}.
   *
   * @param what names the program and date in the refusal
   * @throws TargetingException a user error when another live run holds the lock; an outside error
   *     when the file system fails
   */
  public static RunLock acquire(SparkSession spark, String location, String runId, String what, Settings settings) {
    Path path = new Path(location);
    try {
      FileSystem fs = com.targeting.core.fs.HadoopFiles.bookkeeping(spark, path);
      for (int attempt = 0; attempt < 2; attempt++) {
        if (create(fs, path, runId)) {
          String holder = holder(fs, path);
          if (runId.equals(holder)) {
            return new RunLock(fs, path, runId, settings);
          }
          throw refused(fs, path, what, holder, settings);
        }
        FileStatus status;
        try {
          status = fs.getFileStatus(path);
        } catch (java.io.FileNotFoundException released) {
          continue; // released between our create and our look: try again
        }
        Duration age = Duration.ofMillis(Math.max(0, currentTime(fs, path) - status.getModificationTime()));
        if (age.compareTo(settings.timeout()) <= 0) {
          throw refused(fs, path, what, holder(fs, path), settings);
        }
        LOG.warn("Taking over the lock of {} at {}: run {} last refreshed it {} s ago, more than the timeout of {} s "
            + "(publishing.lock-timeout); that run died", what, location, String.valueOf(holder(fs, path)), age.toSeconds(),
            settings.timeout().toSeconds());
        fs.delete(path, false);
      }
      throw refused(fs, path, what, holder(fs, path), settings);
    } catch (IOException e) {
      throw TargetingException.external(e, "Cannot take the run lock %s: %s", location, e.getMessage());
    }
  }

  /** Fails if the lock was taken over (this run's heartbeats stopped for longer than the timeout). */
  public void requireHeld() {
    String other = lost.get();
    if (other == null) {
      try {
        String holder = holder(fs, path);
        if (holder == null) { // being rewritten by a heartbeat, or gone: look once more
          Thread.sleep(200);
          holder = holder(fs, path);
        }
        if (!runId.equals(holder)) {
          other = String.valueOf(holder);
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw TargetingException.internal("Interrupted while reading the run lock %s", path);
      } catch (IOException e) {
        throw TargetingException.external(e, "Cannot read the run lock %s: %s", path, e.getMessage());
      }
    }
    if (other != null) {
      throw TargetingException.external(null, "Run %s lost its lock %s to run %s (its heartbeats stopped for longer "
          + "than publishing.lock-timeout); nothing was published by this run", runId, path, other);
    }
  }

  @Override
  public void close() {
    heartbeats.shutdownNow();
    try {
      if (runId.equals(holder(fs, path))) {
        fs.delete(path, false);
      }
    } catch (IOException e) {
      LOG.warn("Cannot release the run lock {}: {} (it expires by itself)", path, e.getMessage());
    }
  }

  private void beat() {
    try {
      String holder = holder(fs, path);
      if (holder != null && !runId.equals(holder)) {
        lost.compareAndSet(null, holder);
        LOG.error("Run {} no longer holds its lock {}: {} does", runId, path, holder);
        return;
      }
      write(fs, path, runId, true);
    } catch (IOException | RuntimeException e) {
      LOG.warn("Cannot refresh the run lock {}: {}", path, e.getMessage());
    }
  }

  private static boolean create(FileSystem fs, Path path, String runId) throws IOException {
    try {
      write(fs, path, runId, false);
      return true;
    } catch (FileAlreadyExistsException e) {
      return false;
    } catch (IOException e) {
      if (fs.exists(path)) {
        return false; // some file systems report an existing file as a plain IOException
      }
      throw e;
    }
  }

  private static void write(FileSystem fs, Path path, String runId, boolean overwrite) throws IOException {
    ObjectNode lock = JSON.createObjectNode();
    lock.put("run_id", runId);
    lock.put("written_at", Instant.now().toString());
    lock.put("host", hostName());
    byte[] content = JSON.writeValueAsString(lock).getBytes(StandardCharsets.UTF_8);
    if (!overwrite) {
      if (fs.exists(path)) {
        throw new FileAlreadyExistsException(path.toString());
      }
      try (OutputStream out = fs.create(path, false)) {
        out.write(content);
      }
      return;
    }
    String scheme = fs.getUri().getScheme();
    if (scheme != null && scheme.startsWith("s3")) {
      // One PUT replaces the object whole (S3A's rename would refuse an existing destination).
      try (OutputStream out = fs.create(path, true)) {
        out.write(content);
      }
      return;
    }
    // Elsewhere a heartbeat replaces the file by a rename, so that a kill in the middle leaves it whole.
    Path temporary = new Path(path.getParent(), "_lock." + java.util.UUID.randomUUID() + ".tmp");
    try (OutputStream out = fs.create(temporary, true)) {
      out.write(content);
    }
    if (!fs.rename(temporary, path)) {
      fs.delete(temporary, false);
    }
  }

  private static String holder(FileSystem fs, Path path) throws IOException {
    try (java.io.InputStream in = fs.open(path)) {
      JsonNode lock = JSON.readTree(in.readAllBytes());
      return lock == null ? null : lock.path("run_id").asText(null);
    } catch (java.io.FileNotFoundException e) {
      return null;
    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
      return null; // a lock being written: no holder yet
    }
  }

  private static TargetingException refused(FileSystem fs, Path path, String what, String holder, Settings settings) {
    String since = "";
    try {
      since = ", last refreshed " + Instant.ofEpochMilli(fs.getFileStatus(path).getModificationTime());
    } catch (IOException e) {
      // gone meanwhile: the message says what was seen
    }
    return TargetingException.userError("%s is already being run by run %s (lock %s%s). Wait for it to end; "
        + "the lock of a run that died expires %d s after its last refresh (publishing.lock-timeout)",
        what, holder == null ? "(a run whose lock is being written)" : holder, path, since, settings.timeout().toSeconds());
  }

  /** The file system's clock: a file's modification time, compared with a file written now. */
  private static long currentTime(FileSystem fs, Path lock) throws IOException {
    Path probe = new Path(lock.getParent(), "_clock-" + java.util.UUID.randomUUID());
    try {
      fs.create(probe, true).close();
      return fs.getFileStatus(probe).getModificationTime();
    } finally {
      fs.delete(probe, false);
    }
  }

  private static String hostName() {
    try {
      return java.net.InetAddress.getLocalHost().getHostName();
    } catch (IOException e) {
      return "unknown";
    }
  }
}
