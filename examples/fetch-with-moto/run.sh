#!/usr/bin/env sh
# Fetch a snapshot from a local moto server, then ask questions of it. No AWS account needed:
#   pip install 'policysim[aws]' 'moto[server]'  &&  sh examples/fetch-with-moto/run.sh
set -eu
HERE=$(cd "$(dirname "$0")" && pwd)
PORT=${PORT:-5055}
export AWS_ACCESS_KEY_ID=testing AWS_SECRET_ACCESS_KEY=testing AWS_DEFAULT_REGION=us-east-1
export AWS_ENDPOINT_URL="http://127.0.0.1:$PORT"   # every boto3 client goes to moto

moto_server -H 127.0.0.1 -p "$PORT" >/dev/null 2>&1 &
MOTO=$!
trap 'kill $MOTO' EXIT
sleep 2

python "$HERE/seed.py" "$AWS_ENDPOINT_URL"
policysim fetch --region us-east-1 --output snapshot.json
policysim check user alice s3:GetObject --resource arn:aws:s3:::reports-bucket/q3.csv --account snapshot.json || true
policysim check user bob s3:GetObject --resource arn:aws:s3:::reports-bucket/q3.csv --account snapshot.json || true
policysim who-can s3:GetObject arn:aws:s3:::reports-bucket/q3.csv --account snapshot.json || true
