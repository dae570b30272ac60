package io.swaggersocket.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

/** The fuzz runner itself: what a failure says, that a seed replays, that a hang fails. */
class FuzzTest {
    private static final Duration GENEROUS = Duration.ofSeconds(10);

    @Test
    void aFailureNamesTheTargetSeedTryAndInputAndHowToReplayIt() {
        List<byte[]> seen = new ArrayList<>();
        AssertionError e = assertThrows(AssertionError.class, () -> Fuzz.check(FuzzTest.class, "target", 42, 1000,
                GENEROUS, r -> Fuzz.bytes(r, 0, 600), b -> {
                    seen.add(b);
                    assertTrue(b.length < 590, "too long");
                }));
        int index = seen.size() - 1;
        byte[] input = seen.get(index);
        String message = e.getMessage();
        assertTrue(message.startsWith("FuzzTest#target failed at try " + index + " of 1000 (seed 42)"), message);
        assertTrue(message.contains("input: byte[" + input.length + "] "
                + HexFormat.of().formatHex(input, 0, Fuzz.MAX_SHOWN_BYTES) + "... ("), message);
        assertTrue(message.contains("too long"), message);
        assertTrue(message.contains("-Dtest='FuzzTest#target'") && message.contains("-Dfuzz.seed=42")
                && message.contains("-Dfuzz.tries=" + (index + 1)), message);
        assertEquals("too long ==> expected: <true> but was: <false>", e.getCause().getMessage());
    }

    @Test
    void aTryMakesTheSameInputWhateverTheTriesAndEachTargetItsOwn() {
        List<Long> all = new ArrayList<>();
        Fuzz.check(FuzzTest.class, "a", 7, 50, GENEROUS, r -> r.nextLong(), all::add);
        List<Long> fewer = new ArrayList<>();
        Fuzz.check(FuzzTest.class, "a", 7, 20, GENEROUS, r -> r.nextLong(), fewer::add);
        List<Long> other = new ArrayList<>();
        Fuzz.check(FuzzTest.class, "b", 7, 20, GENEROUS, r -> r.nextLong(), other::add);
        assertEquals(all.subList(0, 20), fewer);
        assertNotEquals(fewer, other);
    }

    @Test
    void aHangingInputFailsInsteadOfBlocking() {
        AtomicBoolean release = new AtomicBoolean();
        long start = System.nanoTime();
        AssertionError e;
        try {
            e = assertThrows(AssertionError.class, () -> Fuzz.check(FuzzTest.class, "hang", 1, 1000,
                    Duration.ofMillis(200), r -> r.nextInt(10), i -> {
                        while (i == 3 && !release.get()) {
                            try {
                                Thread.sleep(5);
                            } catch (InterruptedException deaf) {
                                // on purpose: the watchdog must not rely on a hanging parser noticing
                            }
                        }
                    }));
        } finally {
            release.set(true);
        }
        long tookMillis = (System.nanoTime() - start) / 1_000_000;
        assertTrue(e.getMessage().contains("input: 3"), e.getMessage());
        assertTrue(e.getMessage().contains("expected at most 200 ms but it was still running"), e.getMessage());
        assertTrue(tookMillis < 5000, "took " + tookMillis + " ms");
    }

    @Test
    void textShowsAsAnEscapedLiteral() {
        assertEquals("String(6) \"a\\r\\n\\\"\\ud800\\u00e9\"", Fuzz.describe("a\r\n\"\ud800\u00e9"));
    }
}
