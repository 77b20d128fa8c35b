#!/bin/bash
# Runs fuzz targets built by Fuzz/build.py for SECONDS each, FUZZ_JOBS (2) at a time.
# Usage: Fuzz/run.sh OUT_DIR SECONDS TARGET...
# New corpus units go to OUT_DIR/corpus/TARGET; Fuzz/corpus/TARGET holds the committed seeds.
# A crash leaves OUT_DIR/artifacts/TARGET/crash-* and fails the run; per target the number of
# executions libFuzzer reports (stat::number_of_executed_units) is printed.
set -u
out=$1 seconds=$2
shift 2
here=$(cd "$(dirname "$0")" && pwd)
status=0
jobs=${FUZZ_JOBS:-2}

# One target: its summary line goes to OUT_DIR/artifacts/TARGET/summary, its status is the exit code.
run_one() {
	local target=$1
	local dir="$out/artifacts/$target"
	mkdir -p "$out/corpus/$target" "$dir"
	rm -f "$dir"/crash-* "$dir"/timeout-* "$dir"/oom-* "$dir"/leak-*
	# No Swift backtracer: it takes tens of seconds per crash and libFuzzer prints the stack.
	# TOMLKit never frees a parsed table (see ConfigDocument), so leak detection stays off.
	local corpora=("$out/corpus/$target")
	[ -d "$here/corpus/$target" ] && corpora+=("$here/corpus/$target")
	SWIFT_BACKTRACE=enable=no ASAN_OPTIONS=detect_leaks=0 "$out/bin/$target" \
		-max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
		-artifact_prefix="$dir/" "${corpora[@]}" >"$dir/fuzz.log" 2>&1
	local rc=$?
	local runs rate
	runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$dir/fuzz.log")
	rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$dir/fuzz.log")
	if [ $rc -eq 0 ]; then
		echo "fuzz $target: ${runs:-?} executions in ${seconds} s (${rate:-?}/s), no crash" >"$dir/summary"
	else
		{
			echo "fuzz $target: FAILED (exit $rc) after ${runs:-?} executions; log: $dir/fuzz.log"
			grep -m1 -E 'Fatal error|ERROR: (AddressSanitizer|libFuzzer)|fuzz invariant|Assertion' "$dir/fuzz.log"
			ls "$dir" | grep -E '^(crash|timeout|oom|leak)-' | sed "s|^|  input: $dir/|"
		} >"$dir/summary"
	fi
	return $rc
}

# Two cores: by default two targets at a time, each on its own core.
targets=("$@")
pids=()
for target in "${targets[@]}"; do
	while [ "$(jobs -rp | wc -l)" -ge "$jobs" ]; do wait -n; done
	run_one "$target" &
	pids+=($!)
done
for index in "${!pids[@]}"; do
	wait "${pids[$index]}" || status=1
	cat "$out/artifacts/${targets[$index]}/summary"
done
exit $status
