package com.targeting.jobs;

import com.sun.management.GarbageCollectionNotificationInfo;
import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.lang.management.MemoryUsage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Collectors;
import javax.management.NotificationEmitter;
import javax.management.openmbean.CompositeData;

/**
 * What the job's JVM used, for the run summary and the benchmark: the heap limit, the peak heap in
 * use (the heap is fullest just before a collection, so the largest heap-in-use any collection
 * found is recorded, and the heap in use at the end), time in garbage collection and, on Linux,
 * the peak resident set of the whole process.
 */
final class JvmFigures {
  private static final long MIB = 1024 * 1024;
  private static final AtomicLong PEAK_HEAP = new AtomicLong();

  private JvmFigures() {}

  /** Starts recording the heap in use before each collection; call once, first thing. */
  static void watch() {
    Set<String> heapPools = ManagementFactory.getMemoryPoolMXBeans().stream()
        .filter(pool -> pool.getType() == MemoryType.HEAP).map(MemoryPoolMXBean::getName).collect(Collectors.toSet());
    for (GarbageCollectorMXBean gc : ManagementFactory.getGarbageCollectorMXBeans()) {
      if (gc instanceof NotificationEmitter emitter) {
        emitter.addNotificationListener((notification, handback) -> {
          if (GarbageCollectionNotificationInfo.GARBAGE_COLLECTION_NOTIFICATION.equals(notification.getType())) {
            GarbageCollectionNotificationInfo info = GarbageCollectionNotificationInfo.from((CompositeData) notification.getUserData());
            long used = 0;
            for (Map.Entry<String, MemoryUsage> pool : info.getGcInfo().getMemoryUsageBeforeGc().entrySet()) {
              if (heapPools.contains(pool.getKey())) {
                used += pool.getValue().getUsed();
              }
            }
            PEAK_HEAP.accumulateAndGet(used, Math::max);
          }
        }, null, null);
      }
    }
  }

  static Map<String, Object> now() {
    long inUse = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
    long gcMs = 0;
    long gcCount = 0;
    for (GarbageCollectorMXBean gc : ManagementFactory.getGarbageCollectorMXBeans()) {
      gcMs += Math.max(0, gc.getCollectionTime());
      gcCount += Math.max(0, gc.getCollectionCount());
    }
    Map<String, Object> figures = new LinkedHashMap<>();
    figures.put("heap_max_mib", Runtime.getRuntime().maxMemory() / MIB);
    figures.put("heap_peak_mib", Math.max(PEAK_HEAP.get(), inUse) / MIB);
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
