package io.swaggersocket.examples.callback;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(60)
class CallbackExampleTest {
    @Test
    void theAgentCallsTheServerBackWhileTheServersCallIsOpen() throws Exception {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        CallbackExample.run(new PrintStream(bytes, true, StandardCharsets.UTF_8));
        String out = bytes.toString(StandardCharsets.UTF_8);
        // The nested calls print in the order they happen: inside the server's call, before its answer.
        assertTrue(Pattern.compile("server -> agent  POST /work \\{\"job\":1}\n"
                + "    agent -> server POST /jobs/1/claim   -> \\{\"job\":1,\"input\":\"count the words of this sentence please\","
                + "\"assignedTo\":\"worker-1\"}  \\(server's stream \\d+ still open\\)\n"
                + "    agent -> server POST /jobs/1/result  -> 204 \\{\"result\":\"7\"}\n"
                + "server <- agent  200 \\{\"job\":1,\"status\":\"done\"}\n").matcher(out).find(), out);
        for (String expected : List.of(
                "job 1: assigned to worker-1, result 7",
                "server -> agent  8 x POST /work at once: 8 answered 200; all 8 were open while the agent called back 16 times",
                "streams open on the socket as the callbacks began: 8 or more; job results stored: 9 of 9")) {
            assertTrue(out.contains(expected), () -> "missing '" + expected + "' in:\n" + out);
        }
        assertTrue(out.strip().endsWith("done"), out);
    }
}
