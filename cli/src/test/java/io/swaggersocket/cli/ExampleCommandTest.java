package io.swaggersocket.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The {@code example} subcommand's usage; each example's run is tested in its own package. */
@Timeout(60)
class ExampleCommandTest {
    @Test
    void eachExampleHasHelp() throws Exception {
        for (String name : List.of("petstore", "callback", "forward", "eventlog")) {
            assertEquals(0, Main.run(List.of("example", name, "--help")), name);
        }
        assertEquals(0, Main.run(List.of("example", "--help")));
    }

    @Test
    void badUsageExitsWith2() throws Exception {
        assertEquals(2, Main.run(List.of("example")));
        assertEquals(2, Main.run(List.of("example", "nope")));
        assertEquals(2, Main.run(List.of("example", "petstore", "--once")));
        assertEquals(2, Main.run(List.of("example", "forward", "extra")));
    }
}
