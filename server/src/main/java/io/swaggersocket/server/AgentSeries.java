package io.swaggersocket.server;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.swaggersocket.internal.metrics.MeterSetup;
import io.swaggersocket.mux.SocketConnection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.ToLongFunction;

/**
 * The per-agent gauges ({@code swaggersocket_agent_*}, tagged {@code agent}: the name in the
 * agent's metadata, {@code ""} for agents without one): registered when a name's first
 * connection opens and removed when its last one closes, so that the registry holds a series
 * for each name connected now and none for names long gone. Thread-safe: opening and closing
 * take this object's lock (once per connection, never per call); the gauges read the sets
 * without it.
 */
final class AgentSeries {
    private static final class Name {
        final Set<SocketConnection> live = ConcurrentHashMap.newKeySet();
        List<Meter> meters;
    }

    private final MeterSetup setup;
    private final Map<String, Name> byName = new HashMap<>(); // guarded by this

    AgentSeries(MeterSetup setup) {
        this.setup = setup;
    }

    synchronized void opened(SocketConnection connection) {
        String key = key(connection);
        Name name = byName.get(key);
        if (name == null) {
            name = new Name();
            name.meters = register(key, name.live);
            byName.put(key, name);
        }
        name.live.add(connection);
    }

    synchronized void gone(SocketConnection connection) {
        String key = key(connection);
        Name name = byName.get(key);
        if (name != null && name.live.remove(connection) && name.live.isEmpty()) {
            byName.remove(key);
            name.meters.forEach(setup::remove);
        }
    }

    private static String key(SocketConnection connection) {
        String name = AgentPool.nameOf(connection);
        return name == null ? "" : name;
    }

    private List<Meter> register(String agent, Set<SocketConnection> live) {
        Tags tags = Tags.of("agent", agent);
        MeterRegistry r = setup.registry();
        return List.of(
                setup.add(Gauge.builder("swaggersocket.agent.connections", live, Set::size).tags(tags)
                        .description("Open connections of each agent name (\"\" for agents without one).").register(r)),
                setup.add(Gauge.builder("swaggersocket.agent.streams", live, s -> sum(s, SocketConnection::activeStreams))
                        .tags(tags).description("Streams open now on each agent name's connections.").register(r)),
                setup.add(Gauge.builder("swaggersocket.agent.received.bytes", live, s -> sum(s, SocketConnection::bytesIn))
                        .tags(tags).description("Bytes received on each agent name's open connections.").register(r)),
                setup.add(Gauge.builder("swaggersocket.agent.sent.bytes", live, s -> sum(s, SocketConnection::bytesOut))
                        .tags(tags).description("Bytes sent on each agent name's open connections.").register(r)));
    }

    private static double sum(Set<SocketConnection> live, ToLongFunction<SocketConnection> value) {
        long n = 0;
        for (SocketConnection c : live) {
            n += value.applyAsLong(c);
        }
        return n;
    }
}
