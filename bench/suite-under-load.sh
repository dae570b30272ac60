#!/usr/bin/env bash
# Runs the CI entry point N times in a row (default 10) on a fresh clone of HEAD while a second
# clone keeps the machine busy with an endless `mvn clean compile`, and prints one line a run.
# Usage: bench/suite-under-load.sh [RUNS]. Needs the Maven cache warm (-o for the load build).
set -u
runs="${1:-10}"
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
work="$(mktemp -d)"
git clone -q "$root" "$work/tested"
git clone -q "$root" "$work/load"
( cd "$work/load" && while [ ! -f "$work/stop" ]; do mvn -B -q -o clean compile >/dev/null 2>&1; done ) &
load=$!
passed=0
for i in $(seq 1 "$runs"); do
  start=$(date +%s)
  if (cd "$work/tested" && CI=true bash .ci/run > "$work/run-$i.log" 2>&1); then r=PASS; passed=$((passed + 1)); else r=FAIL; fi
  tests=$(grep -E 'Tests run: [0-9]+, Failures' "$work/run-$i.log" | grep -v ' -- in ' | awk -F'[ ,]+' '{s+=$4} END {print s}')
  echo "run $i: $r in $(( $(date +%s) - start )) s, $tests tests, load $(cut -d' ' -f1-3 /proc/loadavg)"
done
touch "$work/stop"
wait "$load"
echo "$passed of $runs passed; logs in $work"
[ "$passed" -eq "$runs" ]
