"""The secret key of the anonymized copy of silver.

The key comes from `BREWERY_ANONYMIZATION_KEY`, or from the AWS Secrets Manager secret named by
`BREWERY_ANONYMIZATION_KEY_SECRET_ID` (how a job run on EMR gets it: the secret's name travels
with the job, its value never does). Outside local development (`DAGSTER_DEPLOYMENT` other than
`local`) a missing key is an error that names both: publishing hashes under a known key would
make them reversible by guessing. In local development (the default) a fixed, public development
key is used instead, and the asset's metadata says so.
"""

import os

from brewery_assets.settings import DEPLOYMENT_ENV, LOCAL_DEPLOYMENT

KEY_ENV = "BREWERY_ANONYMIZATION_KEY"
SECRET_ID_ENV = "BREWERY_ANONYMIZATION_KEY_SECRET_ID"
# Public on purpose: it protects nothing and is only ever used on a developer's own lake.
DEVELOPMENT_KEY = b"brewery-assets local development key - not a secret"


class MissingHashKeyError(RuntimeError):
    """The anonymization key is not set in a deployment that needs a real one."""


def _from_secrets_manager(secret_id: str) -> str:
    import boto3

    return boto3.client("secretsmanager").get_secret_value(SecretId=secret_id)["SecretString"]


def hash_key(deployment: str | None = None, secret_id: str | None = None) -> tuple[bytes, bool]:
    """(key, is_development_key): the configured key, or the development key in local development.

    `deployment` and `secret_id` default to `DAGSTER_DEPLOYMENT` and
    `BREWERY_ANONYMIZATION_KEY_SECRET_ID`; a job run elsewhere receives them from the asset.
    """
    configured = os.environ.get(KEY_ENV, "")
    secret_id = secret_id or os.environ.get(SECRET_ID_ENV, "")
    if not configured and secret_id:
        configured = _from_secrets_manager(secret_id)
    if configured:
        return configured.encode("utf-8"), False
    deployment = deployment or os.environ.get(DEPLOYMENT_ENV) or LOCAL_DEPLOYMENT
    if deployment != LOCAL_DEPLOYMENT:
        raise MissingHashKeyError(
            f"{KEY_ENV} is not set ({DEPLOYMENT_ENV}={deployment!r}): the anonymized silver table needs a "
            f"secret key outside local development. Set {KEY_ENV} to a long random value, or "
            f"{SECRET_ID_ENV} to the AWS Secrets Manager secret holding it; changing it later changes every hash."
        )
    return DEVELOPMENT_KEY, True
