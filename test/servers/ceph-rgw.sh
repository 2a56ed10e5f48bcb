#!/usr/bin/env bash
# Throwaway single-node Ceph cluster (1 mon, 1 memstore OSD, radosgw/beast)
# on 127.0.0.1, for tests of the S3 store against a real RADOS Gateway.
#
#   bash test/servers/ceph-rgw.sh install          # apt-get install Ceph 16.2 (idempotent)
#   bash test/servers/ceph-rgw.sh start <workdir>  # bring a fresh cluster up, write <workdir>/env
#   bash test/servers/ceph-rgw.sh stop  <workdir>  # kill the daemons listed in <workdir>/pids
#
# No systemd: every daemon runs in the foreground (-f), backgrounded by this
# script, so <workdir>/pids holds the daemons' real PIDs (one per line).
# See test/servers/README.md.
#
# Optional environment:
#   CEPH_RGW_PORT             fixed RGW port (default: a free port picked at random)
#   CEPH_RGW_START_TIMEOUT    seconds allowed for each wait in `start` (default 90)
#   CEPH_RGW_MEMSTORE_BYTES   memstore capacity reported by the OSD (default 4 GiB;
#                             memory is used only for data actually stored)
set -uo pipefail

ACCESS_KEY=EVIDENCETESTKEY000001
SECRET_KEY=evidence-test-secret-not-real-000000000000
RGW_UID=evidence-test
RGW_NAME=client.rgw.evidence
MON_ID=a
START_TIMEOUT=${CEPH_RGW_START_TIMEOUT:-90}
MEMSTORE_BYTES=${CEPH_RGW_MEMSTORE_BYTES:-4294967296}
BINARIES=(ceph ceph-mon ceph-osd radosgw radosgw-admin monmaptool ceph-authtool)

log() { printf '[ceph-rgw %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }

usage() {
  cat >&2 <<'EOF'
usage: ceph-rgw.sh install
       ceph-rgw.sh start <workdir>
       ceph-rgw.sh stop  <workdir>
EOF
  exit 2
}

# ---------------------------------------------------------------- install
cmd_install() {
  local missing=() b
  for b in "${BINARIES[@]}"; do
    command -v "$b" >/dev/null 2>&1 || missing+=("$b")
  done
  if [ ${#missing[@]} -eq 0 ]; then
    log "ceph binaries already installed ($(ceph --version 2>/dev/null | awk '{print $3}')); skipping"
    return 0
  fi
  log "missing: ${missing[*]}; installing radosgw ceph-mon ceph-osd ceph-common"
  [ "$(id -u)" -eq 0 ] || die "install needs root"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update || die "apt-get update failed"
  apt-get install -y --no-install-recommends radosgw ceph-mon ceph-osd ceph-common \
    || die "apt-get install failed"
  for b in "${BINARIES[@]}"; do
    command -v "$b" >/dev/null 2>&1 || die "$b still missing after install"
  done
  log "installed $(ceph --version | awk '{print $3}')"
}

# ---------------------------------------------------------------- helpers
abspath() { mkdir -p "$1" && (cd "$1" && pwd -P); }

# TCP ports currently in LISTEN state (decimal), from /proc (no ss/netstat needed).
listening_ports() {
  local f
  for f in /proc/net/tcp /proc/net/tcp6; do
    [ -r "$f" ] || continue
    awk 'NR > 1 && $4 == "0A" { split($2, a, ":"); print a[2] }' "$f"
  done | while read -r hex; do echo $((16#$hex)); done | sort -un
}

# A free TCP port in [20000, 32000) (below the usual ephemeral range and
# away from Ceph's 6800-7300 OSD range), not in the space-separated list $1.
free_port() {
  local avoid=" ${1:-} " used p i
  used=" $(listening_ports | tr '\n' ' ') "
  for i in $(seq 1 200); do
    p=$((20000 + RANDOM % 12000))
    case "$used$avoid" in *" $p "*) continue ;; esac
    echo "$p"
    return 0
  done
  return 1
}

# Is PID $1 alive and one of ours (its command line names our ceph.conf)?
# Zombies count as dead.
is_ours() {
  local pid=$1 state
  [ -r "/proc/$pid/stat" ] || return 1
  state=$(awk '{print $3}' "/proc/$pid/stat" 2>/dev/null) || return 1
  [ "$state" != Z ] || return 1
  tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -qF -- "$CONF" || return 1
}

http_ok() {
  # Plain bash HTTP probe: curl is not guaranteed on a fresh machine.
  timeout 3 bash -c '
    exec 3<>"/dev/tcp/127.0.0.1/$1" || exit 1
    printf "GET / HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n" >&3
    head -c 12 <&3; cat <&3 >/dev/null' _ "$1" 2>/dev/null | grep -q '^HTTP/1\.[01] '
}

# ceph CLI bound to our config, never hanging.
cephcli() { timeout 30 ceph -c "$CONF" --connect-timeout 15 "$@"; }

set_paths() {
  WD=$(abspath "$1") || die "cannot create workdir $1"
  CONF=$WD/ceph.conf
  PIDS=$WD/pids
  LOGDIR=$WD/log
}

# ---------------------------------------------------------------- stop
# wait_gone <tenths> <pid...>: poll until none is a live daemon of ours.
wait_gone() {
  local n=$1 i pid any
  shift
  for ((i = 0; i <= n; i++)); do
    any=0
    for pid in "$@"; do is_ours "$pid" && any=1; done
    [ $any -eq 0 ] && return 0
    [ $i -lt $n ] && sleep 0.1
  done
  return 1
}

# wait_reaped <tenths> <pid...>: poll until no /proc entry (zombies included) is left.
wait_reaped() {
  local n=$1 i pid any
  shift
  for ((i = 0; i <= n; i++)); do
    any=0
    for pid in "$@"; do [ -e "/proc/$pid" ] && any=1; done
    [ $any -eq 0 ] && return 0
    [ $i -lt $n ] && sleep 0.1
  done
  return 1
}

stop_pids() {
  # Kill every live PID of ours listed in $PIDS, newest first (radosgw, OSD,
  # then the monitor, so the OSD can tell the monitor it is going down):
  # TERM, then KILL after a grace period.
  [ -f "$PIDS" ] || { log "no $PIDS; nothing to stop"; return 0; }
  local pids=() pid i rc=0
  while read -r pid _; do
    case "$pid" in '' | *[!0-9]*) continue ;; esac
    pids+=("$pid")
  done <"$PIDS"
  for ((i = ${#pids[@]} - 1; i >= 0; i--)); do
    pid=${pids[$i]}
    is_ours "$pid" || continue
    log "TERM $pid ($(cat "/proc/$pid/comm" 2>/dev/null))"
    kill -TERM "$pid" 2>/dev/null
    wait_gone 50 "$pid" && continue   # 5 s grace
    log "KILL $pid ($(cat "/proc/$pid/comm" 2>/dev/null))"
    kill -KILL "$pid" 2>/dev/null
    wait_gone 50 "$pid" || { log "WARNING: pid $pid survived KILL"; rc=1; }
  done
  # Give whoever adopted the daemons a moment to reap them, so that
  # `pgrep ceph` right after stop shows nothing (cosmetic; not an error).
  wait_reaped 20 "${pids[@]}" || true
  [ $rc -eq 0 ] && rm -f "$PIDS"
  return $rc
}

cmd_stop() {
  [ $# -eq 1 ] || usage
  [ -d "$1" ] || { log "$1 does not exist; nothing to stop"; return 0; }
  set_paths "$1"
  stop_pids
  local rc=$?
  # The memstore data (dumped by the OSD on clean shutdown) is not useful later.
  rm -rf "$WD/osd"
  [ $rc -eq 0 ] && log "stopped (logs kept in $LOGDIR)"
  return $rc
}

# ---------------------------------------------------------------- start
dump_logs() {
  # Cluster log first, the daemons' own logs after, radosgw last.
  local f
  for f in ceph.log mkfs.out ceph-mon.$MON_ID.log mon.out ceph-osd.0.log osd.out \
    "ceph-$RGW_NAME.log" rgw.out user-create.out; do
    f=$LOGDIR/$f
    [ -s "$f" ] || continue
    echo "===== tail -n 40 $f =====" >&2
    tail -n 40 "$f" >&2
  done
}

start_failed() {
  log "ERROR: $*"
  dump_logs
  log "stopping what was started"
  stop_pids >/dev/null 2>&1
  # A randomly picked port taken in the meantime: let cmd_start try again.
  if grep -qs 'Address already in use' "$LOGDIR"/*.out "$LOGDIR"/*.log; then exit 75; fi
  exit 1
}

# spawn <name> <cmd...>: run a daemon in its own session, record its PID.
spawn() {
  local name=$1
  shift
  # setsid execs in place (the background child is not a group leader), so $!
  # is the daemon itself; its own session shields it from the caller's
  # terminal signals and process-group kills.
  setsid "$@" </dev/null >>"$LOGDIR/$name.out" 2>&1 &
  local pid=$!
  echo "$pid" >>"$PIDS"
  eval "PID_$name=$pid"
  log "started $name pid $pid"
}

# wait_for <what> <pid> <cmd...>: poll cmd until it succeeds, the daemon dies, or timeout.
wait_for() {
  local what=$1 pid=$2 deadline=$((SECONDS + START_TIMEOUT))
  shift 2
  while :; do
    if "$@" >/dev/null 2>&1; then return 0; fi
    is_ours "$pid" || start_failed "$what: daemon pid $pid exited"
    [ $SECONDS -lt $deadline ] || start_failed "$what: timed out after ${START_TIMEOUT}s"
    sleep 0.5
  done
}

osd_up() { cephcli osd stat 2>/dev/null | grep -q '1 osds: 1 up'; }
mon_ok() { cephcli mon stat >/dev/null 2>&1; }

write_conf() {
  cat >"$CONF" <<EOF
# Generated by test/servers/ceph-rgw.sh -- throwaway test cluster, loopback only.
[global]
fsid = $FSID
mon host = [v2:127.0.0.1:$MON_V2_PORT,v1:127.0.0.1:$MON_V1_PORT]
mon initial members = $MON_ID
public addr = 127.0.0.1
cluster addr = 127.0.0.1
public network = 127.0.0.0/8
ms bind ipv4 = true
ms bind ipv6 = false

# No cephx, crc-only messenger modes (radosgw loops on auth errors otherwise).
auth cluster required = none
auth service required = none
auth client required = none
ms mon client mode = crc
ms client mode = crc
ms service mode = crc
ms cluster mode = crc
ms mon service mode = crc
ms mon cluster mode = crc

keyring = $WD/keyring
run dir = $WD/run
admin socket = $WD/run/\$cluster-\$name.asok
crash dir = $WD/crash
log file = $LOGDIR/\$cluster-\$name.log
mon cluster log file = $LOGDIR/\$cluster.log
log to stderr = false
err to stderr = true

# One OSD: no replication, few PGs, no mgr/autoscaler.
osd pool default size = 1
osd pool default min size = 1
osd pool default pg num = 8
osd pool default pgp num = 8
osd pool default pg autoscale mode = off
osd crush chooseleaf type = 0
mon max pg per osd = 1000
mon allow pool delete = true
mon warn on pool no redundancy = false
mon warn on insecure global id reclaim allowed = false
# A nearly full CI disk must not warn about / stop the monitor.
mon data avail warn = 1
mon data avail crit = 0
# Faster map updates: radosgw creates its pools one mon command at a time.
paxos propose interval = 0.1

[mon]
mon data = $WD/mon/\$cluster-\$id

[osd]
osd data = $WD/osd/\$cluster-\$id
osd objectstore = memstore
memstore device bytes = $MEMSTORE_BYTES
osd crush initial weight = 1
# bluestore cache target; irrelevant to memstore, kept small anyway.
osd memory target = 1073741824
osd op num shards = 2
osd op num threads per shard = 2

[$RGW_NAME]
rgw frontends = beast endpoint=127.0.0.1:$RGW_PORT
rgw data = $WD/rgw
rgw thread pool size = 64
rgw init timeout = 120
EOF
}

cmd_start() {
  [ $# -eq 1 ] || usage
  local attempt rc
  for attempt in 1 2 3; do
    (start_once "$1")
    rc=$?
    [ $rc -eq 75 ] || return $rc
    [ $attempt -lt 3 ] && log "a port was taken (attempt $attempt); retrying with new ports"
  done
  log "ERROR: a port was taken on every attempt; giving up"
  return 1
}

start_once() {
  local b
  for b in "${BINARIES[@]}"; do
    command -v "$b" >/dev/null 2>&1 || die "$b not found; run: bash $0 install"
  done
  set_paths "$1"
  local t0=$SECONDS

  # A previous cluster in this workdir? Stop it, then start from scratch.
  if [ -f "$PIDS" ]; then
    log "found $PIDS from a previous run; stopping it first"
    stop_pids || die "could not stop the previous cluster in $WD"
  fi
  rm -rf "$WD/mon" "$WD/osd" "$WD/run" "$WD/crash" "$WD/rgw" "$LOGDIR" \
    "$WD/env" "$WD/monmap" "$WD/keyring" "$CONF"
  mkdir -p "$WD/mon" "$WD/osd" "$WD/run" "$WD/crash" "$WD/rgw" "$LOGDIR"
  : >"$PIDS"

  FSID=$(cat /proc/sys/kernel/random/uuid)
  MON_V2_PORT=$(free_port) || die "no free port"
  MON_V1_PORT=$(free_port "$MON_V2_PORT") || die "no free port"
  if [ -n "${CEPH_RGW_PORT:-}" ]; then
    RGW_PORT=$CEPH_RGW_PORT
    listening_ports | grep -qx "$RGW_PORT" && die "CEPH_RGW_PORT=$RGW_PORT is already in use"
  else
    RGW_PORT=$(free_port "$MON_V2_PORT $MON_V1_PORT") || die "no free port"
  fi
  write_conf
  export CEPH_CONF=$CONF   # for any ceph tool run without -c

  # ---- monitor
  ceph-authtool --create-keyring "$WD/keyring" --gen-key -n mon. --cap mon 'allow *' >/dev/null \
    && ceph-authtool "$WD/keyring" --gen-key -n client.admin \
      --cap mon 'allow *' --cap osd 'allow *' --cap mgr 'allow *' >/dev/null \
    || start_failed "ceph-authtool failed"
  monmaptool --create --fsid "$FSID" --enable-all-features --set-min-mon-release pacific \
    --addv "$MON_ID" "[v2:127.0.0.1:$MON_V2_PORT,v1:127.0.0.1:$MON_V1_PORT]" \
    "$WD/monmap" >"$LOGDIR/mkfs.out" 2>&1 || start_failed "monmaptool failed"
  ceph-mon -c "$CONF" --mkfs -i "$MON_ID" --monmap "$WD/monmap" --keyring "$WD/keyring" \
    >>"$LOGDIR/mkfs.out" 2>&1 || start_failed "ceph-mon --mkfs failed"
  spawn mon ceph-mon -f -c "$CONF" -i "$MON_ID"
  wait_for "monitor quorum" "$PID_mon" mon_ok
  log "monitor up on 127.0.0.1:$MON_V2_PORT (v2) / $MON_V1_PORT (v1) after $((SECONDS - t0))s"

  # ---- OSD (memstore)
  local osd_uuid osd_id
  osd_uuid=$(cat /proc/sys/kernel/random/uuid)
  osd_id=$(cephcli osd create "$osd_uuid" 2>>"$LOGDIR/mkfs.out") || start_failed "ceph osd create failed"
  [ "$osd_id" = 0 ] || start_failed "unexpected osd id '$osd_id'"
  mkdir -p "$WD/osd/ceph-$osd_id"
  timeout 60 ceph-osd -c "$CONF" -i "$osd_id" --mkfs --osd-uuid "$osd_uuid" \
    >>"$LOGDIR/mkfs.out" 2>&1 || start_failed "ceph-osd --mkfs failed"
  spawn osd ceph-osd -f -c "$CONF" -i "$osd_id"
  wait_for "osd.$osd_id up" "$PID_osd" osd_up
  log "osd.$osd_id up after $((SECONDS - t0))s"

  # ---- radosgw
  spawn rgw radosgw -f -c "$CONF" -n "$RGW_NAME"
  wait_for "radosgw HTTP on 127.0.0.1:$RGW_PORT" "$PID_rgw" http_ok "$RGW_PORT"
  log "radosgw answers on 127.0.0.1:$RGW_PORT after $((SECONDS - t0))s"

  timeout 60 radosgw-admin -c "$CONF" user create --uid "$RGW_UID" \
    --display-name "evidence-agent tests" \
    --access-key "$ACCESS_KEY" --secret-key "$SECRET_KEY" \
    >"$LOGDIR/user-create.out" 2>&1 || start_failed "radosgw-admin user create failed"
  grep -q "$ACCESS_KEY" "$LOGDIR/user-create.out" || start_failed "user create did not report the key"

  cat >"$WD/env.tmp" <<EOF
RGW_ENDPOINT=http://127.0.0.1:$RGW_PORT
RGW_ACCESS_KEY=$ACCESS_KEY
RGW_SECRET_KEY=$SECRET_KEY
EOF
  mv "$WD/env.tmp" "$WD/env"
  log "ready in $((SECONDS - t0))s; env in $WD/env, pids in $PIDS"
  cat "$WD/env"
}

case "${1:-}" in
  install) shift; [ $# -eq 0 ] || usage; cmd_install ;;
  start) shift; cmd_start "$@" ;;
  stop) shift; cmd_stop "$@" ;;
  *) usage ;;
esac
