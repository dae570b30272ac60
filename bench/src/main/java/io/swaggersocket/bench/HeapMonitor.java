package io.swaggersocket.bench;

import com.sun.management.GarbageCollectionNotificationInfo;
import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryUsage;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import javax.management.NotificationEmitter;
import javax.management.openmbean.CompositeData;

/**
 * Peak heap growth of this JVM, measured after every garbage collection: each GC notification
 * (com.sun.management) carries the heap in use right after that collection, which is live data
 * plus whatever dead objects the collection left in old regions. {@link #reset()} forces a full GC
 * and takes its result as the baseline; {@link #peakGrowth()} is the highest after-GC heap since,
 * minus the baseline. Thread-safe.
 */
final class HeapMonitor {
    private static final AtomicLong PEAK = new AtomicLong();
    private static final AtomicLong GCS = new AtomicLong();
    private static volatile long baseline;

    static {
        for (GarbageCollectorMXBean gc : ManagementFactory.getGarbageCollectorMXBeans()) {
            ((NotificationEmitter) gc).addNotificationListener((notification, handback) -> {
                if (!GarbageCollectionNotificationInfo.GARBAGE_COLLECTION_NOTIFICATION.equals(notification.getType())) {
                    return;
                }
                GarbageCollectionNotificationInfo info = GarbageCollectionNotificationInfo.from(
                        (CompositeData) notification.getUserData());
                long used = 0;
                for (Map.Entry<String, MemoryUsage> e : info.getGcInfo().getMemoryUsageAfterGc().entrySet()) {
                    if (isHeap(e.getKey())) {
                        used += e.getValue().getUsed();
                    }
                }
                GCS.incrementAndGet();
                PEAK.accumulateAndGet(used, Math::max);
            }, null, null);
        }
    }

    private HeapMonitor() {
    }

    private static boolean isHeap(String pool) {
        return pool.contains("Eden") || pool.contains("Survivor") || pool.contains("Old") || pool.contains("Tenured");
    }

    /** Full GC, then the heap in use is the baseline and the peak starts from it. */
    static long reset() {
        long used = fullGcUsed();
        baseline = used;
        PEAK.set(used);
        GCS.set(0);
        return used;
    }

    /** Heap in use after a full GC (twice, to let reference processing settle). */
    static long fullGcUsed() {
        System.gc();
        System.gc();
        return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
    }

    static long peakGrowth() {
        return Math.max(0, PEAK.get() - baseline);
    }

    static long gcCount() {
        return GCS.get();
    }

    /** CPU time this process has used, in nanoseconds. */
    static long processCpuNanos() {
        return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean())
                .getProcessCpuTime();
    }
}
