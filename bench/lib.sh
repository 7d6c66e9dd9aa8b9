# shellcheck shell=bash
# bench/lib.sh - the helpers bench/run.sh, bench/topics.sh and bench/taxii.sh
# share: tool check, a work directory cleaned up on exit (with the servers
# and the throwaway PostgreSQL it started), free ports, HTTP fetch and wait,
# `kairan serve` start/stop, an nginx with its own temporary prefix serving
# static files on loopback, and the reading of wrk's output.  Sourced (not
# run) from the repository root; the caller sets bin, db, threads, conns,
# duration before using the server and wrk helpers.

# bench_need TOOL...: exits unless every tool is installed; sets nginx_bin.
bench_need() {
	local tool
	for tool in "$@"; do
		if ! command -v "$tool" >/dev/null 2>&1 && [ ! -x "/usr/sbin/$tool" ]; then
			echo "bench: $tool is missing (scripts/bootstrap.sh --test installs wrk and nginx)" >&2
			exit 1
		fi
	done
	nginx_bin=$(command -v nginx || echo /usr/sbin/nginx)
}

# bench_workdir NAME: work=/tmp/NAME.XXXXXX, removed on exit together with
# the kairan, nginx and PostgreSQL cluster started through this file.
bench_workdir() {
	work=$(mktemp -d "/tmp/$1.XXXXXX")
	chmod 755 "$work"
	kairan_pid=""
	nginx_pid=""
	pg_dir=""
	trap bench_cleanup EXIT
}
bench_cleanup() {
	[ -n "$kairan_pid" ] && kill -TERM "$kairan_pid" 2>/dev/null && wait "$kairan_pid" 2>/dev/null
	[ -n "$nginx_pid" ] && kill -TERM "$nginx_pid" 2>/dev/null && wait "$nginx_pid" 2>/dev/null
	[ -n "$pg_dir" ] && scripts/pg-cluster.sh stop "$pg_dir" >/dev/null 2>&1
	rm -rf "$work"
}

free_port() {
	python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

# fetch URL [HEADER]: the body on stdout; fails unless 200.
fetch() {
	python3 -c '
import sys, urllib.request
req = urllib.request.Request(sys.argv[1])
if len(sys.argv) > 2 and sys.argv[2]:
    k, v = sys.argv[2].split(": ", 1)
    req.add_header(k, v)
sys.stdout.buffer.write(urllib.request.urlopen(req, timeout=30).read())' "$@"
}

wait_http() { # URL
	for _ in $(seq 1 300); do
		if fetch "$1" >/dev/null 2>&1; then return 0; fi
		sleep 0.1
	done
	echo "bench: $1 never answered" >&2
	return 1
}

# bench_pg_start: a throwaway PostgreSQL cluster (stopped on exit); sets db.
bench_pg_start() {
	pg_dir=$(mktemp -d /tmp/kairan-bench-pg.XXXXXX)
	db=$(scripts/pg-cluster.sh start "$pg_dir" | grep -E '^postgres(ql)?://' | tail -n 1)
}

# bench_sqlite_reuse: fresh=0 when $reuse is 1 and the SQLite dataset $db
# still opens with this binary's schema; otherwise fresh=1 and its files are
# removed.
bench_sqlite_reuse() {
	fresh=1
	if [ "$reuse" = "1" ] && [ -f "$db" ] && "$bin" migrate --db "$db" >/dev/null 2>&1; then
		fresh=0
	fi
	if [ "$fresh" = "1" ]; then rm -f "$db" "$db-wal" "$db-shm"; fi
}

# start_kairan / stop_kairan: `kairan serve` on $kport (the caller picks it
# with free_port), stderr appended to $work/kairan.log.
start_kairan() {
	"$bin" serve --db "$db" --listen "127.0.0.1:$kport" 2>>"$work/kairan.log" &
	kairan_pid=$!
	wait_http "http://127.0.0.1:$kport/healthz"
}
stop_kairan() {
	kill -TERM "$kairan_pid" 2>/dev/null && wait "$kairan_pid" 2>/dev/null || true
	kairan_pid=""
}

# bench_nginx_dir: makes $work/nginx; put the files to serve in
# $work/nginx/html, then bench_nginx_start.
bench_nginx_dir() {
	mkdir -p "$work/nginx/conf" "$work/nginx/html" "$work/nginx/logs" "$work/nginx/tmp"
}

# bench_filler FILE BYTES: a file of that many bytes (nginx's stand-in for an answer).
bench_filler() {
	head -c "$2" /dev/zero | tr '\0' 'x' >"$1"
}

# bench_nginx_start TYPE FILE: nginx on a free port ($nport) serving
# $work/nginx/html with default_type TYPE; waits until FILE answers.
bench_nginx_start() {
	chmod -R a+rX "$work/nginx"
	nport=$(free_port)
	cat >"$work/nginx/conf/nginx.conf" <<NGINX
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
        default_type $1;
    }
}
NGINX
	"$nginx_bin" -p "$work/nginx" -c "$work/nginx/conf/nginx.conf" -g 'daemon off;' 2>"$work/nginx/logs/stderr" &
	nginx_pid=$!
	wait_http "http://127.0.0.1:$nport/$2"
}

# wrk prints latencies as 850.00us / 12.34ms / 1.02s: normalise to ms.
to_ms() { echo "$1" | awk '{ v=$1; if (v ~ /us$/) { sub(/us$/,"",v); v=v/1000 } else if (v ~ /ms$/) { sub(/ms$/,"",v) } else if (v ~ /s$/) { sub(/s$/,"",v); v=v*1000 } printf "%.2f", v }'; }

# wrk_run URL [HEADER...] -> "req/s p99_ms non2xx" (0 for what wrk did not
# print); wrk's whole output is appended to $work/wrk.log.  Extra wrk
# options (e.g. --timeout 30s) go in wrk_opts; with wrk_timeouts=1 the
# requests wrk gave up on are added to the third field as "+Ntimeouts".
wrk_opts=()
wrk_timeouts=0
wrk_run() {
	local url=$1 h out rps p99 errs tmo
	shift
	local hdr=()
	for h in "$@"; do hdr+=(-H "$h"); done
	out=$(wrk -t"$threads" -c"$conns" -d"$duration" "${wrk_opts[@]}" --latency "${hdr[@]}" "$url")
	echo "$out" >>"$work/wrk.log"
	rps=$(echo "$out" | awk '/^Requests\/sec:/ {print $2}')
	p99=$(to_ms "$(echo "$out" | awk '$1 == "99%" {print $2}')")
	errs=$(echo "$out" | awk '/Non-2xx or 3xx responses:/ {print $NF}')
	if [ "$wrk_timeouts" = 1 ]; then
		tmo=$(echo "$out" | awk '/Socket errors:/ {print $NF}')
		[ -n "$tmo" ] && [ "$tmo" != "0" ] && errs="${errs:-0}+${tmo}timeouts"
	fi
	echo "${rps:-0} ${p99:-0} ${errs:-0}"
}

# The first header line of a report: cores, CPU, kernel.
bench_machine() {
	echo "$(nproc) cores, $(awk -F': ' '/model name/ {print $2; exit}' /proc/cpuinfo), $(uname -sr)"
}
