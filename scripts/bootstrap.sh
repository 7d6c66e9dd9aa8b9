#!/usr/bin/env bash
# bootstrap.sh - install what Kairan needs on Debian 12, and nothing else.
#
#   scripts/bootstrap.sh          build dependencies (for `make run`)
#   scripts/bootstrap.sh --test   also everything the test suite uses (for `make test`)
#   scripts/bootstrap.sh --dry-run [--test]   print what would be installed, change nothing
#
# Idempotent: each package is checked with dpkg-query first, `apt-get update`
# runs at most once and only when something is missing, and a machine that
# already has everything is left untouched (no network at all).  Runs as root
# or through sudo.  The browser tests use Debian's /usr/bin/chromium driven by
# playwright-core from npm; no browser is ever downloaded.
set -euo pipefail

cd "$(dirname "$0")/.."

want_test=0
dry_run=0
for arg in "$@"; do
	case "$arg" in
	--test) want_test=1 ;;
	--dry-run) dry_run=1 ;;
	-h | --help)
		awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "$0"
		exit 0
		;;
	*)
		echo "bootstrap: unknown option $arg (try --help)" >&2
		exit 2
		;;
	esac
done

say() { printf 'bootstrap: %s\n' "$*" >&2; }

if [ ! -r /etc/debian_version ] || ! command -v dpkg-query >/dev/null 2>&1; then
	say "this script installs packages with apt on Debian 12; install the packages listed in README.md by hand"
	exit 1
fi

SUDO=()
if [ "$(id -u)" -ne 0 ]; then
	if ! command -v sudo >/dev/null 2>&1; then
		say "not root and sudo is missing: run as root or install sudo"
		exit 1
	fi
	SUDO=(sudo)
fi

# installed PKG: true when dpkg says the package is fully installed ("ii").
installed() {
	local st
	st=$(dpkg-query -W -f='${db:Status-Abbrev}' "$1" 2>/dev/null) || return 1
	[ "${st:0:2}" = "ii" ]
}

build_pkgs=(build-essential pkg-config libmicrohttpd-dev libsqlite3-dev libjansson-dev
	libsodium-dev libcurl4-openssl-dev libcmark-gfm-dev libcmark-gfm-extensions-dev
	liboath-dev libqrencode-dev libpq-dev sqlite3)
test_pkgs=(libcmocka-dev clang libclang-rt-14-dev postgresql python3 python3-pytest
	python3-requests python3-aiosmtpd chromium fonts-ipafont-gothic wrk)

# KAIRAN_BOOTSTRAP_EXTRA: more packages to require (used to test this
# script's install path with a harmless package).
read -r -a extra_pkgs <<<"${KAIRAN_BOOTSTRAP_EXTRA:-}"

missing=()
for p in "${build_pkgs[@]}" "${extra_pkgs[@]}"; do installed "$p" || missing+=("$p"); done

if [ "$want_test" -eq 1 ]; then
	for p in "${test_pkgs[@]}"; do installed "$p" || missing+=("$p"); done
	# Node: Debian's nodejs + npm, unless a node >= 18 with npm is already
	# there (e.g. a NodeSource nodejs, which bundles npm and conflicts with
	# Debian's npm package).
	if ! command -v node >/dev/null 2>&1 ||
		! node -e 'process.exit(+process.versions.node.split(".")[0] >= 18 ? 0 : 1)' 2>/dev/null; then
		installed nodejs || missing+=(nodejs)
	fi
	if ! command -v npm >/dev/null 2>&1; then
		installed npm || missing+=(npm)
	fi
	# Any nginx will do for the benchmark's reference server.
	if ! command -v nginx >/dev/null 2>&1 && [ ! -x /usr/sbin/nginx ]; then
		installed nginx-light || installed nginx || missing+=(nginx-light)
	fi
fi

if [ "${#missing[@]}" -gt 0 ]; then
	say "missing: ${missing[*]}"
	if [ "$dry_run" -eq 1 ]; then
		say "dry run: would run apt-get update and apt-get install -y --no-install-recommends ${missing[*]}"
	else
		export DEBIAN_FRONTEND=noninteractive
		"${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -q
		"${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -q \
			--no-install-recommends "${missing[@]}"
	fi
else
	say "all apt packages present"
fi

[ "$dry_run" -eq 1 ] && exit 0

if [ "$want_test" -eq 1 ]; then
	# libFuzzer's runtime ships in libclang-rt-14-dev; check that clang can
	# really link a fuzz target rather than trusting the package name.
	tmp=$(mktemp -d)
	trap 'rm -rf "$tmp"' EXIT
	cat >"$tmp/f.c" <<'EOF'
#include <stddef.h>
#include <stdint.h>
int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n);
int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n) { (void)d; (void)n; return 0; }
EOF
	if ! clang -fsanitize=fuzzer,address -o "$tmp/f" "$tmp/f.c" >"$tmp/log" 2>&1; then
		cat "$tmp/log" >&2
		say "clang -fsanitize=fuzzer does not link: is libclang-rt-14-dev installed?"
		exit 1
	fi

	# playwright-core for the browser tests, from the committed lock file.
	# Reinstalled when node_modules is missing or the lock file changed.
	lock=tests/browser/package-lock.json
	stamp=tests/browser/node_modules/.kairan-lock.sha256
	sum=$(sha256sum "$lock" | cut -d' ' -f1)
	if [ ! -d tests/browser/node_modules/playwright-core ] || [ "$(cat "$stamp" 2>/dev/null)" != "$sum" ]; then
		say "npm ci in tests/browser"
		(cd tests/browser &&
			PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --ignore-scripts --no-audit --no-fund --loglevel=error)
		echo "$sum" >"$stamp"
	else
		say "tests/browser/node_modules up to date"
	fi
fi
exit 0
