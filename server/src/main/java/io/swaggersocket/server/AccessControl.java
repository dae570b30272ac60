package io.swaggersocket.server;

import io.swaggersocket.handshake.CloseCode;
import io.swaggersocket.mux.HelloCheck;
import io.swaggersocket.mux.SocketConnection;
import java.io.IOException;
import java.security.Principal;
import java.util.Collection;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The server's access decisions in one place: authentication through the current authenticator
 * (an {@link AccessPolicy} that can be replaced while the server runs, or a fixed custom one), who
 * may register which agent name, and the revocation of connections whose credentials a new policy
 * no longer holds. Thread-safe: a replacement is atomic; requests judged meanwhile see the old or
 * the new policy whole.
 */
final class AccessControl implements Authenticator {
    private static final System.Logger LOG = System.getLogger(AccessControl.class.getName());
    /** The longest agent name accepted: names are labels, and appear in paths and metrics. */
    static final int MAX_NAME_LENGTH = 256;

    private final AgentPool agents;
    private final Callable<AccessPolicy> reloader;
    private final Object replacing = new Object();
    private volatile Authenticator current;
    /** In a cluster a name must come in the upgrade request, where the directory claims it. */
    private volatile boolean announcedNamesOnly;

    AccessControl(Authenticator authenticator, Callable<AccessPolicy> reloader, AgentPool agents) {
        this.current = authenticator;
        this.reloader = reloader;
        this.agents = agents;
    }

    /** The builder's default authenticator, known here so that it may run on an I/O thread. */
    static final Authenticator ACCEPT_ALL = Authenticator.acceptAll();

    /**
     * True if the current authenticator is one of ours that never blocks: it judges from memory
     * (a policy's tokens, keys and certificate names), so the ingress may run it on an I/O thread.
     */
    boolean neverBlocks() {
        Authenticator a = current;
        return a == ACCEPT_ALL || a instanceof AccessPolicy;
    }

    @Override
    public AuthResult authenticate(UpgradeRequest request) throws Exception {
        return current.authenticate(request);
    }

    /** Who owns the names a principal registers: its name; {@code ""} for anonymous agents. */
    static String owner(Principal principal) {
        return principal == null ? "" : principal.getName();
    }

    /** The principal as messages name it. */
    static String who(Principal principal) {
        return principal == null ? "an anonymous caller" : "principal " + principal.getName();
    }

    /**
     * Why {@code principal} may not connect an agent named {@code name} ({@code null}: no name), or
     * {@code null} if it may as things stand; claims nothing.
     */
    String registrationRefusal(Principal principal, String name) {
        if (name != null && !validName(name)) {
            return "expected an agent name of 1 to " + MAX_NAME_LENGTH + " characters without control characters";
        }
        if (!Grants.of(principal).mayRegister(name)) {
            return who(principal) + " may not register " + (name == null ? "an agent without a name"
                    : "agent name \"" + name + "\"");
        }
        if (name != null && agents.owner(name).filter(o -> !o.equals(owner(principal))).isPresent()) {
            return "agent name \"" + name + "\" is in use by another principal";
        }
        return null;
    }

    /**
     * The check of a hello on a socket upgraded for {@code principal}: the name must be the one
     * the upgrade announced (when it did), be granted, and be claimed for the principal; the name
     * claimed is put in {@code claimed}, for the server to release if the handshake fails.
     */
    HelloCheck helloCheck(Principal principal, String announced, AtomicReference<String> claimed) {
        return metadata -> {
            String name = AgentPool.nameOf(metadata);
            if (announced != null && !announced.equals(name)) {
                return "the hello's agent name differs from the " + io.swaggersocket.handshake.Protocol.AGENT_NAME_HEADER
                        + " header";
            }
            if (announced == null && name != null && announcedNamesOnly) {
                return "in a cluster the agent name must be in the upgrade request (path or "
                        + io.swaggersocket.handshake.Protocol.AGENT_NAME_HEADER + " header)";
            }
            String refusal = registrationRefusal(principal, name);
            if (refusal != null) {
                return refusal;
            }
            if (name != null) {
                if (!agents.claim(name, owner(principal))) {
                    return "agent name \"" + name + "\" is in use by another principal";
                }
                claimed.set(name);
            }
            return null;
        };
    }

    /**
     * Makes a hello that names an agent the upgrade did not announce be refused (4006): in a
     * cluster, names are claimed in the directory while the upgrade is judged, off the I/O thread.
     */
    void requireAnnouncedNames(boolean on) {
        announcedNamesOnly = on;
    }

    /** True if the current policy still admits a connection of {@code principal} named {@code name}. */
    boolean admits(Principal principal, String name) {
        return !(current instanceof AccessPolicy policy) || policy.stillAdmits(principal, name);
    }

    /** True if the server was built with an access policy, which can then be replaced. */
    boolean hasPolicy() {
        return current instanceof AccessPolicy;
    }

    /**
     * Makes {@code next} the policy and closes, with {@link CloseCode#ACCESS_REVOKED}, every
     * connection in {@code live} that it no longer admits; returns how many were closed.
     */
    int replace(AccessPolicy next, Collection<SocketConnection> live) {
        synchronized (replacing) {
            if (!(current instanceof AccessPolicy old)) {
                throw new IllegalStateException("updateAccessPolicy: expected a server built with accessPolicy(...)"
                        + " but it has a custom authenticator");
            }
            current = next.sharingReplayMemoryOf(old);
        }
        int closed = 0;
        for (SocketConnection c : live) {
            Principal p = c.principal().orElse(null);
            if (!admits(p, AgentPool.nameOf(c))) {
                LOG.log(System.Logger.Level.INFO, "{0}: access revoked for {1}; closing it with {2}", c, who(p),
                        String.valueOf(CloseCode.ACCESS_REVOKED.code())); // not "4,007"
                c.shutdownNow(CloseCode.ACCESS_REVOKED, "access revoked: the credential or grant is gone");
                closed++;
            }
        }
        return closed;
    }

    /**
     * Reads the policy again from the reloader and {@link #replace}s it; on failure the old policy
     * stays and the exception says why.
     *
     * @throws IllegalStateException when the server has no reloader
     */
    int reload(Collection<SocketConnection> live) throws IOException {
        if (reloader == null) {
            throw new IllegalStateException("reloadAccessPolicy: expected a server built with accessPolicy(policy,"
                    + " reloader) but it has no reloader");
        }
        AccessPolicy next;
        try {
            next = reloader.call();
        } catch (IOException | RuntimeException e) {
            throw e;
        } catch (Exception e) {
            throw new IOException("reloading the access policy failed: " + e, e);
        }
        if (next == null) {
            throw new IOException("reloading the access policy failed: the reloader returned none");
        }
        return replace(next, live);
    }

    /** True if the server can reload its policy. */
    boolean canReload() {
        return reloader != null;
    }

    private static boolean validName(String name) {
        return !name.isEmpty() && name.length() <= MAX_NAME_LENGTH && name.chars().noneMatch(Character::isISOControl);
    }
}
