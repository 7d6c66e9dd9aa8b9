#!/usr/bin/env bash
# run-demo.sh - serve Kairan on the demo dataset (the end of `make run`).
#
#   scripts/run-demo.sh [--fresh]
#
# The demo database is demo.db in the repository root (KAIRAN_DB overrides);
# it is created with `kairan demo` when missing, or rebuilt with --fresh.
# The server listens on ${KAIRAN_LISTEN:-127.0.0.1:8080} in the foreground;
# Ctrl-C stops it.  Expects build/release/kairan (`make KIND=release`).
set -euo pipefail

cd "$(dirname "$0")/.."

fresh=0
for arg in "$@"; do
	case "$arg" in
	--fresh) fresh=1 ;;
	-h | --help)
		awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "$0"
		exit 0
		;;
	*)
		echo "run-demo: unknown option $arg (try --help)" >&2
		exit 2
		;;
	esac
done

bin=${KAIRAN_BIN:-build/release/kairan}
db=${KAIRAN_DB:-demo.db}
listen=${KAIRAN_LISTEN:-127.0.0.1:8080}

if [ ! -x "$bin" ]; then
	echo "run-demo: $bin is missing; build it with: make KIND=release" >&2
	exit 1
fi

if [ "$fresh" -eq 1 ]; then
	rm -f "$db" "$db-wal" "$db-shm"
fi
if [ ! -e "$db" ]; then
	echo "run-demo: creating the demo database $db (about 330 organisations, 1,800 people) ..."
	# Build into a temporary name so an interrupted run never leaves a
	# half-filled database that would be reused next time.
	tmp="$db.tmp.$$"
	rm -f "$tmp" "$tmp-wal" "$tmp-shm"
	if ! "$bin" demo --db "$tmp"; then
		rm -f "$tmp" "$tmp-wal" "$tmp-shm"
		echo "run-demo: kairan demo failed" >&2
		exit 1
	fi
	rm -f "$db-wal" "$db-shm"
	for suffix in -wal -shm; do
		if [ -e "$tmp$suffix" ]; then mv "$tmp$suffix" "$db$suffix"; fi
	done
	mv "$tmp" "$db"
fi

host=${listen%:*}
port=${listen##*:}
[ "$host" = "0.0.0.0" ] || [ -z "$host" ] && host=127.0.0.1
cat <<EOT

  Kairan demo: http://$host:$port/

  Demo logins (password for all: kairan-demo-2020)
    coordinator      coordination center (enrols a TOTP authenticator at first login)
    agency-analyst   a security agency
    rail-member      a railway operator (critical service)

  Database: $db   (rebuild with: scripts/run-demo.sh --fresh)
  Stop with Ctrl-C.

EOT
exec "$bin" serve --db "$db" --listen "$listen"
