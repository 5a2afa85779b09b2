#!/usr/bin/env bash
# Runs a command with throwaway Redis and PostgreSQL servers for Ralex's server tests.
#
#   usage: scripts/with-test-servers.sh <command...>
#   e.g.:  scripts/with-test-servers.sh mvn -B verify      (the README's test command; .ci/run calls it)
#
# What it does, in order:
#   1. If `redis-server` or PostgreSQL's `initdb`/`pg_ctl` are missing, installs the Debian packages
#      `redis-server` and `postgresql` (apt-get as root, else through sudo; without either it says why and
#      goes on without the missing server). Installing may start the system's own services on the default
#      ports (6379, 5432): this script leaves them alone and never uses them.
#   2. In a fresh temporary directory, starts Redis on 127.0.0.1:6390 (no persistence) and PostgreSQL on
#      127.0.0.1:5440 (a new cluster, superuser `postgres`, trust authentication, loopback only), or on the
#      next free ports when those are taken. Both run as children of this script (Redis not daemonized,
#      PostgreSQL started like `pg_ctl -w start` would, but without pg_ctl's detaching), so they are stopped
#      by their PIDs and reaped here, even where PID 1 does not reap orphans (containers).
#   3. Exports, for each server that started:
#        RALEX_TEST_REDIS_URL=redis://127.0.0.1:<port>
#        RALEX_TEST_POSTGRES_URL=jdbc:postgresql://127.0.0.1:<port>/postgres?user=postgres
#      A server that cannot be started is reported on stderr and its variable stays unset, so the tests that
#      need it skip (saying why) while everything else still runs.
#   4. Runs the command and exits with its exit code.
#   5. Always (normal exit, error, Ctrl-C, SIGTERM) stops both servers by PID and deletes the directory;
#      on Ctrl-C or SIGTERM it first sends SIGTERM to the command and waits for it.
#
# Everything this script says goes to stderr, so the command's stdout is its own. It can be run from any
# directory, any number of times in a row, and also where the servers are already installed.
set -euo pipefail

readonly REDIS_PREFERRED_PORT=6390
readonly POSTGRES_PREFERRED_PORT=5440
readonly PORT_TRIES=20          # how many ports upwards from the preferred one to try
readonly START_TIMEOUT=30       # seconds to wait for a server to answer / to stop

log() { printf 'with-test-servers: %s\n' "$*" >&2; }

if [[ $# -eq 0 ]]; then
  echo "usage: $0 <command...>   (e.g. $0 mvn -B verify)" >&2
  exit 2
fi

# Only servers started here count: a value inherited from the caller's environment is dropped.
unset RALEX_TEST_REDIS_URL RALEX_TEST_POSTGRES_URL

is_root() { [[ $(id -u) -eq 0 ]]; }

# ---------------------------------------------------------------------------------------------------------
# 1. Find (or install) the server binaries
# ---------------------------------------------------------------------------------------------------------

PG_BIN=""   # the directory holding initdb and pg_ctl

# Debian/Ubuntu put PostgreSQL's server programs in /usr/lib/postgresql/<version>/bin, outside PATH;
# take the newest version there, else whatever initdb/pg_ctl PATH (or pg_config) offers.
find_pg_bin() {
  local dir best="" best_version=-1 version
  for dir in /usr/lib/postgresql/*/bin; do
    [[ -x $dir/initdb && -x $dir/pg_ctl && -x $dir/postgres ]] || continue
    version=${dir#/usr/lib/postgresql/}
    version=${version%%/*}
    version=${version%%.*}
    [[ $version =~ ^[0-9]+$ ]] || version=0
    if ((version > best_version)); then
      best=$dir
      best_version=$version
    fi
  done
  if [[ -z $best ]] && command -v pg_config >/dev/null 2>&1; then
    dir=$(pg_config --bindir 2>/dev/null || true)
    [[ -n $dir && -x $dir/initdb && -x $dir/pg_ctl ]] && best=$dir
  fi
  if [[ -z $best ]] && command -v initdb >/dev/null 2>&1 && command -v pg_ctl >/dev/null 2>&1; then
    best=$(dirname "$(readlink -f "$(command -v pg_ctl)")")
  fi
  PG_BIN=$best
  [[ -n $PG_BIN ]]
}

have_redis() { command -v redis-server >/dev/null 2>&1; }

# Installs both packages with apt-get; returns non-zero (after saying why) when it cannot.
install_servers() {
  local -a sudo=()
  if ! command -v apt-get >/dev/null 2>&1; then
    log "cannot install redis-server/postgresql: apt-get not found (install them by hand)"
    return 1
  fi
  if ! is_root; then
    if ! command -v sudo >/dev/null 2>&1; then
      log "cannot install redis-server/postgresql: not root and sudo not found"
      return 1
    fi
    # Never hang waiting for a password without a terminal to type it on (CI has no stdin).
    if ! sudo -n true 2>/dev/null && [[ ! -t 0 ]]; then
      log "cannot install redis-server/postgresql: sudo needs a password and there is no terminal"
      return 1
    fi
    sudo=(sudo)
  fi
  log "installing redis-server and postgresql with apt-get (once per machine)"
  # apt's progress goes to stderr too, so the command's stdout stays clean.
  if ! "${sudo[@]}" apt-get update >&2 \
      || ! "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive \
             apt-get install -y redis-server postgresql >&2; then
    log "apt-get failed to install redis-server/postgresql"
    return 1
  fi
}

if ! have_redis || ! find_pg_bin; then
  install_servers || log "going on without the servers that are missing"
  hash -r
fi
have_redis || log "redis-server not found: Redis tests will be skipped"
find_pg_bin || log "PostgreSQL's initdb/pg_ctl not found: PostgreSQL tests will be skipped"

# ---------------------------------------------------------------------------------------------------------
# Helpers: ports, processes
# ---------------------------------------------------------------------------------------------------------

# True when something listens on the TCP port (on any local address). Uses ss when present, else tries to
# connect with bash's /dev/tcp.
port_in_use() {
  local port=$1
  if command -v ss >/dev/null 2>&1 && ss -Hltn "sport = :$port" 2>/dev/null | grep -q .; then
    return 0
  fi
  (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null
}

# Prints the first free port from $1 upwards (PORT_TRIES candidates), or fails.
free_port() {
  local port=$1 i
  for ((i = 0; i < PORT_TRIES; i++, port++)); do
    if ! port_in_use "$port"; then
      echo "$port"
      return 0
    fi
  done
  return 1
}

# True while the process runs. The servers daemonize, so they are not our children, and where PID 1 does
# not reap orphans a stopped server lingers as a zombie: that counts as stopped.
alive() {
  local pid=$1 stat
  kill -0 "$pid" 2>/dev/null || return 1
  [[ -r /proc/$pid/stat ]] || return 0
  stat=$(<"/proc/$pid/stat") 2>/dev/null || return 1
  stat=${stat##*) }     # the fields after "pid (name) ": the first is the state
  [[ ${stat:0:1} != Z ]]
}

# Sends the signal $2 to the PID $1, waits up to START_TIMEOUT s for it to end, then kills it outright.
stop_pid() {
  local pid=$1 signal=$2 name=$3 i
  alive "$pid" || return 0
  kill "-$signal" "$pid" 2>/dev/null || true
  for ((i = 0; i < START_TIMEOUT * 10; i++)); do
    alive "$pid" || return 0
    sleep 0.1
  done
  log "$name (pid $pid) did not stop after SIG$signal; killing it"
  kill -KILL "$pid" 2>/dev/null || true
}

# ---------------------------------------------------------------------------------------------------------
# 5. Cleanup: runs on every exit; stops what was started, by PID, then deletes the directory
# ---------------------------------------------------------------------------------------------------------

WORK_DIR=""
REDIS_PID=""       # redis-server, a child of this script
POSTGRES_PID=""    # the postmaster (read from its pid file)
POSTGRES_JOB=""    # the child that runs it: the postmaster itself, or runuser/su when root
COMMAND_PID=""     # the command

cleanup() {
  local status=$?
  trap - EXIT
  trap '' INT TERM    # let the cleanup finish even if interrupted again
  set +e
  if [[ -n $REDIS_PID ]]; then
    stop_pid "$REDIS_PID" TERM "redis-server"
    wait "$REDIS_PID" 2>/dev/null
  fi
  stop_postgres
  if [[ -n $WORK_DIR && -d $WORK_DIR ]]; then rm -rf -- "$WORK_DIR"; fi
  exit "$status"
}

# On Ctrl-C or SIGTERM: ask the running command to end (it ignores SIGINT, as a background job), wait
# for it, then clean up and exit as if killed by that signal.
on_signal() {
  local signal=$1 code=$2
  log "got SIG$signal: stopping the command and the servers"
  if [[ -n $COMMAND_PID ]]; then
    kill -TERM "$COMMAND_PID" 2>/dev/null || true
    wait "$COMMAND_PID" 2>/dev/null || true
  fi
  exit "$code"    # runs cleanup through the EXIT trap
}

trap cleanup EXIT
trap 'on_signal INT 130' INT
trap 'on_signal TERM 143' TERM

# A fresh directory for both servers' data, sockets, pid and log files. As root it is under /tmp, which the
# postgres user can reach (it cannot reach, say, /root/tmp); the path stays short for PostgreSQL's socket.
if is_root; then
  WORK_DIR=$(mktemp -d /tmp/ralex-test-servers.XXXXXX)
  chmod 755 "$WORK_DIR"
else
  WORK_DIR=$(mktemp -d "${TMPDIR:-/tmp}/ralex-test-servers.XXXXXX")
fi

# ---------------------------------------------------------------------------------------------------------
# 2a. Redis
# ---------------------------------------------------------------------------------------------------------

# True when Redis on the port answers PING with PONG (spoken with /dev/tcp: redis-cli is not needed).
redis_ping() {
  local port=$1
  (
    exec 3<>"/dev/tcp/127.0.0.1/$port" || exit 1
    printf 'PING\r\n' >&3
    IFS= read -r -t 2 reply <&3 || exit 1
    [[ $reply == +PONG* ]]
  ) 2>/dev/null
}

start_redis() {
  local dir=$WORK_DIR/redis port attempt i
  mkdir -p "$dir"
  for ((attempt = 0; attempt < 3; attempt++)); do
    port=$(free_port $((REDIS_PREFERRED_PORT + attempt))) || {
      log "Redis: no free port in $REDIS_PREFERRED_PORT..$((REDIS_PREFERRED_PORT + PORT_TRIES - 1))"
      return 1
    }
    # No RDB snapshots, no AOF: nothing is written to disk but the log and the pid file. It runs as a
    # background job of this script rather than daemonized, so it is our child: we can stop it by its PID
    # and reap it (a daemon's parent is PID 1, which in some containers leaves it a zombie forever).
    redis-server --port "$port" --bind 127.0.0.1 --daemonize no \
      --save '' --appendonly no --dir "$dir" \
      --pidfile "$dir/redis.pid" --logfile "$dir/redis.log" </dev/null >>"$dir/redis.log" 2>&1 &
    REDIS_PID=$!
    # Ready when it answers PING and has written our PID to its pid file, which it does only once it
    # listens: the PONG is then ours, not from someone who took the port meanwhile.
    for ((i = 0; i < START_TIMEOUT * 10; i++)); do
      if [[ -s $dir/redis.pid && $(<"$dir/redis.pid") == "$REDIS_PID" ]] && redis_ping "$port"; then
        export RALEX_TEST_REDIS_URL="redis://127.0.0.1:$port"
        log "Redis listening on 127.0.0.1:$port (pid $REDIS_PID)"
        return 0
      fi
      alive "$REDIS_PID" || break
      sleep 0.1
    done
    stop_pid "$REDIS_PID" TERM "redis-server"
    wait "$REDIS_PID" 2>/dev/null || true
    REDIS_PID=""
    # Try the next port only if this one was taken meanwhile; otherwise it will not start anywhere.
    if ! port_in_use "$port"; then break; fi
    log "Redis: port $port was taken meanwhile; trying another"
  done
  log "Redis could not be started; its log ends:"
  tail -n 5 "$dir/redis.log" >&2 2>/dev/null || true
  return 1
}

# ---------------------------------------------------------------------------------------------------------
# 2b. PostgreSQL
# ---------------------------------------------------------------------------------------------------------

# PostgreSQL refuses to run as root: as root, its programs run as the `postgres` user (created by the
# Debian package); otherwise as the current user. Either way the cluster's superuser is named `postgres`.
as_pg() {
  if is_root; then
    if command -v runuser >/dev/null 2>&1; then
      runuser -u postgres -- "$@"
    else
      su -s /bin/sh postgres -c "$(printf '%q ' "$@")"
    fi
  else
    "$@"
  fi
}

# Line 1 of postmaster.pid is the server's PID; line 8 its state, "ready" once it accepts connections.
postmaster_ready() {
  local file=$1 lines
  [[ -s $file ]] || return 1
  mapfile -t lines <"$file" 2>/dev/null || return 1
  [[ ${#lines[@]} -ge 8 && ${lines[7]// /} == ready ]]
}

start_postgres() {
  local dir=$WORK_DIR/pg port attempt i pidfile
  if is_root && ! id postgres >/dev/null 2>&1; then
    log "PostgreSQL: running as root but there is no 'postgres' user to run it as"
    return 1
  fi
  mkdir -p "$dir"
  if is_root; then chown postgres: "$dir"; fi
  pidfile=$dir/data/postmaster.pid
  # A new cluster with trust authentication (it listens on loopback and on a socket in our directory only).
  # Run from the work directory: the postgres user may not be allowed into the caller's directory.
  if ! (cd "$dir" && as_pg "$PG_BIN/initdb" -D "$dir/data" -U postgres -A trust -E UTF8 --locale=C \
        --no-sync >"$dir/initdb.log" 2>&1); then
    log "PostgreSQL: initdb failed; its output ends:"
    tail -n 5 "$dir/initdb.log" >&2 || true
    return 1
  fi
  for ((attempt = 0; attempt < 3; attempt++)); do
    port=$(free_port $((POSTGRES_PREFERRED_PORT + attempt))) || {
      log "PostgreSQL: no free port in $POSTGRES_PREFERRED_PORT..$((POSTGRES_PREFERRED_PORT + PORT_TRIES - 1))"
      return 1
    }
    # Like `pg_ctl -w start`, but the server stays this script's child (see Redis above). The socket goes
    # in the work directory, not /var/run; no fsync for this throwaway cluster.
    (cd "$dir" && as_pg "$PG_BIN/postgres" -D "$dir/data" -p "$port" \
      -c listen_addresses=127.0.0.1 -c unix_socket_directories="$dir" \
      -c fsync=off -c synchronous_commit=off -c full_page_writes=off) </dev/null >>"$dir/postgres.log" 2>&1 &
    POSTGRES_JOB=$!
    for ((i = 0; i < START_TIMEOUT * 10; i++)); do
      if postmaster_ready "$pidfile"; then
        POSTGRES_PID=$(head -n 1 "$pidfile")
        export RALEX_TEST_POSTGRES_URL="jdbc:postgresql://127.0.0.1:$port/postgres?user=postgres"
        log "PostgreSQL listening on 127.0.0.1:$port (pid $POSTGRES_PID)"
        return 0
      fi
      alive "$POSTGRES_JOB" || break
      sleep 0.1
    done
    stop_postgres
    # Try the next port only if this one was taken meanwhile; otherwise it will not start anywhere.
    if ! port_in_use "$port"; then break; fi
    log "PostgreSQL: port $port was taken meanwhile; trying another"
  done
  log "PostgreSQL could not be started; its log ends:"
  tail -n 5 "$dir/postgres.log" >&2 2>/dev/null || true
  return 1
}

# Stops the server (SIGINT is PostgreSQL's "fast shutdown": it ends the sessions and stops cleanly), then
# the job that started it (runuser when root), and reaps both.
stop_postgres() {
  local pidfile=$WORK_DIR/pg/data/postmaster.pid
  if [[ -z $POSTGRES_PID && -s $pidfile ]]; then POSTGRES_PID=$(head -n 1 "$pidfile"); fi
  if [[ -n $POSTGRES_PID ]]; then stop_pid "$POSTGRES_PID" INT "postgres"; fi
  if [[ -n $POSTGRES_JOB ]]; then
    stop_pid "$POSTGRES_JOB" TERM "postgres launcher"
    wait "$POSTGRES_JOB" 2>/dev/null || true
  fi
  POSTGRES_PID=""
  POSTGRES_JOB=""
}

# ---------------------------------------------------------------------------------------------------------
# 3./4. Start what can be started, export the URLs, run the command
# ---------------------------------------------------------------------------------------------------------

if have_redis; then
  start_redis || log "RALEX_TEST_REDIS_URL left unset: Redis tests will be skipped"
fi
if [[ -n $PG_BIN ]]; then
  start_postgres || log "RALEX_TEST_POSTGRES_URL left unset: PostgreSQL tests will be skipped"
fi

# The command runs as a background job that this shell waits for, so a SIGTERM sent to this script is
# handled at once (the command is stopped, then the servers) instead of after the command ends; stdin is
# passed on explicitly when there is one, since a background job would otherwise read /dev/null.
status=0
if { : <&0; } 2>/dev/null; then
  "$@" <&0 &
else
  "$@" </dev/null &   # CI may start this script with standard input closed
fi
COMMAND_PID=$!
wait "$COMMAND_PID" || status=$?
COMMAND_PID=""
exit "$status"    # cleanup (EXIT trap) keeps this exit code
