package io.swaggersocket.examples.eventlog;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.swaggersocket.openapi.ApiException;
import java.util.List;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** The filter and its regex budget, in memory. */
class EventQueryTest {
    private static final LoggedEvent EVENT = new LoggedEvent(1, "a", 100.5, "/dev/t",
            List.of("sensor", "temp-1", "home"), "21C in the kitchen");

    private static boolean matches(Double start, Double end, List<String> tags, String content) {
        return EventQuery.of(start, end, tags, content).matches(EVENT, RegexBudget.forFind());
    }

    @Test
    void timeBoundsAreInclusiveAndOptional() {
        assertTrue(matches(null, null, null, null));
        assertTrue(matches(100.5, 100.5, null, null));
        assertFalse(matches(100.6, null, null, null));
        assertFalse(matches(null, 100.4, null, null));
    }

    @Test
    void everyTagRegexMustFindAMatchInSomeTag() {
        assertTrue(matches(null, null, List.of("sensor", "temp.+"), null));
        assertTrue(matches(null, null, List.of("emp"), null), "unanchored");
        assertFalse(matches(null, null, List.of("^emp"), null));
        assertFalse(matches(null, null, List.of("sensor", "office"), null), "all must match");
        assertTrue(matches(null, null, List.of(), null));
    }

    @Test
    void contentRegexFindsAMatch() {
        assertTrue(matches(null, null, null, "\\d+C"));
        assertFalse(matches(null, null, null, "^kitchen"));
    }

    @Test
    void badRegexesAndBoundsAre400sNamingTheParameter() {
        ApiException tag = assertThrows(ApiException.class, () -> EventQuery.of(null, null, List.of("ok", "(x"), null));
        assertEquals(400, tag.status());
        assertTrue(tag.detail().startsWith("tag: '(x' is not a valid regex: Unclosed group"), tag.detail());
        ApiException content = assertThrows(ApiException.class, () -> EventQuery.of(null, null, null, "a{2,1}"));
        assertTrue(content.detail().startsWith("content: 'a{2,1}' is not a valid regex"), content.detail());
        ApiException bounds = assertThrows(ApiException.class, () -> EventQuery.of(5.0, 4.0, null, null));
        assertEquals("start 5.0 is after end 4.0", bounds.detail());
    }

    @Test
    void aHostileRegexRunsOutOfItsBudgetPerMatch() {
        RegexBudget budget = RegexBudget.perMatchOnly();
        Pattern hostile = Pattern.compile("(.*a){20}!");
        assertThrows(RegexBudget.Exhausted.class, () -> budget.find(hostile, "a".repeat(40)));
        assertFalse(budget.find(hostile, "b!"), "one exhausted match does not spend a live budget");
    }

    @Test
    void aFindsBudgetIsSharedByAllItsMatches() {
        RegexBudget budget = new RegexBudget(1_000, 2_500);
        Pattern scan = Pattern.compile("z");
        String text = "a".repeat(900); // about 900 reads a match
        assertFalse(budget.find(scan, text));
        assertFalse(budget.find(scan, text));
        assertThrows(RegexBudget.Exhausted.class, () -> budget.find(scan, text), "the third goes past 2,500");
    }
}
