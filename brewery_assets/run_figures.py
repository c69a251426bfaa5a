"""What a run of the lake's jobs did, read back from its event log through the public instance API.

The whole-table figures of a silver refresh are the metadata of silver's `reconciles_with_bronze`
check evaluation in that run (bronze records = silver rows + duplicates removed + rejected), not
silver's materializations, which are one per location. The quarantine table holds the rejected
records and the removed duplicates, so `SilverFigures.quarantined` is its row count.
"""

from collections.abc import Mapping
from dataclasses import dataclass

import dagster as dg

from brewery_assets import asset_names
from brewery_assets.quality.checks import RECONCILES_WITH_BRONZE


def metadata_int(metadata: Mapping[str, dg.MetadataValue] | None, name: str) -> int | None:
    """An integer metadata value (ints, and floats without a fraction), or None when absent."""
    if metadata is None or name not in metadata:
        return None
    value = metadata[name].value
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return int(value)


def run_materializations(instance: dg.DagsterInstance, run_id: str) -> dict[dg.AssetKey, list[dg.AssetMaterialization]]:
    """Every materialization of one run, by asset, in the order they were recorded."""
    found: dict[dg.AssetKey, list[dg.AssetMaterialization]] = {}
    for entry in instance.all_logs(run_id, of_type=dg.DagsterEventType.ASSET_MATERIALIZATION):
        materialization = entry.asset_materialization
        if materialization is not None:
            found.setdefault(materialization.asset_key, []).append(materialization)
    return found


def run_check_evaluation(
    instance: dg.DagsterInstance, run_id: str, asset_key: dg.AssetKey, check_name: str
) -> dg.AssetCheckEvaluation | None:
    """The last evaluation of one asset check within one run, or None when the run has none."""
    found = None
    for entry in instance.all_logs(run_id, of_type=dg.DagsterEventType.ASSET_CHECK_EVALUATION):
        evaluation = entry.dagster_event.asset_check_evaluation_data if entry.dagster_event else None
        if evaluation is not None and evaluation.asset_key == asset_key and evaluation.check_name == check_name:
            found = evaluation
    return found


@dataclass(frozen=True)
class SilverFigures:
    """Where the bronze records of a refresh went, for the whole selection the run rebuilt."""

    bronze_records: int | None
    silver_rows: int | None
    duplicates_removed: int | None
    rejected: int | None
    unaccounted: int | None

    @property
    def quarantined(self) -> int | None:
        """Rows kept out of silver with a reason (rejected records and removed duplicates)."""
        if self.rejected is None or self.duplicates_removed is None:
            return None
        return self.rejected + self.duplicates_removed


def silver_figures(instance: dg.DagsterInstance, run_id: str) -> SilverFigures | None:
    """The figures of silver's `reconciles_with_bronze` evaluation in the run, or None without one."""
    evaluation = run_check_evaluation(instance, run_id, dg.AssetKey(asset_names.SILVER), RECONCILES_WITH_BRONZE)
    if evaluation is None:
        return None
    metadata = evaluation.metadata
    return SilverFigures(
        bronze_records=metadata_int(metadata, "bronze_records"),
        silver_rows=metadata_int(metadata, "silver_rows"),
        duplicates_removed=metadata_int(metadata, "duplicates_removed"),
        rejected=metadata_int(metadata, "rejected"),
        unaccounted=metadata_int(metadata, "unaccounted"),
    )
