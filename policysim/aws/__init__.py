"""Read an AWS account into a policysim snapshot (`policysim fetch`).

Needs boto3 (`pip install 'policysim[aws]'`); nothing here is imported unless `fetch` runs.
Every client comes from `clients.ClientFactory`, which refuses any operation that is not a
read (see `clients.is_read_operation`), so fetching can never change an account.
"""
