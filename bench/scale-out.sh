#!/usr/bin/env bash
# The scale-out benchmark (BENCHMARKS.md, "Scale-out"): on 127.0.0.1, one redis-server, three
# `swaggersocket server --cluster-redis` nodes, HAProxy with deploy/haproxy.cfg's rules (the bind
# and server lines replaced for loopback, no TLS), nginx serving a 6-byte file as every agent's
# upstream, and AGENTS agents (`swaggersocket agent --forward`) dialing through HAProxy, so that
# the balancer's hash spreads them over the nodes. Then wrk, in one run, alternating:
#   balancer   all agents' /agents/NAME/tiny.txt through HAProxy (each call hashed to its agent's node)
#   routed     the same paths, each sent straight to the node holding its agent (no balancer, no hop)
#   misrouted  the same paths, each sent to a node NOT holding its agent (one forward hop)
# and prints a table with the ratios. Everything it starts it stops on exit (trap).
#   bench/scale-out.sh              (needs cli/target/swaggersocket.jar: ./swaggersocket builds it)
# Environment: AGENTS (default 6), DURATION (seconds per wrk trial, default 5), REPEATS (default 3),
# CONNECTIONS (wrk -c, default 32), BENCH_SERVER_JVM_OPTS, BENCH_AGENT_JVM_OPTS.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
JAR=$ROOT/cli/target/swaggersocket.jar
AGENTS=${AGENTS:-6}
DURATION=${DURATION:-5}
REPEATS=${REPEATS:-3}
CONNECTIONS=${CONNECTIONS:-32}
OUT=$ROOT/bench/target/scale-out
TOKEN=bench-ops-token-7Hq2kd
SECRET=bench-cluster-secret-0123456789
[[ -f $JAR ]] || { echo "[scale-out] $JAR missing: run ./swaggersocket --version first (it builds the jar)" >&2; exit 2; }
for tool in redis-server haproxy nginx wrk curl python3; do
  command -v "$tool" >/dev/null 2>&1 || [[ -x /usr/sbin/$tool ]] \
    || { echo "[scale-out] $tool is missing (apt-get install redis-server haproxy nginx-light wrk curl)" >&2; exit 2; }
done
NGINX_BIN=$(command -v nginx 2>/dev/null || echo /usr/sbin/nginx)
HAPROXY_BIN=$(command -v haproxy 2>/dev/null || echo /usr/sbin/haproxy)

rm -rf "$OUT"
mkdir -p "$OUT/html" "$OUT/temp"
PIDS=()
cleanup() {
  for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
  [[ -f $OUT/nginx.pid ]] && "$NGINX_BIN" -p "$OUT/" -c "$OUT/nginx.conf" -e "$OUT/nginx-error.log" -s quit 2>/dev/null || true
  for pid in "${PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
}
trap cleanup EXIT

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'; }
# Waits (at most $2 seconds) until $1 answers 200.
await_ok() {
  local deadline=$((SECONDS + $2))
  until [[ $(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $TOKEN" "$1" || true) == 200 ]]; do
    (( SECONDS < deadline )) || { echo "[scale-out] $1 did not answer 200 within $2 s" >&2; exit 1; }
    sleep 0.2
  done
}

# 1. Redis, without persistence.
REDIS_PORT=$(free_port)
redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --save '' --appendonly no >"$OUT/redis.log" 2>&1 &
PIDS+=($!)
deadline=$((SECONDS + 30))
until (exec 3<>"/dev/tcp/127.0.0.1/$REDIS_PORT") 2>/dev/null; do
  (( SECONDS < deadline )) || { echo "[scale-out] redis-server did not listen within 30 s" >&2; exit 1; }
  sleep 0.1
done

# 2. nginx: every agent's upstream, one 6-byte file.
NGINX_PORT=$(free_port)
printf 'hello\n' >"$OUT/html/tiny.txt"
chmod -R a+rX "$OUT"
cat >"$OUT/nginx.conf" <<CONF
worker_processes 1;
pid $OUT/nginx.pid;
events { worker_connections 1024; }
http {
  access_log off;
  client_body_temp_path $OUT/temp; proxy_temp_path $OUT/temp; fastcgi_temp_path $OUT/temp;
  uwsgi_temp_path $OUT/temp; scgi_temp_path $OUT/temp;
  keepalive_requests 1000000;
  server { listen 127.0.0.1:$NGINX_PORT; root $OUT/html; }
}
CONF
"$NGINX_BIN" -p "$OUT/" -c "$OUT/nginx.conf" -e "$OUT/nginx-error.log"

# 3. Three nodes.
printf '%s' "$SECRET" >"$OUT/cluster.secret"
cat >"$OUT/access.yaml" <<YAML
principals:
  - name: ops
    tokens: ["$TOKEN"]
    register: ["bench-*"]
    call: ["*"]
    admin: ["*"]
YAML
printf '%s' "$TOKEN" >"$OUT/token"
# One at a time, and again (3 tries) if one exits while starting: on a loaded machine a JVM
# starting beside two others can miss the directory's 1 s connect timeout and exit (status 1).
declare -A NODE_PORT
start_node() { # $1: id; 0 once its /healthz answers 200
  local id=$1 pid deadline
  NODE_PORT[$id]=$(free_port)
  java ${BENCH_SERVER_JVM_OPTS:--Xmx256m} -jar "$JAR" server --listen "127.0.0.1:${NODE_PORT[$id]}" \
    --access-file "$OUT/access.yaml" --cluster-redis "redis://127.0.0.1:$REDIS_PORT" --node-id "$id" \
    --internal-listen "127.0.0.1:$(free_port)" --cluster-secret-file "$OUT/cluster.secret" >>"$OUT/$id.log" 2>&1 &
  pid=$!
  PIDS+=("$pid")
  deadline=$((SECONDS + 240))
  until [[ $(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:${NODE_PORT[$id]}/healthz" || true) == 200 ]]; do
    kill -0 "$pid" 2>/dev/null || return 1
    (( SECONDS < deadline )) || { echo "[scale-out] node $id not up within 240 s" >&2; exit 1; }
    sleep 0.2
  done
}
for id in n1 n2 n3; do
  for try in 1 2 3; do
    if start_node "$id"; then break; fi
    echo "[scale-out] node $id exited while starting (try $try): $(tail -n 1 "$OUT/$id.log")" >&2
    (( try < 3 )) || exit 1
  done
done

# 4. HAProxy: deploy/haproxy.cfg with loopback bind and server lines.
HAP_PORT=$(free_port)
# maxconn lowered: 50,000 needs a file limit above this machine's (an ALERT, and no start).
sed -e "s|^    bind .*|    bind 127.0.0.1:$HAP_PORT|" -e '/^    server n[0-9] /d' \
  -e 's|^    maxconn .*|    maxconn 4000|' deploy/haproxy.cfg >"$OUT/haproxy.cfg"
for id in n1 n2 n3; do echo "    server $id 127.0.0.1:${NODE_PORT[$id]} check" >>"$OUT/haproxy.cfg"; done
"$HAPROXY_BIN" -c -q -f "$OUT/haproxy.cfg"
"$HAPROXY_BIN" -db -f "$OUT/haproxy.cfg" >"$OUT/haproxy.log" 2>&1 &
PIDS+=($!)
await_ok "http://127.0.0.1:$HAP_PORT/healthz" 60

# 5. Agents through the balancer.
for i in $(seq 1 "$AGENTS"); do
  java ${BENCH_AGENT_JVM_OPTS:--Xmx128m} -jar "$JAR" agent --server "ws://127.0.0.1:$HAP_PORT/tunnel/bench-$i" \
    --name "bench-$i" --token-file "$OUT/token" --forward "http://127.0.0.1:$NGINX_PORT" >"$OUT/agent-$i.log" 2>&1 &
  PIDS+=($!)
done
for i in $(seq 1 "$AGENTS"); do await_ok "http://127.0.0.1:$HAP_PORT/agents/bench-$i/tiny.txt" 240; done

# 6. Where each agent is: each node's own /connections.
declare -A OWNER
EVENTS_SEEN=""
for id in n1 n2 n3; do
  for name in $(curl -s -H "Authorization: Bearer $TOKEN" "http://127.0.0.1:${NODE_PORT[$id]}/connections" \
      | grep -o '"name" *: *"bench-[0-9]*"' | grep -o 'bench-[0-9]*' | sort -u); do
    OWNER[$name]=$id
  done
done
SPREAD=""
for id in n1 n2 n3; do
  n=0; for name in "${!OWNER[@]}"; do [[ ${OWNER[$name]} == "$id" ]] && n=$((n + 1)); done
  SPREAD+="$id:$n "
done
echo "[scale-out] agents per node: $SPREAD" >&2
# Cluster-wide /events (the CLI's --cluster-redis wiring): every node's history holds the
# connection events of the agents of every node.
for id in n1 n2 n3; do
  seen=$(curl -s -m 3 -H "Authorization: Bearer $TOKEN" \
      "http://127.0.0.1:${NODE_PORT[$id]}/events?since=0&register=connections.create.*" \
    | grep -o '"Agent":"bench-[0-9]*"' | sort -u | wc -l || true)
  echo "[scale-out] /events of $id: connections.create of $seen of $AGENTS agents (all nodes')" >&2
  EVENTS_SEEN+="$id:$seen "
done

# wrk over a list of URLs (one connection set per URL's host: wrk takes one host, so one wrk per
# node, run together; their requests/s are added).
cat >"$OUT/paths.lua" <<'LUA'
local paths = {}
for p in string.gmatch(os.getenv("BENCH_PATHS"), "[^,]+") do table.insert(paths, p) end
local i = 0
request = function()
  i = i + 1
  return wrk.format("GET", paths[(i % #paths) + 1])
end
LUA
# run_wrk PORT PATHS CONNECTIONS -> requests/s (errors counted in $OUT/errors)
run_wrk() {
  local out
  out=$(BENCH_PATHS=$2 wrk -t1 -c"$3" -d"${DURATION}s" -s "$OUT/paths.lua" \
    -H "Authorization: Bearer $TOKEN" "http://127.0.0.1:$1/" 2>&1)
  echo "$out" >>"$OUT/wrk.log"
  if grep -q 'Non-2xx' <<<"$out"; then grep 'Non-2xx' <<<"$out" >>"$OUT/errors"; fi
  awk '/Requests\/sec/ {print $2}' <<<"$out"
}
ALL_PATHS=$(for name in "${!OWNER[@]}"; do printf '/agents/%s/tiny.txt,' "$name"; done)
# The same calls split by node: routed = to the owner, misrouted = to the next node round the ring.
trial() { # $1: balancer|routed|misrouted -> total requests/s
  local mode=$1
  if [[ $mode == balancer ]]; then
    run_wrk "$HAP_PORT" "$ALL_PATHS" "$CONNECTIONS"
    return
  fi
  declare -A paths=()
  local id target
  for name in "${!OWNER[@]}"; do
    id=${OWNER[$name]}
    if [[ $mode == routed ]]; then target=$id; else
      case $id in n1) target=n2 ;; n2) target=n3 ;; n3) target=n1 ;; esac
    fi
    paths[$target]+="/agents/$name/tiny.txt,"
  done
  local files=() pids=() per=$(( CONNECTIONS / ${#paths[@]} ))
  (( per > 0 )) || per=1
  for target in "${!paths[@]}"; do
    run_wrk "${NODE_PORT[$target]}" "${paths[$target]}" "$per" >"$OUT/rps-$target" &
    pids+=($!)
    files+=("$OUT/rps-$target")
  done
  wait "${pids[@]}" # only these: a bare wait in this subshell also waits for the nodes started above
  cat "${files[@]}" | awk '{s += $1} END {printf "%.0f\n", s}'
}

LOAD_BEFORE=$(cut -d' ' -f1 /proc/loadavg)
: >"$OUT/errors"
declare -A RESULTS
for mode in balancer routed misrouted; do trial "$mode" >/dev/null; done # warm-up
for r in $(seq 1 "$REPEATS"); do
  for mode in balancer routed misrouted; do
    RESULTS[$mode]+="$(trial "$mode") "
  done
done
LOAD_AFTER=$(cut -d' ' -f1 /proc/loadavg)
median() { tr ' ' '\n' <<<"$1" | grep -v '^$' | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
B=$(median "${RESULTS[balancer]}"); R=$(median "${RESULTS[routed]}"); M=$(median "${RESULTS[misrouted]}")
{
  echo "| path | requests/s (median of $REPEATS, ${DURATION} s each) | all trials | vs routed |"
  echo "| --- | --- | --- | --- |"
  echo "| routed: straight to the agent's node | $R | ${RESULTS[routed]}| 1.00 |"
  echo "| balancer: HAProxy (deploy/haproxy.cfg) hashing to the agent's node | $B | ${RESULTS[balancer]}| $(awk "BEGIN {printf \"%.2f\", $B / $R}") |"
  echo "| misrouted: to another node, one forward hop | $M | ${RESULTS[misrouted]}| $(awk "BEGIN {printf \"%.2f\", $M / $R}") |"
  echo
  echo "Cluster-wide /events: each node's history held the create events of this many agents: $EVENTS_SEEN(of $AGENTS)."
  echo "$AGENTS agents ($SPREAD), wrk -c$CONNECTIONS in all, 6-byte file from nginx; load average $LOAD_BEFORE before, $LOAD_AFTER after; $(nproc) cores."
  if [[ -s $OUT/errors ]]; then echo "wrk saw non-2xx answers:"; cat "$OUT/errors"; else echo "No call failed (no non-2xx, no socket error counted as non-2xx)."; fi
} | tee "$OUT/table.md"
