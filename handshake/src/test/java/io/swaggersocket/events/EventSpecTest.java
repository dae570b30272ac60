package io.swaggersocket.events;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** register/deregister specifiers: type.action.key[.filter], * and comma lists, the \1 \2 \3 escapes. */
class EventSpecTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    private static JsonNode event(String type, String action, String key) {
        return JSON.createObjectNode().put("Type", type).put("Action", action).put("Key", key)
                .set("Object", JSON.createObjectNode().put("Zone", "eu"));
    }

    @ParameterizedTest(name = "{0} on {1}.{2}.{3} -> {4}")
    @CsvSource(delimiter = '|', quoteCharacter = '`', value = {
        "*.*.*|connections|create|ops|true",
        "connections.*.*|connections|delete|ops|true",
        "connections.*.*|agents|delete|ops|false",
        "connections.create,delete.*|connections|delete|ops|true",
        "connections.create,delete.*|connections|fail|ops|false",
        "connections.create.ops,team-a|connections|create|team-a|true",
        "connections.create.ops|connections|create|team-b|false",
        "a\\1b.*.*|a.b|x|y|true",
        "a\\1b.*.*|ab|x|y|false",
        "*.*.k\\2l\\3|t|a|k,l*|true",
        "*.*.*.Object.Zone=Eq(\"eu\")|t|a|k|true",
        "*.*.*.Object.Zone=Eq(\"us\")|t|a|k|false",
        "*.*.*.And(Object.Zone=Exists(),Key=Re(\"^k\"))|t|a|k|true",
    })
    void matches(String spec, String type, String action, String key, boolean expected) {
        assertEquals(expected, EventSpec.parse(spec).matches(event(type, action, key)), spec);
    }

    @Test
    void theFilterMayHoldDotsAndEqualSpecifiersAreEqual() {
        EventSpec a = EventSpec.parse("machines.update.*.Object.Meta.x=Eq(1.0)");
        assertEquals(a, EventSpec.parse("machines.update.*.Object.Meta.x=Eq(1.0)"));
        assertNotEquals(a, EventSpec.parse("machines.update.*.Object.Meta.x=Eq(1)"));
        JsonNode e = event("machines", "update", "m1");
        ((com.fasterxml.jackson.databind.node.ObjectNode) e.get("Object")).set("Meta", JSON.createObjectNode().put("x", 1));
        assertTrue(a.matches(e));
    }

    @Test
    void anEventWithoutTheFieldsMatchesOnlyWildcards() {
        assertTrue(EventSpec.parse("*.*.*").matches(JSON.createObjectNode()));
        assertFalse(EventSpec.parse("t.*.*").matches(JSON.createObjectNode()));
        assertFalse(EventSpec.parse("t.*.*").matches(JSON.createObjectNode().put("Type", 7)));
        assertFalse(EventSpec.parse("t.*.*").matches(null));
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', quoteCharacter = '`', value = {
        "connections|11|type.action.key",
        "a.b|3|type.action.key",
        "a..c|2|a action value",
        "a,,b.*.*|2|a type value",
        "a b.*.*|1|a type value without * or spaces",
        "x*.*.*|1|a type value without * or spaces",
        "a\\4.*.*|1|an escape",
        "*.*.*.Zone=Eq(1|15|',' or ')'",
        "*.*.*.|6|a field",
    })
    void parseErrorsNameThePositionInTheSpecifier(String spec, int position, String expected) {
        FilterSyntaxException e = assertThrows(FilterSyntaxException.class, () -> EventSpec.parse(spec));
        assertEquals(position, e.position(), e.getMessage());
        assertTrue(e.expected().startsWith(expected), e.getMessage());
    }
}
