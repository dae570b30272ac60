package io.swaggersocket.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.time.Duration;
import java.util.Map;
import java.util.function.BiFunction;
import org.junit.jupiter.api.Test;

/** The limits' defaults (as README documents them), their ranges, and toBuilder. */
class ServerLimitsTest {
    private static final Map<String, BiFunction<ServerLimits.Builder, Duration, ServerLimits.Builder>> WAITS = Map.of(
            "responseHeadTimeout", ServerLimits.Builder::responseHeadTimeout,
            "bodyIdleTimeout", ServerLimits.Builder::bodyIdleTimeout,
            "requestHeadTimeout", ServerLimits.Builder::requestHeadTimeout,
            "idleTimeout", ServerLimits.Builder::idleTimeout,
            "upgradedIdleTimeout", ServerLimits.Builder::upgradedIdleTimeout,
            "movingAgentWait", ServerLimits.Builder::movingAgentWait);

    @Test
    void theDefaultsAreTheDocumentedOnes() {
        ServerLimits d = ServerLimits.defaults();
        assertEquals(Duration.ofSeconds(60), d.responseHeadTimeout());
        assertEquals(Duration.ofSeconds(60), d.bodyIdleTimeout());
        assertEquals(Duration.ofSeconds(10), d.requestHeadTimeout());
        assertEquals(Duration.ofSeconds(60), d.idleTimeout());
        assertEquals(Duration.ofHours(1), d.upgradedIdleTimeout());
        assertEquals(Duration.ofSeconds(3), d.movingAgentWait());
        assertEquals(1024, d.maxIngressCalls());
        assertEquals(1024, d.maxPendingUpgrades());
        assertEquals(1000, d.maxConnectionsPerPrincipal());
        assertEquals(1000, d.maxConnectionsPerAddress());
    }

    @Test
    void everyWaitIsRefusedOutsideTenMillisecondsToADayNamingItself() {
        WAITS.forEach((name, setter) -> {
            for (Duration bad : new Duration[] {Duration.ZERO, Duration.ofMillis(9), Duration.ofDays(1).plusMillis(1),
                    Duration.ofSeconds(-1)}) {
                var e = assertThrows(IllegalArgumentException.class, () -> setter.apply(ServerLimits.builder(), bad));
                assertEquals(name + ": " + bad + " is out of range [PT0.01S, PT24H]", e.getMessage());
            }
            assertThrows(NullPointerException.class, () -> setter.apply(ServerLimits.builder(), null));
            assertEquals(Duration.ofMillis(10), get(setter.apply(ServerLimits.builder(), Duration.ofMillis(10)).build(), name));
            assertEquals(Duration.ofDays(1), get(setter.apply(ServerLimits.builder(), Duration.ofDays(1)).build(), name));
        });
    }

    @Test
    void toBuilderKeepsEveryLimit() {
        ServerLimits set = ServerLimits.builder().responseHeadTimeout(Duration.ofSeconds(1)).bodyIdleTimeout(Duration.ofSeconds(2))
                .requestHeadTimeout(Duration.ofSeconds(3)).idleTimeout(Duration.ofSeconds(4))
                .upgradedIdleTimeout(Duration.ofSeconds(5)).movingAgentWait(Duration.ofSeconds(6)).maxIngressCalls(7)
                .maxPendingUpgrades(8).maxConnectionsPerPrincipal(9).maxConnectionsPerAddress(10).build();
        assertEquals(set.toString(), set.toBuilder().build().toString());
        assertEquals(Duration.ofSeconds(6), set.toBuilder().build().movingAgentWait());
    }

    private static Duration get(ServerLimits limits, String name) {
        return switch (name) {
            case "responseHeadTimeout" -> limits.responseHeadTimeout();
            case "bodyIdleTimeout" -> limits.bodyIdleTimeout();
            case "requestHeadTimeout" -> limits.requestHeadTimeout();
            case "idleTimeout" -> limits.idleTimeout();
            case "upgradedIdleTimeout" -> limits.upgradedIdleTimeout();
            case "movingAgentWait" -> limits.movingAgentWait();
            default -> throw new IllegalArgumentException(name);
        };
    }
}
