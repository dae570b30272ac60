package io.swaggersocket.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(60)
class DemoTest {
    @Test
    void theDemoCallsThroughTheTunnelBothWaysAndExits() throws Exception {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        new Demo(new PrintStream(bytes, true, StandardCharsets.UTF_8)).run(true);
        String out = bytes.toString(StandardCharsets.UTF_8);
        assertTrue(out.contains("server -> agent  GET /hello?lang=en  200 "
                + "{\"greeting\":\"hello from the agent behind the tunnel\",\"path\":\"/hello?lang=en\"}"), out);
        assertTrue(out.contains("agent  -> server GET /jobs/next      200 {\"job\":42,\"assignedTo\":\"demo-agent\"}"), out);
        assertTrue(out.strip().endsWith("done"), out);
    }

    @Test
    void badUsageExitsWith2() throws Exception {
        assertEquals(2, Main.run(List.of("demo", "--nope")));
        assertEquals(2, Main.run(List.of("frobnicate")));
        assertEquals(0, Main.run(List.of("demo", "--help")));
    }
}
