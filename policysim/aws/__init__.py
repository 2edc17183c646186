"""Read an AWS account into a policysim snapshot (`policysim fetch`).

Needs boto3 (`pip install 'policysim[aws]'`); nothing here is imported unless `fetch` runs.
Every client comes from `clients.ClientFactory`, which sends only the (service, operation)
pairs on `clients.ALLOWED_OPERATIONS`, the reads fetch makes, and refuses anything else before
it reaches the network, so fetching can never change an account.
"""
