package io.swaggersocket.events;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class EventTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void roundTripsThroughTheWireFormWithCapitalisedMembers() throws Exception {
        Event e = Event.builder("machines", "update", "m1").seq(7).epoch("ab12").time(Instant.parse("2026-01-02T03:04:05Z"))
                .principal("ops").agent("edge-1").label("env", "prod").label("zone", "eu")
                .object(JsonNodeFactory.instance.objectNode().put("Zone", "eu"))
                .original(JsonNodeFactory.instance.objectNode().put("Zone", "us")).build();
        JsonNode json = e.toJson();
        assertEquals(("{\"Seq\":7,\"Epoch\":\"ab12\",\"Time\":\"2026-01-02T03:04:05Z\",\"Type\":\"machines\","
                + "\"Action\":\"update\",\"Key\":\"m1\",\"Principal\":\"ops\",\"Agent\":\"edge-1\","
                + "\"Labels\":{\"env\":\"prod\",\"zone\":\"eu\"},\"Object\":{\"Zone\":\"eu\"},\"Original\":{\"Zone\":\"us\"}}"),
                json.toString(), "members in this order");
        assertEquals(e, Event.fromJson(JSON.readTree(json.toString())));
        assertTrue(EventSpec.parse("machines.update.*.Zone=Changed(\"us\",\"eu\")").matches(json),
                "the wire form is what the filter language reads");
    }

    @Test
    void absentMembersAreLeftOutAndNullsCountAsAbsent() throws Exception {
        Event e = Event.builder("a", "b", "c").object(JsonNodeFactory.instance.nullNode()).build();
        assertEquals("{\"Type\":\"a\",\"Action\":\"b\",\"Key\":\"c\"}", e.toJson().toString());
        Event read = Event.fromJson(JSON.readTree("{\"Type\":\"a\",\"Action\":\"b\",\"Key\":\"c\",\"Agent\":null,"
                + "\"Unknown\":1}"));
        assertEquals(0, read.seq());
        assertNull(read.agent());
        assertNull(read.epoch());
        assertTrue(read.labels().isEmpty());
    }

    @Test
    void withersChangeOneFieldAndLeaveTheOriginal() {
        Event e = Event.builder("a", "b", "c").build();
        Event stamped = e.withSeq(3, "ep").withAgent("x").withPrincipal("p");
        assertEquals(3, stamped.seq());
        assertEquals("x", stamped.agent());
        assertEquals(0, e.seq());
        assertFalse(e.equals(stamped));
    }

    @Test
    void badWireFormsNameTheMemberAtFault() {
        String[][] cases = {
            {"[]", "event: expected a JSON object but was array"},
            {"{\"Action\":\"b\",\"Key\":\"c\"}", "Type: expected a string but it is missing"},
            {"{\"Type\":1,\"Action\":\"b\",\"Key\":\"c\"}", "Type: expected a string but was 1"},
            {"{\"Type\":\"\",\"Action\":\"b\",\"Key\":\"c\"}", "type: expected a non-empty string but was \"\""},
            {"{\"Type\":\"a\",\"Action\":\"b\",\"Key\":\"c\",\"Seq\":-1}", "Seq: expected a non-negative integer but was -1"},
            {"{\"Type\":\"a\",\"Action\":\"b\",\"Key\":\"c\",\"Seq\":1.5}", "Seq: expected a non-negative integer but was 1.5"},
            {"{\"Type\":\"a\",\"Action\":\"b\",\"Key\":\"c\",\"Time\":\"yesterday\"}",
                "Time: expected an RFC 3339 instant but was \"yesterday\""},
            {"{\"Type\":\"a\",\"Action\":\"b\",\"Key\":\"c\",\"Labels\":[]}", "Labels: expected an object of strings but was ARRAY"},
            {"{\"Type\":\"a\",\"Action\":\"b\",\"Key\":\"c\",\"Labels\":{\"k\":1}}", "Labels.k: expected a string but was 1"},
        };
        for (String[] c : cases) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> Event.fromJson(JSON.readTree(c[0])), c[0]);
            assertEquals(c[1], e.getMessage(), c[0]);
        }
        assertThrows(NullPointerException.class, () -> Event.builder(null, "b", "c").build());
        assertThrows(IllegalArgumentException.class, () -> Event.builder("a", "b", "c").seq(-1).build());
    }
}
