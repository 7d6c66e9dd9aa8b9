#!/usr/bin/env bash
# bench/run.sh - how fast Kairan answers, next to what this machine can do.
#
# Not a test: it prints numbers.  It builds the release binary, makes a demo
# database (330 organisations, 1,800 people), starts `kairan serve` and an
# nginx (its own temporary prefix and config, loopback only) serving static
# files of the same byte size as Kairan's answers, and runs
# `wrk -t2 -c64 -d10s --latency` against each.  For every path it prints
# requests/s, p99 latency and the ratio Kairan/nginx: nginx serving a file is
# the machine's practical ceiling for one HTTP answer of that size.
#
#   bench/run.sh                      SQLite (default)
#   KAIRAN_BENCH_DB=postgres bench/run.sh   a throwaway PostgreSQL (scripts/pg-cluster.sh)
#   KAIRAN_BENCH_DURATION=30s KAIRAN_BENCH_CONNS=128 bench/run.sh
#
# Output goes to stdout and bench/out/bench-<engine>-<time>.txt.  wrk, the
# servers and the database share the machine's cores, as they would on a
# one-box deployment; compare ratios, not absolute numbers, across machines.
set -euo pipefail

cd "$(dirname "$0")/.."
root=$(pwd)

engine=${KAIRAN_BENCH_DB:-sqlite}
duration=${KAIRAN_BENCH_DURATION:-10s}
conns=${KAIRAN_BENCH_CONNS:-64}
threads=${KAIRAN_BENCH_THREADS:-2}
bin=build/release/kairan

. bench/lib.sh
bench_need wrk nginx python3

mkdir -p bench/out
stamp=$(date -u +%Y%m%dT%H%M%SZ)
report=bench/out/bench-$engine-$stamp.txt

bench_workdir kairan-bench

echo "bench: building $bin" >&2
make -j"$(nproc)" KIND=release >/dev/null

# --- database -----------------------------------------------------------------
if [ "$engine" = "postgres" ]; then
	bench_pg_start
else
	engine=sqlite
	db=$work/bench.db
fi
echo "bench: demo database on $engine" >&2
t0=$(date +%s)
"$bin" demo --db "$db" >"$work/demo.out"
t1=$(date +%s)

# --- kairan -------------------------------------------------------------------------
kport=$(free_port)
start_kairan

# --- nginx with files the size of Kairan's answers -------------------------------
bench_nginx_dir
size_of() { fetch "http://127.0.0.1:$kport$1" | wc -c; }
healthz_size=$(size_of /healthz)
login_size=$(size_of /login)
bench_filler "$work/nginx/html/healthz.txt" "$healthz_size"
bench_filler "$work/nginx/html/login.html" "$login_size"
bench_nginx_start text/html login.html

# --- measure ----------------------------------------------------------------------
{
	echo "Kairan benchmark $stamp"
	echo "machine: $(bench_machine)"
	echo "engine:  $engine   dataset: kairan demo ($((t1 - t0)) s to build)"
	echo "load:    wrk -t$threads -c$conns -d$duration --latency (wrk, servers and database share the cores)"
	echo "nginx:   $("$nginx_bin" -v 2>&1 | sed 's/^nginx version: //'), static files of the same size"
	echo
	printf '%-10s %8s | %12s %9s | %12s %9s | %7s\n' path bytes "kairan r/s" "p99 ms" "nginx r/s" "p99 ms" ratio
	printf '%s\n' "-----------------------------------------------------------------------------------"
} | tee "$report"

for pair in "/healthz healthz.txt $healthz_size" "/login login.html $login_size"; do
	set -- $pair
	read -r k_rps k_p99 k_err <<<"$(wrk_run "http://127.0.0.1:$kport$1")"
	read -r n_rps n_p99 _ <<<"$(wrk_run "http://127.0.0.1:$nport/$2")"
	ratio=$(awk -v a="$k_rps" -v b="$n_rps" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "n/a" }')
	line=$(printf '%-10s %8s | %12.0f %9s | %12.0f %9s | %7s' "$1" "$3" "$k_rps" "$k_p99" "$n_rps" "$n_p99" "$ratio")
	if [ "${k_err:-0}" != "0" ]; then line="$line  ($k_err non-2xx from kairan)"; fi
	echo "$line" | tee -a "$report"
done

if ! kill -0 "$kairan_pid" 2>/dev/null; then
	echo "bench: kairan serve died during the run" | tee -a "$report" >&2
	cat "$work/kairan.log" >&2
	exit 1
fi
cp "$work/wrk.log" "bench/out/wrk-$engine-$stamp.log"
echo
echo "report: $report (raw wrk output: bench/out/wrk-$engine-$stamp.log)"
