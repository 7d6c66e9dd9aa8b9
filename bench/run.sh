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

for tool in wrk nginx python3; do
	if ! command -v "$tool" >/dev/null 2>&1 && [ ! -x "/usr/sbin/$tool" ]; then
		echo "bench: $tool is missing (scripts/bootstrap.sh --test installs wrk and nginx)" >&2
		exit 1
	fi
done
nginx_bin=$(command -v nginx || echo /usr/sbin/nginx)

mkdir -p bench/out
stamp=$(date -u +%Y%m%dT%H%M%SZ)
report=bench/out/bench-$engine-$stamp.txt

work=$(mktemp -d /tmp/kairan-bench.XXXXXX)
chmod 755 "$work"
kairan_pid=""
nginx_pid=""
pg_dir=""
cleanup() {
	[ -n "$kairan_pid" ] && kill -TERM "$kairan_pid" 2>/dev/null && wait "$kairan_pid" 2>/dev/null
	[ -n "$nginx_pid" ] && kill -TERM "$nginx_pid" 2>/dev/null && wait "$nginx_pid" 2>/dev/null
	[ -n "$pg_dir" ] && scripts/pg-cluster.sh stop "$pg_dir" >/dev/null 2>&1
	rm -rf "$work"
}
trap cleanup EXIT

free_port() {
	python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

# fetch URL: the body on stdout; fails unless 200.
fetch() {
	python3 -c 'import sys, urllib.request; sys.stdout.buffer.write(urllib.request.urlopen(sys.argv[1], timeout=5).read())' "$1"
}

wait_http() { # URL
	for _ in $(seq 1 300); do
		if fetch "$1" >/dev/null 2>&1; then return 0; fi
		sleep 0.1
	done
	echo "bench: $1 never answered" >&2
	return 1
}

echo "bench: building $bin" >&2
make -j"$(nproc)" KIND=release >/dev/null

# --- database -----------------------------------------------------------------
if [ "$engine" = "postgres" ]; then
	pg_dir=$(mktemp -d /tmp/kairan-bench-pg.XXXXXX)
	db=$(scripts/pg-cluster.sh start "$pg_dir" | grep -E '^postgres(ql)?://' | tail -n 1)
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
"$bin" serve --db "$db" --listen "127.0.0.1:$kport" 2>"$work/kairan.log" &
kairan_pid=$!
wait_http "http://127.0.0.1:$kport/healthz"

# --- nginx with files the size of Kairan's answers -------------------------------
mkdir -p "$work/nginx/conf" "$work/nginx/html" "$work/nginx/logs" "$work/nginx/tmp"
size_of() { fetch "http://127.0.0.1:$kport$1" | wc -c; }
healthz_size=$(size_of /healthz)
login_size=$(size_of /login)
head -c "$healthz_size" /dev/zero | tr '\0' 'x' >"$work/nginx/html/healthz.txt"
head -c "$login_size" /dev/zero | tr '\0' 'x' >"$work/nginx/html/login.html"
chmod -R a+rX "$work/nginx"
nport=$(free_port)
cat >"$work/nginx/conf/nginx.conf" <<EOF
worker_processes $(nproc);
pid $work/nginx/logs/nginx.pid;
error_log $work/nginx/logs/error.log warn;
events { worker_connections 1024; }
http {
    access_log off;
    client_body_temp_path $work/nginx/tmp/body;
    proxy_temp_path $work/nginx/tmp/proxy;
    fastcgi_temp_path $work/nginx/tmp/fastcgi;
    uwsgi_temp_path $work/nginx/tmp/uwsgi;
    scgi_temp_path $work/nginx/tmp/scgi;
    sendfile on;
    keepalive_requests 100000;
    server {
        listen 127.0.0.1:$nport;
        root $work/nginx/html;
        default_type text/html;
    }
}
EOF
"$nginx_bin" -p "$work/nginx" -c "$work/nginx/conf/nginx.conf" -g 'daemon off;' 2>"$work/nginx/logs/stderr" &
nginx_pid=$!
wait_http "http://127.0.0.1:$nport/login.html"

# --- measure ----------------------------------------------------------------------
# wrk URL -> "req/s p99_ms"
measure() {
	local out rps p99
	out=$(wrk -t"$threads" -c"$conns" -d"$duration" --latency "$1")
	echo "$out" >>"$work/wrk.log"
	rps=$(echo "$out" | awk '/^Requests\/sec:/ {print $2}')
	p99=$(echo "$out" | awk '$1 == "99%" {print $2}')
	# wrk prints latencies as 850.00us / 12.34ms / 1.02s: normalise to ms.
	p99=$(echo "$p99" | awk '{ v=$1; if (v ~ /us$/) { sub(/us$/,"",v); v=v/1000 } else if (v ~ /ms$/) { sub(/ms$/,"",v) } else if (v ~ /s$/) { sub(/s$/,"",v); v=v*1000 } printf "%.2f", v }')
	local errs
	errs=$(echo "$out" | awk '/Non-2xx or 3xx responses:/ {print $NF}')
	echo "${rps:-0} ${p99:-0} ${errs:-0}"
}

{
	echo "Kairan benchmark $stamp"
	echo "machine: $(nproc) cores, $(awk -F': ' '/model name/ {print $2; exit}' /proc/cpuinfo), $(uname -sr)"
	echo "engine:  $engine   dataset: kairan demo ($((t1 - t0)) s to build)"
	echo "load:    wrk -t$threads -c$conns -d$duration --latency (wrk, servers and database share the cores)"
	echo "nginx:   $("$nginx_bin" -v 2>&1 | sed 's/^nginx version: //'), static files of the same size"
	echo
	printf '%-10s %8s | %12s %9s | %12s %9s | %7s\n' path bytes "kairan r/s" "p99 ms" "nginx r/s" "p99 ms" ratio
	printf '%s\n' "-----------------------------------------------------------------------------------"
} | tee "$report"

for pair in "/healthz healthz.txt $healthz_size" "/login login.html $login_size"; do
	set -- $pair
	read -r k_rps k_p99 k_err <<<"$(measure "http://127.0.0.1:$kport$1")"
	read -r n_rps n_p99 _ <<<"$(measure "http://127.0.0.1:$nport/$2")"
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
