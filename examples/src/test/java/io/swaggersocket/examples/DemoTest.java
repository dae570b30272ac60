package io.swaggersocket.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(60)
class DemoTest {
    @Test
    void theDemoCallsTheAgentThroughAGeneratedClientAndTheIngressAndExits() throws Exception {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        new Demo(new PrintStream(bytes, true, StandardCharsets.UTF_8)).run(true);
        String out = bytes.toString(StandardCharsets.UTF_8);
        assertTrue(out.contains("agent    'petstore' connected as "), out);
        assertTrue(out.matches("(?s).*client   createPet Rex, Tom; getPet \\d+ -> Rex; listPets -> 2 pets.*"), out);
        assertTrue(out.contains("ingress  GET /agents/petstore/v1/pets?limit=5 -> 200 [{"), out);
        assertTrue(out.contains("\"name\":\"Tom\""), out);
        assertTrue(out.contains("admin    GET /connections -> 200, 1 agent(s)"), out);
        assertTrue(out.contains("try next:"), out);
        assertTrue(out.strip().endsWith("done"), out);
    }
}
