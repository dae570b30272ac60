package io.swaggersocket.mux;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.locks.Condition;

/**
 * The open streams of one connection and the ids both sides have used. The dialing side opens odd
 * ids and the accepting side even ones, each strictly increasing, so an id tells who opened it and
 * whether it was ever open.
 *
 * <p>Guarded by the connection's lock: every method is called holding it.
 */
final class StreamTable {
    private final boolean dialer;
    private final Map<Integer, Stream> streams = new HashMap<>();
    private int nextLocalId;
    private int lastPeerId;
    private int activeLocal;
    private int activePeer;

    StreamTable(boolean dialer) {
        this.dialer = dialer;
        this.nextLocalId = dialer ? 1 : 2;
    }

    /** True for an id of the parity this side opens. */
    boolean isLocalId(int streamId) {
        return (streamId & 1) == (dialer ? 1 : 0);
    }

    Stream get(int streamId) {
        return streams.get(streamId);
    }

    boolean contains(int streamId) {
        return streams.containsKey(streamId);
    }

    int size() {
        return streams.size();
    }

    boolean isEmpty() {
        return streams.isEmpty();
    }

    /** A copy to iterate over while streams are removed. */
    List<Stream> snapshot() {
        return new ArrayList<>(streams.values());
    }

    /** The highest id the peer has opened (0 before its first request): what GOAWAY reports. */
    int lastPeerId() {
        return lastPeerId;
    }

    /** Streams this side opened that are still in the table. */
    int activeLocal() {
        return activeLocal;
    }

    /** Streams the peer opened that are still in the table. */
    int activePeer() {
        return activePeer;
    }

    /** True once the next local id would overflow: the connection can open no more streams. */
    boolean localIdsExhausted() {
        return nextLocalId < 0;
    }

    /** True if this side never opened {@code streamId}: a HEADERS or DATA for it is a protocol error. */
    boolean neverOpenedLocally(int streamId) {
        return streamId >= nextLocalId;
    }

    /** True if the peer never opened {@code streamId} (a peer-parity id above the last one it used). */
    boolean neverOpenedByPeer(int streamId) {
        return streamId > lastPeerId;
    }

    /** Opens the next local stream and puts it in the table. */
    Stream openLocal(Condition readable, long window) {
        Stream stream = new Stream(nextLocalId, true, readable, window, window);
        nextLocalId += 2;
        streams.put(stream.id, stream);
        activeLocal++;
        return stream;
    }

    /** Records that the peer used {@code streamId}, whether or not the stream is then accepted. */
    void peerUsed(int streamId) {
        lastPeerId = streamId;
    }

    /** Puts a stream the peer opened (its id already {@linkplain #peerUsed recorded}) in the table. */
    Stream openPeer(int streamId, Condition readable, long window) {
        Stream stream = new Stream(streamId, false, readable, window, window);
        streams.put(streamId, stream);
        activePeer++;
        return stream;
    }

    /** Takes {@code stream} out of the table; called once per stream. */
    void remove(Stream stream) {
        streams.remove(stream.id);
        if (stream.local) {
            activeLocal--;
        } else {
            activePeer--;
        }
    }
}
