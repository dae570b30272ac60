package io.swaggersocket.cluster;

import io.lettuce.core.RedisNoScriptException;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.api.async.RedisAsyncCommands;
import io.lettuce.core.api.sync.RedisCommands;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The directory's Lua scripts: each one atomic on the Redis server, so that two nodes claiming one
 * name at once cannot both win, and each reading time from Redis ({@code TIME}), so that the
 * nodes' clocks never matter. Sent by SHA, loaded again after a Redis restart (NOSCRIPT).
 * Thread-safe.
 *
 * <p>Keys, under the directory's prefix: {@code owner:NAME} (the owner's name; expires
 * {@code ownerGrace} after the last refresh), {@code members:NAME} (a sorted set of
 * {@code NODE|CONNECTION}, scored by the entry's expiry in ms of Redis time), {@code node:NODE} (the
 * node's internal address; expires {@code nodeTtl} after its last heartbeat) and {@code nodes} (a
 * set of node ids). A member whose score has passed or whose node key is gone is pruned by every
 * script that reads the set: a dead node's entries are dropped as soon as its liveness key is.
 * Scripts touch keys they are not given (node keys): the directory needs one Redis (a primary,
 * with Sentinel if wanted), not Redis Cluster.
 */
final class DirectoryScripts {
    /** Shared: Redis time in ms, and the pruning of a members set. */
    private static final String COMMON = """
            local function now_ms()
              local t = redis.call('TIME')
              return tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
            end
            local function node_of(member)
              return string.match(member, '^([^|]*)|')
            end
            local function prune(members, node_prefix, now)
              redis.call('ZREMRANGEBYSCORE', members, '-inf', now)
              local kept, alive = {}, {}
              for _, m in ipairs(redis.call('ZREVRANGE', members, 0, -1)) do
                local node = node_of(m)
                if alive[node] == nil then
                  alive[node] = redis.call('EXISTS', node_prefix .. node) == 1
                end
                if alive[node] then
                  table.insert(kept, m)
                else
                  redis.call('ZREM', members, m)
                end
              end
              return kept
            end
            """;

    /**
     * KEYS: owner, members. ARGV: owner, member, entry ttl ms, owner grace ms, node key prefix.
     * Returns "G" (granted: the name is free or the owner's; the entry is added or refreshed) or
     * "T" (another owner holds it, with live entries or within its grace).
     */
    static final String CLAIM = COMMON + """
            local now = now_ms()
            prune(KEYS[2], ARGV[5], now)
            local current = redis.call('GET', KEYS[1])
            if current and current ~= ARGV[1] then
              return 'T'
            end
            redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[4])
            redis.call('ZADD', KEYS[2], now + tonumber(ARGV[3]), ARGV[2])
            redis.call('PEXPIRE', KEYS[2], ARGV[4])
            return 'G'
            """;

    /**
     * KEYS: owner, members. ARGV: member, node key prefix, "keep" or "free". Removes the entry;
     * with "free" the owner goes with the last live one, so another principal may take the name at
     * once (as on one node); with "keep" (a hand-off: the agent is moving) the owner stays until
     * its grace runs out.
     */
    static final String RELEASE = COMMON + """
            redis.call('ZREM', KEYS[2], ARGV[1])
            if #prune(KEYS[2], ARGV[2], now_ms()) == 0 and ARGV[3] == 'free' then
              redis.call('DEL', KEYS[1], KEYS[2])
            end
            return 'OK'
            """;

    /**
     * KEYS: owner, members. ARGV: node key prefix. Returns {"HELD", node, address, ...} with each
     * live node once, the node of the most recently refreshed entry first (a node that just took
     * an agent over comes before one that died and whose key has not expired yet), {"MOVING"}
     * (owned, no live entry: within the owner's grace) or {"UNKNOWN"}.
     */
    static final String LOCATE = COMMON + """
            local kept = prune(KEYS[2], ARGV[1], now_ms())
            if #kept == 0 then
              if redis.call('EXISTS', KEYS[1]) == 1 then
                return {'MOVING'}
              end
              return {'UNKNOWN'}
            end
            local out, seen = {'HELD'}, {}
            for _, m in ipairs(kept) do
              local node = node_of(m)
              if not seen[node] then
                seen[node] = true
                local address = redis.call('GET', ARGV[1] .. node)
                if address then
                  table.insert(out, node)
                  table.insert(out, address)
                end
              end
            end
            return out
            """;

    /** KEYS: nodes. ARGV: node key prefix. Returns {node, address, ...} for the live nodes; drops dead ones. */
    static final String NODES = """
            local out = {}
            for _, node in ipairs(redis.call('SMEMBERS', KEYS[1])) do
              local address = redis.call('GET', ARGV[1] .. node)
              if address then
                table.insert(out, node)
                table.insert(out, address)
              else
                redis.call('SREM', KEYS[1], node)
              end
            end
            return out
            """;

    private final ConcurrentHashMap<String, String> shas = new ConcurrentHashMap<>();

    /** Runs {@code script} and waits (bounded by the connection's command timeout). */
    <T> T run(RedisCommands<String, String> redis, String script, ScriptOutputType type, String[] keys, String... args) {
        String sha = shas.computeIfAbsent(script, redis::scriptLoad);
        try {
            return redis.evalsha(sha, type, keys, args);
        } catch (RedisNoScriptException e) { // Redis restarted and forgot it
            shas.put(script, redis.scriptLoad(script));
            return redis.evalsha(shas.get(script), type, keys, args);
        }
    }

    /** Runs {@code script} without waiting; the scripts are loaded by a {@link #run} before (else EVAL). */
    <T> CompletionStage<T> runAsync(RedisAsyncCommands<String, String> redis, String script, ScriptOutputType type,
            String[] keys, String... args) {
        String sha = shas.get(script);
        if (sha == null) {
            return redis.<T>eval(script, type, keys, args);
        }
        CompletableFuture<T> out = new CompletableFuture<>();
        redis.<T>evalsha(sha, type, keys, args).whenComplete((value, failure) -> {
            if (failure instanceof RedisNoScriptException) {
                shas.remove(script, sha);
                redis.<T>eval(script, type, keys, args).whenComplete((v, f) -> {
                    if (f != null) {
                        out.completeExceptionally(f);
                    } else {
                        out.complete(v);
                    }
                });
            } else if (failure != null) {
                out.completeExceptionally(failure);
            } else {
                out.complete(value);
            }
        });
        return out;
    }
}
