#!/usr/bin/env bash
# Benchmark harness: measures side by side, in one run, on loopback only and
# for bounded durations, the bare backend and the gateways in front of it:
#
#   backend               the bare Go backend (bench/backend), no proxy
#   gatehouse             gatehouse, HTTP API, $default route, no auth
#   nginx                 nginx, plain proxy_pass, upstream keepalive
#   haproxy               HAProxy, plain proxy, http-reuse always
#   jwt-cached            gatehouse, JWT authorizer (RS256 from the JWKS of a
#                         loopback OIDC issuer; iss, aud, exp, scope checked),
#                         one token reused: answered from the verified-token cache
#   jwt-new               the same with the cache off (cache: false): every
#                         request is verified in full; wrk cycles through a
#                         list of distinct valid tokens
#   haproxy-jwt           HAProxy jwt_verify with the same key and claims
#                         (alg, iss, aud, exp, nbf, iat, scope), one token reused
#   iam                   gatehouse, AWS_IAM route: SigV4 presigned URLs
#                         (AWS SDK for Go v2 signer, distinct paths, cycled by
#                         wrk) verified and an identity policy evaluated on
#                         every request
#   lambda                gatehouse, lambda integration, a one-line Node.js
#                         handler (bench/lambda/index.js)
#   openloop              p99 at half of gatehouse's maximum rate (loadgen,
#                         open loop), backend alone and through gatehouse,
#                         once per round; the median added p99 is reported,
#                         with nginx's at the same rate as a reference
#
# With jwt-cached, jwt-new or iam, the no-auth gatehouse is also measured
# with that row's exact requests (the same Authorization header, the same
# token list or presigned URL list through the same wrk script): the note
# under the table gives the auth row's ratio to it, which isolates what the
# authorizer costs from the bigger requests and the script (the goal column
# keeps the plain no-auth row as the issues define it).
#
# Every auth mode is checked before it is measured: a valid credential gets
# 200 and tampered, expired, wrongly scoped or unsigned ones are refused, so
# the numbers cannot come from an open route. A row whose measured run saw a
# non-2xx answer is marked as failed, and then the targets' logs (gatehouse's
# access logs included) are kept in a directory the run names at its end.
#
#   bench/run.sh [--duration 10s] [--warmup 2s] [--connections 64]
#                [--threads 2] [--tokens 20000] [--urls 20000]
#                [--lambda-concurrency 4] [--rounds 1] [--only MODES]
#                [--gatehouse BIN] [--record]
#
# MODES is a comma-separated list of the targets above or the groups noauth
# (backend,gatehouse,nginx,haproxy,openloop), jwt (jwt-cached,jwt-new,
# haproxy-jwt), all (default). The references a selected target's goal is
# measured against (nginx, gatehouse no auth, haproxy-jwt) are added.
# --rounds N measures every target N times, interleaved (even rounds in
# reverse order), and reports each
# target's median round (for a machine that is not quiet).
# --record appends a dated section (machine, versions, command, table) to
# docs/benchmarks.md. --gatehouse uses a prebuilt binary instead of building
# ./cmd/gatehouse from the working tree.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
CMDLINE="bench/run.sh${*:+ $*}"
LOAD_START=$(cut -d' ' -f1-3 /proc/loadavg)

# usage [STATUS]: this file's header comment; to stderr unless STATUS is 0.
usage() {
  local text
  text=$(sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//')
  if [ "${1:-2}" = 0 ]; then echo "$text"; else echo "$text" >&2; fi
  exit "${1:-2}"
}

DURATION=10s
WARMUP=2s
CONNS=64
THREADS=2
NTOKENS=20000
NURLS=20000
LAMBDA_CONC=4
ROUNDS=1
ONLY=all
RECORD=0
GATEHOUSE_BIN=
while [ $# -gt 0 ]; do
  case "$1" in
    --duration) DURATION=${2:?}; shift 2 ;;
    --warmup) WARMUP=${2:?}; shift 2 ;;
    --connections) CONNS=${2:?}; shift 2 ;;
    --threads) THREADS=${2:?}; shift 2 ;;
    --tokens) NTOKENS=${2:?}; shift 2 ;;
    --urls) NURLS=${2:?}; shift 2 ;;
    --lambda-concurrency) LAMBDA_CONC=${2:?}; shift 2 ;;
    --rounds) ROUNDS=${2:?}; shift 2 ;;
    --only) ONLY=${2:?}; shift 2 ;;
    --gatehouse) GATEHOUSE_BIN=${2:?}; shift 2 ;;
    --record) RECORD=1; shift ;;
    -h|--help) usage 0 ;;
    *) echo "unknown argument: $1" >&2; usage ;;
  esac
done

die() { echo "bench: $*" >&2; exit 1; }
log() { echo "bench: $*" >&2; }
for v in "$CONNS" "$THREADS" "$NTOKENS" "$NURLS" "$LAMBDA_CONC" "$ROUNDS"; do
  [[ "$v" =~ ^[1-9][0-9]*$ ]] || die "'$v' is not a positive integer"
done
for v in "$DURATION" "$WARMUP"; do
  [[ "$v" =~ ^[1-9][0-9]*[smh]?$ ]] || die "'$v' is not a wrk duration (10s, 1m)"
done

# ---- selection -------------------------------------------------------------
ORDER=(backend gatehouse nginx haproxy jwt-cached jwt-new haproxy-jwt iam lambda openloop)
declare -A SEL=()
IFS=, read -r -a wanted <<<"$ONLY"
for m in "${wanted[@]}"; do
  case "$m" in
    all) for t in "${ORDER[@]}"; do SEL[$t]=1; done ;;
    noauth) for t in backend gatehouse nginx haproxy openloop; do SEL[$t]=1; done ;;
    jwt) for t in jwt-cached jwt-new haproxy-jwt; do SEL[$t]=1; done ;;
    backend|gatehouse|nginx|haproxy|jwt-cached|jwt-new|haproxy-jwt|iam|lambda|openloop) SEL[$m]=1 ;;
    *) die "unknown mode '$m' (modes: ${ORDER[*]}; groups: noauth, jwt, all)" ;;
  esac
done
sel() { [ -n "${SEL[$1]:-}" ]; }
# References of the goals.
if sel jwt-cached; then SEL[haproxy-jwt]=1; fi
for t in jwt-cached jwt-new iam openloop; do if sel "$t"; then SEL[gatehouse]=1; fi; done
if sel gatehouse; then SEL[nginx]=1; fi
if sel openloop; then SEL[backend]=1; SEL[nginx]=1; fi

# ---- tools -------------------------------------------------------------------
export PATH="$PATH:/usr/sbin:/sbin"
pkgs=()
command -v wrk >/dev/null || pkgs+=(wrk)
command -v curl >/dev/null || pkgs+=(curl)
command -v python3 >/dev/null || pkgs+=(python3)
if sel nginx && ! command -v nginx >/dev/null; then pkgs+=(nginx-light); fi
if { sel haproxy || sel haproxy-jwt; } && ! command -v haproxy >/dev/null; then pkgs+=(haproxy); fi
if sel lambda && ! command -v node >/dev/null; then pkgs+=(nodejs); fi
if [ ${#pkgs[@]} -gt 0 ]; then
  log "installing ${pkgs[*]} (Debian packages)"
  sudo=()
  if [ "$(id -u)" != 0 ]; then sudo=(sudo); fi
  "${sudo[@]}" apt-get update -qq
  "${sudo[@]}" apt-get install -y -qq "${pkgs[@]}" >/dev/null
fi
command -v go >/dev/null || die "go is not on PATH"

# ---- processes -------------------------------------------------------------
WORK=$(mktemp -d "${TMPDIR:-/tmp}/gatehouse-bench.XXXXXX")
declare -A PID=()
cleanup() {
  local p alive
  for p in "${PID[@]}"; do kill -TERM "$p" 2>/dev/null || true; done
  for _ in $(seq 1 50); do
    alive=0
    for p in "${PID[@]}"; do if kill -0 "$p" 2>/dev/null; then alive=1; fi; done
    [ "$alive" = 0 ] && break
    sleep 0.1
  done
  for p in "${PID[@]}"; do kill -KILL "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  if [ "$KEEP_LOGS" = 1 ]; then
    # A row saw non-2xx answers: its logs (gatehouse's access log included)
    # say which status and why.
    local kept
    kept=$(mktemp -d "${TMPDIR:-/tmp}/gatehouse-bench-logs.XXXXXX")
    cp "$WORK"/*.log "$kept"/ 2>/dev/null || true
    echo "bench: a target saw non-2xx answers; its logs are kept in $kept" >&2
  fi
  rm -rf "$WORK"
}
KEEP_LOGS=0
trap cleanup EXIT
trap 'exit 130' INT TERM

# start NAME CMD...: runs CMD in the background, output to $WORK/NAME.log.
start() {
  local name=$1
  shift
  "$@" >"$WORK/$name.log" 2>&1 &
  PID[$name]=$!
}

# failed NAME MESSAGE: the target's log tail, then exit.
failed() {
  echo "bench: $1: $2" >&2
  if [ -s "$WORK/$1.log" ]; then
    echo "--- last lines of the $1 log:" >&2
    tail -n 20 "$WORK/$1.log" >&2
  fi
  exit 1
}

# code ARGS...: the HTTP status curl gets (000 when nothing answers).
code() { curl -s -o /dev/null -w '%{http_code}' --max-time 5 "$@" || true; }

# wait_up NAME URL SECONDS: until URL answers at all, while NAME lives.
wait_up() {
  local name=$1 url=$2 secs=${3:-15} i
  for ((i = 0; i < secs * 10; i++)); do
    if ! kill -0 "${PID[$name]}" 2>/dev/null; then failed "$name" "exited during start"; fi
    [ "$(code --max-time 1 "$url")" != 000 ] && return 0
    sleep 0.1
  done
  failed "$name" "did not answer $url within ${secs}s"
}

port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'; }

CHECK_FAILED=0
# expect NAME WANT WHAT CURL-ARGS...: one pre-measurement check of a target.
expect() {
  local name=$1 want=$2 what=$3 got
  shift 3
  got=$(code "$@")
  if [ "$got" = "$want" ]; then
    printf '  ok   %-12s %s  %s\n' "$name" "$got" "$what" >&2
  else
    printf '  FAIL %-12s %s  %s (want %s)\n' "$name" "$got" "$what" "$want" >&2
    CHECK_FAILED=1
  fi
}

# ---- build -------------------------------------------------------------------
mkdir -p "$WORK/bin"
BIN=$WORK/bin
if [ -n "$GATEHOUSE_BIN" ]; then
  [ -x "$GATEHOUSE_BIN" ] || die "--gatehouse $GATEHOUSE_BIN is not an executable"
  cp "$GATEHOUSE_BIN" "$BIN/gatehouse"
  log "building the bench helpers (gatehouse: $GATEHOUSE_BIN)"
else
  log "building gatehouse and the bench helpers"
  go build -o "$BIN/" ./cmd/gatehouse || die "gatehouse does not build (use --gatehouse BIN for a prebuilt binary)"
fi
go build -o "$BIN/" ./bench/backend ./bench/loadgen ./bench/issuer ./bench/presign

BACKEND_PORT=$(port)
start backend "$BIN/backend" -listen "127.0.0.1:$BACKEND_PORT"
wait_up backend "http://127.0.0.1:$BACKEND_PORT/" 10
BACKEND_URL=http://127.0.0.1:$BACKEND_PORT

declare -A URL=() ADMIN=()
# gatehouse NAME CONFIG-FILE [SECONDS]: starts a gatehouse serving the file.
gatehouse() {
  local name=$1 cfg=$2 secs=${3:-15} p a
  p=$(port)
  a=$(port)
  "$BIN/gatehouse" validate "$cfg" >"$WORK/$name.log" 2>&1 || failed "$name" "invalid config $cfg"
  start "$name" env GATEHOUSE_ADMIN_TOKEN=bench GATEHOUSE_ACCESS_KEY_ID= GATEHOUSE_SECRET_ACCESS_KEY= \
    "$BIN/gatehouse" serve "$cfg" --listen "127.0.0.1:$p" --admin-listen "127.0.0.1:$a" --idp-listen "" \
    --data "$WORK/data-$name" --log-level warn --watch-interval 0 --drain-timeout 2s
  URL[$name]=http://127.0.0.1:$p
  ADMIN[$name]=http://127.0.0.1:$a
  wait_up "$name" "http://127.0.0.1:$a/healthz" "$secs"
}

# ---- no auth -------------------------------------------------------------------
if sel gatehouse; then
  cat >"$WORK/gatehouse.yaml" <<YAML
apis:
  - name: bench
    kind: http
    routes:
      - route: \$default
        integration:
          http:
            url: $BACKEND_URL
YAML
  gatehouse gatehouse "$WORK/gatehouse.yaml"
fi

if sel nginx; then
  p=$(port)
  cat >"$WORK/nginx.conf" <<NGINX
worker_processes auto;
pid $WORK/nginx.pid;
error_log $WORK/nginx-error.log warn;
daemon off;
events { worker_connections 4096; }
http {
  access_log off;
  upstream backend { server 127.0.0.1:$BACKEND_PORT; keepalive 256; }
  server {
    listen 127.0.0.1:$p;
    location / {
      proxy_pass http://backend;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
    }
  }
}
NGINX
  start nginx nginx -c "$WORK/nginx.conf" -p "$WORK"
  URL[nginx]=http://127.0.0.1:$p
  wait_up nginx "${URL[nginx]}/" 10
fi

HAP_GLOBAL="global
  maxconn 4096
  nbthread 2
defaults
  mode http
  timeout connect 5s
  timeout client 30s
  timeout server 30s
  option http-keep-alive"

if sel haproxy; then
  p=$(port)
  cat >"$WORK/haproxy.cfg" <<HAP
$HAP_GLOBAL
frontend fe
  bind 127.0.0.1:$p
  default_backend be
backend be
  http-reuse always
  server s1 127.0.0.1:$BACKEND_PORT
HAP
  start haproxy haproxy -f "$WORK/haproxy.cfg" -db
  URL[haproxy]=http://127.0.0.1:$p
  wait_up haproxy "${URL[haproxy]}/" 10
fi

# ---- JWT -------------------------------------------------------------------------
AUD=bench-api
SCOPE=bench/read
if sel jwt-cached || sel jwt-new || sel haproxy-jwt; then
  mkdir -p "$WORK/jwt"
  "$BIN/issuer" keygen -dir "$WORK/jwt"
  p=$(port)
  ISSUER=http://127.0.0.1:$p
  start issuer "$BIN/issuer" serve -key "$WORK/jwt/key.pem" -listen "127.0.0.1:$p"
  wait_up issuer "$ISSUER/.well-known/openid-configuration" 10
  TOKEN=$("$BIN/issuer" tokens -key "$WORK/jwt/key.pem" -iss "$ISSUER" -aud "$AUD" -scope "$SCOPE" -n 1)
  "$BIN/issuer" bad -key "$WORK/jwt/key.pem" -iss "$ISSUER" -aud "$AUD" -scope "$SCOPE" >"$WORK/jwt/bad.txt"
  if sel jwt-new; then
    log "signing $NTOKENS distinct RS256 tokens"
    "$BIN/issuer" tokens -key "$WORK/jwt/key.pem" -iss "$ISSUER" -aud "$AUD" -scope "$SCOPE" -n "$NTOKENS" >"$WORK/jwt/tokens.txt"
  fi
fi

# jwt_config CACHE: an HTTP API whose $default route needs a JWT with SCOPE.
jwt_config() {
  cat <<YAML
apis:
  - name: bench
    kind: http
    authorizers:
      - name: oidc
        jwt:
          issuer: $ISSUER
          audience: [$AUD]
          cache: $1
    routes:
      - route: \$default
        authorizer: oidc
        scopes: [$SCOPE]
        integration:
          http:
            url: $BACKEND_URL
YAML
}
if sel jwt-cached; then
  jwt_config true >"$WORK/jwt-cached.yaml"
  gatehouse jwt-cached "$WORK/jwt-cached.yaml"
fi
if sel jwt-new; then
  jwt_config false >"$WORK/jwt-new.yaml"
  gatehouse jwt-new "$WORK/jwt-new.yaml"
fi

if sel haproxy-jwt; then
  p=$(port)
  # The same checks as the gatehouse authorizer, in HAProxy 2.6 terms: a
  # Bearer token, alg RS256, signature by the issuer's key, iss, aud, exp
  # present and in the future, nbf and iat not in the future, the scope.
  cat >"$WORK/haproxy-jwt.cfg" <<HAP
$HAP_GLOBAL
frontend fe
  bind 127.0.0.1:$p
  http-request deny deny_status 401 unless { req.hdr(authorization) -m beg -i "Bearer " }
  http-request set-var(txn.bearer) http_auth_bearer
  http-request set-var(txn.alg) var(txn.bearer),jwt_header_query('\$.alg')
  http-request set-var(txn.iss) var(txn.bearer),jwt_payload_query('\$.iss')
  http-request set-var(txn.aud) var(txn.bearer),jwt_payload_query('\$.aud')
  http-request set-var(txn.exp) var(txn.bearer),jwt_payload_query('\$.exp','int')
  http-request set-var(txn.nbf) var(txn.bearer),jwt_payload_query('\$.nbf','int')
  http-request set-var(txn.iat) var(txn.bearer),jwt_payload_query('\$.iat','int')
  http-request set-var(txn.scope) var(txn.bearer),jwt_payload_query('\$.scope')
  http-request set-var(txn.now) date()
  http-request deny deny_status 401 unless { var(txn.alg) -m str RS256 }
  http-request deny deny_status 401 unless { var(txn.iss) -m str $ISSUER }
  http-request deny deny_status 401 unless { var(txn.aud) -m str $AUD }
  http-request deny deny_status 401 unless { var(txn.exp) -m found }
  http-request deny deny_status 401 if { var(txn.exp),sub(txn.now) -m int le 0 }
  http-request deny deny_status 401 if { var(txn.nbf),sub(txn.now) -m int gt 0 }
  http-request deny deny_status 401 if { var(txn.iat),sub(txn.now) -m int gt 0 }
  http-request deny deny_status 401 unless { var(txn.bearer),jwt_verify("RS256","$WORK/jwt/pub.pem") -m int 1 }
  http-request deny deny_status 403 unless { var(txn.scope) -m reg (^|\\ )${SCOPE}(\\ |\$) }
  default_backend be
backend be
  http-reuse always
  server s1 127.0.0.1:$BACKEND_PORT
HAP
  haproxy -c -f "$WORK/haproxy-jwt.cfg" >"$WORK/haproxy-jwt.log" 2>&1 || failed haproxy-jwt "invalid configuration"
  start haproxy-jwt haproxy -f "$WORK/haproxy-jwt.cfg" -db
  URL[haproxy-jwt]=http://127.0.0.1:$p
  wait_up haproxy-jwt "${URL[haproxy-jwt]}/" 10
fi

# ---- IAM -----------------------------------------------------------------------------
IAM_API=benchiam01
IAM_KEY=AKIABENCH0000001
IAM_NOPOLICY_KEY=AKIABENCHNOPOL01
if sel iam; then
  IAM_SECRET=$(head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n')
  IAM_NOPOLICY_SECRET=$(head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n')
  # bench may invoke GET /bench/* from loopback, except /bench/admin/*;
  # nopolicy has a key and no policy (implicit deny).
  cat >"$WORK/iam.yaml" <<YAML
settings:
  region: us-east-1
  accountId: "123456789012"
iam:
  users:
    - name: bench
      accessKeys: [{id: $IAM_KEY, secret: "$IAM_SECRET"}]
      policies:
        - name: invoke-bench
          document:
            Version: "2012-10-17"
            Statement:
              - Sid: InvokeBenchFromLoopback
                Effect: Allow
                Action: execute-api:Invoke
                Resource: arn:aws:execute-api:us-east-1:123456789012:$IAM_API/*/GET/bench/*
                Condition: {IpAddress: {"aws:SourceIp": 127.0.0.0/8}}
              - Sid: NoAdmin
                Effect: Deny
                Action: execute-api:Invoke
                Resource: arn:aws:execute-api:us-east-1:123456789012:$IAM_API/*/*/bench/admin/*
    - name: nopolicy
      accessKeys: [{id: $IAM_NOPOLICY_KEY, secret: "$IAM_NOPOLICY_SECRET"}]
apis:
  - name: bench
    id: $IAM_API
    kind: http
    routes:
      - route: \$default
        authorizer: AWS_IAM
        integration:
          http:
            url: $BACKEND_URL
YAML
  gatehouse iam "$WORK/iam.yaml"
  IAM_HOST=${URL[iam]#http://}
  mkdir -p "$WORK/iam"
  presign() { BENCH_SECRET=$1 "$BIN/presign" -host "$IAM_HOST" -key "$2" "${@:3}"; }
  presign "$IAM_SECRET" "$IAM_KEY" -n "$NURLS" >"$WORK/iam/urls.txt"
fi

# ---- Lambda ----------------------------------------------------------------------------
if sel lambda; then
  cat >"$WORK/lambda.yaml" <<YAML
functions:
  - name: hello
    runtime: nodejs
    handler: index.handler
    codeDir: $ROOT/bench/lambda
    maxConcurrency: $LAMBDA_CONC
apis:
  - name: bench
    kind: http
    routes:
      - route: \$default
        integration:
          lambda:
            function: hello
            payloadFormatVersion: "2.0"
YAML
  gatehouse lambda "$WORK/lambda.yaml" 40
  # Cold starts: Init Duration of the REPORT line of `gatehouse invoke`,
  # which starts a new instance every time.
  COLD=()
  for _ in 1 2 3 4 5; do
    COLD+=("$("$BIN/gatehouse" invoke -c "$WORK/lambda.yaml" hello --event - </dev/null 2>&1 >/dev/null |
      sed -n 's/.*Init Duration: \([0-9.]*\) ms.*/\1/p')")
  done
fi

# ---- checks before measuring ---------------------------------------------------
log "checking every target before measuring"
for t in backend gatehouse nginx haproxy; do
  if sel "$t"; then
    u=${URL[$t]:-$BACKEND_URL}
    body=$(curl -s --max-time 5 "$u/bench/path" || true)
    if [ "${#body}" = 64 ]; then printf '  ok   %-12s 200, the backend body\n' "$t" >&2
    else printf '  FAIL %-12s did not return the backend body\n' "$t" >&2; CHECK_FAILED=1; fi
  fi
done
for t in jwt-cached jwt-new haproxy-jwt; do
  sel "$t" || continue
  u=${URL[$t]}/bench/path
  expect "$t" 200 "valid token" -H "Authorization: Bearer $TOKEN" "$u"
  expect "$t" 401 "no token" "$u"
  while read -r what tok; do
    want=401
    [ "$what" = wrong-scope ] && want=403
    expect "$t" "$want" "$what" -H "Authorization: Bearer $tok" "$u"
  done <"$WORK/jwt/bad.txt"
done
if sel jwt-new; then
  expect jwt-new 200 "last token of the cycled list" -H "Authorization: Bearer $(tail -n 1 "$WORK/jwt/tokens.txt")" "${URL[jwt-new]}/bench/path"
fi
if sel iam; then
  u=${URL[iam]}
  good=$(head -n 1 "$WORK/iam/urls.txt")
  sig=${good##*X-Amz-Signature=}
  flipped=$(printf '%s' "${sig:0:1}" | tr '0-9a-f' '1-9a-f0')${sig:1}
  expect iam 200 "presigned URL" "$u$good"
  expect iam 200 "last presigned URL of the cycled list" "$u$(tail -n 1 "$WORK/iam/urls.txt")"
  expect iam 403 "unsigned" "$u/bench/path"
  expect iam 403 "altered signature" "$u${good%"$sig"}$flipped"
  expect iam 403 "altered path" "$u${good/\/bench\/iam\/0\?//bench/iam/1?}"
  expect iam 403 "signed with a wrong secret" "$u$(presign wrong-secret "$IAM_KEY" -n 1)"
  expect iam 403 "user without a policy (implicit deny)" "$u$(presign "$IAM_NOPOLICY_SECRET" "$IAM_NOPOLICY_KEY" -n 1)"
  expect iam 403 "path under an explicit Deny" "$u$(presign "$IAM_SECRET" "$IAM_KEY" -n 1 -prefix /bench/admin/)"
  expect iam 403 "expired presigned URL" "$u$(presign "$IAM_SECRET" "$IAM_KEY" -n 1 -expires 1 -at -10s)"
fi
if sel lambda; then
  body=$(curl -s --max-time 10 "${URL[lambda]}/bench/path" || true)
  if [ "$body" = "hello from lambda" ]; then printf '  ok   %-12s 200, the handler body\n' lambda >&2
  else printf '  FAIL %-12s got %q\n' lambda "$body" >&2; CHECK_FAILED=1; fi
fi
[ "$CHECK_FAILED" = 0 ] || die "a target failed its checks; refusing to measure a misconfigured target"

# ---- measuring -------------------------------------------------------------------
# wrk prints latency in us/ms/s; normalise to ms.
to_ms() { awk -v v="$1" 'BEGIN{ if (v ~ /us$/) { sub(/us$/,"",v); printf "%.3f", v/1000 } else if (v ~ /ms$/) { sub(/ms$/,"",v); printf "%.3f", v } else if (v ~ /s$/) { sub(/s$/,"",v); printf "%.3f", v*1000 } else print v }'; }
metric() { curl -s --max-time 5 "$1/metrics" | awk -v m="$2" '$1 == m {printf "%d", $2; f=1} END {if (!f) print 0}'; }

declare -A RUNS=() RPS=() P50=() P99=() BAD=() SOCK=() HITS=() MISSES=() NOTE=()
# measure NAME URL [WRK-OPTIONS...]: a warm-up, then one measured run; its
# requests/s, p50 and p99 are appended to RUNS[NAME].
measure() {
  local name=$1 url=$2 out rps p50 p99 non2xx sock h0=0 m0=0
  shift 2
  log "measuring $name"
  wrk -t"$THREADS" -c"$CONNS" -d"$WARMUP" "$@" "$url" >/dev/null 2>&1 || true
  case "$name" in jwt-cached|jwt-new)
    h0=$(metric "${ADMIN[$name]}" gatehouse_jwt_cache_hits_total)
    m0=$(metric "${ADMIN[$name]}" gatehouse_jwt_cache_misses_total)
  esac
  out=$(wrk -t"$THREADS" -c"$CONNS" -d"$DURATION" --latency "$@" "$url" 2>&1) || failed "$name" "wrk failed: $out"
  rps=$(awk '/Requests\/sec/ {print $2}' <<<"$out")
  [ -n "$rps" ] || failed "$name" "no result from wrk: $out"
  p50=$(to_ms "$(awk '$1=="50%" {print $2}' <<<"$out")")
  p99=$(to_ms "$(awk '$1=="99%" {print $2}' <<<"$out")")
  non2xx=$(awk '/Non-2xx or 3xx responses:/ {print $NF}' <<<"$out")
  sock=$(awk '/Socket errors:/ {gsub(",",""); print $4+$6+$8+$10}' <<<"$out")
  RUNS[$name]+="$rps $p50 $p99"$'\n'
  BAD[$name]=$((${BAD[$name]:-0} + ${non2xx:-0}))
  if [ "${non2xx:-0}" != 0 ]; then KEEP_LOGS=1; fi
  SOCK[$name]=$((${SOCK[$name]:-0} + ${sock:-0}))
  case "$name" in jwt-cached|jwt-new)
    HITS[$name]=$((${HITS[$name]:-0} + $(metric "${ADMIN[$name]}" gatehouse_jwt_cache_hits_total) - h0))
    MISSES[$name]=$((${MISSES[$name]:-0} + $(metric "${ADMIN[$name]}" gatehouse_jwt_cache_misses_total) - m0))
  esac
}

# note NAME TEXT: adds a line of explanation under the table.
note() { NOTE[$1]="${NOTE[$1]:+${NOTE[$1]}; }$2"; }

BEARER=()
if sel jwt-cached || sel haproxy-jwt; then BEARER=(-H "Authorization: Bearer $TOKEN"); fi
LUA=$ROOT/bench/wrk/cycle.lua
export BENCH_THREADS=$THREADS
TARGETS=(backend gatehouse nginx haproxy jwt-cached noauth-bearer jwt-new noauth-tokens haproxy-jwt iam noauth-urls lambda)
# The like-for-like references run on the no-auth gatehouse.
if sel jwt-cached; then SEL[noauth-bearer]=1; fi
if sel jwt-new; then SEL[noauth-tokens]=1; fi
if sel iam; then SEL[noauth-urls]=1; fi
for t in noauth-bearer noauth-tokens noauth-urls; do if sel "$t"; then URL[$t]=${URL[gatehouse]}; fi; done
# Even rounds run the targets in reverse order, so that a machine whose
# speed drifts over the minutes of a run favours no target's position.
REVERSED=()
for ((i = ${#TARGETS[@]} - 1; i >= 0; i--)); do REVERSED+=("${TARGETS[$i]}"); done
for ((round = 1; round <= ROUNDS; round++)); do
  [ "$ROUNDS" = 1 ] || log "round $round of $ROUNDS"
  ORDERED=("${TARGETS[@]}")
  if ((round % 2 == 0)); then ORDERED=("${REVERSED[@]}"); fi
  for t in "${ORDERED[@]}"; do
    sel "$t" || continue
    u=${URL[$t]:-$BACKEND_URL}
    case "$t" in
      jwt-cached|haproxy-jwt|noauth-bearer) measure "$t" "$u/bench/path" "${BEARER[@]}" ;;
      jwt-new|noauth-tokens) BENCH_LIST=$WORK/jwt/tokens.txt BENCH_MODE=bearer measure "$t" "$u" -s "$LUA" ;;
      iam|noauth-urls) BENCH_LIST=$WORK/iam/urls.txt BENCH_MODE=path measure "$t" "$u" -s "$LUA" ;;
      *) measure "$t" "$u/bench/path" ;;
    esac
  done
done
# Each target's row is its median round by requests/s.
for t in "${TARGETS[@]}"; do
  [ -n "${RUNS[$t]:-}" ] || continue
  read -r r5 r50 r99 < <(printf '%s' "${RUNS[$t]}" | sort -n -k1,1 | awk '{l[NR]=$0} END {print l[int((NR+1)/2)]}')
  RPS[$t]=$r5 P50[$t]=$r50 P99[$t]=$r99
  if [ "$ROUNDS" != 1 ]; then note "$t" "median of $ROUNDS rounds (requests/s: $(printf '%s' "${RUNS[$t]}" | awk '{printf "%s%.0f", (NR > 1 ? ", " : ""), $1}'))"; fi
  if [ "${SOCK[$t]}" != 0 ]; then note "$t" "${SOCK[$t]} socket errors (wrk: connect, read, write, timeout)"; fi
  case "$t" in jwt-cached|jwt-new) note "$t" "verified-token cache during the measured runs: ${HITS[$t]} hits, ${MISSES[$t]} misses" ;; esac
done
# like AUTH REF: the auth row's ratio to the no-auth gatehouse fed the same requests.
like() {
  if [ -n "${RPS[$1]:-}" ] && [ -n "${RPS[$2]:-}" ]; then
    note "$1" "like for like: $(awk -v a="${RPS[$1]}" -v b="${RPS[$2]}" 'BEGIN{ printf "%.2f", a/b }') × gatehouse no-auth fed the same requests ($(printf '%.0f' "${RPS[$2]}") requests/s$([ "$ROUNDS" = 1 ] || printf ', median of %s rounds' "$ROUNDS"))"
    if [ "${BAD[$2]}" != 0 ]; then note "$1" "the like-for-like reference saw ${BAD[$2]} non-2xx answers"; fi
  fi
}
like jwt-cached noauth-bearer
like jwt-new noauth-tokens
like iam noauth-urls
if sel jwt-new; then note jwt-new "$NTOKENS distinct tokens cycled, authorizer cache: false"; fi
if sel iam; then note iam "$NURLS distinct presigned URLs cycled (X-Amz-Expires=3600)"; fi
if sel lambda; then
  note lambda "maxConcurrency $LAMBDA_CONC; Node.js cold start (Init Duration of 5 \`gatehouse invoke\` runs, ms): $(printf '%s\n' "${COLD[@]}" | sort -n | awk '{v[NR]=$1} END {if (NR) printf "min %s, median %s, max %s", v[1], v[int((NR+1)/2)], v[NR]; else print "not reported"}')"
fi

OPENLOOP=""
if sel openloop; then
  half=$(awk -v r="${RPS[gatehouse]}" 'BEGIN{ printf "%d", r/2 }')
  log "open loop at $half requests/s"
  # One pair per round, the order alternating as for wrk, and the median of
  # the rounds' added p99: a single pair on a shared VM is mostly noise.
  OL_LINES=() OL_DIFFS=() OL_NGINX=()
  for ((r = 1; r <= ROUNDS; r++)); do
    order=(backend gatehouse nginx)
    if ((r % 2 == 0)); then order=(nginx gatehouse backend); fi
    declare -A LG=()
    for t in "${order[@]}"; do
      u=${URL[$t]:-$BACKEND_URL}
      [ "$t" = backend ] && u=$BACKEND_URL
      LG[$t]=$("$BIN/loadgen" -url "$u/bench/path" -rate "$half" -duration "$DURATION")
    done
    p99() { sed -n 's/.*p99=\([0-9.]*\)ms.*/\1/p' <<<"$1"; }
    d=$(awk -v a="$(p99 "${LG[gatehouse]}")" -v b="$(p99 "${LG[backend]}")" 'BEGIN{ printf "%.3f", a - b }')
    dn=$(awk -v a="$(p99 "${LG[nginx]}")" -v b="$(p99 "${LG[backend]}")" 'BEGIN{ printf "%.3f", a - b }')
    OL_DIFFS+=("$d") OL_NGINX+=("$dn")
    OL_LINES+=("- round $r (${order[*]}):" "  backend alone: ${LG[backend]}" "  through gatehouse: ${LG[gatehouse]}" "  through nginx: ${LG[nginx]}" "  p99 added: gatehouse $d ms, nginx $dn ms")
  done
  median() { printf '%s\n' "$@" | sort -g | awk '{v[NR]=$1} END {printf "%.3f", (NR % 2) ? v[(NR+1)/2] : (v[NR/2] + v[NR/2+1]) / 2}'; }
  med=$(median "${OL_DIFFS[@]}")
  medn=$(median "${OL_NGINX[@]}")
  OPENLOOP=$(
    echo "Open loop (loadgen) at half of gatehouse's maximum rate ($half requests/s, $DURATION, $ROUNDS round(s), the order reversed in even rounds); nginx at the same rate as a reference:"
    echo
    printf '%s\n' "${OL_LINES[@]}"
    echo "- p99 added by nginx, median of the rounds (${OL_NGINX[*]} ms): $medn ms"
    awk -v d="$med" -v all="${OL_DIFFS[*]}" 'BEGIN{ printf "- p99 added by gatehouse, median of the rounds (%s ms): %.3f ms (goal < 1 ms: %s)\n", all, d, (d < 1 ? "met" : "NOT met") }'
  )
fi

# ---- report --------------------------------------------------------------------------
# row LABEL NAME GOAL-KIND GOAL-VALUE: one table line. GOAL-KIND: nginx,
# noauth (ratio goals), rps (absolute), none.
ratio() { # A B: A/B, or — when either is missing
  if [ -n "$1" ] && [ -n "$2" ]; then awk -v a="$1" -v b="$2" 'BEGIN{ printf "%.2f", a/b }'; else printf '—'; fi
}
ge() { awk -v a="$1" -v b="$2" 'BEGIN{ exit !(a >= b) }'; }
row() {
  local label=$1 n=$2 kind=$3 goal=$4 rn rg target met r
  rn=$(ratio "${RPS[$n]}" "${RPS[nginx]:-}")
  rg=$(ratio "${RPS[$n]}" "${RPS[gatehouse]:-}")
  met="—"
  case "$kind" in
    nginx) target="≥ $goal × nginx"; r=$rn ;;
    noauth) target="≥ $goal × gatehouse no-auth"; r=$rg ;;
    rps) target="≥ $goal requests/s"; r=${RPS[$n]} ;;
    *) target="—"; r="" ;;
  esac
  if [ -n "$r" ]; then
    if [ "$r" = "—" ]; then met="?"; elif ge "$r" "$goal"; then met=yes; else met=no; fi
  fi
  if [ "$n" = jwt-cached ]; then
    local rh
    rh=$(ratio "${RPS[$n]}" "${RPS[haproxy-jwt]:-}")
    target="$target; ≥ 1.00 × haproxy-jwt (got $rh)"
    if [ "$rh" = "—" ]; then met="$met; ?"; elif ge "$rh" 1.0; then met="$met; yes"; else met="$met; no"; fi
  fi
  if [ "${BAD[$n]}" != 0 ]; then met="FAILED: ${BAD[$n]} non-2xx answers"; fi
  awk -v l="$label" -v r="${RPS[$n]}" -v p5="${P50[$n]}" -v p9="${P99[$n]}" -v rn="$rn" -v rg="$rg" -v t="$target" -v m="$met" \
    'BEGIN{ printf "| %s | %.0f | %s | %s | %s | %s | %s | %s |\n", l, r, p5, p9, rn, rg, t, m }'
}

report() {
  echo "| target | requests/s | p50 ms | p99 ms | ratio vs nginx | ratio vs gatehouse no-auth | target ratio | met? |"
  echo "|---|---:|---:|---:|---:|---:|---|---|"
  if sel backend; then row "backend (bare)" backend none ""; fi
  if sel gatehouse; then row "gatehouse, no auth" gatehouse nginx 0.80; fi
  if sel nginx; then row "nginx" nginx none ""; fi
  if sel haproxy; then row "haproxy" haproxy none ""; fi
  if sel jwt-cached; then row "gatehouse jwt, cached token" jwt-cached noauth 0.95; fi
  if sel jwt-new; then row "gatehouse jwt, every token new" jwt-new noauth 0.60; fi
  if sel haproxy-jwt; then row "haproxy jwt_verify" haproxy-jwt none ""; fi
  if sel iam; then row "gatehouse iam (SigV4 + policy)" iam noauth 0.85; fi
  if sel lambda; then row "gatehouse lambda (Node.js)" lambda rps 3000; fi
  local t printed=0
  for t in "${ORDER[@]}"; do
    if [ -n "${NOTE[$t]:-}" ]; then
      [ "$printed" = 1 ] || echo
      printed=1
      echo "- $t: ${NOTE[$t]}"
    fi
  done
  if [ -n "$OPENLOOP" ]; then
    echo
    echo "$OPENLOOP"
  fi
}
REPORT=$(report)
echo
echo "$REPORT"

# git_version: the commit measured, and whether the tree had local changes.
git_version() {
  if [ -n "$GATEHOUSE_BIN" ]; then
    echo "binary $GATEHOUSE_BIN ($("$BIN/gatehouse" version 2>/dev/null | head -1))"
  elif git rev-parse --short HEAD >/dev/null 2>&1; then
    echo "$(git rev-parse --short HEAD)$(git diff --quiet HEAD -- cmd internal bench go.mod 2>/dev/null || echo ' with local changes')"
  else
    "$BIN/gatehouse" version 2>/dev/null | head -1
  fi
}

versions() {
  local v
  v="gatehouse $(git_version), $(go version | awk '{print $3}')"
  if command -v nginx >/dev/null; then v+=", $(nginx -v 2>&1 | sed 's/.*: //')"; fi
  if command -v haproxy >/dev/null; then v+=", $(haproxy -v | head -1 | awk '{print "HAProxy " $3}')"; fi
  v+=", $(wrk -v 2>&1 | head -1 | awk '{print $1, $2}')"
  if sel lambda; then v+=", Node.js $(node --version)"; fi
  echo "$v"
}

if [ "$RECORD" = 1 ]; then
  {
    echo
    echo "## Gateway throughput run, $(date -u '+%Y-%m-%d %H:%M UTC')"
    echo
    echo "Machine: $(nproc) cores ($(awk -F': ' '/model name/ {print $2; exit}' /proc/cpuinfo)), $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo), $(uname -sr), load average $LOAD_START at the start and $(cut -d' ' -f1-3 /proc/loadavg) at the end."
    echo "Versions: $(versions)."
    echo "Command: \`$CMDLINE\` (wrk -t$THREADS -c$CONNS, $WARMUP warm-up then $DURATION per target and round, $ROUNDS round(s), 64-byte responses, every process on this machine, loopback only)."
    echo
    echo "$REPORT"
  } >>docs/benchmarks.md
  log "recorded in docs/benchmarks.md"
fi
