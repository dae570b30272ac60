package io.swaggersocket.events;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.time.Duration;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

/** The filter language of docs/EVENTS.md, case by case, over one event and over plain values. */
class EventFilterTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    /** An update of machine m1: its Original (before) and Object (after). */
    private static final JsonNode EVENT = json("""
            {"Time":"2026-12-07T10:00:00Z","Type":"machines","Action":"update","Key":"m1","Principal":"ops",
             "Object":{"Name":"edge-7","Zone":"eu","Cores":8,"Ratio":1.5,"Tags":["a","b"],"Meta":{"x":1,"y":[1,2]},
                       "Gone":null,"a/b":"slash","t~e":"tilde","Flag":true},
             "Original":{"Name":"edge-7","Zone":"us","Cores":8.0,"Tags":["a"],"Meta":{"y":[1,2],"x":1.0}}}
            """);

    private static JsonNode json(String text) {
        try {
            return JSON.readTree(text);
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    private static boolean test(String filter) {
        return EventFilter.parse(filter).test(EVENT);
    }

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource(delimiter = '|', quoteCharacter = '`', value = {
        // Eq: JSON values; numbers by value, arrays in order, objects by keys
        "Object.Name=Eq(\"edge-7\")|true",
        "Object.Name=Eq(\"edge-8\")|false",
        "Object.Cores=Eq(8)|true",
        "Object.Cores=Eq(8.0)|true",
        "Object.Cores=Eq(8e0)|true",
        "Object.Cores=Eq(\"8\")|false",
        "Object.Ratio=Eq(1.50)|true",
        "Object.Tags=Eq([\"a\",\"b\"])|true",
        "Object.Tags=Eq([\"b\",\"a\"])|false",
        "Object.Meta=Eq({\"y\":[1,2],\"x\":1.0})|true",
        "Object.Gone=Eq(null)|true",
        "Object.Missing=Eq(null)|false",
        "Object.Flag=Eq(true)|true",
        // paths: dots with array indexes, RFC 6901 pointers with ~1 and ~0
        "Object.Tags.1=Eq(\"b\")|true",
        "Object.Tags.2=Exists()|false",
        "Object.Tags.01=Exists()|false",
        "/Object/Tags/0=Eq(\"a\")|true",
        "/Object/a~1b=Eq(\"slash\")|true",
        "/Object/t~0e=Eq(\"tilde\")|true",
        "Object.Name.Sub=Exists()|false",
        // Exists: any value, null included
        "Object.Gone=Exists()|true",
        "Object.Missing=Exists()|false",
        // Ne = Not(Eq): a missing field is not equal
        "Object.Zone=Ne(\"us\")|true",
        "Object.Zone=Ne(\"eu\")|false",
        "Object.Missing=Ne(1)|true",
        // In = Or of Eq; Nin = Not(In)
        "Object.Zone=In(\"us\",\"eu\")|true",
        "Object.Zone=In(\"us\",\"ap\")|false",
        "Object.Cores=In(1,8.0)|true",
        "Object.Zone=Nin(\"us\",\"ap\")|true",
        "Object.Missing=Nin(1)|true",
        "Object.Tags=In([\"a\",\"b\"],\"x,y\")|true",
        // Re: find (not a whole match) on strings only
        "Object.Name=Re(\"^edge-\\\\d$\")|true",
        "Object.Name=Re(\"dge\")|true",
        "Object.Name=Re(\"^dge\")|false",
        "Object.Cores=Re(\"8\")|false",
        "Object.Missing=Re(\".*\")|false",
        // And / Or / Not, empty And and Or
        "And(Object.Zone=Eq(\"eu\"),Object.Cores=Eq(8))|true",
        "And(Object.Zone=Eq(\"eu\"),Object.Cores=Eq(9))|false",
        "Or(Object.Zone=Eq(\"us\"),Object.Cores=Eq(8))|true",
        "Not(Or(Object.Zone=Eq(\"us\"),Object.Zone=Eq(\"ap\")))|true",
        "And()|true",
        "Or()|false",
        // Changed: the field differs between Original and Object; from/to as given
        "Object.Zone=Changed()|false",
        "Zone=Changed()|true",
        "Zone=Changed(\"us\",\"eu\")|true",
        "Zone=Changed(\"us\",)|true",
        "Zone=Changed(,\"eu\")|true",
        "Zone=Changed(\"eu\",)|false",
        "Zone=Changed(,\"us\")|false",
        "Cores=Changed()|false",
        "Meta=Changed()|false",
        "Tags=Changed()|true",
        "Name=Changed()|false",
        "Ratio=Changed()|false",
    })
    void anEventCase(String filter, boolean expected) {
        assertEquals(expected, test(filter), filter);
    }

    @Test
    void changedOnAnythingButAnEventComparesToItsTo() {
        JsonNode plain = json("{\"Zone\":\"eu\"}");
        assertTrue(EventFilter.parse("Zone=Changed()").test(plain));
        assertTrue(EventFilter.parse("Zone=Changed(\"x\",\"eu\")").test(plain));
        assertFalse(EventFilter.parse("Zone=Changed(,\"us\")").test(plain));
    }

    @Test
    void andAndOrStopAtTheFirstDecidingTerm() {
        // A pathological pattern after a failing term is never run: And stops at the first miss.
        String slow = "Object.Name=Re(\"^(a+)+$\")";
        JsonNode many = json("{\"Object\":{\"Name\":\"" + "a".repeat(5000) + "!\"}}");
        assertTimeoutPreemptively(Duration.ofSeconds(20), () -> {
            assertFalse(EventFilter.parse("And(Object.Missing=Exists()," + slow + ")").test(many));
            assertTrue(EventFilter.parse("Or(Object.Name=Exists()," + slow + ")").test(many));
            // run on its own, it gives up within its budget instead of running for ever
            assertFalse(EventFilter.parse(slow).test(many));
        });
    }

    @Test
    void valuesMayHoldCommasAndParentheses() {
        JsonNode v = json("{\"S\":\"a,b)c(\",\"A\":[1,[2,3]]}");
        assertTrue(EventFilter.parse("S=Eq(\"a,b)c(\")").test(v));
        assertTrue(EventFilter.parse("A=In(\"x\",[1,[2,3]])").test(v));
        assertTrue(EventFilter.parse("A.1.0=Eq(2)").test(v));
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', quoteCharacter = '`', value = {
        "|0|a field",
        "Name|4|'='",
        "Name=|5|an operator",
        "Name=Foo(1)|5|an operator",
        "Name=Eq(|8|a JSON value",
        "Name=Eq()|8|a JSON value",
        "Name=Eq(1|9|',' or ')'",
        "Name=Eq(1 2)|8|one JSON value",
        "Name=Eq(bare)|8|a JSON value",
        "Name=Eq(1))|10|the end of the filter",
        "Not(A=Exists(),B=Exists())|0|Not(term) with exactly one term",
        "And(A=Exists()|14|')'",
        "Name=Re(1)|8|a JSON string holding a regular expression",
        "Name=Re(\"(\")|8|a valid regular expression",
        "a..b=Exists()|0|a dot path without empty segments",
        "/a~2=Exists()|0|a JSON pointer",
        "Name=Changed(1 2)|13|one JSON value",
        "Name=Eq(\"open)|14|the end of a JSON string",
        "And(|4|a field",
        "Or(A=Exists(),|14|a field",
        "And(,A=Exists())|4|a field",
        "A=Exists(1)|9|')'",
        "A=Exists|8|'('",
        "A=In()|5|a JSON value",
        "A=Nin(|6|a JSON value",
        "A=In(1,)|7|a JSON value",
        "A=Ne(1,2)|6|')'",
        "A=Changed(1,2,3)|13|')'",
        "Not()|0|Not(term) with exactly one term",
        "Foo(A=Exists())|3|'='",
        "`A=Eq(1) `|7|the end of the filter",
        "=Eq(1)|0|a field",
        "/a/~=Exists()|0|a JSON pointer whose ~ escapes are ~0 or ~1",
        "a.=Exists()|0|a dot path without empty segments",
        "`A=Re(\"a\",\"b\")`|8|')'",
        "A=Eq([1,2)|5|a JSON value",
        "`A=Eq({\"a\":})`|5|a JSON value",
        "A=eq(1)|2|an operator",
        "A=Eq(1)And()|7|the end of the filter",
        "A=Eq(tru)|5|a JSON value",
        "A=Eq(-)|5|a JSON value",
        "A=Eq(01)|5|a JSON value",
        "Or(A=Exists())x|14|the end of the filter",
    })
    void parseErrorsNameThePositionAndWhatWasExpected(String filter, int position, String expected) {
        String f = filter == null ? "" : filter;
        FilterSyntaxException e = assertThrows(FilterSyntaxException.class, () -> EventFilter.parse(f));
        assertEquals(position, e.position(), e.getMessage());
        assertTrue(e.expected().startsWith(expected), e.getMessage());
        assertTrue(e.getMessage().startsWith("at " + position + ": expected "), e.getMessage());
    }

    @Test
    void hostileFiltersAreBounded() {
        String deep = "Not(".repeat(EventFilter.MAX_DEPTH + 1) + "A=Exists()" + ")".repeat(EventFilter.MAX_DEPTH + 1);
        assertTrue(assertThrows(FilterSyntaxException.class, () -> EventFilter.parse(deep)).getMessage()
                .contains("nested at most"));
        String deepJson = "A=Eq(" + "[".repeat(100) + "]".repeat(100) + ")";
        assertTrue(assertThrows(FilterSyntaxException.class, () -> EventFilter.parse(deepJson)).getMessage()
                .contains("nested at most"));
        String huge = "A=Eq(\"" + "x".repeat(EventFilter.MAX_LENGTH) + "\")";
        assertTrue(assertThrows(FilterSyntaxException.class, () -> EventFilter.parse(huge)).getMessage()
                .contains("at most " + EventFilter.MAX_LENGTH));
    }

    @Test
    void aNullOrNonObjectValueIsTestedAsItIs() {
        assertFalse(EventFilter.parse("A=Exists()").test(null));
        assertTrue(EventFilter.parse("Not(A=Exists())").test(json("[1,2]")));
        assertTrue(EventFilter.parse("0=Eq(1)").test(json("[1,2]")));
    }
}
