#!/usr/bin/env bash
# Builds what it needs, runs every benchmark workload on 127.0.0.1 and prints one table.
#   bench/run.sh           full run (about 15 minutes)
#   bench/run.sh --quick   quick run (under 5 minutes, build included, once Maven has its artifacts)
# Extra arguments after the mode go to the harness, e.g. --only 1,2 (workloads to run).
# Workload 7 (ingress -> agent --forward -> nginx) needs nginx: the script installs nginx-light when
# missing, starts its own nginx on 127.0.0.1 (config, pid file and error log in bench/target/nginx)
# and stops it with -s quit when it ends, however it ends (trap on EXIT).
# Workload 8 (start-up and warm-up of the CLI jar, with and without its class-data-sharing archive)
# needs nothing more: its upstream is a 6-byte answer from Undertow inside the harness.
# Environment: BENCH_JVM_OPTS (the server/driver JVM), BENCH_AGENT_JVM_OPTS (the agent JVM, and
# workload 7's and 8's agent JVMs), BENCH_SERVER_JVM_OPTS (workload 7's and 8's `swaggersocket server` JVMs),
# BENCH_IDLE_JVM_OPTS (the idle agents' JVM), BENCH_SKIP_BUILD=1, BENCH_SKIP_JMH=1,
# BENCH_MAX_LOAD (default 1.0: first wait, up to 2 / 5 minutes, until the 1-minute load average
# is below it). Nothing here runs in `mvn verify`: the bench module has no tests.
# Profiling, e.g.: BENCH_JVM_OPTS="-XX:+UnlockDiagnosticVMOptions -XX:+DebugNonSafepoints
#   -XX:StartFlightRecording=settings=profile,filename=server.jfr" bench/run.sh --quick --only 2
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
MODE=full
if [[ "${1:-}" == "--quick" ]]; then
  MODE=quick
  shift
fi
OUT=bench/target
JAR=$OUT/benchmarks.jar

# 1. Build: the project's modules into the local repository, then the benchmarks jar.
if [[ "${BENCH_SKIP_BUILD:-0}" != 1 ]]; then
  echo "[run.sh] building" >&2
  if grep -q '<module>bench</module>' pom.xml; then
    mvn -B -q install -DskipTests -pl bench -am
  else
    mvn -B -q install -DskipTests
    mvn -B -q -f bench/pom.xml package
  fi
fi

# 2. Tools (Debian packages): wrk for the ingress workloads, nginx for workload 7's upstream. Only
#    what is missing is installed. On a machine with systemd the package may also start the
#    distribution's own nginx service on port 80; workload 7 never uses it, it runs its own below.
apt_install() {
  if [[ $(id -u) == 0 ]]; then
    apt-get update -qq && apt-get install -y -qq "$@"
  else
    sudo apt-get update -qq && sudo apt-get install -y -qq "$@"
  fi
}
NGINX_BIN=$(command -v nginx 2>/dev/null || { [[ -x /usr/sbin/nginx ]] && echo /usr/sbin/nginx; } || true)
MISSING=()
if ! command -v wrk >/dev/null 2>&1; then MISSING+=(wrk); fi
if [[ -z $NGINX_BIN ]]; then MISSING+=(nginx-light); fi
if (( ${#MISSING[@]} > 0 )); then
  echo "[run.sh] installing ${MISSING[*]}" >&2
  apt_install "${MISSING[@]}" >&2 \
    || echo "[run.sh] ${MISSING[*]} could not be installed; workloads 3 and 7 (wrk) or 7 (nginx) will be skipped" >&2
  NGINX_BIN=$(command -v nginx 2>/dev/null || { [[ -x /usr/sbin/nginx ]] && echo /usr/sbin/nginx; } || true)
fi

# 3. Limits: 10,000 idle agents need about 10,200 descriptors in each of two JVMs (the server's and
#    the idle agents'); raise the soft limit as far as the hard limit allows.
ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
if (( $(ulimit -n) < 10500 )); then
  echo "[run.sh] warning: ulimit -n is $(ulimit -n); workload 6 needs about 10,500 per JVM" >&2
fi

# 4. A quiet machine: wait (up to 2 minutes for --quick, 5 for a full run) for the load average to
#    drop below BENCH_MAX_LOAD; the table records the load each workload started with.
MAX_LOAD=${BENCH_MAX_LOAD:-1.0}
WAITS=10
if [[ $MODE == quick ]]; then WAITS=4; fi
for _ in $(seq 1 "$WAITS"); do
  LOAD=$(cut -d' ' -f1 /proc/loadavg)
  if awk -v l="$LOAD" -v m="$MAX_LOAD" 'BEGIN{exit !(l < m)}'; then break; fi
  echo "[run.sh] load average $LOAD >= $MAX_LOAD: waiting 30 s" >&2
  sleep 30
done

# 5. Workload 7's upstream: our own nginx on 127.0.0.1, serving one 6-byte file, started only when
#    workload 7 is selected and stopped on exit whatever happens. worker_processes 1, not auto: the
#    machine has 2 cores that wrk (2 threads) and, through the tunnel, the server and agent JVMs
#    share; a second worker would mostly contend with wrk for the direct baseline, and one worker is
#    what a small local service next to an agent looks like. Access log off (it would measure the
#    disk); keep-alive connections are not recycled after 1,000 requests (nginx's default), so
#    neither variant pays reconnects that have nothing to do with the tunnel. A second server block
#    on the port after it is the reference of one extra hop in C: a reverse proxy to the first
#    (upstream with keepalive 64, HTTP/1.1, no Connection header), in the same nginx and worker.
ONLY=1,2,3,4,5,6,7,8
ARGS=("$@")
for ((i = 0; i < ${#ARGS[@]}; i++)); do
  if [[ ${ARGS[i]} == --only ]] && (( i + 1 < ${#ARGS[@]} )); then ONLY=${ARGS[i + 1]}; fi
done
NGINX_DIR=$ROOT/$OUT/nginx
NGINX_PID=$NGINX_DIR/nginx.pid
NGINX_STARTED=
nginx_ctl() {
  "$NGINX_BIN" -p "$NGINX_DIR/" -c "$NGINX_DIR/nginx.conf" -e "$NGINX_DIR/error.log" "$@"
}
stop_nginx() {
  [[ -n $NGINX_STARTED ]] || return 0
  local pid
  pid=$(cat "$NGINX_PID" 2>/dev/null || true)
  nginx_ctl -s quit 2>>"$NGINX_DIR/error.log" || true
  for _ in $(seq 1 50); do # up to 5 s for a graceful quit, then TERM to the master we started
    [[ -n $pid ]] && kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  if [[ -n $pid ]] && kill -0 "$pid" 2>/dev/null; then kill -TERM "$pid" 2>/dev/null || true; fi
  NGINX_STARTED=
  echo "[run.sh] nginx stopped" >&2
}
trap stop_nginx EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
start_nginx() {
  rm -rf "$NGINX_DIR"
  mkdir -p "$NGINX_DIR/html" "$NGINX_DIR/temp"
  printf 'hello\n' >"$NGINX_DIR/html/tiny.txt" # 6 bytes
  chmod -R a+rX "$NGINX_DIR" # started as root, the workers run as an unprivileged user
  local port proxy
  for port in $(seq 18080 18098); do # the first two free ports of 20; nginx refuses a taken one
    proxy=$((port + 1))
    cat >"$NGINX_DIR/nginx.conf" <<CONF
worker_processes 1;
pid $NGINX_PID;
error_log $NGINX_DIR/error.log warn;
events { worker_connections 1024; }
http {
  access_log off;
  default_type text/plain;
  sendfile on;
  keepalive_requests 1000000;
  client_body_temp_path $NGINX_DIR/temp/body;
  proxy_temp_path $NGINX_DIR/temp/proxy;
  fastcgi_temp_path $NGINX_DIR/temp/fastcgi;
  uwsgi_temp_path $NGINX_DIR/temp/uwsgi;
  scgi_temp_path $NGINX_DIR/temp/scgi;
  server {
    listen 127.0.0.1:$port;
    root $NGINX_DIR/html;
  }
  upstream static {
    server 127.0.0.1:$port;
    keepalive 64;
  }
  server {
    listen 127.0.0.1:$proxy;
    location / {
      proxy_pass http://static;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
    }
  }
}
CONF
    if nginx_ctl 2>>"$NGINX_DIR/error.log"; then
      NGINX_STARTED=1
      NGINX_PORT=$port
      NGINX_PROXY_PORT=$proxy
      return 0
    fi
  done
  return 1
}
HARNESS_EXTRA=()
if [[ ",$ONLY," == *,7,* ]]; then
  if [[ -z $NGINX_BIN ]]; then
    echo "[run.sh] nginx is not installed; workload 7 will be skipped" >&2
  elif start_nginx; then
    echo "[run.sh] nginx $("$NGINX_BIN" -v 2>&1 | sed 's/.*nginx\///') on 127.0.0.1:$NGINX_PORT, its proxy to itself on" \
      "127.0.0.1:$NGINX_PROXY_PORT (pid $(cat "$NGINX_PID"))" >&2
    HARNESS_EXTRA+=(--nginx "http://127.0.0.1:$NGINX_PORT" --nginx-proxy "http://127.0.0.1:$NGINX_PROXY_PORT"
      --nginx-pid "$NGINX_PID")
  else
    echo "[run.sh] nginx did not start (see $NGINX_DIR/error.log); workload 7 will be skipped" >&2
  fi
fi

# 6. Micro-benchmarks (JMH), then the end-to-end workloads, which fold JMH's results into the table.
JMH_CSV=$OUT/jmh.csv
rm -f "$JMH_CSV"
if [[ "${BENCH_SKIP_JMH:-0}" != 1 ]]; then
  echo "[run.sh] JMH micro-benchmarks" >&2
  if [[ $MODE == quick ]]; then
    JMH_ARGS=(-wi 1 -w 1 -i 2 -r 1 -f 1)
  else
    JMH_ARGS=(-wi 3 -w 2 -i 5 -r 2 -f 1)
  fi
  java -jar "$JAR" "${JMH_ARGS[@]}" -rf csv -rff "$JMH_CSV" >"$OUT/jmh.log" 2>&1 \
    || { echo "[run.sh] JMH failed; see $OUT/jmh.log" >&2; rm -f "$JMH_CSV"; }
fi

echo "[run.sh] end-to-end workloads ($MODE)" >&2
# Workloads 7 and 8 run the CLI jar; workload 8 also the class-data-sharing archive the build makes
# beside it (cli/pom.xml; missing when built with -Dswaggersocket.cds.skip=true: then only
# the start-up without it is measured).
HARNESS_ARGS=(--jmh-csv "$JMH_CSV" --out "$OUT/bench-table.md" --cli-jar "$ROOT/cli/target/swaggersocket.jar"
  --cds-archive "$ROOT/cli/target/swaggersocket.jsa" "${HARNESS_EXTRA[@]}")
if [[ $MODE == quick ]]; then HARNESS_ARGS+=(--quick); fi
# shellcheck disable=SC2086
java -Xmx2g ${BENCH_JVM_OPTS:-} \
  -Dbench.agentJvmOpts="${BENCH_AGENT_JVM_OPTS:-}" -Dbench.idleJvmOpts="${BENCH_IDLE_JVM_OPTS:-}" \
  -Dbench.serverJvmOpts="${BENCH_SERVER_JVM_OPTS:-}" \
  -Djava.util.logging.config.file="$ROOT/.ci/logging.properties" \
  -cp "$JAR" io.swaggersocket.bench.Bench "${HARNESS_ARGS[@]}" "$@"
echo "[run.sh] table written to $OUT/bench-table.md" >&2
