package io.swaggersocket.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.swaggersocket.server.AgentDirectory.Claim;
import io.swaggersocket.server.AgentDirectory.Lookup;
import io.swaggersocket.server.AgentDirectory.Node;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(120)
class RedisAgentDirectoryTest {
    private RedisProcess redis;
    private final List<RedisAgentDirectory> directories = new ArrayList<>();

    @BeforeEach
    void startRedis() throws Exception {
        redis = RedisProcess.start();
    }

    @AfterEach
    void stop() throws Exception {
        directories.forEach(RedisAgentDirectory::close);
        redis.close();
    }

    private RedisAgentDirectory node(String id) {
        return node(id, redis.uri(), Duration.ofSeconds(2), Duration.ofSeconds(6), Duration.ofSeconds(30));
    }

    private RedisAgentDirectory node(String id, String uri, Duration heartbeat, Duration ttl, Duration grace) {
        RedisAgentDirectory d = RedisAgentDirectory.builder(uri).nodeId(id).internalAddress("127.0.0.1:" + (9000 + id.length()))
                .heartbeat(heartbeat).entryTtl(ttl).ownerGrace(grace).commandTimeout(Duration.ofMillis(500)).build();
        directories.add(d);
        return d;
    }

    @Test
    void aNameBelongsToOneOwnerAcrossNodesAndIsFoundWhereItsAgentsAre() throws Exception {
        RedisAgentDirectory one = node("n1");
        RedisAgentDirectory two = node("n22");
        assertEquals(Lookup.State.UNKNOWN, two.locate("edge-7").state());

        assertEquals(Claim.GRANTED, one.claim("edge-7", "team-a", "c1"));
        assertEquals(Claim.TAKEN, two.claim("edge-7", "team-b", "c2"), "another principal, another node");
        assertEquals(Claim.TAKEN, one.claim("edge-7", "team-b", "c3"), "another principal, the same node");
        assertEquals(Claim.GRANTED, two.claim("edge-7", "team-a", "c4"), "the owner's agents may share it");

        Lookup found = one.locate("edge-7");
        assertEquals(Lookup.State.HELD, found.state());
        assertEquals(Set.of(new Node("n1", "127.0.0.1:9002"), new Node("n22", "127.0.0.1:9003")),
                Set.copyOf(found.nodes()));

        // The last release frees the name at once: team B may take it then, not before.
        one.release("edge-7", "c1");
        assertEquals(List.of(new Node("n22", "127.0.0.1:9003")), awaitNodes(one, "edge-7", 1));
        assertEquals(Claim.TAKEN, one.claim("edge-7", "team-b", "c5"));
        two.release("edge-7", "c4");
        awaitState(one, "edge-7", Lookup.State.UNKNOWN);
        assertEquals(Claim.GRANTED, one.claim("edge-7", "team-b", "c6"));
        assertEquals(Set.of("n1", "n22"), Set.copyOf(one.nodes().stream().map(Node::id).toList()));
    }

    @Test
    void concurrentClaimsOfOneNameByTwoOwnersHaveOneWinner() throws Exception {
        RedisAgentDirectory one = node("n1");
        RedisAgentDirectory two = node("n2");
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            for (int round = 0; round < 50; round++) {
                String name = "race-" + round;
                List<Callable<Claim>> tasks = new ArrayList<>();
                for (int i = 0; i < 4; i++) {
                    RedisAgentDirectory d = i % 2 == 0 ? one : two;
                    String owner = i < 2 ? "team-a" : "team-b";
                    String id = "c" + round + "-" + i;
                    tasks.add(() -> d.claim(name, owner, id));
                }
                List<Future<Claim>> results = pool.invokeAll(tasks);
                int a = 0;
                int b = 0;
                for (int i = 0; i < 4; i++) {
                    if (results.get(i).get() == Claim.GRANTED) {
                        if (i < 2) {
                            a++;
                        } else {
                            b++;
                        }
                    }
                }
                assertTrue(a == 0 ^ b == 0, "round " + round + ": exactly one owner wins, got a=" + a + " b=" + b);
                assertEquals(2, a + b, "round " + round + ": both agents of the winner get in");
            }
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void aNodeThatClosesHandsItsNamesOverAtOnceAndOneThatDiesWithinTheEntryTtl() throws Exception {
        RedisAgentDirectory one = node("n1", redis.uri(), Duration.ofMillis(200), Duration.ofMillis(1000),
                Duration.ofSeconds(30));
        RedisAgentDirectory two = node("n2", redis.uri(), Duration.ofMillis(200), Duration.ofMillis(1000),
                Duration.ofSeconds(30));
        assertEquals(Claim.GRANTED, one.claim("a1", "team-a", "c1"));
        assertEquals(Claim.GRANTED, one.claim("a2", "team-a", "c2"));
        one.close(); // orderly: entries released, liveness key gone
        assertEquals(Lookup.State.UNKNOWN, two.locate("a1").state());
        assertEquals(Claim.GRANTED, two.claim("a1", "team-b", "c3"));

        // A node that dies (no close: its heartbeat just stops) stops counting once its key expires;
        // its names stay its owner's for the grace, so that only its own agents can take them back.
        RedisAgentDirectory three = node("n3", redis.uri(), Duration.ofMillis(200), Duration.ofMillis(1000),
                Duration.ofSeconds(30));
        assertEquals(Claim.GRANTED, three.claim("a2", "team-a", "c4"));
        assertEquals(Lookup.State.HELD, two.locate("a2").state());
        killHeartbeat(three);
        awaitState(two, "a2", Lookup.State.MOVING);
        assertEquals(Claim.TAKEN, two.claim("a2", "team-b", "c5"));
        assertEquals(Claim.GRANTED, two.claim("a2", "team-a", "c6"), "the agent reconnected to another node");
        assertEquals(List.of(new Node("n2", "127.0.0.1:9002")), two.locate("a2").nodes());
    }

    @Test
    void withRedisDownClaimsAndLookupsSayUnavailableInTimeAndTheHeartbeatRefillsARestartedRedis() throws Exception {
        RedisAgentDirectory one = node("n1", redis.uri(), Duration.ofMillis(200), Duration.ofMillis(1000),
                Duration.ofSeconds(30));
        assertEquals(Claim.GRANTED, one.claim("a1", "team-a", "c1"));
        int port = redis.port();
        redis.kill();

        long start = System.nanoTime();
        assertEquals(Claim.UNAVAILABLE, one.claim("a2", "team-a", "c2"));
        assertEquals(Lookup.State.UNAVAILABLE, one.locate("a1").state());
        assertTrue(System.nanoTime() - start < TimeUnit.SECONDS.toNanos(30), "bounded by the command timeout");

        // Back, empty (no persistence): within a heartbeat the node's entries are there again.
        redis = RedisProcess.start(port);
        RedisAgentDirectory two = node("n2", redis.uri(), Duration.ofMillis(200), Duration.ofMillis(1000),
                Duration.ofSeconds(30));
        assertEquals(List.of(new Node("n1", "127.0.0.1:9002")), awaitNodes(two, "a1", 1));
        assertEquals(Claim.TAKEN, two.claim("a1", "team-b", "c3"));
    }

    @Test
    void badSettingsAreRefusedNamingTheValue() {
        var e = assertThrows(IllegalArgumentException.class,
                () -> RedisAgentDirectory.builder(redis.uri()).nodeId("a|b").internalAddress("h:1").build());
        assertEquals("nodeId: expected 1 to 64 of A-Z a-z 0-9 . _ - but was \"a|b\"", e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> RedisAgentDirectory.builder(redis.uri()).nodeId("n").internalAddress("nowhere").build());
        assertEquals("internalAddress: expected host:port but was \"nowhere\"", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> RedisAgentDirectory.builder(redis.uri()).nodeId("n")
                .internalAddress("h:1").heartbeat(Duration.ofSeconds(4)).build());
        assertTrue(e.getMessage().startsWith("entryTtl: PT6S is below twice the heartbeat"), e.getMessage());
        var down = assertThrows(IllegalStateException.class, () -> RedisAgentDirectory.builder("redis://127.0.0.1:"
                + freePortOrFail()).nodeId("n").internalAddress("h:1").commandTimeout(Duration.ofMillis(300)).build());
        assertTrue(down.getMessage().startsWith("agent directory: cannot reach Redis at 127.0.0.1:"), down.getMessage());
    }

    private static int freePortOrFail() {
        try {
            return RedisProcess.freePort();
        } catch (java.io.IOException e) {
            throw new AssertionError(e);
        }
    }

    /** Stops a directory's heartbeat without its close: what a killed process leaves behind. */
    private static void killHeartbeat(RedisAgentDirectory d) throws Exception {
        var f = RedisAgentDirectory.class.getDeclaredField("timer");
        f.setAccessible(true);
        var timer = (java.util.concurrent.ScheduledExecutorService) f.get(d);
        timer.shutdownNow();
        assertTrue(timer.awaitTermination(10, TimeUnit.SECONDS));
    }

    /** Waits (bounded; each look is a Redis round trip, woken by nothing else) for the name's state. */
    private static void awaitState(RedisAgentDirectory d, String name, Lookup.State state) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        Lookup last;
        while ((last = d.locate(name)).state() != state) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("expected " + name + " to be " + state + " but it is " + last);
            }
            TimeUnit.MILLISECONDS.sleep(20); // a poll interval of an expiry on Redis' clock, not a synchronisation
        }
    }

    private static List<Node> awaitNodes(RedisAgentDirectory d, String name, int count) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        AtomicInteger looks = new AtomicInteger();
        while (true) {
            Lookup l = d.locate(name);
            looks.incrementAndGet();
            if (l.nodes().size() == count) {
                return l.nodes();
            }
            if (System.nanoTime() > deadline) {
                throw new AssertionError("expected " + count + " nodes for " + name + " but found " + l);
            }
            TimeUnit.MILLISECONDS.sleep(20);
        }
    }
}
