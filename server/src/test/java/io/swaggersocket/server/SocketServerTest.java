package io.swaggersocket.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.BindException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Building, binding, closing, and the plain HTTP answers of the listener. */
@Timeout(30)
class SocketServerTest {

    private static SocketServer started() throws IOException {
        SocketServer server = SocketServer.builder().bind("127.0.0.1", 0).build();
        server.start();
        return server;
    }

    @Test
    void builderNamesTheValueAtFault() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> SocketServer.builder().build());
        assertEquals("host: expected a host name or address but was none (call bind(host, port))", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> SocketServer.builder().bind(" ", 1).build());
        assertEquals("host: expected a host name or address but was \" \"", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> SocketServer.builder().bind("localhost", 70000).build());
        assertEquals("port: 70000 is out of range [0, 65535]", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> SocketServer.builder().bind("localhost", -1).build());
        assertEquals("port: -1 is out of range [0, 65535]", e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> SocketServer.builder().bind("localhost", 0).path("tunnel").build());
        assertEquals("path: expected an absolute path like /tunnel but was \"tunnel\"", e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> SocketServer.builder().bind("localhost", 0).path("/t?x=1").build());
        assertEquals("path: expected an absolute path like /tunnel but was \"/t?x=1\"", e.getMessage());
        NullPointerException npe = assertThrows(NullPointerException.class,
                () -> SocketServer.builder().bind("localhost", 0).authenticator(null).build());
        assertEquals("authenticator", npe.getMessage());
        npe = assertThrows(NullPointerException.class,
                () -> SocketServer.builder().bind("localhost", 0).connectionConfig(null).build());
        assertEquals("connectionConfig", npe.getMessage());
        npe = assertThrows(NullPointerException.class,
                () -> SocketServer.builder().bind("localhost", 0).connectionIds(null).build());
        assertEquals("connectionIds", npe.getMessage());
    }

    @Test
    void builderRefusesATunnelPathTakenByTheIngressOrTheAdminApi() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> SocketServer.builder().bind("localhost", 0).path("/agents/tunnel").ingress(true).build());
        assertEquals("path: /agents/tunnel is taken by the ingress (/agents/...)", e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> SocketServer.builder().bind("localhost", 0).path("/metrics").adminApi(true).build());
        assertEquals("path: /metrics is taken by the admin API", e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> SocketServer.builder().bind("localhost", 0).path("/connections/x").adminApi(true).build());
        assertEquals("path: /connections/x is taken by the admin API", e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> SocketServer.builder().bind("localhost", 0).publicIngress(true).build());
        assertEquals("publicIngress: expected ingress(true) with it but the ingress is off", e.getMessage());
        SocketServer.builder().bind("localhost", 0).path("/agents").build().close(); // free without the ingress
    }

    @Test
    void withoutIngressAndAdminApiTheirPathsAre404() throws Exception {
        try (SocketServer server = started()) {
            for (String path : new String[] {"/agents/a/x", "/connections", "/healthz", "/metrics"}) {
                RawHttp.Response r = RawHttp.exchange(server.port(), null, "GET " + path + " HTTP/1.1\r\nHost: x\r\n\r\n");
                assertEquals(404, r.status(), path);
                assertEquals("{\"error\":\"no route for " + path + "\"}", r.body());
            }
        }
    }

    @Test
    void portZeroBindsAFreePortAndUriNamesIt() throws Exception {
        try (SocketServer server = started()) {
            assertTrue(server.port() > 0, "port " + server.port());
            assertEquals(URI.create("ws://127.0.0.1:" + server.port() + "/tunnel"), server.uri());
        }
    }

    @Test
    void portIsUnknownBeforeStart() {
        SocketServer server = SocketServer.builder().bind("127.0.0.1", 0).build();
        IllegalStateException e = assertThrows(IllegalStateException.class, server::port);
        assertEquals("port: the server was never started", e.getMessage());
        server.close();
    }

    @Test
    void startFailsLoudlyWhenThePortIsTaken() throws Exception {
        try (ServerSocket taken = new ServerSocket(0, 50, InetAddress.getByName("127.0.0.1"))) {
            int port = taken.getLocalPort();
            SocketServer server = SocketServer.builder().bind("127.0.0.1", port).build();
            BindException e = assertThrows(BindException.class, server::start);
            assertTrue(e.getMessage().startsWith("cannot listen on 127.0.0.1:" + port + ": "), e.getMessage());
            IllegalStateException again = assertThrows(IllegalStateException.class, server::start);
            assertEquals("start: expected a new server but it is closed", again.getMessage());
            server.close();
        }
    }

    @Test
    void secondServerOnTheSamePortFails() throws Exception {
        try (SocketServer first = started()) {
            SocketServer second = SocketServer.builder().bind("127.0.0.1", first.port()).build();
            IOException e = assertThrows(IOException.class, second::start);
            assertTrue(e.getMessage().contains("127.0.0.1:" + first.port()), e.getMessage());
        }
    }

    @Test
    void startTwiceAndCloseTwice() throws Exception {
        SocketServer server = started();
        IllegalStateException e = assertThrows(IllegalStateException.class, server::start);
        assertEquals("start: expected a new server but it is started", e.getMessage());
        int port = server.port();
        server.close();
        server.close();
        assertEquals(port, server.port());
        // The port is free again.
        try (ServerSocket rebound = new ServerSocket(port, 50, InetAddress.getByName("127.0.0.1"))) {
            assertEquals(port, rebound.getLocalPort());
        }
    }

    @Test
    void closeBeforeStartIsAllowed() {
        SocketServer server = SocketServer.builder().bind("127.0.0.1", 0).build();
        server.close();
        assertThrows(IllegalStateException.class, server::start);
        assertTrue(server.activeConnections().isEmpty());
    }

    @Test
    void otherPathsGet404Json() throws Exception {
        try (SocketServer server = started()) {
            HttpResponse<String> response = get(server, "/nope");
            assertEquals(404, response.statusCode());
            assertEquals("application/json", response.headers().firstValue("content-type").orElseThrow());
            assertEquals("{\"error\":\"no route for /nope\"}", response.body());
            // /tunnel/NAME is the tunnel with a name (a plain GET there is no upgrade: 400); deeper is nothing.
            assertEquals(400, get(server, "/tunnel/more").statusCode());
            assertEquals(404, get(server, "/tunnel/more/deeper").statusCode());
        }
    }

    @Test
    void plainGetOnTheTunnelPathGets400Json() throws Exception {
        try (SocketServer server = started()) {
            HttpResponse<String> response = get(server, "/tunnel");
            assertEquals(400, response.statusCode());
            assertEquals("application/json", response.headers().firstValue("content-type").orElseThrow());
            assertEquals("{\"error\":\"expected a WebSocket upgrade request (Upgrade: websocket, Sec-WebSocket-Key, "
                    + "Sec-WebSocket-Version) on /tunnel\"}", response.body());
        }
    }

    @Test
    void postOnTheTunnelPathGets405() throws Exception {
        try (SocketServer server = started()) {
            HttpResponse<String> response = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                    URI.create("http://127.0.0.1:" + server.port() + "/tunnel")).POST(HttpRequest.BodyPublishers.ofString("x"))
                    .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(405, response.statusCode());
            assertEquals("GET", response.headers().firstValue("allow").orElseThrow());
        }
    }

    @Test
    void unsupportedWebSocketVersionGets400NamingVersion13() throws Exception {
        try (SocketServer server = started()) {
            RawHttp.Response response = RawHttp.exchange(server.port(), null, "GET /tunnel HTTP/1.1\r\n"
                    + "Host: 127.0.0.1\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n"
                    + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 99\r\n\r\n");
            assertEquals(400, response.status());
            assertEquals("13", response.header("sec-websocket-version"));
            assertEquals("{\"error\":\"unsupported WebSocket version: expected 13 but was 99\"}", response.body());
        }
    }

    @Test
    void customPathIsTheOnlyTunnelPath() throws Exception {
        try (SocketServer server = SocketServer.builder().bind("127.0.0.1", 0).path("/agents/connect").build()) {
            server.start();
            assertEquals("/agents/connect", server.uri().getPath());
            assertEquals(400, get(server, "/agents/connect").statusCode());
            assertEquals(404, get(server, "/tunnel").statusCode());
        }
    }

    private static HttpResponse<String> get(SocketServer server, String path) throws Exception {
        return HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                URI.create("http://127.0.0.1:" + server.port() + path)).timeout(Duration.ofSeconds(10)).build(),
                HttpResponse.BodyHandlers.ofString());
    }
}
