#!/usr/bin/env bash
# bench/topics.sh - topic list and topic page at scale (R17.2), next to what
# this machine can do.
#
# Not a test: it prints numbers.  It builds the release binary, generates
# (or reuses) a dataset with `kairan bench-gen` (the demo's 330
# organisations and 1,800 people plus 1M topics, 100k of them in one
# community), starts `kairan serve`, logs in a member of that community,
# and runs `wrk -t2 -c64 -d10s --latency` against the community's topic
# list, one topic, and an nginx (own temporary prefix, loopback only)
# serving static files of the same byte sizes as Kairan's answers - the
# machine's practical ceiling for one HTTP answer of that size.  For every
# path it prints requests/s, p99 latency and the ratio Kairan/nginx.
#
#   bench/topics.sh                                   SQLite, 1M topics, JSON API paths
#   KAIRAN_BENCH_TOPICS=20000 KAIRAN_BENCH_COMMUNITY_TOPICS=5000 bench/topics.sh   quick run
#   KAIRAN_BENCH_DB=postgres bench/topics.sh          a throwaway PostgreSQL (scripts/pg-cluster.sh)
#   KAIRAN_BENCH_DB=postgres KAIRAN_BENCH_PG_URL=postgres://... bench/topics.sh
#                                                     an existing database, already generated
#                                                     (migrated, not regenerated; set the sizes
#                                                     it was made with for the report's header)
#   KAIRAN_BENCH_MODE=web bench/topics.sh             the HTML pages /c/<slug> and /topics/<id>
#                                                     with a session cookie instead of an API key
#   KAIRAN_BENCH_LIST_PATH='/c/{slug}?sort=views' KAIRAN_BENCH_TOPIC_PATH='/topics/{id}' ...
#                                                     any paths; {slug} and {id} are filled in
#   KAIRAN_BENCH_DURATION=30s KAIRAN_BENCH_CONNS=128 KAIRAN_BENCH_THREADS=2
#   KAIRAN_BENCH_REPEAT=5                             runs per path, Kairan and nginx alternating
#                                                     (default 3; the median ratio is reported)
#   KAIRAN_BENCH_REUSE=0                              regenerate the SQLite dataset
#   KAIRAN_BENCH_SEARCH=0                             skip the search latencies
#   KAIRAN_BENCH_BIN=/path/to/kairan                  measure another build (nothing is built;
#                                                     e.g. an older commit for a before/after)
#   KAIRAN_BENCH_DATASET=/path/to/file.db             the SQLite dataset to use or create (an older
#                                                     build needs its own: newer schemas add indexes)
#
# SQLite datasets are kept in bench/out/data/ (reused while the binary's schema
# still opens them); PostgreSQL ones are generated each run.  Output goes to
# stdout and bench/out/topics-<engine>-<time>.txt.
set -euo pipefail

cd "$(dirname "$0")/.."
root=$(pwd)

engine=${KAIRAN_BENCH_DB:-sqlite}
duration=${KAIRAN_BENCH_DURATION:-10s}
conns=${KAIRAN_BENCH_CONNS:-64}
threads=${KAIRAN_BENCH_THREADS:-2}
repeat=${KAIRAN_BENCH_REPEAT:-3}
# wrk counts an answer slower than its timeout as an error without a
# latency; a long timeout keeps slow paths measured instead of hidden.
wrk_timeout=${KAIRAN_BENCH_TIMEOUT:-30s}
ntopics=${KAIRAN_BENCH_TOPICS:-1000000}
ncomm=${KAIRAN_BENCH_COMMUNITY_TOPICS:-100000}
slug=${KAIRAN_BENCH_COMMUNITY:-rail-isac}
member=${KAIRAN_BENCH_MEMBER:-rail-member}
mode=${KAIRAN_BENCH_MODE:-api}
reuse=${KAIRAN_BENCH_REUSE:-1}
password=kairan-demo-2020
if [ "$mode" = "web" ]; then
	list_tpl=${KAIRAN_BENCH_LIST_PATH:-/c/\{slug\}}
	topic_tpl=${KAIRAN_BENCH_TOPIC_PATH:-/topics/\{id\}}
else
	mode=api
	list_tpl=${KAIRAN_BENCH_LIST_PATH:-/api/v1/topics?community=\{slug\}}
	topic_tpl=${KAIRAN_BENCH_TOPIC_PATH:-/api/v1/topics/\{id\}}
fi
bin=${KAIRAN_BENCH_BIN:-build/release/kairan}

. bench/lib.sh
bench_need wrk nginx python3
wrk_opts=(--timeout "$wrk_timeout")
wrk_timeouts=1

mkdir -p bench/out/data
stamp=$(date -u +%Y%m%dT%H%M%SZ)
report=bench/out/topics-$engine-$stamp.txt

bench_workdir kairan-bench-topics

if [ -z "${KAIRAN_BENCH_BIN:-}" ]; then
	echo "bench: building $bin" >&2
	make -j"$(nproc)" KIND=release >/dev/null
fi

# --- dataset ------------------------------------------------------------------------
gen_line="reused"
if [ "$engine" = "postgres" ] && [ -n "${KAIRAN_BENCH_PG_URL:-}" ]; then
	db=$KAIRAN_BENCH_PG_URL
	fresh=0
	"$bin" migrate --db "$db" >/dev/null 2>&1
elif [ "$engine" = "postgres" ]; then
	bench_pg_start
	fresh=1
else
	engine=sqlite
	db=${KAIRAN_BENCH_DATASET:-$root/bench/out/data/topics-$ntopics-$ncomm-$slug.db}
	bench_sqlite_reuse
fi
if [ "$fresh" = "1" ]; then
	echo "bench: generating $ntopics topics ($ncomm in $slug) on $engine" >&2
	t0=$(date +%s.%N)
	gen_line=$("$bin" bench-gen --db "$db" --topics "$ntopics" --community-topics "$ncomm" --community "$slug" \
		2>"$work/gen.log" | grep '^bench-gen:' | sed 's/^bench-gen: //')
	t1=$(date +%s.%N)
	gen_line="$gen_line; $(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.0f s including the demo", b - a }')"
fi

# --- kairan -------------------------------------------------------------------------
kport=$(free_port)
start_kairan

# An API key for the member (the JSON paths, and to find a topic id).
key=$("$bin" apikey create --db "$db" --user "$member" --label "bench $stamp" 2>/dev/null | tail -n 1)
api_auth="Authorization: Bearer $key"

# A session cookie for the member, through the login form (web paths).
login_cookie() {
	python3 - "http://127.0.0.1:$kport" "$member" "$password" <<'PY'
import re, sys, requests
base, login, pw = sys.argv[1:4]
s = requests.Session()
page = s.get(base + "/login", timeout=30).text
m = re.search(r'name="csrf"[^>]*value="([^"]+)"', page) or re.search(r'value="([^"]+)"[^>]*name="csrf"', page)
data = {"login": login, "password": pw}
if m:
    data["csrf"] = m.group(1)
r = s.post(base + "/login", data=data, allow_redirects=False, timeout=30)
if r.status_code not in (302, 303) or not s.cookies:
    sys.exit("login %s failed: %s" % (login, r.status_code))
print("Cookie: " + "; ".join("%s=%s" % (c.name, c.value) for c in s.cookies))
PY
}
if [ "$mode" = "web" ]; then
	auth=$(login_cookie)
else
	auth=$api_auth
fi

# A topic of the community, newest first (what a reader clicks).
topic_id=$(fetch "http://127.0.0.1:$kport/api/v1/topics?community=$slug&limit=1" "$api_auth" |
	python3 -c 'import json, sys; print(json.load(sys.stdin)["items"][0]["id"])')
list_path=${list_tpl//\{slug\}/$slug}
topic_path=${topic_tpl//\{id\}/$topic_id}
total=$(fetch "http://127.0.0.1:$kport/api/v1/topics?community=$slug&limit=1" "$api_auth" |
	python3 -c 'import json, sys; print(json.load(sys.stdin).get("total", "?"))' 2>/dev/null || echo "?")

# --- nginx with files the size of Kairan's answers -----------------------------------
bench_nginx_dir
size_of() { fetch "http://127.0.0.1:$kport$1" "$auth" | wc -c; }
list_size=$(size_of "$list_path")
topic_size=$(size_of "$topic_path")
bench_filler "$work/nginx/html/list.html" "$list_size"
bench_filler "$work/nginx/html/topic.html" "$topic_size"
bench_nginx_start text/html list.html

# --- measure ------------------------------------------------------------------------
# After wrk stops, Kairan may still be answering queued requests (a slow
# path leaves a backlog): a fresh server keeps one path's backlog from
# being charged to the next.
drain() {
	stop_kairan
	start_kairan
}

# One request on an idle server, in ms (the latency nobody queues for).
single_ms() { # URL HEADER
	python3 - "$1" "$2" <<'PY'
import sys, time, urllib.request
req = urllib.request.Request(sys.argv[1])
k, v = sys.argv[2].split(": ", 1)
req.add_header(k, v)
best = None
for _ in range(3):
    t = time.monotonic()
    urllib.request.urlopen(req, timeout=600).read()
    d = (time.monotonic() - t) * 1000
    best = d if best is None or d < best else best
print("%.1f" % best)
PY
}

# Search latency: the query set comes from the same vocabulary bench-gen
# writes (src/core/benchgen.c, benchgen_search_terms).  Whoever lands
# GET /api/v1/search wires this into the table below; until then it is
# defined and deliberately not called.
# Search latency as one person sees it: one connection, back to back, so
# p50/p99 are the time of a single search (R7.2; goal p99 < 30 ms).
bench_search() {
	local q enc out p50 p99 n rps
	echo
	printf '%-28s %10s %10s %10s %10s\n' "search (1 connection)" "requests" "p50 ms" "p99 ms" "req/s" | tee -a "$report"
	for q in 障害 改ざん 攻撃 DDoS phishing CVE-2021 203.0.113.66; do
		enc=$(python3 -c 'import sys, urllib.parse; print(urllib.parse.quote(sys.argv[1]))' "$q")
		out=$(wrk -t1 -c1 -d"$duration" --timeout "$wrk_timeout" --latency -H "$api_auth" \
			"http://127.0.0.1:$kport/api/v1/search?q=$enc")
		echo "$out" >>"$work/wrk.log"
		p50=$(echo "$out" | awk '$1 == "50%" {print $2}')
		p99=$(echo "$out" | awk '$1 == "99%" {print $2}')
		n=$(echo "$out" | awk '/requests in/ {print $1}')
		rps=$(echo "$out" | awk '/^Requests\/sec:/ {print $2}')
		printf '%-28s %10s %10s %10s %10s\n' "q=$q" "$n" "$(to_ms "$p50")" "$(to_ms "$p99")" "$rps" | tee -a "$report"
	done
}

{
	echo "Kairan topic benchmark $stamp"
	echo "machine: $(bench_machine)"
	echo "engine:  $engine   dataset: $ntopics topics, $ncomm in community $slug (the demo's 330 orgs, 1,800 people)"
	echo "dataset: $gen_line"
	echo "viewer:  $member ($mode: $([ "$mode" = web ] && echo 'session cookie' || echo 'API key')), $total topics visible in $slug"
	echo "load:    wrk -t$threads -c$conns -d$duration --latency, $repeat alternating runs per path, median ratio shown"
	echo "         (wrk, servers and database share the cores)"
	echo "nginx:   $("$nginx_bin" -v 2>&1 | sed 's/^nginx version: //'), static files of the same size"
	echo
	printf '%-28s %8s %9s | %10s %9s | %10s %9s | %7s\n' path bytes "1 req ms" "kairan r/s" "p99 ms" "nginx r/s" "p99 ms" ratio
	printf '%s\n' "------------------------------------------------------------------------------------------------------------"
} | tee "$report"

# On a shared machine one run of each can land in different weather, so
# every path is measured $repeat times, Kairan and nginx alternating; the
# table shows the run whose ratio is the median, and the range of ratios.
median_line() { # lines "ratio k_rps k_p99 k_err n_rps n_p99" -> the median one
	sort -k1,1 -g | awk '{ l[NR] = $0 } END { print l[int((NR + 1) / 2)] }'
}
for pair in "$topic_path topic.html $topic_size" "$list_path list.html $list_size"; do
	set -- $pair
	one=$(single_ms "http://127.0.0.1:$kport$1" "$auth")
	runs=""
	for _ in $(seq 1 "$repeat"); do
		read -r k_rps k_p99 k_err <<<"$(wrk_run "http://127.0.0.1:$kport$1" "$auth")"
		drain
		read -r n_rps n_p99 _ <<<"$(wrk_run "http://127.0.0.1:$nport/$2")"
		r=$(awk -v a="$k_rps" -v b="$n_rps" 'BEGIN { if (b > 0) printf "%.3f", a / b; else print "0" }')
		runs="$runs$r $k_rps $k_p99 ${k_err:-0} $n_rps $n_p99"$'\n'
	done
	read -r ratio k_rps k_p99 k_err n_rps n_p99 <<<"$(printf '%s' "$runs" | median_line)"
	range=$(printf '%s' "$runs" | awk 'NR == 1 { lo = hi = $1 } { if ($1 < lo) lo = $1; if ($1 > hi) hi = $1 }
		END { printf "%.2f-%.2f", lo, hi }')
	shown=$1
	[ ${#shown} -gt 28 ] && shown="${shown:0:25}..."
	line=$(printf '%-28s %8s %9s | %10.1f %9s | %10.0f %9s | %7s  (%s in %d runs)' "$shown" "$3" "$one" "$k_rps" \
		"$k_p99" "$n_rps" "$n_p99" "$ratio" "$range" "$repeat")
	if [ "${k_err:-0}" != "0" ]; then line="$line  ($k_err non-2xx/timeouts from kairan)"; fi
	echo "$line" | tee -a "$report"
done

[ "${KAIRAN_BENCH_SEARCH:-1}" = 1 ] && bench_search

if ! kill -0 "$kairan_pid" 2>/dev/null; then
	echo "bench: kairan serve died during the run" | tee -a "$report" >&2
	cat "$work/kairan.log" >&2
	exit 1
fi
cp "$work/wrk.log" "bench/out/wrk-topics-$engine-$stamp.log"
echo
echo "report: $report (raw wrk output: bench/out/wrk-topics-$engine-$stamp.log)"
