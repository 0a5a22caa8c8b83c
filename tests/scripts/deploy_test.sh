#!/usr/bin/env bash
# Tests scripts/deploy's decisions and messages with fake tools (no build, no AWS): which
# architecture it picks and why, what it refuses, what it runs. Run by `scripts/test --only
# deploy-script`; takes about a second.
set -uo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
REAL_PYTHON="$(command -v python3)"
failures=0

# Fake tools: `tools` stands for .venv/bin (sam, cargo-lambda, python3 with or without
# ziglang), `bin` for the machine (cargo, rustup). Each records its arguments in $WORK/calls.
mkdir -p "$WORK/tools" "$WORK/bin" "$WORK/bin-no-rustup"
cat >"$WORK/tools/sam" <<'SH'
#!/bin/sh
echo "sam $*" >>"$FAKE_CALLS"
case "$1" in
  build) [ "${FAKE_SAM_FAIL:-}" = build ] && { echo "Error: CargoLambdaExecutionException" >&2; exit 1; } ;;
  deploy) [ "${FAKE_SAM_FAIL:-}" = deploy ] && exit 1 ;;
  list) echo '[{"OutputKey":"ApiUrl","OutputValue":"https://abc.execute-api.eu-central-1.amazonaws.com"},{"OutputKey":"AllegroRedirectUri","OutputValue":"https://abc.execute-api.eu-central-1.amazonaws.com/oauth/allegro/callback"},{"OutputKey":"AllegroClientSecretArn","OutputValue":"arn:aws:secretsmanager:eu-central-1:1:secret:md/app/allegro-client"}]' ;;
esac
exit 0
SH
printf '#!/bin/sh\nexit 0\n' >"$WORK/tools/cargo-lambda"
cat >"$WORK/tools/python3" <<SH
#!/bin/sh
# ziglang present unless FAKE_ZIG=missing; the credentials/stack check answers FAKE_STACK.
if [ "\$1" = "-c" ] && [ "\$2" = "import ziglang" ]; then [ "\${FAKE_ZIG:-}" != missing ]; exit \$?; fi
if [ "\$1" = "-" ]; then cat >/dev/null; echo "\${FAKE_STACK:-exists marketdesk eu-central-1}"; exit 0; fi
exec "$REAL_PYTHON" "\$@"
SH
printf '#!/bin/sh\nexit 0\n' >"$WORK/bin/cargo"
cp "$WORK/bin/cargo" "$WORK/bin-no-rustup/cargo"
cat >"$WORK/bin/rustup" <<'SH'
#!/bin/sh
[ "$1 $2 $3" = "target list --installed" ] || exit 1
echo x86_64-unknown-linux-gnu
[ -n "${FAKE_ARM:-}" ] && echo aarch64-unknown-linux-gnu
exit 0
SH
chmod +x "$WORK"/tools/* "$WORK"/bin/* "$WORK"/bin-no-rustup/*

# deploy [ENV=VALUE...] -- ARGS...: runs scripts/deploy, sets $out (stdout+stderr), $rc, $calls.
deploy() {
  local envs=()
  while [ "$1" != "--" ]; do envs+=("$1"); shift; done
  shift
  : >"$WORK/calls"
  out="$(env -i HOME="$WORK" PATH="$WORK/bin:/usr/bin:/bin" MARKETDESK_DEPLOY_TOOLS="$WORK/tools" \
    FAKE_CALLS="$WORK/calls" ${envs[@]+"${envs[@]}"} bash "$ROOT/scripts/deploy" "$@" 2>&1)"
  rc=$?
  calls="$(cat "$WORK/calls")"
}
check() { # check NAME CONDITION...
  local name="$1"
  shift
  if "$@"; then
    printf 'ok   %s\n' "$name"
  else
    printf 'FAIL %s\n  output: %s\n  calls: %s\n' "$name" "$out" "$calls"
    failures=$((failures + 1))
  fi
}
has() { [[ "$out" == *"$1"* ]]; }
ran() { [[ "$calls" == *"$1"* ]]; }

deploy FAKE_ARM=1 -- --dry-run
check "arm64 when the aarch64 target and Zig are there" has "architecture: arm64 (the aarch64-unknown-linux-gnu Rust target and Zig are installed"
check "dry run shows the build with Architecture=arm64" has "sam build --config-env default --parameter-overrides Architecture=arm64"
check "dry run runs nothing" [ "$calls$rc" = 0 ]

deploy -- --dry-run
check "x86_64 without the aarch64 target, saying how to add it" has "architecture: x86_64 (the aarch64-unknown-linux-gnu Rust target is not installed (add it with: rustup target add aarch64-unknown-linux-gnu)"

deploy FAKE_ARM=1 FAKE_ZIG=missing -- --dry-run
check "x86_64 without Zig, saying where it comes from" has "Zig, cargo-lambda's cross linker, is missing (run scripts/install-tools"

out="$(env -i HOME="$WORK" PATH="$WORK/bin-no-rustup:/usr/bin:/bin" MARKETDESK_DEPLOY_TOOLS="$WORK/tools" FAKE_CALLS="$WORK/calls" bash "$ROOT/scripts/deploy" --dry-run 2>&1)"
check "x86_64 without rustup" has "architecture: x86_64 (rustup is not installed"

deploy -- --arch arm64 --dry-run
check "--arch arm64 that cannot be built is refused with the reason" [ "$rc" -eq 2 ]
check "  ... naming the fix" has "error: --arch arm64 cannot be built here: the aarch64-unknown-linux-gnu Rust target is not installed (add it with: rustup target add"

deploy -- --arch sparc
check "an unknown architecture is refused" has "--arch sparc: expected arm64 or x86_64"
deploy -- --param Stage
check "a parameter without a value is refused" has "--param Stage: expected KEY=VALUE"
deploy -- --param Architecture=arm64
check "Architecture goes through --arch" has "use --arch arm64|x86_64"

rm "$WORK/tools/cargo-lambda"
deploy -- --build-only
check "missing cargo-lambda: run scripts/install-tools" has "cargo-lambda not found in $WORK/tools: run scripts/install-tools first"
printf '#!/bin/sh\nexit 0\n' >"$WORK/tools/cargo-lambda"
chmod +x "$WORK/tools/cargo-lambda"

deploy -- --build-only --notify-from desk@example.com --param Stage=prod
check "build only: sam build with the architecture and the parameters" ran "sam build --config-env default --parameter-overrides Architecture=x86_64 NotifyFrom=desk@example.com Stage=prod"
check "build only: no deploy" bash -c '! grep -q "sam deploy" "$1"' _ "$WORK/calls"
check "build only: exit 0" [ "$rc" -eq 0 ]

deploy FAKE_SAM_FAIL=build -- --build-only
check "a failed build says so, not only the tool's error" has "deploy: error: the build failed (the messages above say where); nothing was deployed"

deploy FAKE_STACK=no-credentials -- --yes
check "no credentials: said plainly after the build" has "no AWS credentials: run 'aws configure'"
check "  ... and nothing deployed" bash -c '! grep -q "sam deploy" "$1"' _ "$WORK/calls"

deploy "FAKE_STACK=new marketdesk eu-central-1" -- --yes
check "a first deploy without --notify-from is refused" has "stack marketdesk does not exist yet in eu-central-1: the first deploy needs --notify-from ADDRESS"

deploy "FAKE_STACK=new marketdesk-prod eu-central-1" -- --config-env prod --stack marketdesk-prod --notify-from desk@example.com --yes
check "first deploy runs sam deploy with the stack and parameters" ran "sam deploy --config-env prod --stack-name marketdesk-prod --parameter-overrides Architecture=x86_64 NotifyFrom=desk@example.com --no-confirm-changeset"
check "  ... and prints the redirect URI" has "Allegro redirect URI:     https://abc.execute-api.eu-central-1.amazonaws.com/oauth/allegro/callback"
check "  ... and the secret command" has "aws secretsmanager put-secret-value --region eu-central-1 --secret-id 'arn:aws:secretsmanager:eu-central-1:1:secret:md/app/allegro-client'"

deploy FAKE_SAM_FAIL=deploy -- --yes
check "a failed deploy says so" has "deploy: error: sam deploy failed"

if [ "$failures" -ne 0 ]; then
  echo "$failures check(s) failed"
  exit 1
fi
echo "scripts/deploy: all checks passed"
