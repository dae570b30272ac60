package io.swaggersocket.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Where options come from, in process: flag &gt; SWAGGERSOCKET_* &gt; --config file &gt; default. */
class SettingsTest {
    @TempDir
    Path dir;

    private static final List<String> AGENT = List.of("--name", "a1", "--forward", "http://127.0.0.1:2");

    @Test
    void aFlagBeatsTheEnvironmentWhichBeatsTheFileWhichBeatsTheDefault() throws Exception {
        Path file = Files.writeString(dir.resolve("s.yaml"), "listen: 127.0.0.1:1001\npublic-ingress: true\n"
                + "keep-redirects: true\n");
        String config = file.toString();
        Map<String, String> env = Map.of("SWAGGERSOCKET_LISTEN", "127.0.0.1:1002", "SWAGGERSOCKET_KEEP_REDIRECTS", "false");

        assertEquals(8080, ServerCommand.parse(List.of(), Map.of()).port(), "the default");
        assertEquals("127.0.0.1", ServerCommand.parse(List.of(), Map.of()).host());
        ServerCommand.Options fromFile = ServerCommand.parse(List.of("--config", config), Map.of());
        assertEquals(1001, fromFile.port());
        assertTrue(fromFile.publicIngress() && fromFile.keepRedirects());
        ServerCommand.Options fromEnv = ServerCommand.parse(List.of("--config", config), env);
        assertEquals(1002, fromEnv.port());
        assertEquals(false, fromEnv.keepRedirects(), "the environment's false beats the file's true");
        assertEquals(true, fromEnv.publicIngress(), "what the environment does not set comes from the file");
        assertEquals(1003, ServerCommand.parse(List.of("--config", config, "--listen", "127.0.0.1:1003"), env).port());
        // the file may also be named by SWAGGERSOCKET_CONFIG
        assertEquals(1001, ServerCommand.parse(List.of(), Map.of("SWAGGERSOCKET_CONFIG", config)).port());
    }

    @Test
    void listsComeFromTheFileOrTheEnvironmentAndFlagsReplaceThem() throws Exception {
        Path file = Files.writeString(dir.resolve("a.yaml"), "server: ws://127.0.0.1:1/tunnel\nname: a1\nforward:\n"
                + "  - /api=http://127.0.0.1:8080\n  - /ui=http://127.0.0.1:3000/app\nmeta: [region=eu, tier=1]\n");
        AgentCommand.Options options = AgentCommand.parse(List.of("--config", file.toString()), Map.of());
        assertEquals(List.of(new ForwardRouter.Forward("/api", java.net.URI.create("http://127.0.0.1:8080")),
                new ForwardRouter.Forward("/ui", java.net.URI.create("http://127.0.0.1:3000/app"))), options.forwards());
        assertEquals(Map.of("region", "eu", "tier", "1"), options.meta());
        AgentCommand.Options env = AgentCommand.parse(List.of("--config", file.toString()),
                Map.of("SWAGGERSOCKET_FORWARD", "http://127.0.0.1:9"));
        assertEquals(List.of(new ForwardRouter.Forward("", java.net.URI.create("http://127.0.0.1:9"))), env.forwards());
        AgentCommand.Options flags = AgentCommand.parse(List.of("--config", file.toString(), "--forward",
                "/x=http://127.0.0.1:7"), Map.of("SWAGGERSOCKET_FORWARD", "http://127.0.0.1:9"));
        assertEquals("/x", flags.forwards().get(0).prefix());
        assertEquals(1, flags.forwards().size());
    }

    @Test
    void secretsComeFromFilesReadOnceAndTrimmed() throws Exception {
        Path token = Files.writeString(dir.resolve("token"), "\n  t0ken-from-file \n");
        List<String> args = new java.util.ArrayList<>(List.of("--server", "ws://127.0.0.1:1/tunnel"));
        args.addAll(AGENT);
        args.addAll(List.of("--token-file", token.toString()));
        AgentCommand.Options options = AgentCommand.parse(args, Map.of());
        assertEquals("t0ken-from-file", options.token());
        assertTrue(!options.toString().contains("t0ken"), options.toString());
        Path config = Files.writeString(dir.resolve("s.yaml"), "token-file: " + token + "\n");
        assertEquals(List.of("t0ken-from-file"), ServerCommand.parse(List.of("--config", config.toString()), Map.of())
                .tokens());
    }

    @Test
    void aBadConfigFileIsAUsageErrorNamingTheKey() throws Exception {
        Path file = Files.writeString(dir.resolve("bad.yaml"), "lisen: 127.0.0.1:1\n");
        UsageException e = assertThrows(UsageException.class, () -> ServerCommand.parse(List.of("--config",
                file.toString()), Map.of()));
        assertTrue(e.getMessage().startsWith("--config: " + file + ": unknown key 'lisen'; expected one of "),
                e.getMessage());
        Path list = Files.writeString(dir.resolve("list.yaml"), "- a\n- b\n");
        assertTrue(assertThrows(UsageException.class, () -> ServerCommand.parse(List.of("--config", list.toString()),
                Map.of())).getMessage().contains("expected a map of option names"));
        assertEquals("--config: cannot read /nonexistent.yaml: no such file", assertThrows(UsageException.class,
                () -> ServerCommand.parse(List.of("--config", "/nonexistent.yaml"), Map.of())).getMessage());
        Lines err = new Lines();
        assertEquals(Main.USAGE, ServerCommand.run(List.of("--config", file.toString()), Map.of(), new Lines().stream,
                err.stream));
        assertTrue(err.text().startsWith("swaggersocket server: --config: "), err.text());
    }

    @Test
    void listenTakesAPortAColonPortOrAHostAndPort() throws Exception {
        assertEquals(new HostPort("0.0.0.0", 8080), HostPort.parse("8080"));
        assertEquals(new HostPort("0.0.0.0", 8080), HostPort.parse(":8080"));
        assertEquals(new HostPort("127.0.0.1", 0), HostPort.parse("127.0.0.1:0"));
        assertEquals(new HostPort("::1", 9), HostPort.parse("[::1]:9"));
        assertEquals("--listen: expected PORT, :PORT or HOST:PORT with a port in [0, 65535] but was \"x:\"",
                assertThrows(UsageException.class, () -> HostPort.parse("x:")).getMessage());
        assertThrows(UsageException.class, () -> HostPort.parse("65536"));
        assertThrows(UsageException.class, () -> HostPort.parse("::1:80"));
    }

    @Test
    void envNamesAreTheLongOptionNamesInCapitals() {
        assertEquals("SWAGGERSOCKET_LISTEN", Settings.envName("--listen"));
        assertEquals("SWAGGERSOCKET_TOKEN_FILE", Settings.envName("--token-file"));
        assertEquals("SWAGGERSOCKET_SECRET_KEY_FILE", Settings.envName("--secret-key-file"));
    }
}
