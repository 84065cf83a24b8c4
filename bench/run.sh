#!/usr/bin/env bash
# Benchmark harness: measures, in one run and on loopback only, the bare
# backend, gatehouse proxying it (no auth), nginx proxying it (plain
# proxy_pass with upstream keepalive) and HAProxy proxying it.
#
#   bench/run.sh [--duration 10s] [--connections 64] [--record]
#
# Prints requests/s, p50 and p99 (wrk, closed loop) per target with the ratio
# to nginx, then p99 at half of gatehouse's maximum rate (open loop, loadgen)
# for the backend alone and through gatehouse. --record appends the results to
# docs/benchmarks.md with the machine and the command.
set -euo pipefail
cd "$(dirname "$0")/.."

DURATION=10s
CONNS=64
RECORD=0
while [ $# -gt 0 ]; do
  case "$1" in
    --duration) DURATION=$2; shift 2 ;;
    --connections) CONNS=$2; shift 2 ;;
    --record) RECORD=1; shift ;;
    *) echo "usage: bench/run.sh [--duration 10s] [--connections 64] [--record]" >&2; exit 2 ;;
  esac
done

need() { command -v "$1" >/dev/null 2>&1 || PATH="$PATH:/usr/sbin:/sbin" command -v "$1" >/dev/null 2>&1; }
missing=()
for c in wrk nginx haproxy; do need "$c" || missing+=("$c"); done
if [ ${#missing[@]} -gt 0 ]; then
  echo "installing ${missing[*]} (Debian packages)" >&2
  if [ "$(id -u)" = 0 ]; then apt-get update -qq && apt-get install -y -qq wrk nginx-light haproxy >/dev/null
  else sudo apt-get update -qq && sudo apt-get install -y -qq wrk nginx-light haproxy >/dev/null; fi
fi
export PATH="$PATH:/usr/sbin:/sbin"

WORK=$(mktemp -d)
PIDS=()
cleanup() {
  for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$WORK"
}
trap cleanup EXIT

port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'; }
BACKEND_PORT=$(port); GH_PORT=$(port); NGINX_PORT=$(port); HAPROXY_PORT=$(port); ADMIN_PORT=$(port)

go build -o "$WORK/gatehouse" ./cmd/gatehouse
go build -o "$WORK/backend" ./bench/backend
go build -o "$WORK/loadgen" ./bench/loadgen

"$WORK/backend" -listen "127.0.0.1:$BACKEND_PORT" & PIDS+=($!)

cat > "$WORK/gatehouse.yaml" <<YAML
apis:
  - name: bench
    kind: http
    routes:
      - route: \$default
        integration:
          http:
            url: http://127.0.0.1:$BACKEND_PORT
YAML
GATEHOUSE_ADMIN_TOKEN=bench "$WORK/gatehouse" serve "$WORK/gatehouse.yaml" --listen "127.0.0.1:$GH_PORT" \
  --admin-listen "127.0.0.1:$ADMIN_PORT" --idp-listen "" --data "$WORK/data" --log-level warn --watch-interval 0 >/dev/null & PIDS+=($!)

cat > "$WORK/nginx.conf" <<NGINX
worker_processes auto;
pid $WORK/nginx.pid;
error_log $WORK/nginx-error.log warn;
daemon off;
events { worker_connections 4096; }
http {
  access_log off;
  upstream backend { server 127.0.0.1:$BACKEND_PORT; keepalive 256; }
  server {
    listen 127.0.0.1:$NGINX_PORT;
    location / {
      proxy_pass http://backend;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
    }
  }
}
NGINX
nginx -c "$WORK/nginx.conf" -p "$WORK" & PIDS+=($!)

cat > "$WORK/haproxy.cfg" <<HAP
global
  maxconn 4096
  nbthread 2
defaults
  mode http
  timeout connect 5s
  timeout client 30s
  timeout server 30s
  option http-keep-alive
frontend fe
  bind 127.0.0.1:$HAPROXY_PORT
  default_backend be
backend be
  http-reuse always
  server s1 127.0.0.1:$BACKEND_PORT
HAP
haproxy -f "$WORK/haproxy.cfg" -db >/dev/null 2>&1 & PIDS+=($!)

wait_up() {
  for _ in $(seq 1 100); do
    curl -fs -o /dev/null "http://127.0.0.1:$1/" && return 0
    sleep 0.1
  done
  echo "target on port $1 did not come up" >&2; exit 1
}
for p in $BACKEND_PORT $GH_PORT $NGINX_PORT $HAPROXY_PORT; do wait_up "$p"; done

# wrk prints latency in us/ms/s; normalise to ms.
to_ms() { awk -v v="$1" 'BEGIN{ if (v ~ /us$/) { sub(/us$/,"",v); printf "%.3f", v/1000 } else if (v ~ /ms$/) { sub(/ms$/,"",v); printf "%.3f", v } else if (v ~ /s$/) { sub(/s$/,"",v); printf "%.3f", v*1000 } else print v }'; }

declare -A RPS P50 P99
run_wrk() {
  local name=$1 p=$2 out
  wrk -t2 -c"$CONNS" -d3s "http://127.0.0.1:$p/" >/dev/null 2>&1 || true  # warm-up
  out=$(wrk -t2 -c"$CONNS" -d"$DURATION" --latency "http://127.0.0.1:$p/bench/path")
  RPS[$name]=$(echo "$out" | awk '/Requests\/sec/ {print $2}')
  P50[$name]=$(to_ms "$(echo "$out" | awk '$1=="50%" {print $2}')")
  P99[$name]=$(echo "$out" | awk '$1=="99%" {print $2}')
  P99[$name]=$(to_ms "${P99[$name]}")
}
for t in backend:$BACKEND_PORT gatehouse:$GH_PORT nginx:$NGINX_PORT haproxy:$HAPROXY_PORT; do
  run_wrk "${t%%:*}" "${t##*:}"
done

half=$(awk -v r="${RPS[gatehouse]}" 'BEGIN{ printf "%d", r/2 }')
lg_backend=$("$WORK/loadgen" -url "http://127.0.0.1:$BACKEND_PORT/bench/path" -rate "$half" -duration "$DURATION")
lg_gatehouse=$("$WORK/loadgen" -url "http://127.0.0.1:$GH_PORT/bench/path" -rate "$half" -duration "$DURATION")
p99b=$(echo "$lg_backend" | sed -n 's/.*p99=\([0-9.]*\)ms.*/\1/p')
p99g=$(echo "$lg_gatehouse" | sed -n 's/.*p99=\([0-9.]*\)ms.*/\1/p')

report() {
  echo "| target | requests/s | p50 ms | p99 ms | requests/s vs nginx | vs backend |"
  echo "|---|---:|---:|---:|---:|---:|"
  for n in backend gatehouse nginx haproxy; do
    awk -v n="$n" -v r="${RPS[$n]}" -v p5="${P50[$n]}" -v p9="${P99[$n]}" -v ng="${RPS[nginx]}" -v be="${RPS[backend]}" \
      'BEGIN{ printf "| %s | %.0f | %s | %s | %.2f | %.2f |\n", n, r, p5, p9, r/ng, r/be }'
  done
  echo
  echo "Open-loop latency at half of gatehouse's maximum rate ($half requests/s, $DURATION):"
  echo
  echo "- backend alone: $lg_backend"
  echo "- through gatehouse: $lg_gatehouse"
  awk -v a="$p99g" -v b="$p99b" 'BEGIN{ printf "- p99 added by gatehouse: %.3f ms\n", a-b }'
}
REPORT=$(report)
echo "$REPORT"

if [ "$RECORD" = 1 ]; then
  {
    echo
    echo "### Proxy throughput, $(date -u +%Y-%m-%d)"
    echo
    echo "Machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo), $(uname -sr), $(go version | awk '{print $3}'), $(nginx -v 2>&1 | sed 's/.*: //'), $(haproxy -v | head -1 | awk '{print "HAProxy " $3}'), $(wrk -v 2>&1 | head -1 | awk '{print $1, $2}')."
    echo "Command: \`bench/run.sh --duration $DURATION --connections $CONNS --record\` (wrk -t2 -c$CONNS, 64-byte responses, all processes on the same machine)."
    echo
    echo "$REPORT"
  } >> docs/benchmarks.md
  echo "recorded in docs/benchmarks.md"
fi
