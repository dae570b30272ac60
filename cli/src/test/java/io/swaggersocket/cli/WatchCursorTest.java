package io.swaggersocket.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.swaggersocket.events.DockerFilters;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The watch's position in the server's history, message by message; and the address it dials. */
class WatchCursorTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    /**
     * Each case: the cursor's start (--since, --epoch; "-" for none), then messages separated by
     * ';' (h:EPOCH:SEQ a hello, e:EPOCH:SEQ an event, gap, err, ack, plain: an event without Seq),
     * the verdicts, and the since/epoch a reconnect would send.
     */
    @ParameterizedTest(name = "[{index}] {2}")
    @CsvSource(delimiter = '|', value = {
        // live only: the hello's seq is the start; events after it print, repeats drop
        "-|-|h:E1:5;e:E1:6;e:E1:7;e:E1:7;e:E1:6|CONTROL,PRINT,PRINT,DUPLICATE,DUPLICATE|7|E1",
        // an event at or below the hello's seq (a replay overlapping the live start) drops
        "-|-|h:E1:5;e:E1:5;e:E1:6|CONTROL,DUPLICATE,PRINT|6|E1",
        // before any hello there is nothing to resume from
        "-|-||''|-|-",
        // --since: replayed events after it print; the hello takes the epoch
        "3|-|h:E1:9;e:E1:4;e:E1:5|CONTROL,PRINT,PRINT|5|E1",
        "0|-|h:E1:0|CONTROL|0|E1",
        // a resume in the same epoch keeps the position
        "3|E1|h:E1:9;e:E1:3;e:E1:4|CONTROL,DUPLICATE,PRINT|4|E1",
        // another epoch (a restarted server): everything of the new history is new
        "7|E1|h:E2:2;gap;e:E2:1;e:E2:2|NEW_HISTORY,GAP,PRINT,PRINT|2|E2",
        "7|E1|h:E2:0;e:E2:1|NEW_HISTORY,PRINT|1|E2",
        // the first hello after --since without --epoch only learns the epoch
        "7|-|h:E2:9|CONTROL|7|E2",
        // an event of another epoch without a hello first: followed anyway
        "7|E1|e:E2:1;e:E2:1|PRINT,DUPLICATE|1|E2",
        // the server's own messages
        "-|-|h:E1:0;ack;err;gap;plain|CONTROL,CONTROL,ERROR,GAP,PRINT|0|E1",
    })
    void verdicts(String since, String epoch, String messages, String verdicts, String resumeSince, String resumeEpoch) {
        WatchCursor c = new WatchCursor(since.equals("-") ? null : Long.valueOf(since), epoch.equals("-") ? null : epoch);
        List<String> got = new ArrayList<>();
        if (messages != null) {
            for (String m : messages.split(";")) {
                got.add(c.accept(JSON.valueToTree(message(m))).name());
            }
        }
        assertEquals(verdicts, String.join(",", got));
        assertEquals(resumeSince, c.since() == null ? "-" : c.since().toString());
        assertEquals(resumeEpoch, c.epoch() == null ? "-" : c.epoch());
    }

    private static Object message(String m) {
        String[] p = m.split(":");
        return switch (p[0]) {
            case "h" -> java.util.Map.of("Type", "websocket", "Action", "hello",
                    "Object", java.util.Map.of("epoch", p[1], "seq", Long.parseLong(p[2])));
            case "e" -> java.util.Map.of("Type", "connections", "Action", "create", "Epoch", p[1], "Seq", Long.parseLong(p[2]));
            case "gap" -> java.util.Map.of("Type", "websocket", "Action", "gap",
                    "Object", java.util.Map.of("from", 1, "to", 7, "reason", "history"));
            case "err" -> java.util.Map.of("Type", "websocket", "Action", "error", "Key", "x",
                    "Object", java.util.Map.of("error", "bad"));
            case "ack" -> java.util.Map.of("Type", "websocket", "Action", "register", "Key", "*.*.*");
            case "plain" -> java.util.Map.of("Type", "deploys", "Action", "start");
            default -> throw new IllegalArgumentException(m);
        };
    }

    @Test
    void theAddressCarriesRegistersFiltersAndThePosition() {
        URI base = URI.create("ws://127.0.0.1:8080/events");
        assertEquals("ws://127.0.0.1:8080/events?register=*.*.*",
                EventWatch.address(base, List.of("*.*.*"), DockerFilters.none(), null, null).toString());
        assertEquals("ws://127.0.0.1:8080/events?register=connections.create%2Cdelete.*"
                        + "&register=*.*.*.Object.name%3DEq%28%22a+b%22%29"
                        .replace("+", "%20")
                        + "&filters=%7B%22label%22%3A%5B%22env%3Dprod%22%5D%7D&since=12&epoch=E%2F1",
                EventWatch.address(base, List.of("connections.create,delete.*", "*.*.*.Object.name=Eq(\"a b\")"),
                        DockerFilters.fromArguments(List.of("label=env=prod")), 12L, "E/1").toString());
        assertEquals("ws://h/events?register=a.b.c&since=0",
                EventWatch.address(URI.create("ws://h/events"), List.of("a.b.c"), DockerFilters.none(), 0L, null).toString());
    }

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource({
        "ws://127.0.0.1:8080/events, 127.0.0.1:8080",
        "ws://h/events, h",
        "ws://h:80/events, h",
        "wss://h:443/events, h",
        "wss://h:80/events, h:80",
        "ws://h:443/events, h:443",
        "ws://[::1]:9/events, [::1]:9",
    })
    void theHostHeaderIsTheOneTheJdkSends(String uri, String host) {
        assertEquals(host, EventWatch.hostHeader(URI.create(uri)));
    }

    @Test
    void serverMessagesAreOneShortLine() {
        assertEquals("unknown token", EventWatch.serverMessage("{\"error\":\"unknown token\"}"));
        assertEquals("plain text", EventWatch.serverMessage("plain text\nsecond line"));
        assertEquals("no reason given", EventWatch.serverMessage(""));
        assertEquals("no reason given", EventWatch.serverMessage(null));
        assertEquals(203, EventWatch.serverMessage("x".repeat(1000)).length());
    }
}
