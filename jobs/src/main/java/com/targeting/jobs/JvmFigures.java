package com.targeting.jobs;

import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * What the job's JVM used, for the run summary and the benchmark: the heap limit, the peak heap
 * (the sum of each heap pool's own peak, so an upper bound of the heap ever in use at once), time
 * in garbage collection and, on Linux, the peak resident set of the whole process.
 */
final class JvmFigures {
  private static final long MIB = 1024 * 1024;

  private JvmFigures() {}

  static Map<String, Object> now() {
    long peak = 0;
    for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
      if (pool.getType() == MemoryType.HEAP && pool.getPeakUsage() != null) {
        peak += pool.getPeakUsage().getUsed();
      }
    }
    long gcMs = 0;
    long gcCount = 0;
    for (GarbageCollectorMXBean gc : ManagementFactory.getGarbageCollectorMXBeans()) {
      gcMs += Math.max(0, gc.getCollectionTime());
      gcCount += Math.max(0, gc.getCollectionCount());
    }
    Map<String, Object> figures = new LinkedHashMap<>();
    figures.put("heap_max_mib", Runtime.getRuntime().maxMemory() / MIB);
    figures.put("heap_peak_mib", peak / MIB);
    figures.put("gc_ms", gcMs);
    figures.put("gc_count", gcCount);
    figures.put("uptime_ms", ManagementFactory.getRuntimeMXBean().getUptime());
    peakResidentMib().ifPresent(rss -> figures.put("rss_peak_mib", rss));
    return figures;
  }

  /** VmHWM from /proc/self/status (Linux); empty elsewhere. */
  private static java.util.Optional<Long> peakResidentMib() {
    try {
      for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
        if (line.startsWith("VmHWM:")) {
          return java.util.Optional.of(Long.parseLong(line.replaceAll("[^0-9]", "")) / 1024);
        }
      }
    } catch (java.io.IOException | RuntimeException e) {
      // not Linux, or no procfs: the figure is left out
    }
    return java.util.Optional.empty();
  }
}
