package io.swaggersocket.server;

import io.micrometer.core.instrument.MeterRegistry;
import io.swaggersocket.mux.ConnectionConfig;
import java.util.Objects;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.function.Supplier;
import javax.net.ssl.SSLContext;
import org.apache.hc.core5.http.io.HttpRequestHandler;

/**
 * Not thread-safe: what a {@link SocketServer.Builder} has been told, with the defaults, and the
 * checks {@link SocketServer.Builder#build()} runs on it. Kept apart from the public builder so
 * that the builder holds only its documented setters; the server reads these fields once, in its
 * constructor.
 */
final class ServerSettings {
    String host;
    int port = -1;
    String path = "/tunnel";
    SSLContext sslContext;
    ClientAuth clientAuth = ClientAuth.NONE;
    Authenticator authenticator = AccessControl.ACCEPT_ALL;
    /** True once {@link SocketServer.Builder#authenticator} was called: it excludes an access policy. */
    boolean customAuthenticator;
    AccessPolicy accessPolicy;
    Callable<AccessPolicy> reloader;
    ConnectionConfig connectionConfig = ConnectionConfig.defaults();
    ServerLimits limits = ServerLimits.defaults();
    EventLimits eventLimits = EventLimits.defaults();
    HttpRequestHandler handler;
    Supplier<String> connectionIds = () -> UUID.randomUUID().toString();
    boolean ingress;
    boolean publicIngress;
    boolean rewriteRedirects = true;
    boolean adminApi;
    MeterRegistry meterRegistry;
    AgentDirectory directory = AgentDirectory.local();
    EventBackend eventBackend = EventBackend.local();
    ClusterRouting.Spec internal;

    /**
     * Checks the settings together (each setter alone cannot: a path may clash with a route
     * turned on later); see {@link SocketServer.Builder#build()} for what is refused.
     *
     * @return this
     */
    ServerSettings validated() {
        if (host == null || host.isBlank()) {
            throw new IllegalArgumentException("host: expected a host name or address but was "
                    + (host == null ? "none (call bind(host, port))" : "\"" + host + "\""));
        }
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("port: " + port + " is out of range [0, 65535]");
        }
        Objects.requireNonNull(path, "path");
        if (!path.startsWith("/") || path.chars().anyMatch(c -> c == '?' || c == '#' || Character.isWhitespace(c))) {
            throw new IllegalArgumentException("path: expected an absolute path like /tunnel but was \""
                    + path + "\"");
        }
        if (ingress && under(path, IngressHandler.PREFIX)) {
            throw new IllegalArgumentException("path: " + path + " is taken by the ingress ("
                    + IngressHandler.PREFIX + "/...)");
        }
        if (adminApi && (under(path, AdminHandler.CONNECTIONS) || path.equals(AdminHandler.HEALTHZ)
                || path.equals(AdminHandler.METRICS) || path.equals(EventsHandler.PATH)
                || under(path, "/admin"))) {
            throw new IllegalArgumentException("path: " + path + " is taken by the admin API");
        }
        if (publicIngress && !ingress) {
            throw new IllegalArgumentException(
                    "publicIngress: expected ingress(true) with it but the ingress is off");
        }
        Objects.requireNonNull(clientAuth, "clientCertificates");
        if (clientAuth != ClientAuth.NONE && sslContext == null) {
            throw new IllegalArgumentException("clientCertificates: expected an sslContext with " + clientAuth
                    + " but the listener is plain HTTP (call sslContext(...))");
        }
        Objects.requireNonNull(authenticator, "authenticator");
        if (accessPolicy != null && customAuthenticator) {
            throw new IllegalArgumentException("authenticator: expected either an authenticator or an access policy"
                    + " but both are set");
        }
        Objects.requireNonNull(connectionConfig, "connectionConfig");
        Objects.requireNonNull(connectionIds, "connectionIds");
        if (ingress && directory.clustered() && internal == null) {
            throw new IllegalArgumentException("internalListener: expected one with a clustered agentDirectory and"
                    + " an ingress (other nodes forward calls to it) but there is none");
        }
        return this;
    }

    private static boolean under(String path, String prefix) {
        return path.equals(prefix) || path.startsWith(prefix + "/");
    }
}
