package io.swaggersocket.server;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.undertow.Undertow;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** A forward to an owner node that accepts the connection and then says nothing must end, not hang. */
class ForwardProxyTest {
    private final List<AutoCloseable> resources = new CopyOnWriteArrayList<>();

    @AfterEach
    void closeAll() throws Exception {
        for (AutoCloseable r : resources) {
            r.close();
        }
    }

    @Test
    void theSilentNodeTimeoutCoversTheOwnersOwnWaits() {
        ServerLimits limits = ServerLimits.defaults();
        Duration t = ForwardProxy.silentNodeTimeout(limits);
        assertTrue(t.compareTo(limits.responseHeadTimeout()) > 0 && t.compareTo(limits.bodyIdleTimeout()) > 0, t.toString());
    }

    @Test
    void aForwardToANodeThatNeverAnswersFailsWithinTheSilentNodeTimeout() throws Exception {
        ServerSocket silent = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        resources.add(silent);
        List<Socket> accepted = new CopyOnWriteArrayList<>();
        Thread acceptor = new Thread(() -> {
            try {
                while (true) {
                    accepted.add(silent.accept()); // keeps them open and never reads or writes
                }
            } catch (IOException closed) {
                // the test is over
            }
        }, "silent-node");
        acceptor.setDaemon(true);
        acceptor.start();
        resources.add(() -> accepted.forEach(s -> {
            try {
                s.close();
            } catch (IOException ignored) {
                // closing
            }
        }));

        ForwardProxy proxy = new ForwardProxy("n1", "secret", Duration.ofSeconds(1));
        resources.add(proxy);
        AgentDirectory.Node owner = new AgentDirectory.Node("n2", "127.0.0.1:" + silent.getLocalPort());
        Undertow front = Undertow.builder().addHttpListener(0, "127.0.0.1")
                .setHandler(exchange -> proxy.forward(exchange, owner,
                        e -> HttpRoutes.sendError(e, 502, "refused")))
                .build();
        front.start();
        resources.add(front::stop);
        int port = ((InetSocketAddress) front.getListenerInfo().get(0).getAddress()).getPort();

        HttpClient client = HttpClient.newHttpClient();
        HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/agents/edge-1/x"))
                .timeout(Duration.ofSeconds(60)).build();
        try {
            HttpResponse<String> response = client.sendAsync(request, HttpResponse.BodyHandlers.ofString())
                    .get(90, TimeUnit.SECONDS);
            assertFalse(response.statusCode() < 400, "a silent node cannot have answered: " + response.statusCode());
        } catch (ExecutionException e) {
            // The proxy may close the caller's connection instead of answering: an error, not a wait.
            assertFalse(e.getCause() instanceof HttpTimeoutException,
                    "the forward waited for the silent node past the caller's 60 s: " + e.getCause());
        }
        assertTrue(accepted.size() <= 1, "forwarded once, never retried: " + accepted.size());
    }
}
