package io.swaggersocket.examples.eventlog;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.swaggersocket.openapi.ApiException;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Live followers and their bounds, in memory. */
class FollowerTest {
    private static LoggedEvent event(long seq, double ts) {
        return new LoggedEvent(seq, "e" + seq, ts, "/s", List.of(), "c");
    }

    @Test
    void aFollowerGetsEventsInTimeInOrderAndNothingAfterItsEnd() throws Exception {
        LiveHub hub = new LiveHub(4, 8);
        Follower f = hub.follow(EventQuery.of(10.0, 20.0, null, null));
        hub.publish(List.of(event(1, 5), event(2, 10), event(3, 25), event(4, 20)));
        assertEquals(2, f.poll(1000).seq());
        assertEquals(4, f.poll(1000).seq());
        assertNull(f.pollNow());
        f.close();
        assertEquals(0, hub.size());
        assertTrue(Follower.isEnd(f.poll(1000)));
        assertEquals("closed", f.end().reason());
    }

    @Test
    void aFullBufferCutsTheFollowerAsSlowWithoutBlockingThePublisher() throws Exception {
        LiveHub hub = new LiveHub(4, 3);
        Follower slow = hub.follow(EventQuery.ALL);
        Follower fast = hub.follow(EventQuery.ALL);
        for (int i = 1; i <= 3; i++) {
            hub.publish(List.of(event(i, i)));
            assertEquals(i, fast.poll(1000).seq());
        }
        hub.publish(List.of(event(4, 4))); // the fourth does not fit in slow's buffer of 3
        assertTrue(Follower.isEnd(slow.poll(1000)), "what it had not taken is dropped: the end comes first");
        assertEquals("slow", slow.end().reason());
        assertEquals(4, fast.poll(1000).seq());
        assertEquals(1, hub.size());
    }

    @Test
    void followersAreBoundedAndTheLogsCloseEndsThemAll() throws Exception {
        LiveHub hub = new LiveHub(2, 8);
        Follower a = hub.follow(EventQuery.ALL);
        Follower b = hub.follow(EventQuery.ALL);
        ApiException full = assertThrows(ApiException.class, () -> hub.follow(EventQuery.ALL));
        assertEquals(503, full.status());
        hub.closeAll("closing");
        assertTrue(Follower.isEnd(a.poll(1000)));
        assertTrue(Follower.isEnd(b.poll(1000)));
        assertEquals("closing", a.end().detail());
        assertSame(0, hub.size());
        hub.follow(EventQuery.ALL); // room again
    }
}
