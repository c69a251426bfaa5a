"""Launch a backfill of chosen silver locations through the GraphQL API of a running Dagster webserver.

    python scripts/backfill_locations.py --url http://127.0.0.1:3000 \\
        --location "United States/Texas" --location "Germany/Bayern" --with-gold --wait

Locations are partition keys (`Country/State`, as the UI shows them) or, with `--country` and
`--state` given in pairs, the exact names (encoded to keys here). `--all` selects every location.
The backfill daemon (running with `dagster dev` or `dagster-daemon run`) executes it: silver's
`BackfillPolicy.single_run()` makes one run per contiguous range of the chosen keys (in
registration order, the order of the UI's partition picker); the same locations of the anonymized
copy are rebuilt in the same runs, and `--with-gold` recomputes gold once after silver. Runs that
write the same table wait for each other (concurrency pools), so scattered locations, and other
runs launched meanwhile, never interleave their writes. The script prints the backfill id and the
UI link; `--wait` waits for the end and exits non-zero unless the backfill succeeded.
"""

import argparse
import sys
import time

import requests

from brewery_assets import asset_names
from brewery_assets.locations import location_key
from brewery_assets.partitions import PARTITION_RANGE_END_TAG, PARTITION_RANGE_START_TAG, contiguous_ranges

SILVER = [asset_names.SILVER]
# The anonymized copy follows silver location by location, in the same runs.
ANONYMIZED = [asset_names.ANONYMIZED]
GOLD = [asset_names.GOLD]
# Backfill statuses that end it. `COMPLETED` is deprecated: it says every run was submitted, not
# that they succeeded, so only `COMPLETED_SUCCESS` counts as success.
DONE = {"COMPLETED", "COMPLETED_SUCCESS", "COMPLETED_FAILED", "FAILED", "CANCELED"}
SUCCEEDED = "COMPLETED_SUCCESS"

PARTITION_KEYS_QUERY = """
query SilverPartitions($path: [String!]!) {
  assetNodeOrError(assetKey: {path: $path}) {
    __typename
    ... on AssetNode { partitionKeys }
    ... on Error { message }
  }
}
"""

LAUNCH_MUTATION = """
mutation LaunchBackfill($params: LaunchBackfillParams!) {
  launchPartitionBackfill(backfillParams: $params) {
    __typename
    ... on LaunchBackfillSuccess { backfillId }
    ... on Error { message }
  }
}
"""

STATUS_QUERY = """
query BackfillStatus($id: String!) {
  partitionBackfillOrError(backfillId: $id) {
    __typename
    ... on PartitionBackfill {
      status
      runs(limit: 100) { runId status creationTime tags { key value } assetSelection { path } }
    }
    ... on Error { message }
  }
}
"""


class BackfillError(RuntimeError):
    """The webserver refused or failed the request; the message says why."""


def graphql(url: str, query: str, variables: dict, timeout: float = 60.0) -> dict:
    """Posts one GraphQL request to `<url>/graphql` and returns its `data`; raises BackfillError on errors."""
    response = requests.post(f"{url.rstrip('/')}/graphql", json={"query": query, "variables": variables},
                             timeout=timeout)
    if response.status_code != 200:
        raise BackfillError(f"GraphQL answered HTTP {response.status_code}: {response.text[:500]}")
    body = response.json()
    if body.get("errors"):
        raise BackfillError("; ".join(error.get("message", str(error)) for error in body["errors"]))
    return body["data"]


def registered_locations(url: str) -> list[str]:
    """The silver partition keys registered on the deployment, in registration order."""
    node = graphql(url, PARTITION_KEYS_QUERY, {"path": SILVER})["assetNodeOrError"]
    if node["__typename"] != "AssetNode":
        raise BackfillError(f"silver_breweries not found: {node.get('message', node['__typename'])}")
    return node["partitionKeys"]


def launch_backfill(url: str, keys: list[str], with_gold: bool = False, title: str | None = None) -> str:
    """Launches a backfill of silver and its anonymized copy (and gold with `with_gold`) over `keys`;
    returns the backfill id."""
    params = {
        "partitionNames": keys,
        "assetSelection": [{"path": SILVER}, {"path": ANONYMIZED}] + ([{"path": GOLD}] if with_gold else []),
        "title": title or f"silver locations ({len(keys)})",
    }
    result = graphql(url, LAUNCH_MUTATION, {"params": params})["launchPartitionBackfill"]
    if result["__typename"] != "LaunchBackfillSuccess":
        raise BackfillError(f"{result['__typename']}: {result.get('message', '')}")
    return result["backfillId"]


def backfill_status(url: str, backfill_id: str) -> dict:
    """The backfill's `status` and `runs` (id, status, creation time, tags, assets)."""
    backfill = graphql(url, STATUS_QUERY, {"id": backfill_id})["partitionBackfillOrError"]
    if backfill["__typename"] != "PartitionBackfill":
        raise BackfillError(f"backfill {backfill_id}: {backfill.get('message', backfill['__typename'])}")
    return backfill


def wait_for(url: str, backfill_id: str, timeout: float, poll: float = 2.0) -> dict:
    """Polls the backfill until it ends (or `timeout` seconds pass); returns its last status."""
    deadline = time.monotonic() + timeout
    while True:
        backfill = backfill_status(url, backfill_id)
        if backfill["status"] in DONE:
            return backfill
        if time.monotonic() > deadline:
            raise BackfillError(f"backfill {backfill_id} still {backfill['status']} after {timeout:.0f} s")
        time.sleep(poll)


def run_scope(run: dict) -> str:
    """What a backfill run rebuilt: its range or partition of locations, else its (unpartitioned) assets."""
    tags = {tag["key"]: tag["value"] for tag in run["tags"]}
    if PARTITION_RANGE_START_TAG in tags:
        return f"{tags[PARTITION_RANGE_START_TAG]} ... {tags[PARTITION_RANGE_END_TAG]}"
    if "dagster/partition" in tags:
        return tags["dagster/partition"]
    return ", ".join("/".join(key["path"]) for key in run.get("assetSelection") or []) or "the whole job"


def backfill_succeeded(backfill: dict) -> bool:
    """Whether an ended backfill succeeded: `COMPLETED_SUCCESS` only, never the deprecated `COMPLETED`."""
    return backfill["status"] == SUCCEEDED


def chosen_keys(args: argparse.Namespace, registered: list[str]) -> list[str]:
    """The partition keys the arguments name, checked against the registered ones."""
    if args.all:
        return list(registered)
    if len(args.country) != len(args.state):
        raise BackfillError("--country and --state come in pairs")
    keys = list(args.location) + [location_key(c, s) for c, s in zip(args.country, args.state, strict=True)]
    if not keys:
        raise BackfillError("name at least one location (--location, --country/--state or --all)")
    contiguous_ranges(keys, registered)  # raises on a key that is not registered
    return list(dict.fromkeys(keys))


def main(argv: list[str] | None = None) -> int:
    """Command-line entry point; returns the exit status."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--url", default="http://127.0.0.1:3000", help="the Dagster webserver")
    parser.add_argument("--location", action="append", default=[], help="a partition key, e.g. 'Germany/Bayern'")
    parser.add_argument("--country", action="append", default=[], help="a country (with --state)")
    parser.add_argument("--state", action="append", default=[], help="a state (with --country)")
    parser.add_argument("--all", action="store_true", help="every registered location")
    parser.add_argument("--with-gold", action="store_true", help="recompute gold after silver")
    parser.add_argument("--title", help="the backfill's title in the UI")
    parser.add_argument("--wait", action="store_true", help="wait for the backfill to end")
    parser.add_argument("--timeout", type=float, default=3600.0, help="seconds --wait waits at most")
    args = parser.parse_args(argv)
    try:
        registered = registered_locations(args.url)
        keys = chosen_keys(args, registered)
        ranges = contiguous_ranges(keys, registered)
        backfill_id = launch_backfill(args.url, keys, args.with_gold, args.title)
        print(f"backfill {backfill_id}: {len(keys)} locations in {len(ranges)} silver run(s), with their "
              f"anonymized copy{' then gold' if args.with_gold else ''}")
        print(f"{args.url.rstrip('/')}/runs/b/{backfill_id}")
        if not args.wait:
            return 0
        backfill = wait_for(args.url, backfill_id, args.timeout)
    except (BackfillError, ValueError, requests.RequestException) as exc:
        print(f"backfill_locations: {exc}", file=sys.stderr)
        return 1
    for run in sorted(backfill["runs"], key=lambda run: run["creationTime"]):
        print(f"  run {run['runId']} {run['status']}: {run_scope(run)}")
    print(f"backfill {backfill_id}: {backfill['status']}")
    return 0 if backfill_succeeded(backfill) else 1


if __name__ == "__main__":
    sys.exit(main())
