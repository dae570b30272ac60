package io.swaggersocket.server;

import java.util.List;

/** The single-node {@link AgentDirectory}: the server's own registry is the whole truth. Stateless. */
final class LocalDirectory implements AgentDirectory {
    static final LocalDirectory INSTANCE = new LocalDirectory();

    private LocalDirectory() {
    }

    @Override
    public String nodeId() {
        return "local";
    }

    @Override
    public Claim claim(String name, String owner, String connectionId) {
        return Claim.GRANTED;
    }

    @Override
    public void release(String name, String connectionId) {
    }

    @Override
    public Lookup locate(String name) {
        return Lookup.of(Lookup.State.UNKNOWN);
    }

    @Override
    public List<Node> nodes() {
        return List.of();
    }

    @Override
    public boolean clustered() {
        return false;
    }

    @Override
    public void close() {
    }
}
