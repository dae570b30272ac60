package io.swaggersocket.examples.eventlog;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** The runnable example end to end: what {@code ./swaggersocket example eventlog} prints. */
@Timeout(120)
class EventLogExampleTest {

    @Test
    void runsEveryStepAndTheLogSurvivesTheReopen(@TempDir Path dir) throws Exception {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        // 10,000 events: EventLogTest sends the 100,000 of the command; here the steps are what is tested
        EventLogExample.run(new PrintStream(bytes, true, StandardCharsets.UTF_8), dir, EventLogExample.BATCH);
        String out = bytes.toString(StandardCharsets.UTF_8);
        System.out.print(out);
        assertTrue(out.contains("10000 events stored"), out);
        assertTrue(out.contains("-> 11 events, seq [11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1], end complete"), out);
        assertTrue(out.contains("5 events, seq [4001, 4002, 4003, 4004, 4005], end limit"), out);
        assertTrue(out.contains("got 'door open 19' seq 10020; send to arrival median"), out);
        assertTrue(out.contains("got 'window open 19' seq 10040; send to arrival median"), out);
        assertTrue(out.contains("10040 events still there"), out);
        assertTrue(out.endsWith("done" + System.lineSeparator()), out);
    }
}
