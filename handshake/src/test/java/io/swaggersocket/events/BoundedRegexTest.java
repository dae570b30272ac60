package io.swaggersocket.events;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

class BoundedRegexTest {
    @Test
    void aSearchWithinItsLimitAnswersAndSpendsWhatItRead() {
        BoundedRegex regex = new BoundedRegex(1_000);
        assertTrue(regex.find(Pattern.compile("c"), "abc", 100));
        assertFalse(regex.find(Pattern.compile("x"), "abc", 100));
        long left = regex.left();
        assertTrue(left < 1_000 && left >= 1_000 - 20, "a few reads spent: " + left);
    }

    @Test
    void aBacktrackingPatternStopsAtItsLimit() {
        BoundedRegex regex = new BoundedRegex(Long.MAX_VALUE);
        Pattern evil = Pattern.compile("(.*a){20}!");
        String text = "a".repeat(50);
        assertThrows(BoundedRegex.Exhausted.class, () -> regex.find(evil, text, 100_000));
        assertEquals(Long.MAX_VALUE - 100_000, regex.left(), "the whole limit of that search is spent");
    }

    @Test
    void theTotalIsSharedBySearchesAndGroupsCount() {
        BoundedRegex regex = new BoundedRegex(10);
        assertTrue(regex.find(Pattern.compile("(b)\\1"), "abb", 100));
        assertThrows(BoundedRegex.Exhausted.class, () -> regex.find(Pattern.compile("z"), "abcdefghijklmnop", 100));
        assertEquals(0, regex.left());
        assertThrows(BoundedRegex.Exhausted.class, () -> regex.find(Pattern.compile("a"), "a", 100),
                "nothing left: even one read is refused");
    }

    @Test
    void aNegativeTotalIsRefused() {
        assertThrows(IllegalArgumentException.class, () -> new BoundedRegex(-1));
    }
}
