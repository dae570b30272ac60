package io.swaggersocket.it;

import io.swaggersocket.testing.FaultRelay;
import java.time.Duration;

/** The conformance suite, unchanged, over a network that holds every chunk 2 ms each way. */
class DelayedNetworkConformanceTest extends ServerClientConformanceTest {

    @Override
    void breakNetwork(FaultRelay relay) {
        relay.delay(Duration.ofMillis(2));
    }
}
