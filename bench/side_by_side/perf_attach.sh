#!/usr/bin/env bash
# Profiles kstreams_bench_app (or the raw loop) in steady state: give this script to the
# driver as --app-bin; it starts the real app with the driver's arguments and attaches
# `perf record -p` for a few seconds once the app has had time to reach steady state.
#
#   KSTREAMS_BENCH_APP=build-bench/bench/side_by_side/kstreams_bench_app \
#   PROF_OUT=/tmp/perf-count.data PROF_DELAY=3 PROF_SECONDS=3 \
#   build-bench/bench/side_by_side/kstreams_bench_driver --mode run --system kstreams \
#     --workload count --records 8000000 --warmup-records 1000000 --threads 1 \
#     --app-bin bench/side_by_side/perf_attach.sh …(the other flags scripts/bench passes)
#   perf report -i /tmp/perf-count.data --children --sort sym
#
# PROF_DELAY: seconds before attaching [3: start-up and the group join come first].
# PROF_SECONDS: how long to record [3]. PROF_FREQ: samples/s [1999].
# PROF_CG: perf's call-graph option ["-g"; "--call-graph dwarf,32768" for callers through
# libraries built without frame pointers, with PROF_FREQ=499]. perf's own messages go to
# $PROF_OUT.log.
# The driver's CPU and RSS figures then describe this wrapper, not the app: profile runs give
# profiles, not results.
set -uo pipefail
app="${KSTREAMS_BENCH_APP:?set KSTREAMS_BENCH_APP to kstreams_bench_app}"
"$app" "$@" &
pid=$!
trap 'kill -TERM "$pid" 2>/dev/null' TERM INT
if [[ " $* " != *" --mode describe "* ]]; then
  (
    sleep "${PROF_DELAY:-3}"
    # shellcheck disable=SC2086  # PROF_CG is a list of perf options
    perf record -F "${PROF_FREQ:-1999}" ${PROF_CG:--g} -p "$pid" -o "${PROF_OUT:-perf.data}" -q \
      -- sleep "${PROF_SECONDS:-3}" >"${PROF_OUT:-perf.data}.log" 2>&1
  ) &
fi
status=0
while kill -0 "$pid" 2>/dev/null; do
  wait "$pid"
  status=$?
done
wait
exit "$status"
