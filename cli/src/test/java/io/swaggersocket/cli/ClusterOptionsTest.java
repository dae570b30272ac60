package io.swaggersocket.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ClusterOptionsTest {
    @TempDir
    Path dir;

    @Test
    void offByDefaultAndEveryClusterOptionNeedsTheRedisUri() throws Exception {
        assertNull(ServerCommand.parse(List.of("--token", "t0123456789abcdef")).cluster());
        UsageException e = assertThrows(UsageException.class, () -> ServerCommand.parse(List.of("--node-id", "n1")));
        assertEquals("--node-id, --internal-listen, --internal-advertise and --cluster-secret-file need --cluster-redis",
                e.getMessage());
    }

    @Test
    void aNodeNeedsItsIdInternalListenerAndSecret() throws Exception {
        Path secret = dir.resolve("secret");
        Files.writeString(secret, "s3cret-shared-by-all-nodes\n");
        ClusterOptions.Parsed p = ServerCommand.parse(List.of("--cluster-redis", "redis://10.0.0.9:6379", "--node-id",
                "n1", "--internal-listen", "10.0.0.11:9444", "--cluster-secret-file", secret.toString())).cluster();
        assertEquals("n1", p.nodeId());
        assertEquals("10.0.0.11:9444", p.advertise());
        assertEquals("s3cret-shared-by-all-nodes", p.secret());
        assertEquals(Duration.ofSeconds(2), p.handoff());
        assertEquals("Parsed[n1 internal HostPort[host=10.0.0.11, port=9444]]", p.toString(), "no secret shown");

        assertEquals("--cluster-redis needs --node-id, --internal-listen and --cluster-secret-file",
                assertThrows(UsageException.class, () -> ServerCommand.parse(List.of("--cluster-redis",
                        "redis://h:1", "--node-id", "n1"))).getMessage());
        assertEquals("--cluster-redis: expected redis://HOST:PORT or rediss://HOST:PORT",
                assertThrows(UsageException.class, () -> ServerCommand.parse(List.of("--cluster-redis",
                        "h:1"))).getMessage());
        assertEquals("--internal-listen binds every interface: say where other nodes reach it with"
                + " --internal-advertise HOST:PORT", assertThrows(UsageException.class, () -> ServerCommand.parse(List.of(
                        "--cluster-redis", "redis://h:1", "--node-id", "n1", "--internal-listen", "9444",
                        "--cluster-secret-file", secret.toString()))).getMessage());
        Files.writeString(secret, "short");
        assertEquals("--cluster-secret-file: expected a secret of at least 16 characters",
                assertThrows(UsageException.class, () -> ServerCommand.parse(List.of("--cluster-redis", "redis://h:1",
                        "--node-id", "n1", "--internal-listen", "127.0.0.1:9444", "--cluster-secret-file",
                        secret.toString()))).getMessage());
    }
}
