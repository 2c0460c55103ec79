#!/usr/bin/env bash
# The gateway's whole-process benchmark (BENCHMARKS.md): one upstream, and in front of it in
# turn a bare hyper-util reverse proxy, nginx (Debian's, as a reverse proxy with keep-alive
# upstream connections) and the gateway with its full stack; wrk drives each with the same
# settings in one run. Needs wrk and nginx.
# Usage: demo/gateway/bench/run.sh [seconds] [connections] [rounds]
# With several rounds the four proxies are measured in turn in each round (the machine's
# speed drifts between minutes on a shared VM), and the last line gives each round's
# gateway/bare throughput ratio and their median. The bare proxy and the gateway run back to
# back, in alternating order from round to round, so that a drift in the machine's speed
# weighs on both alike.
set -euo pipefail
cd "$(dirname "$0")/../../.."
SECONDS_PER_RUN=${1:-10}
CONNECTIONS=${2:-32}
ROUNDS=${3:-1}
THREADS=2
CARGO_INCREMENTAL=0 cargo build --release -p gateway --example bench_proxy --quiet
BIN=target/release/examples/bench_proxy
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
UP=$(free_port); BARE=$(free_port); NGINX=$(free_port); GW=$(free_port)
WORK=$(mktemp -d)
PIDS=()
cleanup() { for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done; rm -rf "$WORK"; }
trap cleanup EXIT

$BIN upstream 127.0.0.1:$UP & PIDS+=($!)
$BIN bare 127.0.0.1:$BARE 127.0.0.1:$UP & PIDS+=($!)
$BIN gateway 127.0.0.1:$GW 127.0.0.1:$UP > "$WORK/token" & PIDS+=($!)
cat > "$WORK/nginx.conf" <<NGINX
worker_processes 2;
pid $WORK/nginx.pid;
error_log $WORK/error.log;
events { worker_connections 1024; }
http {
  access_log off;
  client_body_temp_path $WORK; proxy_temp_path $WORK; fastcgi_temp_path $WORK;
  uwsgi_temp_path $WORK; scgi_temp_path $WORK;
  upstream things { server 127.0.0.1:$UP; keepalive 64; }
  server {
    listen 127.0.0.1:$NGINX;
    location /api/ {
      proxy_pass http://things/;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
    }
  }
}
NGINX
nginx -c "$WORK/nginx.conf" -g 'daemon off;' & PIDS+=($!)
sleep 2
TOKEN=$(head -1 "$WORK/token")

run() { # name url [header]
  local name=$1 url=$2; shift 2
  wrk -t$THREADS -c$CONNECTIONS -d2s "$@" "$url" > /dev/null   # warm-up
  wrk -t$THREADS -c$CONNECTIONS -d${SECONDS_PER_RUN}s --latency "$@" "$url" > "$WORK/$name.txt"
  local rps p50 p99 non2xx
  rps=$(awk '/Requests\/sec/ {print $2}' "$WORK/$name.txt")
  p50=$(awk '$1=="50%" {print $2}' "$WORK/$name.txt")
  p99=$(awk '$1=="99%" {print $2}' "$WORK/$name.txt")
  non2xx=$(awk '/Non-2xx/ {print $5}' "$WORK/$name.txt")
  printf '| %s | %s | %s | %s | %s |\n' "$name" "$rps" "$p50" "$p99" "${non2xx:-0}"
  LAST_RPS=$rps
}
echo "wrk -t$THREADS -c$CONNECTIONS -d${SECONDS_PER_RUN}s, $(nproc) CPUs shared by wrk, proxy and upstream"
echo "| proxy | requests/s | p50 | p99 | non-2xx |"
echo "|---|---|---|---|---|"
RATIOS=()
run_bare() { run "bare hyper-util proxy" "http://127.0.0.1:$BARE/things/1"; bare_rps=$LAST_RPS; }
run_gateway() {
  run "gateway (full stack)" "http://127.0.0.1:$GW/api/things/1" -H "Authorization: Bearer $TOKEN"
  gateway_rps=$LAST_RPS
}
for round in $(seq 1 "$ROUNDS"); do
  run "direct (no proxy)" "http://127.0.0.1:$UP/things/1"
  run "nginx" "http://127.0.0.1:$NGINX/api/things/1"
  if (( round % 2 )); then run_bare; run_gateway; else run_gateway; run_bare; fi
  RATIOS+=("$(awk -v g="$gateway_rps" -v b="$bare_rps" 'BEGIN { printf "%.3f", g / b }')")
done
printf 'gateway/bare throughput by round: %s; median %s\n' "${RATIOS[*]}" \
  "$(printf '%s\n' "${RATIOS[@]}" | sort -n | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }')"
