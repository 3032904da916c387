import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermission;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import java.util.zip.GZIPInputStream;

/**
 * Unpacks part of a server's {@code .tar.gz} into a directory, for the build (run as a single-file
 * source program: {@code java UnpackServer.java ARCHIVE INTO PATH...}).
 *
 * <p>The archive's top-level folder is dropped and only entries under the given PATHs (e.g.
 * {@code bin lib plugin/hive}) are kept. Written because neither maven-dependency-plugin's unpack
 * nor Ant's untar restores hard links (they leave empty files), and Trino's tarball stores each
 * jar shared by several plugins once, the other copies as hard links to it, often to a plugin we
 * drop. So this reads the archive twice: first to learn which kept links point at dropped files,
 * then to extract, writing such a file's bytes at its first kept link.
 *
 * <p>A marker file names what was unpacked; when it matches, nothing is done (the unpack reads
 * 800 MB of gzip), so only {@code mvn clean} or a new version unpacks again. The marker is
 * written last: an interrupted unpack is redone.
 */
public final class UnpackServer {
  private static final String MARKER = ".unpacked";

  private UnpackServer() {}

  public static void main(String[] arguments) throws IOException {
    if (arguments.length < 3) {
      System.err.println("usage: java UnpackServer.java ARCHIVE INTO PATH...");
      System.exit(2);
    }
    Path archive = Path.of(arguments[0]);
    Path into = Path.of(arguments[1]);
    List<String> kept = List.of(arguments).subList(2, arguments.length);
    String marker = archive.getFileName() + " " + String.join(" ", kept) + "\n";
    Path markerFile = into.resolve(MARKER);
    if (Files.isRegularFile(markerFile) && Files.readString(markerFile).equals(marker)) {
      System.out.println(into + " already holds " + marker.strip() + ": not unpacked again");
      return;
    }
    long start = System.nanoTime();
    deleteTree(into);
    Files.createDirectories(into);

    // Pass 1: a kept hard link whose target is dropped -> the first kept name of that file.
    Map<String, String> relocated = new HashMap<>();
    read(archive, entry -> {
      if (entry.type == '1' && keeps(kept, entry.name) && !keeps(kept, entry.link)) {
        relocated.putIfAbsent(entry.link, entry.name);
      }
    });

    // Pass 2: extract; where each archived file landed, for the hard links after it.
    Map<String, Path> landed = new LinkedHashMap<>();
    int[] files = {0};
    read(archive, entry -> {
      String name = keeps(kept, entry.name) ? entry.name : null;
      if (entry.type == '0' && name == null) {
        name = relocated.get(entry.name);
      }
      if (name == null) {
        return;
      }
      Path target = into.resolve(name).normalize();
      if (!target.startsWith(into)) {
        throw new IOException("Entry " + entry.name + " of " + archive + " leaves " + into);
      }
      switch (entry.type) {
        case '5' -> Files.createDirectories(target);
        case '0' -> {
          Files.createDirectories(target.getParent());
          try (OutputStream out = Files.newOutputStream(target)) {
            entry.data.transferTo(out);
          }
          setMode(target, entry.mode);
          landed.put(entry.name, target);
          files[0]++;
        }
        case '1' -> {
          Path source = landed.get(entry.link);
          if (source == null) {
            throw new IOException("Hard link " + entry.name + " of " + archive + " points at " + entry.link
                + ", which was not extracted before it");
          }
          // The first kept link of a dropped file already holds its bytes.
          if (!source.equals(target)) {
            Files.createDirectories(target.getParent());
            Files.deleteIfExists(target);
            Files.createLink(target, source);
            files[0]++;
          }
          landed.putIfAbsent(entry.name, target);
        }
        case '2' -> {
          Files.createDirectories(target.getParent());
          Files.deleteIfExists(target);
          Files.createSymbolicLink(target, Path.of(entry.link));
        }
        default -> throw new IOException("Entry " + entry.name + " of " + archive + " has unsupported type '"
            + entry.type + "'");
      }
    });
    Files.writeString(markerFile, marker);
    System.out.printf("Unpacked %d files of %s (%s) into %s in %.1f s%n", files[0], archive.getFileName(),
        String.join(" ", kept), into, (System.nanoTime() - start) / 1e9);
  }

  /** Whether an archive path (top folder dropped) lies under one of the kept paths. */
  private static boolean keeps(List<String> kept, String name) {
    for (String path : kept) {
      if (name.equals(path) || name.startsWith(path + "/")) {
        return true;
      }
    }
    return false;
  }

  private interface EntryHandler {
    void accept(Entry entry) throws IOException;
  }

  /** One archive entry: its path without the top folder, tar type ('0' file, '1' hard link, '2' symlink, '5' directory). */
  private static final class Entry {
    String name;
    String link;
    char type;
    int mode;
    InputStream data;
  }

  /** Reads a gzipped ustar/GNU/pax tar, calling the handler for each entry but long-name and pax headers. */
  private static void read(Path archive, EntryHandler handler) throws IOException {
    try (InputStream in = new GZIPInputStream(new BufferedInputStream(Files.newInputStream(archive), 1 << 20), 1 << 16)) {
      byte[] header = new byte[512];
      String longName = null;
      String longLink = null;
      while (true) {
        if (!readFully(in, header)) {
          return;
        }
        if (isZero(header)) {
          return;
        }
        String name = text(header, 0, 100);
        String prefix = text(header, 345, 155);
        if (!prefix.isEmpty() && "ustar".equals(text(header, 257, 5))) {
          name = prefix + "/" + name;
        }
        char type = (char) header[156];
        long size = number(header, 124, 12);
        int mode = (int) number(header, 100, 8);
        String link = text(header, 157, 100);
        if (type == 'L' || type == 'K' || type == 'x' || type == 'g') {
          byte[] body = readBody(in, size);
          if (type == 'L') {
            longName = text(body, 0, body.length);
          } else if (type == 'K') {
            longLink = text(body, 0, body.length);
          } else if (type == 'x') {
            Map<String, String> pax = pax(body);
            longName = pax.getOrDefault("path", longName);
            longLink = pax.getOrDefault("linkpath", longLink);
          }
          continue;
        }
        Entry entry = new Entry();
        entry.name = stripTop(longName != null ? longName : name);
        entry.link = stripTop(longLink != null ? longLink : link);
        entry.type = type == 0 || type == '7' ? '0' : type;
        entry.mode = mode;
        longName = null;
        longLink = null;
        long padded = (size + 511) / 512 * 512;
        BoundedInput body = new BoundedInput(in, entry.type == '0' ? size : 0);
        entry.data = body;
        if (!entry.name.isEmpty()) {
          handler.accept(entry);
        }
        skip(in, padded - body.consumed);
      }
    }
  }

  private static String stripTop(String path) {
    int slash = path.indexOf('/');
    String rest = slash < 0 ? "" : path.substring(slash + 1);
    return rest.endsWith("/") ? rest.substring(0, rest.length() - 1) : rest;
  }

  private static Map<String, String> pax(byte[] body) {
    Map<String, String> values = new HashMap<>();
    int position = 0;
    while (position < body.length) {
      int space = position;
      while (space < body.length && body[space] != ' ') {
        space++;
      }
      if (space == body.length) {
        break;
      }
      int length = Integer.parseInt(new String(body, position, space - position, StandardCharsets.US_ASCII));
      String record = new String(body, space + 1, length - (space - position) - 2, StandardCharsets.UTF_8);
      int equals = record.indexOf('=');
      values.put(record.substring(0, equals), record.substring(equals + 1));
      position += length;
    }
    return values;
  }

  private static String text(byte[] bytes, int offset, int length) {
    int end = offset;
    while (end < offset + length && bytes[end] != 0) {
      end++;
    }
    return new String(bytes, offset, end - offset, StandardCharsets.UTF_8);
  }

  private static long number(byte[] bytes, int offset, int length) {
    if ((bytes[offset] & 0x80) != 0) {
      long value = 0;
      for (int i = offset + 1; i < offset + length; i++) {
        value = value << 8 | (bytes[i] & 0xff);
      }
      return value;
    }
    String digits = text(bytes, offset, length).trim();
    return digits.isEmpty() ? 0 : Long.parseLong(digits, 8);
  }

  private static boolean isZero(byte[] bytes) {
    for (byte b : bytes) {
      if (b != 0) {
        return false;
      }
    }
    return true;
  }

  private static boolean readFully(InputStream in, byte[] buffer) throws IOException {
    int read = in.readNBytes(buffer, 0, buffer.length);
    if (read == 0) {
      return false;
    }
    if (read < buffer.length) {
      throw new EOFException("Truncated tar header");
    }
    return true;
  }

  private static byte[] readBody(InputStream in, long size) throws IOException {
    ByteArrayOutputStream body = new ByteArrayOutputStream();
    new BoundedInput(in, size).transferTo(body);
    skip(in, (size + 511) / 512 * 512 - size);
    return body.toByteArray();
  }

  private static void skip(InputStream in, long count) throws IOException {
    long left = count;
    while (left > 0) {
      long skipped = in.skip(left);
      if (skipped <= 0) {
        if (in.read() < 0) {
          throw new EOFException("Truncated tar entry");
        }
        skipped = 1;
      }
      left -= skipped;
    }
  }

  private static void setMode(Path file, int mode) throws IOException {
    if ((mode & 0111) == 0) {
      return;
    }
    try {
      Set<PosixFilePermission> permissions = Files.getPosixFilePermissions(file);
      permissions.add(PosixFilePermission.OWNER_EXECUTE);
      permissions.add(PosixFilePermission.GROUP_EXECUTE);
      permissions.add(PosixFilePermission.OTHERS_EXECUTE);
      Files.setPosixFilePermissions(file, permissions);
    } catch (UnsupportedOperationException e) {
      // Not a POSIX file system: the tests start Trino with java, not bin/launcher.
    }
  }

  private static void deleteTree(Path root) throws IOException {
    if (!Files.exists(root)) {
      return;
    }
    List<Path> paths = new ArrayList<>();
    try (Stream<Path> walk = Files.walk(root)) {
      walk.forEach(paths::add);
    }
    paths.sort(Comparator.reverseOrder());
    for (Path path : paths) {
      Files.delete(path);
    }
  }

  /** The first {@code size} bytes of a stream, counting what was read. */
  private static final class BoundedInput extends InputStream {
    private final InputStream in;
    private final long size;
    long consumed;

    BoundedInput(InputStream in, long size) {
      this.in = in;
      this.size = size;
    }

    @Override
    public int read() throws IOException {
      if (consumed >= size) {
        return -1;
      }
      int b = in.read();
      if (b < 0) {
        throw new EOFException("Truncated tar entry");
      }
      consumed++;
      return b;
    }

    @Override
    public int read(byte[] buffer, int offset, int length) throws IOException {
      if (consumed >= size) {
        return -1;
      }
      int read = in.read(buffer, offset, (int) Math.min(length, size - consumed));
      if (read < 0) {
        throw new EOFException("Truncated tar entry");
      }
      consumed += read;
      return read;
    }
  }
}
