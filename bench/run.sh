#!/usr/bin/env bash
# Builds what it needs, runs every benchmark workload on 127.0.0.1 and prints one table.
#   bench/run.sh           full run (about 15 minutes)
#   bench/run.sh --quick   quick run (under 5 minutes, build included, once Maven has its artifacts)
# Extra arguments after the mode go to the harness, e.g. --only 1,2 (workloads to run).
# Environment: BENCH_JVM_OPTS (the server/driver JVM), BENCH_AGENT_JVM_OPTS (the agent JVM),
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

# 2. Tools: wrk for the ingress workload (Debian package).
if ! command -v wrk >/dev/null 2>&1; then
  echo "[run.sh] installing wrk" >&2
  if [[ $(id -u) == 0 ]]; then
    (apt-get update -qq && apt-get install -y -qq wrk) >&2 || echo "[run.sh] wrk could not be installed; workload 3 will be skipped" >&2
  else
    (sudo apt-get update -qq && sudo apt-get install -y -qq wrk) >&2 || echo "[run.sh] wrk could not be installed; workload 3 will be skipped" >&2
  fi
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

# 5. Micro-benchmarks (JMH), then the end-to-end workloads, which fold JMH's results into the table.
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
HARNESS_ARGS=(--jmh-csv "$JMH_CSV" --out "$OUT/bench-table.md")
if [[ $MODE == quick ]]; then HARNESS_ARGS+=(--quick); fi
# shellcheck disable=SC2086
java -Xmx2g ${BENCH_JVM_OPTS:-} \
  -Dbench.agentJvmOpts="${BENCH_AGENT_JVM_OPTS:-}" -Dbench.idleJvmOpts="${BENCH_IDLE_JVM_OPTS:-}" \
  -Djava.util.logging.config.file="$ROOT/.ci/logging.properties" \
  -cp "$JAR" io.swaggersocket.bench.Bench "${HARNESS_ARGS[@]}" "$@"
echo "[run.sh] table written to $OUT/bench-table.md" >&2
