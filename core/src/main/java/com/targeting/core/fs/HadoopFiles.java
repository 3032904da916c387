package com.targeting.core.fs;

import com.targeting.core.TargetingException;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.SparkSession;

/** Small driver-side files (model.json, run summaries) on any Hadoop file system: local, s3a. */
public final class HadoopFiles {
  private HadoopFiles() {}

  public static boolean exists(SparkSession spark, String location) {
    Path path = new Path(location);
    try {
      return fileSystem(spark, path).exists(path);
    } catch (IOException e) {
      throw TargetingException.external(e, "Cannot check %s: %s", location, e.getMessage());
    }
  }

  /** Whether {@code location} is a directory with anything in it. */
  public static boolean hasChildren(SparkSession spark, String location) {
    Path path = new Path(location);
    try {
      FileSystem fs = fileSystem(spark, path);
      return fs.exists(path) && fs.getFileStatus(path).isDirectory() && fs.listStatus(path).length > 0;
    } catch (IOException e) {
      throw TargetingException.external(e, "Cannot list %s: %s", location, e.getMessage());
    }
  }

  /** Deletes a file or directory tree if it exists. */
  public static void deleteRecursively(SparkSession spark, String location) {
    Path path = new Path(location);
    try {
      FileSystem fs = fileSystem(spark, path);
      if (fs.exists(path) && !fs.delete(path, true)) {
        throw TargetingException.external(null, "Cannot delete %s", location);
      }
    } catch (IOException e) {
      throw TargetingException.external(e, "Cannot delete %s: %s", location, e.getMessage());
    }
  }

  /** Puts {@code source} in the place of {@code target} (deleting what was there) by a rename. */
  public static void replace(SparkSession spark, String source, String target) {
    Path from = new Path(source);
    Path to = new Path(target);
    try {
      FileSystem fs = fileSystem(spark, to);
      if (fs.exists(to) && !fs.delete(to, true)) {
        throw TargetingException.external(null, "Cannot delete %s", target);
      }
      if (to.getParent() != null) {
        fs.mkdirs(to.getParent());
      }
      if (!fs.rename(from, to)) {
        throw TargetingException.external(null, "Cannot move %s to %s", source, target);
      }
    } catch (IOException e) {
      throw TargetingException.external(e, "Cannot move %s to %s: %s", source, target, e.getMessage());
    }
  }

  public static void writeString(SparkSession spark, String location, String content) {
    writeBytes(spark, location, content.getBytes(StandardCharsets.UTF_8));
  }

  public static void writeBytes(SparkSession spark, String location, byte[] content) {
    Path path = new Path(location);
    try (OutputStream out = fileSystem(spark, path).create(path, true)) {
      out.write(content);
    } catch (IOException e) {
      throw TargetingException.external(e, "Cannot write %s: %s", location, e.getMessage());
    }
  }

  /**
   * Writes a small file so that a reader, or a writer killed in the middle, leaves either the old
   * content or the new, never part: on S3 a single PUT is that already; elsewhere the content is
   * written beside the file and renamed over it (atomic on HDFS and local disks).
   */
  public static void writeStringAtomically(SparkSession spark, String location, String content) {
    Path path = new Path(location);
    String scheme = path.toUri().getScheme();
    if (scheme != null && scheme.startsWith("s3")) {
      writeString(spark, location, content);
      return;
    }
    Path temporary = new Path(path.getParent(), "_" + path.getName() + "." + java.util.UUID.randomUUID() + ".tmp");
    try {
      FileSystem fs = fileSystem(spark, path);
      if (fs instanceof org.apache.hadoop.fs.ChecksumFileSystem checksummed) {
        // The local file system keeps a .crc beside each file and renames the two one after the
        // other: a kill between them leaves a file its checksum refuses. Written raw, with the old
        // checksum removed first, the file is replaced by one rename.
        fs.delete(checksummed.getChecksumFile(path), false);
        fs = checksummed.getRawFileSystem();
      }
      try (OutputStream out = fs.create(temporary, true)) {
        out.write(content.getBytes(StandardCharsets.UTF_8));
      }
      if (!fs.rename(temporary, path)) {
        fs.delete(path, false);
        if (!fs.rename(temporary, path)) {
          throw TargetingException.external(null, "Cannot move %s to %s", temporary, location);
        }
      }
    } catch (IOException e) {
      throw TargetingException.external(e, "Cannot write %s: %s", location, e.getMessage());
    }
  }

  /**
   * The file system of a small bookkeeping file (a lock, a journal) without the local file
   * system's .crc files, whose separate writes and renames a kill can leave behind the file's.
   */
  public static FileSystem bookkeeping(SparkSession spark, Path path) throws IOException {
    FileSystem fs = fileSystem(spark, path);
    return fs instanceof org.apache.hadoop.fs.ChecksumFileSystem checksummed ? checksummed.getRawFileSystem() : fs;
  }

  /** A file found by {@link #glob}: its full path and modification time (epoch milliseconds). */
  public record Listed(String path, String name, long modifiedMillis) {}

  /**
   * The files matching a Hadoop glob pattern (every run summary of a date: a wildcard for the
   * program directory and one for the file name), sorted by path; none when nothing matches.
   * Hidden and bookkeeping files (names starting with . or _, such as the local file system's .crc
   * checksums) are left out.
   */
  public static java.util.List<Listed> glob(SparkSession spark, String pattern) {
    return glob(spark, pattern, true);
  }

  /**
   * The directories matching a Hadoop glob pattern (the run dates of a program: {@code
   * .../program=p/dt=*}), sorted by path; none when nothing matches. Hidden and bookkeeping
   * directories (names starting with . or _) are left out.
   */
  public static java.util.List<Listed> globDirectories(SparkSession spark, String pattern) {
    return glob(spark, pattern, false);
  }

  private static java.util.List<Listed> glob(SparkSession spark, String pattern, boolean wantFiles) {
    Path path = new Path(pattern);
    try {
      org.apache.hadoop.fs.FileStatus[] statuses = fileSystem(spark, path).globStatus(path);
      java.util.List<Listed> files = new java.util.ArrayList<>();
      if (statuses != null) {
        for (org.apache.hadoop.fs.FileStatus status : statuses) {
          String name = status.getPath().getName();
          if (status.isFile() == wantFiles && !name.startsWith(".") && !name.startsWith("_")) {
            files.add(new Listed(status.getPath().toString(), name, status.getModificationTime()));
          }
        }
      }
      files.sort(java.util.Comparator.comparing(Listed::path));
      return files;
    } catch (IOException e) {
      throw TargetingException.external(e, "Cannot list %s: %s", pattern, e.getMessage());
    }
  }

  public static String readString(SparkSession spark, String location) {
    Path path = new Path(location);
    try (InputStream in = fileSystem(spark, path).open(path)) {
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (FileNotFoundException e) {
      throw TargetingException.userError("File not found: %s", location);
    } catch (IOException e) {
      throw TargetingException.external(e, "Cannot read %s: %s", location, e.getMessage());
    }
  }

  private static FileSystem fileSystem(SparkSession spark, Path path) throws IOException {
    Configuration conf = spark.sparkContext().hadoopConfiguration();
    return path.getFileSystem(conf);
  }
}
