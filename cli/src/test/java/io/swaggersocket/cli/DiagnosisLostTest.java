package io.swaggersocket.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.swaggersocket.mux.SocketClosedException;
import java.io.IOException;
import org.junit.jupiter.api.Test;

/** How the agent words a connection that was up and ended: never as a failed dial. */
class DiagnosisLostTest {
    private static final String ID = "04453d25-0235-4b11-b6a9-1f99a45f8c4e";

    @Test
    void aDeadHeartbeatReadsAsADeadPeerNotAsCannotConnect() {
        assertEquals("the peer is dead: nothing received for 28001 ms (heartbeat timeout 28000 ms)",
                Diagnosis.lost(new SocketClosedException(4000, "connection " + ID
                        + ": the peer is dead: nothing received for 28001 ms (heartbeat timeout 28000 ms)"), ID));
    }

    @Test
    void theConnectionIdAndTheWordLostAreNotRepeated() {
        assertEquals("reading from the peer failed: Connection reset", Diagnosis.lost(new SocketClosedException(1006,
                "connection " + ID + " was lost: reading from the peer failed: Connection reset"), ID));
        assertEquals("send failed: java.nio.channels.ClosedChannelException", Diagnosis.lost(new SocketClosedException(1006,
                "connection " + ID + " lost: send failed: java.nio.channels.ClosedChannelException"), ID));
        assertEquals("closed: the peer broke the protocol: bad frame", Diagnosis.lost(new SocketClosedException(1002,
                "connection " + ID + " closed: the peer broke the protocol: bad frame"), ID));
    }

    @Test
    void anotherMessageIsKeptAsItIsAndAnEmptyOneNamesTheException() {
        assertEquals("closed by the server: 1001 going away", Diagnosis.lost(new IOException("closed by the server: 1001 going away"), ID));
        assertEquals("IOException", Diagnosis.lost(new IOException("connection " + ID), ID));
        assertEquals("IOException", Diagnosis.lost(new IOException((String) null), "other"));
    }
}
