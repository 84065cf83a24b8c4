#!/usr/bin/env bash
# Repeats seed 003's four checks against a running `gatehouse serve
# examples/walkthrough/gatehouse.yaml` (defaults: gateway 127.0.0.1:8080,
# identity provider 127.0.0.1:9229):
#   1. no Authorization header          -> 401 {"message":"Unauthorized"}
#   2. regularuser on /RegularUser      -> 200 "Hello from Regular User"
#   3. regularuser on /AdminUser        -> 403 {"message":"Forbidden"}
#   4. adminuser on /AdminUser and /RegularUser -> 200 both
# Needs curl and node. Exits non-zero when an answer differs from the seed's.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
GATEWAY=${GATEWAY:-http://127.0.0.1:8080}
IDP=${IDP:-http://127.0.0.1:9229}
CLIENT_ID=walkthroughclient000000001

# USER_PASSWORD_AUTH through the Cognito API (InitiateAuth is unauthenticated,
# as in Cognito); prints the ID token, which carries the scope claim the
# pre-token trigger added.
id_token() {
  local user=$1 password
  password=$(tr -d '\n' < "$here/users/$user.password")
  local body
  body=$(node -e 'console.log(JSON.stringify({AuthFlow:"USER_PASSWORD_AUTH",ClientId:process.argv[1],AuthParameters:{USERNAME:process.argv[2],PASSWORD:process.argv[3]}}))' "$CLIENT_ID" "$user" "$password")
  curl -fsS "$IDP/" -H 'Content-Type: application/x-amz-json-1.1' \
    -H 'X-Amz-Target: AWSCognitoIdentityProviderService.InitiateAuth' -d "$body" |
    node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>console.log(JSON.parse(s).AuthenticationResult.IdToken))'
}

fail=0
check() {
  local name=$1 want_status=$2 want_body=$3 path=$4 token=${5:-}
  local out status body
  if [ -n "$token" ]; then
    out=$(curl -sS -w '\n%{http_code}' "$GATEWAY$path" -H "Authorization: $token")
  else
    out=$(curl -sS -w '\n%{http_code}' "$GATEWAY$path")
  fi
  status=${out##*$'\n'}
  body=${out%$'\n'*}
  if [ "$status" = "$want_status" ] && [ "$body" = "$want_body" ]; then
    printf 'ok    %-45s %s %s\n' "$name" "$status" "$body"
  else
    printf 'FAIL  %-45s got %s %s, want %s %s\n' "$name" "$status" "$body" "$want_status" "$want_body"
    fail=1
  fi
}

regular=$(id_token regularuser)
admin=$(id_token adminuser)

check "no Authorization header"          401 '{"message":"Unauthorized"}' /RegularUser
check "regularuser GET /RegularUser"     200 '"Hello from Regular User"'  /RegularUser "$regular"
check "regularuser GET /AdminUser"       403 '{"message":"Forbidden"}'    /AdminUser "$regular"
check "adminuser GET /AdminUser"         200 '"Hello from Admin User"'    /AdminUser "$admin"
check "adminuser GET /RegularUser"       200 '"Hello from Regular User"'  /RegularUser "$admin"
exit $fail
