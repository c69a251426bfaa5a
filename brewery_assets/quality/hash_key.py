"""The secret key of the anonymized copy of silver.

The key comes from `BREWERY_ANONYMIZATION_KEY`. Outside local development (`BREWERY_DEPLOYMENT`
set to anything but `local`) a missing key is an error that names the variable: publishing hashes
under a known key would make them reversible by guessing. In local development (the default) a
fixed, public development key is used instead, and the asset's metadata says so.
"""

import os

KEY_ENV = "BREWERY_ANONYMIZATION_KEY"
DEPLOYMENT_ENV = "BREWERY_DEPLOYMENT"
LOCAL_DEPLOYMENT = "local"
# Public on purpose: it protects nothing and is only ever used on a developer's own lake.
DEVELOPMENT_KEY = b"brewery-assets local development key - not a secret"


class MissingHashKeyError(RuntimeError):
    """The anonymization key is not set in a deployment that needs a real one."""


def hash_key() -> tuple[bytes, bool]:
    """(key, is_development_key): the configured key, or the development key in local development."""
    configured = os.environ.get(KEY_ENV, "")
    if configured:
        return configured.encode("utf-8"), False
    deployment = os.environ.get(DEPLOYMENT_ENV, LOCAL_DEPLOYMENT) or LOCAL_DEPLOYMENT
    if deployment != LOCAL_DEPLOYMENT:
        raise MissingHashKeyError(
            f"{KEY_ENV} is not set ({DEPLOYMENT_ENV}={deployment!r}): the anonymized silver table needs a "
            f"secret key outside local development. Set {KEY_ENV} to a long random value, e.g. from a "
            f"secrets manager; changing it later changes every hash."
        )
    return DEVELOPMENT_KEY, True
