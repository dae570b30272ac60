package io.swaggersocket.it;

import io.swaggersocket.testing.FaultRelay;

/**
 * The conformance suite, unchanged, over a network capped at 64 MiB/s each way. The cap is what
 * fits the suite's largest test (256 MiB each way) into its 60 s bound on a shared 2-core machine;
 * it is below what the relay moves uncapped here (about 100 MiB/s), so bulk transfers run into it.
 */
class ThrottledNetworkConformanceTest extends ServerClientConformanceTest {
    private static final long BYTES_PER_SECOND = 64L * 1024 * 1024;

    @Override
    void breakNetwork(FaultRelay relay) {
        relay.bandwidth(BYTES_PER_SECOND);
    }
}
