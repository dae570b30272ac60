package io.swaggersocket.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The distribution archive as a user installs it: unpacked, its launcher reached through a chain
 * of symlinks, a server and an agent started from config files with environment variables on
 * top, a call through the ingress, and SIGTERM ending both with status 0. Runs after
 * {@code package} (failsafe), on the archive the build just made.
 */
@Timeout(180)
class DistributionIT {
    private static final String TOKEN = "dist-it-token-Zq81";
    @org.junit.jupiter.api.extension.RegisterExtension
    final io.swaggersocket.testing.Resources resources = new io.swaggersocket.testing.Resources();

    @TempDir
    Path dir;


    /** Unpacks target/swaggersocket-*-dist.tar.gz with tar, as a user would; returns its top directory. */
    private Path unpack() throws Exception {
        Path archive;
        try (Stream<Path> files = Files.list(Path.of("target"))) {
            archive = files.filter(p -> p.getFileName().toString().endsWith("-dist.tar.gz")).findFirst()
                    .orElseThrow(() -> new AssertionError("no distribution archive in target/: run mvn verify"));
        }
        Process tar = new ProcessBuilder("tar", "xzf", archive.toAbsolutePath().toString(), "-C", dir.toString())
                .redirectErrorStream(true).start();
        String output = new String(tar.getInputStream().readAllBytes());
        assertTrue(tar.waitFor(60, TimeUnit.SECONDS), "tar finished");
        assertEquals(0, tar.exitValue(), output);
        try (Stream<Path> top = Files.list(dir)) {
            return top.filter(p -> p.getFileName().toString().startsWith("swaggersocket-")).findFirst().orElseThrow();
        }
    }

    @Test
    void theUnpackedCommandRunsThroughSymlinksFromConfigFilesAndStopsCleanly() throws Exception {
        Path home = unpack();
        for (String file : List.of("bin/swaggersocket", "lib/swaggersocket.jar", "config/server.yaml", "config/agent.yaml",
                "systemd/swaggersocket-server.service", "systemd/swaggersocket-agent.service", "Dockerfile", "README.txt")) {
            assertTrue(Files.exists(home.resolve(file)), file);
        }
        assertTrue(Files.isExecutable(home.resolve("bin/swaggersocket")));
        for (String unit : List.of("server", "agent")) {
            String text = Files.readString(home.resolve("systemd/swaggersocket-" + unit + ".service"));
            assertTrue(text.contains("SuccessExitStatus=0 143") && text.contains("ExecStart=/opt/swaggersocket/bin/swaggersocket "
                    + unit + " --config"), text);
        }
        // bin/ -> links/a (relative) -> links/b/swaggersocket (absolute): the launcher finds lib/ all the same
        Path links = Files.createDirectories(dir.resolve("links/b"));
        Path b = Files.createSymbolicLink(links.resolve("swaggersocket"), home.resolve("bin/swaggersocket"));
        Path a = Files.createSymbolicLink(dir.resolve("links/a"), dir.resolve("links").relativize(b));
        List<String> command = List.of(a.toString());

        CliProcess version = resources.track(CliProcess.exec(Map.of(), List.of(a.toString(), "--version")));
        assertEquals(0, version.exit(60), version.output());
        assertTrue(version.output().startsWith("swaggersocket "), version.output());

        Upstream upstream = resources.track(new Upstream());
        int port = freePort();
        Path tokenFile = Files.writeString(dir.resolve("token"), TOKEN + "\n");
        Path serverYaml = Files.writeString(dir.resolve("server.yaml"), "listen: 127.0.0.1:" + port + "\ntoken-file: "
                + tokenFile + "\nlog-format: text\n");
        CliProcess server = resources.track(CliProcess.exec(Map.of("SWAGGERSOCKET_LOG_FORMAT", "json"),
                concat(command, "server", "--config", serverYaml.toString())));
        String listening = server.awaitContaining("swaggersocket server listening");
        assertTrue(listening.startsWith("{"), "the environment's json beats the file's text: " + listening);

        Path agentYaml = Files.writeString(dir.resolve("agent.yaml"), String.join("\n",
                "server: ws://127.0.0.1:" + port + "/tunnel", "name: dist", "token-file: " + tokenFile,
                "forward:", "  - /=" + upstream.uri(), ""));
        CliProcess agent = resources.track(CliProcess.exec(Map.of(), concat(command, "agent", "--config", agentYaml.toString())));
        agent.await(l -> l.contains("connected: connection "), "connected", 60);
        server.awaitContaining("agent dist (connection ");

        HttpResponse<String> response = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build().send(
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/agents/dist/hello"))
                        .header("Authorization", "Bearer " + TOKEN).timeout(Duration.ofSeconds(30)).build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(200, response.statusCode(), response.body());
        assertEquals("hello from upstream GET /hello", response.body());

        agent.terminate(); // SIGTERM: what systemd and docker stop send
        assertEquals(0, agent.exit(60), agent.output());
        server.terminate();
        assertEquals(0, server.exit(60), server.output());
    }

    private static List<String> concat(List<String> head, String... tail) {
        List<String> all = new ArrayList<>(head);
        all.addAll(List.of(tail));
        return all;
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }
}
