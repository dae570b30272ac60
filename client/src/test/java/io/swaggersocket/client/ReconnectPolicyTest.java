package io.swaggersocket.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalInt;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(10)
class ReconnectPolicyTest {
    private static List<Long> delays(ReconnectPolicy policy, int n, double r) {
        List<Long> out = new ArrayList<>();
        for (int attempt = 1; attempt <= n; attempt++) {
            out.add(policy.delay(attempt, () -> r).toMillis());
        }
        return out;
    }

    @Test
    void defaultSequenceWithoutJitterEffect() {
        // r = 0.5 is the middle of the jitter range: the base delays exactly
        assertEquals(List.of(1000L, 1600L, 2560L, 4096L, 6554L, 10486L, 16777L, 26844L, 30000L, 30000L),
                delays(ReconnectPolicy.defaults(), 10, 0.5));
    }

    @Test
    void jitterSpreadsTwentyPercentEachWay() {
        assertEquals(List.of(800L, 1280L, 2048L, 3277L, 5243L, 8389L, 13422L, 21475L, 24000L, 24000L),
                delays(ReconnectPolicy.defaults(), 10, 0.0));
        assertEquals(List.of(1200L, 1920L, 3072L, 4915L, 7864L, 12583L, 20133L, 32212L, 36000L, 36000L),
                delays(ReconnectPolicy.defaults(), 10, 1.0));
        assertEquals(Duration.ofMillis(1100), ReconnectPolicy.defaults().delay(1, () -> 0.75));
    }

    @Test
    void maxDelayCapsTheBaseForEveryLaterAttempt() {
        ReconnectPolicy policy = ReconnectPolicy.builder().initialDelay(Duration.ofMillis(100)).multiplier(2)
                .maxDelay(Duration.ofSeconds(5)).jitter(0.1).build();
        SplittableRandom random = new SplittableRandom(42);
        for (int attempt = 1; attempt < 10_000; attempt += 7) {
            Duration d = policy.delay(attempt, random::nextDouble);
            assertTrue(d.toMillis() <= 5500, attempt + ": " + d);
            assertTrue(d.toMillis() >= 90, attempt + ": " + d);
        }
        assertEquals(Duration.ofSeconds(5), policy.delay(Integer.MAX_VALUE, () -> 0.5));
        assertEquals(Duration.ofMillis(4500), policy.delay(Integer.MAX_VALUE, () -> 0.0));
    }

    @Test
    void noJitterGivesThePlainExponentialSequence() {
        ReconnectPolicy policy = ReconnectPolicy.builder().initialDelay(Duration.ofMillis(10)).multiplier(3)
                .maxDelay(Duration.ofMillis(500)).jitter(0).build();
        assertEquals(List.of(10L, 30L, 90L, 270L, 500L, 500L), delays(policy, 6, 0.123));
    }

    @Test
    void attemptsAreLimitedOnlyWhenAsked() {
        assertTrue(ReconnectPolicy.defaults().allowsAttempt(Integer.MAX_VALUE));
        assertEquals(OptionalInt.empty(), ReconnectPolicy.defaults().maxAttempts());
        ReconnectPolicy three = ReconnectPolicy.builder().maxAttempts(3).build();
        assertTrue(three.allowsAttempt(3));
        assertFalse(three.allowsAttempt(4));
        assertEquals(OptionalInt.of(3), three.maxAttempts());
        assertFalse(ReconnectPolicy.disabled().allowsAttempt(1));
        assertFalse(ReconnectPolicy.disabled().isEnabled());
        assertFalse(ReconnectPolicy.defaults().retryOnAuthFailure());
    }

    @Test
    void rejectsValuesOutOfRangeNamingThem() {
        var b = ReconnectPolicy.builder();
        assertEquals("initialDelay: PT0S is not positive",
                assertThrows(IllegalArgumentException.class, () -> b.initialDelay(Duration.ZERO)).getMessage());
        assertEquals("multiplier: 0.5 is out of range [1, 100]",
                assertThrows(IllegalArgumentException.class, () -> b.multiplier(0.5)).getMessage());
        assertEquals("jitter: 1.0 is out of range [0, 1)",
                assertThrows(IllegalArgumentException.class, () -> b.jitter(1.0)).getMessage());
        assertEquals("maxAttempts: 0 is below 1",
                assertThrows(IllegalArgumentException.class, () -> b.maxAttempts(0)).getMessage());
        assertEquals("maxDelay: PT0.5S is below initialDelay PT1S", assertThrows(IllegalArgumentException.class,
                () -> ReconnectPolicy.builder().maxDelay(Duration.ofMillis(500)).build()).getMessage());
        assertEquals("attempt: 0 is below 1", assertThrows(IllegalArgumentException.class,
                () -> ReconnectPolicy.defaults().delay(0, () -> 0.5)).getMessage());
        assertEquals("random: 1.5 is out of range [0, 1]", assertThrows(IllegalArgumentException.class,
                () -> ReconnectPolicy.defaults().delay(1, () -> 1.5)).getMessage());
    }
}
