#!/usr/bin/env bash
# bench/taxii.sh - the STIX store and TAXII server at scale (issue 5's
# bench/ report), next to what this machine can do in the same run.
#
# Not a test: it prints numbers.  It builds the release binary and
# bench/sqlite_raw (make bench-tools), generates (or reuses) a database
# holding 1M STIX indicators in one collection (`kairan bench-gen --stix`:
# generated documents through the real ingest, in-process, no HTTP), starts
# `kairan serve`, and measures as a member of that collection with an API
# key over HTTP Basic:
#   GET   a TAXII objects page (limit=1000) with wrk: req/s, MB/s, p99,
#         beside nginx serving the same bytes as a static file (ratio;
#         goal >= 0.3);
#   POST  a 10k-indicator TAXII envelope to the collection's objects
#         endpoint: indicators/s,
#         beside bench/sqlite_raw inserting and reading the same kind of
#         rows into the same database with two prepared INSERTs in one
#         transaction (goal: ingest >= 0.3x raw; the issue's absolute goal
#         is 100k indicators/s);
#   peak RSS (VmHWM of a freshly started server) while it streams the
#         collection as a STIX bundle and all collections as CSV;
#   table sizes (dbstat / pg_total_relation_size): the extracted values
#         (correlation) tables against the object table.
# Every measurement runs KAIRAN_BENCH_REPEAT times (default 3) and the best
# is reported: the machine is shared, the worst run says little.
#
#   bench/taxii.sh                                   SQLite, 1M indicators
#   KAIRAN_BENCH_INDICATORS=100000 bench/taxii.sh    quick run
#   KAIRAN_BENCH_DB=postgres bench/taxii.sh          a throwaway PostgreSQL (no raw-SQLite column)
#   KAIRAN_BENCH_DURATION=10s KAIRAN_BENCH_CONNS=16 KAIRAN_BENCH_THREADS=2 KAIRAN_BENCH_REPEAT=3
#   KAIRAN_BENCH_REUSE=0                             regenerate the SQLite dataset
#   KAIRAN_BENCH_ONLY=post                           only the POST ingest and its raw SQLite
#                                                    figure (no GET, exports or table sizes)
#
# SQLite datasets are kept in bench/out/data/ (reused while the binary's
# schema still opens them; each run's POSTs add 10k indicators apiece).
# Output: stdout and bench/out/taxii-<engine>-<time>.txt.
set -euo pipefail

cd "$(dirname "$0")/.."
root=$(pwd)

engine=${KAIRAN_BENCH_DB:-sqlite}
duration=${KAIRAN_BENCH_DURATION:-10s}
conns=${KAIRAN_BENCH_CONNS:-16}
threads=${KAIRAN_BENCH_THREADS:-2}
repeat=${KAIRAN_BENCH_REPEAT:-3}
wrk_timeout=${KAIRAN_BENCH_TIMEOUT:-30s}
nind=${KAIRAN_BENCH_INDICATORS:-1000000}
post_n=${KAIRAN_BENCH_POST:-10000}
slug=${KAIRAN_BENCH_COMMUNITY:-rail-isac}
member=${KAIRAN_BENCH_MEMBER:-rail-member}
reuse=${KAIRAN_BENCH_REUSE:-1}
only=${KAIRAN_BENCH_ONLY:-all}
bin=build/release/kairan
raw=build/release/bench/sqlite_raw
accept="Accept: application/taxii+json;version=2.1"

. bench/lib.sh
bench_need wrk nginx python3 curl
wrk_opts=(--timeout "$wrk_timeout")

mkdir -p bench/out/data
stamp=$(date -u +%Y%m%dT%H%M%SZ)
report=bench/out/taxii-$engine-$stamp.txt

bench_workdir kairan-bench-taxii

# best_of CMD...: runs CMD $repeat times; CMD prints one number; prints the highest.
best_of() {
	local best="" v
	for _ in $(seq 1 "$repeat"); do
		v=$("$@")
		best=$(awk -v a="$best" -v b="$v" 'BEGIN { if (a == "" || b + 0 > a + 0) print b; else print a }')
	done
	echo "$best"
}

echo "bench: building $bin and $raw" >&2
make -j2 KIND=release >/dev/null
make KIND=release bench-tools >/dev/null

# --- dataset ------------------------------------------------------------------------
gen_line="reused"
if [ "$engine" = "postgres" ]; then
	bench_pg_start
	fresh=1
else
	engine=sqlite
	db=$root/bench/out/data/taxii-$nind-$slug.db
	bench_sqlite_reuse
fi
if [ "$fresh" = "1" ]; then
	echo "bench: generating $nind indicators in $slug on $engine" >&2
	gen_line=$("$bin" bench-gen --db "$db" --stix "$nind" --stix-chunk 20000 --community "$slug" \
		--stix-as "$member" 2>"$work/gen.log" | grep '^bench-gen:' | sed 's/^bench-gen: //' | tail -n 1)
fi
# POST bundles: serials after every stored indicator (new ids), one per run
# and one per raw-SQLite run (which deletes its rows again).
serial0=$((nind + 1000000 + ($(date +%s) % 1000000) * 100000))
for i in $(seq 1 "$repeat"); do
	"$bin" bench-gen --stix-envelope "$work/post-$i.json" --stix "$post_n" --stix-first $((serial0 + i * post_n)) >/dev/null
done
"$bin" bench-gen --stix-bundle "$work/raw.json" --stix "$post_n" --stix-first $((serial0 + (repeat + 1) * post_n)) >/dev/null
bundle_mb=$(awk -v b="$(wc -c <"$work/post-1.json")" 'BEGIN { printf "%.1f", b / 1e6 }')

# --- kairan -------------------------------------------------------------------------
kport=$(free_port)
base="http://127.0.0.1:$kport"
start_kairan

key=$("$bin" apikey create --db "$db" --user "$member" --label "bench $stamp" 2>/dev/null | tail -n 1)
basic="Authorization: Basic $(printf '%s:%s' "$member" "$key" | base64 -w0)"
# The collection's TAXII id (stable per space and slug: see collection_uuid
# in src/core/stix.c), checked against the server's list.
coll=$(curl -fsS -H "$basic" -H "$accept" "$base/taxii2/api/collections/" | python3 -c '
import json, sys
want = sys.argv[1]
for c in json.load(sys.stdin).get("collections", []):
    if c.get("title") == want or want in (c.get("title") or ""):
        print(c["id"]); break' "$slug" || true)
if [ -z "$coll" ]; then
	coll=$(python3 -c '
import hashlib, sys
h = list(hashlib.sha256(("kairan-taxii-collection:0:" + sys.argv[1]).encode()).hexdigest())
h[12] = "4"; h[16] = "89ab"[int(h[16], 16) & 3]; h = "".join(h)
print("%s-%s-%s-%s-%s" % (h[0:8], h[8:12], h[12:16], h[16:20], h[20:32]))' "$slug")
fi
objects="$base/taxii2/api/collections/$coll/objects/"
curl -fsS -o /dev/null -H "$basic" -H "$accept" "$objects?limit=1" || {
	echo "bench: $member cannot read collection $coll ($slug)" >&2
	exit 1
}
page_url="$objects?limit=1000"
if [ "$only" != "post" ]; then
curl -fsS -H "$basic" -H "$accept" "$page_url" -o "$work/page.json"
page_bytes=$(wc -c <"$work/page.json")
page_objs=$(python3 -c 'import json,sys; print(len(json.load(open(sys.argv[1]))["objects"]))' "$work/page.json")

# --- table sizes --------------------------------------------------------------------
sizes() {
	if [ "$engine" = "sqlite" ]; then
		python3 - "$db" <<'PY'
import sqlite3, sys
c = sqlite3.connect(sys.argv[1])
rows = c.execute("SELECT COALESCE(m.tbl_name, d.name), SUM(d.pgsize) FROM dbstat d"
                 " LEFT JOIN sqlite_master m ON m.name = d.name GROUP BY 1").fetchall()
size = dict(rows)
n = c.execute("SELECT COUNT(*) FROM stix_objects").fetchone()[0]
v = c.execute("SELECT COUNT(*) FROM stix_values").fetchone()[0]
print(n, v, size.get("stix_objects", 0), size.get("stix_values", 0), size.get("taxii_status", 0))
PY
	else
		python3 - "$db" <<'PY'
import subprocess, sys
def q(sql):
    return subprocess.run(["psql", "-At", sys.argv[1], "-c", sql], capture_output=True, text=True, check=True).stdout.strip()
print(q("SELECT (SELECT COUNT(*) FROM stix_objects), (SELECT COUNT(*) FROM stix_values),"
        " pg_total_relation_size('stix_objects'), pg_total_relation_size('stix_values'),"
        " pg_total_relation_size('taxii_status')").replace("|", " "))
PY
	fi
}
read -r n_obj n_val sz_obj sz_val sz_status <<<"$(sizes)"

# --- nginx with a file of the page's bytes ------------------------------------------
bench_nginx_dir
cp "$work/page.json" "$work/nginx/html/page.json"
bench_nginx_start application/taxii+json page.json

fi

# --- measurements -------------------------------------------------------------------
# best wrk run of $repeat: "req/s p99 errors"
wrk_best() {
	local best="0 0 0" line
	for _ in $(seq 1 "$repeat"); do
		line=$(wrk_run "$@")
		best=$(printf '%s\n%s\n' "$best" "$line" | sort -k1,1 -g | tail -n 1)
	done
	echo "$best"
}

one_post() { # FILE -> indicators/s (fails unless all stored)
	local out code t
	out=$(curl -sS -o "$work/post.out" -w '%{http_code} %{time_total}' -H "$basic" -H "$accept" \
		-H "Content-Type: application/taxii+json;version=2.1" --data-binary "@$1" "$objects")
	read -r code t <<<"$out"
	if [ "$code" != "202" ] || ! python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); sys.exit(d.get("success_count") != int(sys.argv[2]))' "$work/post.out" "$post_n"; then
		echo "bench: POST $1 answered $code: $(head -c 300 "$work/post.out")" >&2
		echo 0
		return
	fi
	awk -v n="$post_n" -v t="$t" 'BEGIN { printf "%.0f", n / t }'
}

# Peak RSS of a fresh server streaming one export: "bytes seconds
# hwm_kb_before hwm_kb_after" into $work/export.out (not through $(...):
# the server it starts must belong to this shell).
export_rss() { # PATH
	stop_kairan
	start_kairan
	curl -fsS -o /dev/null -H "$basic" -H "$accept" "$objects?limit=1"
	local before after out
	before=$(awk '/^VmHWM:/ {print $2}' "/proc/$kairan_pid/status")
	out=$(curl -fsS -o /dev/null -w '%{size_download} %{time_total}' -H "Authorization: Bearer $key" "$base$1")
	after=$(awk '/^VmHWM:/ {print $2}' "/proc/$kairan_pid/status")
	echo "$out $before $after" >"$work/export.out"
}

if [ "$only" != "post" ]; then
echo "bench: GET page (wrk x$repeat)" >&2
read -r k_rps k_p99 k_err <<<"$(wrk_best "$page_url" "$basic" "$accept")"
read -r n_rps n_p99 _ <<<"$(wrk_best "http://127.0.0.1:$nport/page.json")"
stop_kairan
start_kairan
else
	page_objs=0 page_bytes=0 k_rps=0 k_p99=0 k_err=0 n_rps=0 n_p99=0
	n_obj=? n_val=? sz_obj=0 sz_val=0 sz_status=0
	: >"$work/wrk.log"
fi

echo "bench: POST $post_n indicators (x$repeat)" >&2
post_best=0
for i in $(seq 1 "$repeat"); do
	v=$(one_post "$work/post-$i.json")
	post_best=$(awk -v a="$post_best" -v b="$v" 'BEGIN { print (b + 0 > a + 0) ? b : a }')
done

raw_ins=n/a raw_sel=n/a raw_sel_mb=n/a raw_page=n/a
if [ "$engine" = "sqlite" ]; then
	echo "bench: raw SQLite (x$repeat)" >&2
	raw_ins=0 raw_sel=0 raw_page=0 raw_sel_mb=0
	for _ in $(seq 1 "$repeat"); do
		"$raw" "$db" "$work/raw.json" "$slug" "$member" >"$work/raw.out"
		cat "$work/raw.out" >>"$work/raw.log"
		get() { awk -v k="$1" '$1 == k {print $2}' "$work/raw.out"; }
		raw_ins=$(awk -v a="$raw_ins" -v b="$(get insert_per_s)" 'BEGIN { print (b + 0 > a + 0) ? b : a }')
		raw_sel=$(awk -v a="$raw_sel" -v b="$(get select_per_s)" 'BEGIN { print (b + 0 > a + 0) ? b : a }')
		raw_sel_mb=$(awk -v a="$raw_sel_mb" -v b="$(get select_mb_s)" 'BEGIN { print (b + 0 > a + 0) ? b : a }')
		raw_page=$(awk -v a="$raw_page" -v b="$(get page_per_s)" 'BEGIN { print (b + 0 > a + 0) ? b : a }')
	done
fi

b_bytes=0 b_s=0 b_hwm0=0 b_hwm=0 c_bytes=0 c_s=0 c_hwm0=0 c_hwm=0
if [ "$only" != "post" ]; then
echo "bench: exports (peak RSS)" >&2
export_rss "/api/v1/indicators/export?format=stix&collection=$slug"
read -r b_bytes b_s b_hwm0 b_hwm <"$work/export.out"
export_rss "/api/v1/indicators/export?format=csv"
read -r c_bytes c_s c_hwm0 c_hwm <"$work/export.out"
fi

if ! kill -0 "$kairan_pid" 2>/dev/null; then
	echo "bench: kairan serve died during the run" >&2
	cat "$work/kairan.log" >&2
	exit 1
fi

mb_s() { awk -v r="$1" -v b="$2" 'BEGIN { printf "%.1f", r * b / 1e6 }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b + 0 > 0) printf "%.2f", a / b; else print "n/a" }'; }
{
	echo "Kairan STIX/TAXII benchmark $stamp"
	echo "machine: $(bench_machine), load $(cut -d' ' -f1-3 /proc/loadavg)"
	echo "engine:  $engine   collection $slug, $n_obj stored objects, $n_val extracted values"
	echo "dataset: $gen_line"
	echo "runs:    best of $repeat; wrk -t$threads -c$conns -d$duration (wrk, servers and database share the cores)"
	echo
	if [ "$only" != "post" ]; then
	printf 'GET objects page (limit=1000, %s objects, %s bytes, HTTP Basic API key)\n' "$page_objs" "$page_bytes"
	printf '  kairan  %10.1f req/s %8s MB/s  p99 %8s ms%s\n' "$k_rps" "$(mb_s "$k_rps" "$page_bytes")" "$k_p99" \
		"$([ "${k_err:-0}" != 0 ] && echo "  ($k_err non-2xx)")"
	printf '  nginx   %10.1f req/s %8s MB/s  p99 %8s ms   (same bytes, static file)\n' "$n_rps" "$(mb_s "$n_rps" "$page_bytes")" "$n_p99"
	printf '  ratio   %s (goal >= 0.3)\n' "$(ratio "$k_rps" "$n_rps")"
	if [ "$engine" = "sqlite" ]; then
		printf '  raw SQLite page query (same index path, no HTTP, no ACL): %s pages/s\n' "$raw_page"
	fi
	echo
	fi
	printf 'POST ingest (%s indicators, %s MB envelope, validated, values extracted, one transaction)\n' "$post_n" "$bundle_mb"
	printf '  kairan      %10s indicators/s (goal >= 100000)\n' "$post_best"
	if [ "$engine" = "sqlite" ]; then
		printf '  raw SQLite  %10s rows/s insert (object + value row, prepared, one transaction)  ratio %s (goal >= 0.3)\n' \
			"$raw_ins" "$(ratio "$post_best" "$raw_ins")"
		printf '  raw SQLite  %10s rows/s select of the same rows (%s MB/s of JSON)\n' "$raw_sel" "$raw_sel_mb"
		printf '  settings both use: %s\n' "$(sed -n 's/^settings //p' "$work/raw.out")"
	fi
	[ "$only" = "post" ] && exit 0
	echo
	echo "Exports (streamed; peak RSS = VmHWM of a freshly started server)"
	printf '  STIX bundle of %-10s %8.1f MB in %6.1f s   RSS peak %6.1f MB (%.1f MB before)\n' "$slug" \
		"$(awk -v b="$b_bytes" 'BEGIN{print b/1e6}')" "$b_s" "$(awk -v k="$b_hwm" 'BEGIN{print k/1024}')" \
		"$(awk -v k="$b_hwm0" 'BEGIN{print k/1024}')"
	printf '  CSV of every collection   %8.1f MB in %6.1f s   RSS peak %6.1f MB (%.1f MB before)\n' \
		"$(awk -v b="$c_bytes" 'BEGIN{print b/1e6}')" "$c_s" "$(awk -v k="$c_hwm" 'BEGIN{print k/1024}')" \
		"$(awk -v k="$c_hwm0" 'BEGIN{print k/1024}')"
	[ "$only" = "post" ] && exit 0
	echo
	echo "Table sizes (with their indexes)"
	printf '  stix_objects  %8.1f MB  %s rows\n' "$(awk -v b="$sz_obj" 'BEGIN{print b/1e6}')" "$n_obj"
	printf '  stix_values   %8.1f MB  %s rows   (%.2fx the object table; must stay < 1)\n' \
		"$(awk -v b="$sz_val" 'BEGIN{print b/1e6}')" "$n_val" "$(awk -v a="$sz_val" -v b="$sz_obj" 'BEGIN{print a/b}')"
	printf '  taxii_status  %8.1f MB\n' "$(awk -v b="$sz_status" 'BEGIN{print b/1e6}')"
} | tee "$report"
cp "$work/wrk.log" "bench/out/wrk-taxii-$engine-$stamp.log"
echo
echo "report: $report (raw wrk output: bench/out/wrk-taxii-$engine-$stamp.log)"
