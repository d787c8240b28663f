#!/usr/bin/env bash
# Start (or reuse) a real Redis Cluster on loopback: 3 masters and 3 replicas
# on 127.0.0.1:7001-7006, no persistence, data in a fresh mktemp directory.
# Waits for cluster_state:ok and prints the seed list (comma-separated) on
# stdout, ready for GRIDBOT_TEST_REDIS_CLUSTER or GRIDBOT_REDIS_ADDRS.
# Progress goes to stderr. Running it again while the cluster is up only
# prints the seeds.
set -euo pipefail

ports=(7001 7002 7003 7004 7005 7006)
seeds=$(printf '127.0.0.1:%s,' "${ports[@]}"); seeds=${seeds%,}
say() { echo "redis-cluster: $*" >&2; }

state() { redis-cli -h 127.0.0.1 -p "$1" cluster info 2>/dev/null | tr -d '\r' | sed -n 's/^cluster_state://p'; }
known() { redis-cli -h 127.0.0.1 -p "$1" cluster info 2>/dev/null | tr -d '\r' | sed -n 's/^cluster_known_nodes://p'; }
up() { redis-cli -h 127.0.0.1 -p "$1" ping 2>/dev/null | grep -q PONG; }

# Every replica linked to its master and done with the first sync: until
# then WAIT 1 on a master times out, and the tests that write with WAIT
# (claims, the outbox) fail for a reason that is not theirs.
replicas_ok() {
  local linked=0
  for p in "${ports[@]}"; do
    local info
    info=$(redis-cli -h 127.0.0.1 -p "$p" info replication 2>/dev/null | tr -d '\r')
    case "$info" in
      *role:slave*)
        echo "$info" | grep -q '^master_link_status:up' || return 1
        echo "$info" | grep -q '^master_sync_in_progress:0' || return 1
        linked=$((linked + 1)) ;;
    esac
  done
  [ "$linked" = 3 ]
}

wait_replicas() {
  for _ in $(seq 1 300); do
    replicas_ok && return 0
    sleep 0.2
  done
  return 1
}

wait_ok() {
  for _ in $(seq 1 150); do
    local ok=1
    for p in "${ports[@]}"; do [ "$(state "$p")" = ok ] || ok=0; done
    [ "$ok" = 1 ] && return 0
    sleep 0.2
  done
  return 1
}

if ! command -v redis-server >/dev/null 2>&1 || ! command -v redis-cli >/dev/null 2>&1; then
  say "installing redis-server"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >/dev/null
  apt-get install -y -qq redis-server redis-tools >/dev/null
fi

all_ok=1
for p in "${ports[@]}"; do
  if ! up "$p" || [ "$(state "$p")" != ok ] || [ "$(known "$p")" != 6 ]; then all_ok=0; fi
done
if [ "$all_ok" = 1 ] && ! replicas_ok; then all_ok=0; fi
if [ "$all_ok" = 1 ]; then
  say "reusing the cluster on ${seeds}"
  echo "$seeds"
  exit 0
fi

dir=$(mktemp -d /tmp/gridbot-redis-cluster.XXXXXX)
started=0
for p in "${ports[@]}"; do
  if up "$p"; then
    if [ "$(redis-cli -h 127.0.0.1 -p "$p" info cluster | tr -d '\r' | sed -n 's/^cluster_enabled://p')" != 1 ]; then
      say "127.0.0.1:$p answers but is not a cluster node; stop it or free the port" ; exit 1
    fi
    continue
  fi
  mkdir -p "$dir/$p"
  redis-server --port "$p" --bind 127.0.0.1 --daemonize yes \
    --cluster-enabled yes --cluster-config-file "$dir/$p/nodes.conf" --cluster-node-timeout 2000 \
    --save "" --appendonly no --dir "$dir/$p" --logfile "$dir/$p/redis.log" \
    --pidfile "$dir/$p/redis.pid" >/dev/null
  started=1
done
for p in "${ports[@]}"; do
  for _ in $(seq 1 50); do up "$p" && break; sleep 0.1; done
  up "$p" || { say "127.0.0.1:$p did not come up (log: $dir/$p/redis.log)"; exit 1; }
done

if [ "$(state 7001)" != ok ] || [ "$(known 7001)" != 6 ]; then
  if [ "$started" = 0 ] || [ "$(known 7001)" != 1 ]; then
    # Half-made cluster from an earlier run: reset every node and create it anew.
    for p in "${ports[@]}"; do
      redis-cli -h 127.0.0.1 -p "$p" flushall >/dev/null 2>&1 || true
      redis-cli -h 127.0.0.1 -p "$p" cluster reset hard >/dev/null
    done
  fi
  say "creating the cluster (3 masters, 3 replicas)"
  redis-cli --cluster create $(printf '127.0.0.1:%s ' "${ports[@]}") \
    --cluster-replicas 1 --cluster-yes >"$dir/create.log" 2>&1 \
    || { cat "$dir/create.log" >&2; exit 1; }
fi
wait_ok || { say "cluster_state did not become ok"; exit 1; }
wait_replicas || { say "the replicas did not finish their first sync"; exit 1; }
say "cluster ok on ${seeds} (data in $dir)"
echo "$seeds"
