#!/usr/bin/env bash
# pg-cluster.sh - a throwaway PostgreSQL 15 cluster for tests.
#
#   scripts/pg-cluster.sh start DIR   initdb in DIR, start on 127.0.0.1 (free port),
#                                     create database kairan_test, print its URL
#   scripts/pg-cluster.sh url DIR     print the URL of the cluster running in DIR
#   scripts/pg-cluster.sh stop DIR    stop the cluster and remove DIR
#
# The server listens on loopback only (its unix socket lives in DIR), trusts
# every loopback connection and runs with fsync off: it is for tests, never
# for data anyone wants to keep.  As root the server runs as the unprivileged
# `postgres` system user (PostgreSQL refuses to run as root), so DIR and its
# parents must be reachable by that user (anything under /tmp is).  Debian's
# postgresql-15 package is installed with apt-get when missing.
set -eu

PGBIN=/usr/lib/postgresql/15/bin
DBUSER=kairan
DBNAME=kairan_test

die() { echo "pg-cluster: $*" >&2; exit 1; }

usage() { die "usage: $0 start|stop|url|pause|resume DIR"; }

[ $# -eq 2 ] || usage
cmd=$1
dir=$2
case $dir in
/*) ;;
*) dir=$(pwd)/$dir ;;
esac

is_root() { [ "$(id -u)" -eq 0 ]; }

# Run a server-side command as the user who owns the cluster.
as_owner() {
	if is_root; then
		runuser -u postgres -- "$@"
	else
		"$@"
	fi
}

ensure_installed() {
	[ -x "$PGBIN/initdb" ] && [ -x "$PGBIN/pg_ctl" ] && return 0
	echo "pg-cluster: installing postgresql-15" >&2
	if is_root; then
		apt-get update -qq >&2
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql-15 >&2
	elif command -v sudo >/dev/null 2>&1; then
		sudo apt-get update -qq >&2
		sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql-15 >&2
	else
		die "PostgreSQL 15 is not installed and this user cannot install it (apt-get install postgresql-15)"
	fi
	[ -x "$PGBIN/initdb" ] || die "initdb still missing after install"
	if is_root; then
		id postgres >/dev/null 2>&1 || die "the postgres system user is missing"
	fi
}

# A port nobody listens on now.  The server may still lose a race for it,
# so start() retries with another port when the server fails to bind.
pick_port() {
	i=0
	while [ $i -lt 50 ]; do
		p=$(( ($(od -An -N2 -tu2 /dev/urandom | tr -d ' ') % 30000) + 20000 ))
		if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then
			echo "$p"
			return 0
		fi
		i=$((i + 1))
	done
	die "no free port found"
}

url_of() {
	[ -f "$dir/port" ] || die "no cluster in $dir"
	echo "postgres://$DBUSER@127.0.0.1:$(cat "$dir/port")/$DBNAME"
}

start() {
	ensure_installed
	if [ -f "$dir/port" ] && as_owner "$PGBIN/pg_ctl" -D "$dir/data" status >/dev/null 2>&1; then
		url_of
		return 0
	fi
	mkdir -p "$dir"
	chmod 700 "$dir"
	if is_root; then
		chown postgres: "$dir"
		runuser -u postgres -- test -w "$dir" ||
			die "$dir is not reachable by the postgres user (use a directory under /tmp)"
	fi
	if [ ! -f "$dir/data/PG_VERSION" ]; then
		rm -rf "$dir/data"
		# C.UTF-8 sorts by code point (like SQLite) and still knows the case
		# of non-ASCII letters.
		as_owner "$PGBIN/initdb" -D "$dir/data" -U "$DBUSER" -E UTF8 --locale=C.UTF-8 \
			--auth=trust --no-sync >"$dir/initdb.log" 2>&1 ||
			{ cat "$dir/initdb.log" >&2; die "initdb failed"; }
		cat >>"$dir/data/postgresql.conf" <<EOF
# pg-cluster.sh: throwaway test cluster
listen_addresses = '127.0.0.1'
unix_socket_directories = '$dir'
fsync = off
synchronous_commit = off
full_page_writes = off
max_connections = 100
shared_buffers = 64MB
log_min_messages = warning
EOF
		# Loopback only, trusted: the cluster exists for the test run alone.
		cat >"$dir/data/pg_hba.conf" <<EOF
local all all trust
host all all 127.0.0.1/32 trust
EOF
	fi
	tries=0
	while :; do
		port=$(pick_port)
		if as_owner "$PGBIN/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 \
			-o "-p $port" start >/dev/null 2>&1; then
			break
		fi
		tries=$((tries + 1))
		[ $tries -lt 5 ] || { tail -n 20 "$dir/server.log" >&2; die "server did not start"; }
	done
	echo "$port" >"$dir/port"
	if ! as_owner "$PGBIN/psql" -q -h "$dir" -p "$port" -U "$DBUSER" -d postgres -tAc \
		"SELECT 1 FROM pg_database WHERE datname = '$DBNAME'" | grep -q 1; then
		as_owner "$PGBIN/createdb" -h "$dir" -p "$port" -U "$DBUSER" "$DBNAME" ||
			die "createdb failed"
	fi
	url_of
}

stop() {
	if [ -d "$dir/data" ]; then
		as_owner "$PGBIN/pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null 2>&1 || true
	fi
	# Only remove what looks like one of our clusters.
	if [ -d "$dir" ]; then
		[ -f "$dir/data/PG_VERSION" ] || [ -f "$dir/port" ] || [ -z "$(ls -A "$dir")" ] ||
			die "$dir does not look like a pg-cluster.sh directory; not removing it"
		rm -rf "$dir"
	fi
}

# pause/resume: stop the server but keep the cluster, then start it again on
# the same port (the tests of losing the database mid-run use these).
pause() {
	[ -f "$dir/port" ] || die "$dir has no running cluster"
	as_owner "$PGBIN/pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null 2>&1 || die "pg_ctl stop failed"
}

resume() {
	[ -f "$dir/port" ] || die "$dir has no cluster"
	as_owner "$PGBIN/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 \
		-o "-p $(cat "$dir/port")" start >/dev/null 2>&1 || { tail -n 20 "$dir/server.log" >&2; die "restart failed"; }
}

case $cmd in
start) start ;;
stop) stop ;;
url) url_of ;;
pause) pause ;;
resume) resume ;;
*) usage ;;
esac
