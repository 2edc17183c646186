"""Time `policysim fetch` of a larger account from a local moto server (no AWS involved).

Seeds moto (ThreadedMotoServer on 127.0.0.1) with 500 roles (each with an inline and a managed
policy) and 200 S3 buckets (each with a bucket policy), then runs the real CLI against it and
prints the wall time and what the snapshot holds.

    python benchmarks/bench_fetch.py [--roles 500] [--buckets 200]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--roles", type=int, default=500)
    parser.add_argument("--buckets", type=int, default=200)
    args = parser.parse_args()

    import boto3
    from moto.server import ThreadedMotoServer

    os.environ.update(
        AWS_ACCESS_KEY_ID="testing",
        AWS_SECRET_ACCESS_KEY="testing",
        AWS_DEFAULT_REGION="us-east-1",
    )
    import logging

    logging.getLogger("werkzeug").setLevel(logging.ERROR)  # no request log on the console
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    endpoint = f"http://{host}:{port}"
    try:
        session = boto3.session.Session(region_name="us-east-1")
        iam = session.client("iam", endpoint_url=endpoint)
        s3 = session.client("s3", endpoint_url=endpoint)
        trust = json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [
                    {
                        "Effect": "Allow",
                        "Principal": {"Service": "lambda.amazonaws.com"},
                        "Action": "sts:AssumeRole",
                    }
                ],
            }
        )
        started = time.perf_counter()
        for i in range(args.roles):
            doc = {
                "Version": "2012-10-17",
                "Statement": [
                    {
                        "Effect": "Allow",
                        "Action": "s3:GetObject",
                        "Resource": f"arn:aws:s3:::b{i}/*",
                    }
                ],
            }
            iam.create_role(RoleName=f"role-{i}", AssumeRolePolicyDocument=trust)
            iam.put_role_policy(
                RoleName=f"role-{i}", PolicyName="inline", PolicyDocument=json.dumps(doc)
            )
            arn = iam.create_policy(PolicyName=f"policy-{i}", PolicyDocument=json.dumps(doc))
            iam.attach_role_policy(RoleName=f"role-{i}", PolicyArn=arn["Policy"]["Arn"])
        for i in range(args.buckets):
            name = f"bench-bucket-{i}"
            s3.create_bucket(Bucket=name)
            policy = {
                "Version": "2012-10-17",
                "Statement": [
                    {
                        "Effect": "Deny",
                        "Principal": "*",
                        "Action": "s3:*",
                        "Resource": [f"arn:aws:s3:::{name}", f"arn:aws:s3:::{name}/*"],
                        "Condition": {"Bool": {"aws:SecureTransport": "false"}},
                    }
                ],
            }
            s3.put_bucket_policy(Bucket=name, Policy=json.dumps(policy))
        seeded = time.perf_counter() - started
        print(f"seeded {args.roles} roles and {args.buckets} buckets in {seeded:.1f} s")

        with tempfile.TemporaryDirectory() as work:
            out = Path(work) / "snapshot.json"
            command = [
                sys.executable,
                "-m",
                "policysim",
                "fetch",
                "--region",
                "us-east-1",
                "--endpoint-url",
                endpoint,
                "--output",
                str(out),
            ]
            started = time.perf_counter()
            run = subprocess.run(command, capture_output=True, text=True, check=False)
            seconds = time.perf_counter() - started
            if run.returncode != 0:
                raise SystemExit(f"fetch failed ({run.returncode}): {run.stderr.strip()}")
            snapshot = json.loads(out.read_text())
            account = snapshot["accounts"][0]
            details = account["authorization_details"]
            buckets = [r for r in account["resources"] if r["arn"].startswith("arn:aws:s3:::")]
            print(
                f"policysim fetch: {seconds:.1f} s wall; {len(details['RoleDetailList'])} roles,"
                f" {len(details['Policies'])} managed policies, {len(buckets)} buckets with"
                f" policies, {len(account['errors'])} errors recorded"
            )
    finally:
        server.stop()


if __name__ == "__main__":
    main()
