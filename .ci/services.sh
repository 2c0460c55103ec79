#!/usr/bin/env bash
# Starts the local services the tests use, if they are down, and waits until they answer.
# Sourced by .ci/run; safe to run by hand on a developer machine.
set -euo pipefail

port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

wait_port() {
  local name=$1 port=$2
  for _ in $(seq 1 60); do
    port_open "$port" && { echo "ci: $name is up on $port"; return 0; }
    sleep 1
  done
  echo "ci: $name did not come up on port $port" >&2
  return 1
}

start_if_down() {
  local name=$1 port=$2; shift 2
  if port_open "$port"; then
    echo "ci: $name already up on $port"
    return 0
  fi
  echo "ci: starting $name"
  "$@" || true
  wait_port "$name" "$port"
}

start_if_down postgresql 5432 \
  pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -n1)" main start
start_if_down redis 6379 \
  redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save "" --appendonly no \
  --dir /var/lib/redis --logfile /var/log/redis/ci.log
start_if_down rabbitmq 5672 rabbitmq-server -detached
start_if_down nats 4222 \
  start-stop-daemon --start --oknodo --background --exec /usr/sbin/nats-server -- \
  -a 127.0.0.1 -p 4222 -js -sd /var/lib/nats-server -l /var/log/nats-server.log
