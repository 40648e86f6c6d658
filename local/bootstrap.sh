#!/usr/bin/env bash
# Installs what the local stack needs, when it is missing, and nothing else:
#   - Deno, pinned, from the npm package `deno` (into .tools/, git-ignored) when `deno` is not on PATH;
#   - PostgreSQL 15 + pg_cron + pgTAP + pg_prove, and Chromium, from Debian's packages with apt-get
#     when they are missing and we are root; otherwise one sentence saying what to install.
# Sourced by ./shelfwatch; quick and silent on the second run.
#
# Set SHELFWATCH_SKIP_CHROMIUM=1 to skip Chromium (only the browser tests need it).

DENO_VERSION="2.9.6"
SHELFWATCH_ROOT="${SHELFWATCH_ROOT:-$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)}"
PG_BINDIR="${SHELFWATCH_PG_BINDIR:-/usr/lib/postgresql/15/bin}"

bootstrap_fail() {
  printf 'shelfwatch: %s\n' "$1" >&2
  exit 1
}

# Runs apt-get install for the given packages, once per process, or explains what to run.
bootstrap_apt_install() {
  local why="$1"
  shift
  if [ "$(id -u)" != "0" ]; then
    bootstrap_fail "$why is missing and installing it needs root: run 'sudo apt-get update && sudo apt-get install -y $*', then try again."
  fi
  if ! command -v apt-get >/dev/null 2>&1; then
    bootstrap_fail "$why is missing and this machine has no apt-get: install the equivalent of Debian's '$*' and try again."
  fi
  printf 'shelfwatch: installing %s with apt-get (%s)...\n' "$why" "$*" >&2
  if [ -z "${BOOTSTRAP_APT_UPDATED:-}" ]; then
    apt-get update -qq >/dev/null || bootstrap_fail "'apt-get update' failed; check the machine's package sources and try again."
    BOOTSTRAP_APT_UPDATED=1
  fi
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null ||
    bootstrap_fail "'apt-get install $*' failed; run it by hand to see why, then try again."
}

bootstrap_deno() {
  if command -v deno >/dev/null 2>&1; then
    DENO_BIN="$(command -v deno)"
    return
  fi
  local tools="$SHELFWATCH_ROOT/.tools"
  DENO_BIN="$tools/bin/deno"
  if [ -x "$DENO_BIN" ] && "$DENO_BIN" --version 2>/dev/null | grep -q "^deno $DENO_VERSION "; then
    return
  fi
  command -v npm >/dev/null 2>&1 || bootstrap_fail "Deno is missing and so is npm: install Node.js with npm (or Deno $DENO_VERSION) and try again."
  printf 'shelfwatch: installing Deno %s from npm into .tools/ ...\n' "$DENO_VERSION" >&2
  mkdir -p "$tools/deno" "$tools/bin"
  npm install --prefix "$tools/deno" --no-audit --no-fund --silent "deno@$DENO_VERSION" >/dev/null 2>&1 ||
    bootstrap_fail "'npm install deno@$DENO_VERSION' failed; check that the npm registry is reachable and try again."
  # The package ships the binary in a per-platform optional dependency; link it directly so no
  # Node wrapper sits between us and Deno.
  local binary
  binary="$(find "$tools/deno/node_modules/@deno" -maxdepth 2 -name deno -type f 2>/dev/null | head -n 1)"
  [ -n "$binary" ] || binary="$tools/deno/node_modules/.bin/deno"
  ln -sf "../${binary#"$tools/"}" "$DENO_BIN" # relative, so a moved checkout keeps working
  "$DENO_BIN" --version >/dev/null 2>&1 || bootstrap_fail "Deno was installed into .tools/ but does not run on this machine."
}

bootstrap_postgres() {
  # With DATABASE_URL the user brings their own Postgres; we only need the client tools for pgTAP.
  local need=()
  if [ -z "${DATABASE_URL:-}" ]; then
    [ -x "$PG_BINDIR/pg_ctl" ] || need+=(postgresql-15)
    [ -f "$(dirname "$PG_BINDIR")/lib/pg_cron.so" ] || need+=(postgresql-15-cron)
  fi
  [ -f /usr/share/postgresql/15/extension/pgtap.control ] || [ -n "${DATABASE_URL:-}" ] || need+=(postgresql-15-pgtap)
  command -v pg_prove >/dev/null 2>&1 || need+=(libtap-parser-sourcehandler-pgtap-perl)
  command -v psql >/dev/null 2>&1 || need+=(postgresql-client-15)
  if [ "${#need[@]}" -gt 0 ]; then
    bootstrap_apt_install "PostgreSQL 15 with pg_cron and pgTAP" "${need[@]}"
  fi
}

bootstrap_chromium() {
  [ -n "${SHELFWATCH_SKIP_CHROMIUM:-}" ] && return
  [ -x /usr/bin/chromium ] || bootstrap_apt_install "Chromium (for the browser tests)" chromium
}

bootstrap_deno
bootstrap_postgres
export DENO_BIN
