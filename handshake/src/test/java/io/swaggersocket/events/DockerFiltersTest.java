package io.swaggersocket.events;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Docker-style filters of docs/EVENTS.md: their mapping, their matching, and what they refuse. */
class DockerFiltersTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    /** An agent edge-1 of team-a with labels env=prod, tier, a/b and t~e, connecting. */
    private static final JsonNode EVENT = json("""
            {"Seq":7,"Epoch":"e1","Type":"connections","Action":"create","Key":"team-a","Principal":"team-a",
             "Agent":"edge-1","Labels":{"env":"prod","tier":"","a/b":"slash","t~e":"tilde","n":"1"},
             "Object":{"name":"edge-1"}}
            """);
    /** An event about no agent, without labels. */
    private static final JsonNode SERVER_EVENT = json("""
            {"Seq":8,"Epoch":"e1","Type":"deploys","Action":"start","Key":"v2","Principal":"ops"}
            """);

    private static JsonNode json(String text) {
        try {
            return JSON.readTree(text);
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource(delimiter = '|', quoteCharacter = '`', value = {
        // one key, one value: Eq on the event field
        "{\"name\":[\"edge-1\"]}|Agent=Eq(\"edge-1\")|true|false",
        "{\"name\":[\"edge-2\"]}|Agent=Eq(\"edge-2\")|false|false",
        "{\"container\":[\"edge-1\"]}|Agent=Eq(\"edge-1\")|true|false",
        "{\"event\":[\"create\"]}|Action=Eq(\"create\")|true|false",
        "{\"event\":[\"start\"]}|Action=Eq(\"start\")|false|true",
        "{\"type\":[\"connections\"]}|Type=Eq(\"connections\")|true|false",
        "{\"principal\":[\"ops\"]}|Principal=Eq(\"ops\")|false|true",
        "{\"key\":[\"team-a\"]}|Key=Eq(\"team-a\")|true|false",
        // docker's map form is the same filter
        "{\"name\":{\"edge-1\":true}}|Agent=Eq(\"edge-1\")|true|false",
        // values of one key are ORed (In), repeats dropped, first-seen order kept
        "{\"name\":[\"edge-2\",\"edge-1\"]}|Agent=In(\"edge-2\",\"edge-1\")|true|false",
        "{\"name\":[\"edge-1\",\"edge-1\"]}|Agent=Eq(\"edge-1\")|true|false",
        "{\"event\":{\"start\":true,\"create\":true}}|Action=In(\"start\",\"create\")|true|true",
        // container and name are one key: their values are ORed
        "{\"name\":[\"edge-2\"],\"container\":[\"edge-1\"]}|Agent=In(\"edge-2\",\"edge-1\")|true|false",
        // keys are ANDed (in sorted key order)
        "{\"name\":[\"edge-1\"],\"event\":[\"create\"]}|And(Action=Eq(\"create\"),Agent=Eq(\"edge-1\"))|true|false",
        "{\"name\":[\"edge-1\"],\"event\":[\"delete\"]}|And(Action=Eq(\"delete\"),Agent=Eq(\"edge-1\"))|false|false",
        "{\"type\":[\"deploys\"],\"principal\":[\"ops\",\"x\"]}|And(Principal=In(\"ops\",\"x\"),Type=Eq(\"deploys\"))|false|true",
        // label=k: present; label=k=v: equal; the first = splits; ORed within the key
        "{\"label\":[\"env\"]}|Or(/Labels/env=Exists())|true|false",
        "{\"label\":[\"zone\"]}|Or(/Labels/zone=Exists())|false|false",
        "{\"label\":[\"env=prod\"]}|Or(/Labels/env=Eq(\"prod\"))|true|false",
        "{\"label\":{\"env=prod\":true}}|Or(/Labels/env=Eq(\"prod\"))|true|false",
        "{\"label\":[\"env=dev\"]}|Or(/Labels/env=Eq(\"dev\"))|false|false",
        "{\"label\":[\"env=dev\",\"tier\"]}|Or(/Labels/env=Eq(\"dev\"),/Labels/tier=Exists())|true|false",
        "{\"label\":[\"tier=\"]}|Or(/Labels/tier=Eq(\"\"))|true|false",
        "{\"label\":[\"env=prod=x\"]}|Or(/Labels/env=Eq(\"prod=x\"))|false|false",
        "{\"label\":[\"n=1\"]}|Or(/Labels/n=Eq(\"1\"))|true|false",
        // label names are pointer segments: / and ~ escaped, dots kept literal
        "{\"label\":[\"a/b=slash\"]}|Or(/Labels/a~1b=Eq(\"slash\"))|true|false",
        "{\"label\":[\"t~e\"]}|Or(/Labels/t~0e=Exists())|true|false",
        "{\"label\":[\"a.b\"]}|Or(/Labels/a.b=Exists())|false|false",
        // values are JSON strings in the filter: quotes, backslashes, parentheses and commas stay values
        "{\"name\":[\"a\\\"b\"]}|Agent=Eq(\"a\\\"b\")|false|false",
        "{\"name\":[\"x),Agent=Exists(\"]}|Agent=Eq(\"x),Agent=Exists(\")|false|false",
        "{\"label\":[\"env=prod\\\\\"]}|Or(/Labels/env=Eq(\"prod\\\\\"))|false|false",
        // every key at once
        "{\"container\":[\"edge-1\"],\"event\":[\"create\"],\"key\":[\"team-a\"],\"label\":[\"env=prod\"],"
                + "\"principal\":[\"team-a\"],\"type\":[\"connections\"]}"
                + "|And(Action=Eq(\"create\"),Key=Eq(\"team-a\"),Or(/Labels/env=Eq(\"prod\")),Agent=Eq(\"edge-1\"),"
                + "Principal=Eq(\"team-a\"),Type=Eq(\"connections\"))|true|false",
        // no filter: everything passes
        "{}|And()|true|true",
        "`  `|And()|true|true",
        "``|And()|true|true",
    })
    void mapsAndMatches(String json, String filter, boolean onAgentEvent, boolean onServerEvent) {
        DockerFilters f = DockerFilters.parse(json);
        assertEquals(filter, f.filter().toString());
        assertEquals(onAgentEvent, f.test(EVENT), "agent event");
        assertEquals(onServerEvent, f.test(SERVER_EVENT), "server event");
        // the list form is a fixed point, and means the same
        assertEquals(f, DockerFilters.parse(f.toJson()));
        assertEquals(f.toJson(), DockerFilters.parse(f.toJson()).toJson());
    }

    @ParameterizedTest(name = "[{index}] {0}")
    @CsvSource(delimiter = '|', quoteCharacter = '`', value = {
        // arguments as docker events --filter takes them
        "name=edge-1|{\"name\":[\"edge-1\"]}",
        "container=edge-1|{\"name\":[\"edge-1\"]}",
        "label=env=prod|{\"label\":[\"env=prod\"]}",
        "label=env|{\"label\":[\"env\"]}",
        "label=env=prod,label=tier|{\"label\":[\"env=prod\",\"tier\"]}",
        "event=create,event=delete,name=edge-1|{\"event\":[\"create\",\"delete\"],\"name\":[\"edge-1\"]}",
        "type=connections,type=connections|{\"type\":[\"connections\"]}",
        "principal=team-a,key=k|{\"key\":[\"k\"],\"principal\":[\"team-a\"]}",
        "name=a=b|{\"name\":[\"a=b\"]}",
    })
    void readsArguments(String arguments, String json) {
        DockerFilters f = DockerFilters.fromArguments(Arrays.asList(arguments.split(",")));
        assertEquals(json, f.toJson());
        assertEquals(DockerFilters.parse(json), f);
    }

    @Test
    void noArgumentsIsNoFilter() {
        assertSame(DockerFilters.none(), DockerFilters.fromArguments(List.of()));
        assertTrue(DockerFilters.none().isEmpty());
        assertEquals("{}", DockerFilters.none().toJson());
        assertFalse(DockerFilters.fromArguments(List.of("name=x")).isEmpty());
    }

    @Test
    void valuesAreImmutable() {
        DockerFilters f = DockerFilters.fromArguments(List.of("name=a"));
        assertThrows(UnsupportedOperationException.class, () -> f.values().put("x", List.of()));
        assertThrows(UnsupportedOperationException.class, () -> f.values().get("name").add("b"));
    }

    @ParameterizedTest(name = "[{index}] {0}")
    @CsvSource(delimiter = '|', quoteCharacter = '`', value = {
        // not an object of known keys
        "{\"image\":[\"busybox\"]}|filter key \"image\" is unknown; known keys: container, event, key, label, name, principal, type",
        "{\"Name\":[\"a\"]}|filter key \"Name\" is unknown",
        "{\"\":[\"a\"]}|filter key \"\" is unknown",
        "[\"name\"]|expected a JSON object such as {\"label\":[\"env=prod\"]} but was an array",
        "\"name=a\"|but was a string",
        "null|but was null",
        "42|but was a number",
        "true|but was true",
        // not JSON at all, or more than one value
        "{|filters: not JSON",
        "{\"name\":[\"a\"]|filters: not JSON",
        "{\"name\":[\"a\"]} {}|filters: not JSON",
        "{name:[\"a\"]}|filters: not JSON",
        "{\"name\":[\"a\",]}|filters: not JSON",
        // the values of a key
        "{\"name\":\"edge-1\"}|\"name\": expected a list of strings or an object of string to true but was a string",
        "{\"name\":null}|but was null",
        "{\"name\":7}|but was a number",
        "{\"name\":[1]}|\"name\": expected a list of strings but it holds a number",
        "{\"name\":[null]}|it holds null",
        "{\"name\":[[\"a\"]]}|it holds an array",
        "{\"name\":[{\"a\":true}]}|it holds an object",
        "{\"name\":{\"a\":\"yes\"}}|\"name\": \"a\": expected true but was a string",
        "{\"name\":{\"a\":1}}|expected true but was a number",
        "{\"name\":{\"a\":null}}|expected true but was null",
        "{\"label\":{\"env=prod\":false}}|\"label\": \"env=prod\": false is not allowed (leave the value out instead)",
        "{\"name\":[]}|\"name\": no values",
        "{\"name\":{}}|\"name\": no values",
        "{\"name\":[\"\"]}|filter name: the value is empty",
        "{\"event\":{\"\":true}}|filter event: the value is empty",
        // duplicate keys are refused rather than one silently winning
        "{\"name\":[\"a\"],\"name\":[\"b\"]}|Duplicate field 'name'",
        "{\"name\":{\"a\":true,\"a\":true}}|Duplicate field 'a'",
        // label names
        "{\"label\":[\"\"]}|filter label: the value is empty",
        "{\"label\":[\"=prod\"]}|filter label \"=prod\": the label name is empty",
        "{\"label\":[\"a,b\"]}|a label name may not hold '(', ')', ',' or control characters",
        "{\"label\":[\"a(b=c\"]}|may not hold",
        "{\"label\":[\"a)\"]}|may not hold",
        "{\"label\":[\"a\\u0000b\"]}|may not hold",
        "{\"label\":[\"a\\nb=1\"]}|may not hold",
    })
    void refusesJson(String json, String message) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> DockerFilters.parse(json));
        assertTrue(e.getMessage().contains(message), () -> "message: " + e.getMessage());
    }

    @ParameterizedTest(name = "[{index}] {0}")
    @CsvSource(delimiter = '|', quoteCharacter = '`', value = {
        "edge-1|filter \"edge-1\": expected key=value such as label=env=prod",
        "``|filter \"\": expected key=value",
        "=edge-1|filter key \"\" is unknown",
        "image=busybox|filter key \"image\" is unknown; known keys: container, event, key, label, name, principal, type",
        "NAME=a|filter key \"NAME\" is unknown",
        "` name=a`|filter key \" name\" is unknown",
        "name=|filter name: the value is empty",
        "label=|filter label: the value is empty",
        "label==prod|the label name is empty",
        "label=a,b=c|may not hold",
    })
    void refusesArguments(String argument, String message) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> DockerFilters.fromArguments(List.of("type=connections", argument)));
        assertTrue(e.getMessage().contains(message), () -> "message: " + e.getMessage());
    }

    @Test
    void boundsTheInput() {
        String big = "{\"name\":[\"" + "a".repeat(DockerFilters.MAX_LENGTH) + "\"]}";
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> DockerFilters.parse(big));
        assertEquals("filters: " + big.length() + " characters, more than 8192", e.getMessage());

        List<String> many = new ArrayList<>();
        for (int i = 0; i < 1000; i++) {
            many.add("name=agent-" + i);
        }
        e = assertThrows(IllegalArgumentException.class, () -> DockerFilters.fromArguments(many));
        assertTrue(e.getMessage().endsWith("characters in all, more than 8192"), e.getMessage());
    }

    @Test
    void boundsTheMappedFilter() {
        // Under MAX_LENGTH as JSON, but each short label grows into a longer term.
        StringBuilder json = new StringBuilder("{\"label\":[");
        for (int i = 0; i < 600; i++) {
            json.append(i == 0 ? "" : ",").append("\"l").append(i).append('"');
        }
        json.append("]}");
        assertTrue(json.length() < DockerFilters.MAX_LENGTH);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> DockerFilters.parse(json.toString()));
        assertTrue(e.getMessage().matches("filters: they map to a filter of \\d+ characters, more than 8192"),
                e.getMessage());
    }

    @Test
    void deepJsonIsRefusedNotOverflowed() {
        String deep = "[".repeat(4000) + "]".repeat(4000);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> DockerFilters.parse(deep));
        assertTrue(e.getMessage().startsWith("filters: "), e.getMessage());
        String deepValue = "{\"name\":" + "[".repeat(4000) + "]".repeat(4000) + "}";
        e = assertThrows(IllegalArgumentException.class, () -> DockerFilters.parse(deepValue));
        assertTrue(e.getMessage().startsWith("filters: "), e.getMessage());
    }

    @Test
    void errorMessagesEchoOnlyAShortPrefix() {
        String key = "k".repeat(5000);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> DockerFilters.fromArguments(List.of(key + "=v")));
        assertTrue(e.getMessage().length() < 200, e.getMessage());
    }

    @Test
    void nullsAreRefused() {
        assertThrows(NullPointerException.class, () -> DockerFilters.parse(null));
        assertThrows(NullPointerException.class, () -> DockerFilters.fromArguments(null));
        assertThrows(NullPointerException.class, () -> DockerFilters.fromArguments(Arrays.asList("name=a", null)));
    }

    @Test
    void equalityIgnoresFormAndSpelling() {
        DockerFilters a = DockerFilters.parse("{\"container\":{\"x\":true},\"label\":[\"env\"]}");
        DockerFilters b = DockerFilters.fromArguments(List.of("label=env", "name=x"));
        assertEquals(a, b);
        assertEquals(a.hashCode(), b.hashCode());
        assertEquals("{\"label\":[\"env\"],\"name\":[\"x\"]}", a.toString());
    }
}
