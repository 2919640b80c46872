#!/usr/bin/env bash
# make deploy: the stack (sam deploy), then the front end into its web bucket, then the seed
# (catalogue + first admin, idempotent). Uses the AWS credentials and region of the
# environment (AWS_PROFILE / AWS_REGION …).
#   STACK   stack name (default cwmia)
#   PARAMS  extra --parameter-overrides, e.g. "PublicBaseUrl=https://cbxt.example.cn"
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
tools="$root/.local/tools/bin"
stack="${STACK:-cwmia}"
cargo="${CARGO:-cargo}"

region="${AWS_REGION:-${AWS_DEFAULT_REGION:-$(aws configure get region 2>/dev/null || true)}}"
if [[ "$region" == cn-* ]]; then
  # China: CloudFront serves only the office's ICP-filed name, and has no CloudFront Functions
  # to answer routes with index.html, so the front end uses #/ URLs (docs/china.md).
  [[ "${PARAMS:-}" == *WebDomain=* && "${PARAMS:-}" == *WebCertificate=* ]] || {
    echo "China regions: PARAMS must name WebDomain (ICP-filed) and WebCertificate (IAM server certificate ID); see docs/china.md" >&2
    exit 2
  }
  # SNS sends no SMS there: without Tencent, codes and passwords would never arrive.
  [[ "${PARAMS:-}" == *SmsProvider=tencent* && "${PARAMS:-}" == *TencentSmsSecretArn=* ]] || {
    echo "China regions: PARAMS must name SmsProvider=tencent and its TencentSms* settings (SNS sends no SMS there); see docs/china.md" >&2
    exit 2
  }
  (cd "$root/web" && VITE_ROUTER_HISTORY=hash npm run build)
  touch "$root/web/index.html" # the next `make web` builds the usual front end again
fi

overrides=()
if [ -n "${PARAMS:-}" ]; then overrides=(--parameter-overrides "$PARAMS"); fi
PATH="$tools:$PATH" sam deploy --stack-name "$stack" --resolve-s3 --capabilities CAPABILITY_IAM \
  --no-confirm-changeset --no-fail-on-empty-changeset "${overrides[@]}"

outputs="$(PATH="$tools:$PATH" sam list stack-outputs --stack-name "$stack" --output json)"
output() { python3 -c 'import json,sys; print(next(o["OutputValue"] for o in json.load(sys.stdin) if o["OutputKey"] == sys.argv[1]))' "$1" <<<"$outputs"; }

"$cargo" run --quiet -p devstack -- publish-web "$(output WebBucketName)" "$root/web/dist"
TABLE_NAME="$(output TableName)" BUCKET_NAME="$(output BucketName)" "$cargo" run --quiet -p devstack -- seed
echo "open $(output WebUrl)"
