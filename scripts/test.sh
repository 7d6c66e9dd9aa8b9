#!/usr/bin/env bash
# test.sh - run every Kairan test (the end of `make test`; CI runs it too).
#
# Stages, in order:
#   build     make KIND=asan (ASan+UBSan) and make check-code
#   unit      every tests/unit/test_*.c, built and run one by one (leaks fail)
#   fuzz      make fuzz, then every target for KAIRAN_FUZZ_SECONDS (default 20)
#             on a copy of its seed corpus tests/fuzz/corpus/NAME (a crash fails)
#   http      pytest tests/http on SQLite, then on a throwaway PostgreSQL
#   browser   node --test tests/browser (Debian's chromium, headless)
# and finally one line "N passed, N failed" over all stages; non-zero exit on
# any failure.  Logs and artefacts go to tests/out/.
#
# Environment: KAIRAN_FUZZ_SECONDS, KAIRAN_TEST_ONLY (space-separated stage
# names to run, e.g. "build http"), JOBS (make -j, default nproc).
set -uo pipefail

cd "$(dirname "$0")/.."
root=$(pwd)

out=tests/out
mkdir -p "$out/logs" "$out/fuzz"
jobs=${JOBS:-$(nproc 2>/dev/null || echo 2)}
fuzz_seconds=${KAIRAN_FUZZ_SECONDS:-20}
only=" ${KAIRAN_TEST_ONLY:-build unit fuzz http browser} "
python=/usr/bin/python3 # Debian's, which sees python3-pytest/-requests

# The sanitizers for everything run from here: leaks fail, the first error
# stops the process, and reports go to stderr where the harnesses look.
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0:halt_on_error=1:detect_stack_use_after_return=1:strict_string_checks=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
export LSAN_OPTIONS=${LSAN_OPTIONS:-}

passed=0
failed=0
failures=()
t_start=$(date +%s)

want() { [[ "$only" == *" $1 "* ]]; }

# record NAME RC: count one result.
record() {
	if [ "$2" -eq 0 ]; then
		passed=$((passed + 1))
		printf '  PASS %s\n' "$1"
	else
		failed=$((failed + 1))
		failures+=("$1")
		printf '  FAIL %s (exit %s, log %s)\n' "$1" "$2" "$out/logs/${1//\//_}.log"
	fi
}

# run NAME CMD...: run a command with its output both on the terminal and in
# tests/out/logs/NAME.log, then record the result.
run() {
	local name=$1 rc
	shift
	printf '\n== %s: %s\n' "$name" "$*"
	"$@" 2>&1 | tee "$out/logs/${name//\//_}.log"
	rc=${PIPESTATUS[0]}
	record "$name" "$rc"
	return "$rc"
}

# detail NAME: the test counts a stage's own runner printed (pytest, node:test).
detail() {
	local log="$out/logs/${1//\//_}.log" line
	[ -f "$log" ] || return 0
	line=$(grep -E '^[0-9]+ (passed|failed)|^=+ .*(passed|failed)' "$log" | tail -n 1 | tr -d '=')
	if [ -z "$line" ]; then
		line=$(grep -E '^# (pass|fail) [0-9]+' "$log" | tr -d '#' | paste -sd, -)
	fi
	[ -n "$line" ] && details+=("$(printf '%-16s %s' "$1" "$line")")
	return 0
}
details=()

summary() {
	local t=$(($(date +%s) - t_start))
	printf '\n== summary (%dm%02ds)\n' $((t / 60)) $((t % 60))
	if [ "${#details[@]}" -gt 0 ]; then
		printf '  %s\n' "${details[@]}"
	fi
	if [ "${#failures[@]}" -gt 0 ]; then
		printf '  failed: %s\n' "${failures[@]}"
	fi
	printf '%d passed, %d failed\n' "$passed" "$failed"
}

pg_dir=""
cleanup() {
	if [ -n "$pg_dir" ]; then
		scripts/pg-cluster.sh stop "$pg_dir" >/dev/null 2>&1 || true
		unset KAIRAN_TEST_PG_URL
		pg_dir=""
	fi
}
trap cleanup EXIT
trap 'cleanup; exit 130' INT TERM

# --- build -----------------------------------------------------------------
if want build || want unit || want http || want browser; then
	if ! run build make -j"$jobs" KIND=asan all; then
		summary
		echo "test: the ASan build failed; nothing else can run" >&2
		exit 1
	fi
	run check-code make KIND=asan check-code
fi

# --- a throwaway PostgreSQL for the unit tests of the PostgreSQL engine
# (KAIRAN_TEST_PG_URL) and the HTTP tests' second run -------------------------
pg_url=""
if want unit || want http; then
	if [ ! -x scripts/pg-cluster.sh ]; then
		echo "test: scripts/pg-cluster.sh is missing; cannot test on PostgreSQL" >&2
		record postgres-cluster 1
	else
		pg_dir=$(mktemp -d /tmp/kairan-pg.XXXXXX)
		if pg_out=$(scripts/pg-cluster.sh start "$pg_dir" 2>"$out/logs/pg-cluster.log"); then
			pg_url=$(printf '%s\n' "$pg_out" | grep -E '^postgres(ql)?://' | tail -n 1)
		fi
		if [ -n "$pg_url" ]; then
			echo "test: throwaway PostgreSQL at $pg_url"
			export KAIRAN_TEST_PG_URL="$pg_url" KAIRAN_TEST_PG_DIR="$pg_dir"
			record postgres-cluster 0
		else
			cat "$out/logs/pg-cluster.log" >&2
			echo "test: scripts/pg-cluster.sh start failed" >&2
			record postgres-cluster 1
		fi
	fi
fi

# --- unit tests ---------------------------------------------------------------
if want unit; then
	units=()
	for src in tests/unit/test_*.c; do
		[ -e "$src" ] || continue
		n=$(basename "$src" .c)
		units+=("build/asan/tests/$n")
	done
	if [ "${#units[@]}" -eq 0 ]; then
		echo "test: no unit tests found in tests/unit" >&2
	elif run unit-build make -j"$jobs" KIND=asan "${units[@]}"; then
		for u in "${units[@]}"; do
			run "unit/$(basename "$u")" "$u"
		done
	fi
fi

# --- fuzzing ------------------------------------------------------------------
if want fuzz; then
	targets=()
	for src in tests/fuzz/fuzz_*.c; do
		[ -e "$src" ] || continue
		targets+=("$(basename "$src" .c)")
	done
	if [ "${#targets[@]}" -eq 0 ]; then
		echo "test: no fuzz targets found in tests/fuzz" >&2
	elif run fuzz-build make -j"$jobs" fuzz; then
		for t in "${targets[@]}"; do
			name=${t#fuzz_}
			work=$(mktemp -d)
			seeds=tests/fuzz/corpus/$name
			[ -d "$seeds" ] || seeds=""
			# New inputs go to the first (scratch) directory, so the
			# committed seed corpus is only read; crashes land in
			# tests/out/fuzz/ for reproduction.
			run "fuzz/$name" "build/fuzz/fuzz/$t" -max_total_time="$fuzz_seconds" \
				-timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
				-artifact_prefix="$out/fuzz/$name-" "$work" ${seeds:+"$seeds"}
			rm -rf "$work"
		done
	fi
fi

# --- HTTP tests (pytest, once per engine) ----------------------------------
export KAIRAN_BIN=${KAIRAN_BIN:-$root/build/asan/kairan}

if want http; then
	pytest_args=(-q -rfEs -p no:cacheprovider tests/http)
	run http/sqlite env KAIRAN_TEST_DB=sqlite \
		timeout 1200 "$python" -m pytest "${pytest_args[@]}" --junitxml="$out/http-sqlite.xml"
	detail http/sqlite

	if [ -n "$pg_url" ]; then
		run http/postgres env KAIRAN_TEST_DB=postgres KAIRAN_TEST_PG_URL="$pg_url" \
			timeout 1200 "$python" -m pytest "${pytest_args[@]}" --junitxml="$out/http-postgres.xml"
		detail http/postgres
	else
		echo "test: no PostgreSQL; the HTTP tests on PostgreSQL did not run" >&2
		record http/postgres 1
	fi
fi
cleanup

# --- browser tests ------------------------------------------------------------
if want browser; then
	if [ ! -d tests/browser/node_modules/playwright-core ]; then
		echo "test: tests/browser/node_modules missing; run scripts/bootstrap.sh --test" >&2
		record browser 1
	else
		# Every journey file (each starts its own server on its own port).
		run browser timeout 900 node --test tests/browser/*.test.mjs
		detail browser
	fi
fi

summary
[ "$failed" -eq 0 ]
