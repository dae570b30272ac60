#!/usr/bin/env bash
# The chaos soak (issue 16; RELIABILITY.md): a real `swaggersocket server` and N `swaggersocket agent
# --forward` processes on 127.0.0.1, callers through the ingress and through the library both ways,
# WebSocket echo sessions, and a fault every 30 s (kill -9 and restart an agent, stall an agent's
# socket half-open, cut a connection mid-body, reload the access file). Prints one table (also in
# bench/target/soak/soak-table.md; the processes' logs beside it) and exits non-zero on any lost or
# mismatched call, a fault that could not be done, an agent that never came back, or heap, threads
# or file descriptors at the end more than 10 % above their level after the warm-up, or an event subscriber
# on /events that missed an event without a gap event, or got one twice or out of order. --nodes N (N > 1)
# runs the cluster of docs/SCALE-OUT.md (redis-server, N nodes, HAProxy: both must be installed) and adds
# restarting and draining a node to the faults.
#   bench/soak.sh [--minutes N] [--agents N] [--nodes N]     defaults 10, 20, 1
# More options go to the harness (io.swaggersocket.bench.soak.SoakOptions): --chaos-seconds,
# --warmup-seconds, --lost-seconds, --stall-seconds, --callers, --seed (printed by every run, to replay it),
# --upstream-max-body (default 8 MiB; lower makes the upstream refuse big bodies with 413 before reading them),
# --faults KILL,STALL,CUT_MID_BODY,RELOAD,RESTART_NODE,DRAIN_NODE (the kinds in the rotation; default all).
# Environment: SOAK_SKIP_BUILD=1 (use the jars as they are), SOAK_SERVER_JVM_OPTS (default -Xmx512m),
# SOAK_AGENT_JVM_OPTS (default -Xmx256m -XX:+UseSerialGC -XX:TieredStopAtLevel=1: 20 agent JVMs on 2
# cores), SOAK_JVM_OPTS (the harness's JVM), SOAK_HAPROXY_LOG=1 (--nodes: HAProxy logs each request to haproxy.log),
# SOAK_SERVER_ARGS and SOAK_AGENT_ARGS (more options for the nodes and agents, e.g. --log-level debug).
# Needs perl and kill (every Debian system has them) and jcmd (the JDK).
set -euo pipefail
cd "$(dirname "$0")/.."
MVN_ARGS=(-B -q)
if [[ -n "${SOAK_MAVEN_REPO:-}" ]]; then MVN_ARGS+=("-Dmaven.repo.local=$SOAK_MAVEN_REPO"); fi
if [[ "${SOAK_SKIP_BUILD:-0}" != 1 ]]; then
  echo "[soak.sh] building the CLI jar and the harness" >&2
  # bench is not a module of the root build: install what it depends on, then package it
  mvn "${MVN_ARGS[@]}" install -DskipTests -Dswaggersocket.cds.skip=true -pl cli -am
  mvn "${MVN_ARGS[@]}" -f bench/pom.xml package
fi
JAR=bench/target/benchmarks.jar
# shellcheck disable=SC2086
exec java -Xmx1g ${SOAK_JVM_OPTS:-} -Djava.util.logging.config.file=.ci/logging.properties \
  -cp "$JAR" io.swaggersocket.bench.soak.Soak --cli-jar cli/target/swaggersocket.jar --out bench/target/soak "$@"
