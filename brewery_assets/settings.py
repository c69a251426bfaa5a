"""Environment settings shared by the definitions, the CLI and the benchmark.

Every setting has a local default so a fresh clone runs with no configuration. The production
resources and their variables are in `brewery_assets.deployments`.
"""

import os
from collections.abc import Mapping
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]

PUBLIC_API_URL = "https://api.openbrewerydb.org/v1"

# Variables read here. Secrets never are: resources read those through dg.EnvVar.
LAKE_ROOT_ENV = "BREWERY_LAKE_ROOT"
API_URL_ENV = "OPENBREWERYDB_API_URL"
SPARK_REMOTE_ENV = "SPARK_REMOTE"
SNAPSHOT_ENV = "BREWERIES_SNAPSHOT"
DEPLOYMENT_ENV = "DAGSTER_DEPLOYMENT"
VERBOSE_ENV = "BREWERY_VERBOSE"

# Defaults of the anonymized copy's settings, for runs without run config (sensors, automation).
ANONYMIZED_SETTINGS_ENV = {
    "min_group_size": ("BREWERY_ANONYMIZED_MIN_GROUP_SIZE", int),
    "grid_degrees": ("BREWERY_ANONYMIZED_GRID_DEGREES", float),
    "max_unique_share": ("BREWERY_ANONYMIZED_MAX_UNIQUE_SHARE", float),
}

LOCAL_DEPLOYMENT = "local"
PRODUCTION_DEPLOYMENT = "prod"
DEPLOYMENTS = (LOCAL_DEPLOYMENT, PRODUCTION_DEPLOYMENT)


class DeploymentSettingsError(RuntimeError):
    """The environment does not describe a complete deployment."""


def deployment(env: Mapping[str, str] | None = None) -> str:
    """The deployment named by `DAGSTER_DEPLOYMENT` (`local` when unset)."""
    env = os.environ if env is None else env
    name = env.get(DEPLOYMENT_ENV) or LOCAL_DEPLOYMENT
    if name not in DEPLOYMENTS:
        raise DeploymentSettingsError(f"{DEPLOYMENT_ENV}={name!r}: expected one of {', '.join(DEPLOYMENTS)}")
    return name


def lake_root(env: Mapping[str, str] | None = None) -> str:
    """The lake's root: `BREWERY_LAKE_ROOT`, else the git-ignored `lake/` folder of the repo."""
    env = os.environ if env is None else env
    return env.get(LAKE_ROOT_ENV) or str(REPO_ROOT / "lake")


def api_url() -> str:
    """The Open Brewery DB base URL (with `/v1`): `OPENBREWERYDB_API_URL`, else the public API."""
    return (os.environ.get(API_URL_ENV) or PUBLIC_API_URL).rstrip("/")


def spark_remote() -> str | None:
    """An external Spark Connect URL (`SPARK_REMOTE`), or None for the embedded engine."""
    return os.environ.get(SPARK_REMOTE_ENV) or None


def verbose(env: Mapping[str, str] | None = None) -> bool:
    """Whether `BREWERY_VERBOSE` asks the CLI for Dagster's full log (1, true, yes or on)."""
    env = os.environ if env is None else env
    return (env.get(VERBOSE_ENV) or "").strip().lower() in ("1", "true", "yes", "on")


# Dagster's switch for single-run backfills: one "materialization planned" event per asset for a
# range of partitions instead of one per partition. The processes that create runs need it (the
# CLI, `dagster dev`, and in production the webserver and the daemon).
PLANNED_EVENTS_ENV = "DAGSTER_EMIT_PARTITION_SUBSET_IN_PLANNED_EVENTS"


def anonymized_settings(chosen: Mapping[str, object], env: Mapping[str, str] | None = None) -> dict:
    """The anonymized copy's settings: each one `chosen` (run config) unless None, else its variable
    of `ANONYMIZED_SETTINGS_ENV`, else None (the job's default). ValueError for a variable that is
    not a number."""
    env = os.environ if env is None else env
    settings = {}
    for name, (variable, kind) in ANONYMIZED_SETTINGS_ENV.items():
        value, text = chosen.get(name), (env.get(variable) or "").strip()
        if value is None and text:
            try:
                value = kind(text)
            except ValueError:
                raise ValueError(f"{variable}={text!r} is not a {'whole number' if kind is int else 'number'}") \
                    from None
        settings[name] = value
    return settings
