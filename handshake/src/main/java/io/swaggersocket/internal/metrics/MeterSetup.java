package io.swaggersocket.internal.metrics;

import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.MeterBinder;
import io.micrometer.core.instrument.binder.jvm.ClassLoaderMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.FileDescriptorMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.core.instrument.composite.CompositeMeterRegistry;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Where one server's or client's meters go, and which Prometheus registry its endpoint reads.
 * Thread-safe.
 *
 * <p>Without a registry of the user's, a private {@link PrometheusMeterRegistry} is created with
 * the JVM and process binders (memory, GC, threads, class loading, processor, uptime, file
 * descriptors) bound to it; {@link #close()} unbinds them and closes it. With the user's
 * registry, the meters go there and nothing else is bound: the JVM binders are the user's to
 * choose, and binding {@link JvmGcMetrics} twice to one registry would count each collection
 * twice. {@link #close()} then removes only the meters added through {@link #add}, so that a
 * stopped server leaves no gauge behind that keeps it reachable.
 *
 * <p>The endpoint reads the user's registry if it is a {@link PrometheusMeterRegistry} or a
 * {@link CompositeMeterRegistry} holding one (the first found, depth first); otherwise there is
 * nothing to read, and {@link #noPrometheusReason()} says why.
 */
public final class MeterSetup implements AutoCloseable {
    private final MeterRegistry registry;
    private final PrometheusMeterRegistry prometheus;
    private final boolean own;
    private final List<AutoCloseable> binders;
    private final Set<Meter> added = ConcurrentHashMap.newKeySet();

    private MeterSetup(MeterRegistry registry, PrometheusMeterRegistry prometheus, boolean own,
            List<AutoCloseable> binders) {
        this.registry = registry;
        this.prometheus = prometheus;
        this.own = own;
        this.binders = binders;
    }

    /** Meters into {@code userRegistry}, or, when it is {@code null}, into a private Prometheus registry with the JVM binders. */
    public static MeterSetup of(MeterRegistry userRegistry) {
        if (userRegistry != null) {
            return new MeterSetup(userRegistry, findPrometheus(userRegistry), false, List.of());
        }
        PrometheusMeterRegistry own = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        JvmGcMetrics gc = new JvmGcMetrics();
        List<MeterBinder> all = List.of(new JvmMemoryMetrics(), gc, new JvmThreadMetrics(), new ClassLoaderMetrics(),
                new ProcessorMetrics(), new UptimeMetrics(), new FileDescriptorMetrics());
        all.forEach(b -> b.bindTo(own));
        // It holds JMX notification listeners (GC events): closing it lets the server be collected.
        return new MeterSetup(own, own, true, List.of(gc));
    }

    private static PrometheusMeterRegistry findPrometheus(MeterRegistry registry) {
        if (registry instanceof PrometheusMeterRegistry p) {
            return p;
        }
        if (registry instanceof CompositeMeterRegistry composite) {
            for (MeterRegistry child : composite.getRegistries()) {
                PrometheusMeterRegistry p = findPrometheus(child);
                if (p != null) {
                    return p;
                }
            }
        }
        return null;
    }

    /** The registry meters are registered in. */
    public MeterRegistry registry() {
        return registry;
    }

    /** The Prometheus registry an endpoint serves, if there is one. */
    public Optional<PrometheusMeterRegistry> prometheus() {
        return Optional.ofNullable(prometheus);
    }

    /** Why {@link #prometheus()} is empty: for the 404 of an endpoint, naming the registry's class. */
    public String noPrometheusReason() {
        return "no Prometheus registry: the meters go to the application's " + registry.getClass().getName()
                + ", which is neither a PrometheusMeterRegistry nor a CompositeMeterRegistry holding one";
    }

    /** Remembers {@code meter}, registered through {@link #registry()}, so that {@link #close()} removes it; returns it. */
    public <M extends Meter> M add(M meter) {
        added.add(meter);
        return meter;
    }

    /** Removes {@code meter} from the registry now (an agent name gone), and forgets it. */
    public void remove(Meter meter) {
        added.remove(meter);
        registry.remove(meter);
    }

    /** Removes the meters added, or, for the private registry, unbinds the JVM binders and closes it. Idempotent. */
    @Override
    public void close() {
        for (Meter m : added) {
            if (added.remove(m)) {
                registry.remove(m);
            }
        }
        if (own) {
            for (AutoCloseable b : binders) {
                try {
                    b.close();
                } catch (Exception e) {
                    // Unregistering a JMX listener of a platform bean; nothing left to do if it fails.
                }
            }
            registry.close();
        }
    }
}
