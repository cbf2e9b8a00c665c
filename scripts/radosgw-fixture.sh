#!/usr/bin/env bash
# A throw-away single-node Ceph with radosgw on 127.0.0.1, to point S3
# clients at by hand (the differential test, tests/fidelity, starts its own
# through harness/realstore/radosgw.h, the same set-up): one monitor, one memstore OSD
# (RAM only, nothing on disk but logs and the monitor's store), no manager,
# auth off, pools of size 1, and a radosgw (beast) with one S3 user.
#
#   scripts/radosgw-fixture.sh start DIR [PORT]   # prints the endpoint and keys as shell assignments
#   scripts/radosgw-fixture.sh stop DIR           # stops every daemon it started (by pid), removes DIR
#
# Debian packages: radosgw ceph-mon ceph-osd (ceph-common comes with them).
set -euo pipefail

cmd=${1:-}; dir=${2:-}
[[ -n $cmd && -n $dir ]] || { echo "usage: $0 start|stop DIR [PORT]" >&2; exit 2; }
port=${3:-7480}
mon_port=$((port + 100))
access_key=STALEMATERGWACCESS
secret_key=stalemate/radosgw/secret/0123456789abcdef

stop() {
  for pidfile in "$dir"/run/*.pid; do
    [[ -f $pidfile ]] || continue
    pid=$(cat "$pidfile")
    kill "$pid" 2>/dev/null || true
    for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$pid" 2>/dev/null || true
  done
  rm -rf "$dir"
}

# Waits (bounded) until "$@" succeeds.
await() {
  local what=$1 tries=$2; shift 2
  for _ in $(seq "$tries"); do "$@" >/dev/null 2>&1 && return 0; sleep 0.5; done
  echo "radosgw-fixture: $what did not come up; logs in $dir/log" >&2
  return 1
}

start() {
  for b in ceph-mon ceph-osd radosgw radosgw-admin ceph monmaptool ceph-authtool; do
    command -v "$b" >/dev/null || { echo "radosgw-fixture: $b missing (apt-get install radosgw ceph-mon ceph-osd)" >&2; exit 2; }
  done
  rm -rf "$dir"; mkdir -p "$dir"/{mon,osd0,run,log}
  local fsid; fsid=$(cat /proc/sys/kernel/random/uuid)
  cat > "$dir/ceph.conf" <<CONF
[global]
fsid = $fsid
mon host = v1:127.0.0.1:$mon_port
public network = 127.0.0.1/32
ms bind ipv6 = false
auth cluster required = none
auth service required = none
auth client required = none
auth allow insecure global id reclaim = true
osd pool default size = 1
osd pool default min size = 1
mon allow pool size one = true
osd pool default pg num = 8
osd pool default pgp num = 8
osd pool default pg autoscale mode = off
mon max pg per osd = 1000
osd crush chooseleaf type = 0
osd objectstore = memstore
memstore device bytes = 1073741824
mon data = $dir/mon
osd data = $dir/osd\$id
run dir = $dir/run
admin socket = $dir/run/\$name.asok
log file = $dir/log/\$name.log
pid file = $dir/run/\$name.pid
keyring = $dir/keyring
mon warn on pool no redundancy = false
[client.rgw]
rgw frontends = beast endpoint=127.0.0.1:$port
rgw dns name = localhost
rgw thread pool size = 32
CONF
  local conf=(-c "$dir/ceph.conf")
  ceph-authtool --create-keyring "$dir/keyring" --gen-key -n mon. --cap mon 'allow *' >/dev/null
  monmaptool --create --add a "v1:127.0.0.1:$mon_port" --fsid "$fsid" "$dir/monmap" >/dev/null
  ceph-mon "${conf[@]}" --mkfs -i a --monmap "$dir/monmap" --keyring "$dir/keyring"
  ceph-mon "${conf[@]}" -i a
  # Ready once the first OSD map carries the fsid (before that OSD commands fail with "wrong fsid").
  await "ceph-mon" 60 bash -c "ceph ${conf[*]} --connect-timeout 5 osd dump | grep -q 'fsid $fsid'"
  local id=""
  for _ in $(seq 30); do id=$(ceph "${conf[@]}" osd create 2>/dev/null) && break; sleep 0.5; done
  [[ -n $id ]] || { echo "radosgw-fixture: ceph osd create kept failing" >&2; exit 1; }
  ceph-osd "${conf[@]}" -i "$id" --mkfs 2>>"$dir/log/osd-mkfs.log"
  ceph-osd "${conf[@]}" -i "$id"
  await "ceph-osd" 120 bash -c "ceph ${conf[*]} osd stat | grep -q '1 up'"
  radosgw "${conf[@]}" -n client.rgw
  await "radosgw" 120 bash -c "exec 3<>/dev/tcp/127.0.0.1/$port"
  radosgw-admin "${conf[@]}" user create --uid=stalemate --display-name=stalemate \
    --access-key="$access_key" --secret-key="$secret_key" >/dev/null
  echo "RADOSGW_ENDPOINT=http://127.0.0.1:$port"
  echo "RADOSGW_ACCESS_KEY=$access_key"
  echo "RADOSGW_SECRET_KEY=$secret_key"
}

case $cmd in
  start) start ;;
  stop) stop ;;
  *) echo "usage: $0 start|stop DIR [PORT]" >&2; exit 2 ;;
esac
