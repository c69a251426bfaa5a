"""Progress lines of a run executed in process: failed and retried steps (the lake's steps are in test_cli.py)."""

import uuid

import dagster as dg

from brewery_assets.progress import RunProgress


@dg.asset(retry_policy=dg.RetryPolicy(max_retries=1))
def flaky(context: dg.AssetExecutionContext) -> None:
    """Fails its first attempt."""
    if context.retry_number == 0:
        raise RuntimeError("first attempt fails")


@dg.asset
def broken() -> None:
    """Always fails."""
    raise RuntimeError("always fails")


def run_with_progress(asset: dg.AssetsDefinition) -> tuple[dg.ExecuteInProcessResult, list[str]]:
    lines: list[str] = []
    run_id = str(uuid.uuid4())
    with dg.instance_for_test() as instance, RunProgress(instance, run_id, lines.append, poll_seconds=0.05):
        defs = dg.Definitions(assets=[asset], jobs=[dg.define_asset_job("job", selection=[asset])])
        job = defs.resolve_job_def("job")
        result = job.execute_in_process(instance=instance, run_id=run_id, raise_on_error=False)
    return result, lines


def test_a_failed_step_is_reported_with_its_duration():
    result, lines = run_with_progress(broken)

    assert not result.success
    assert lines[0] == "  broken: started ..."
    assert lines[1].startswith("  broken: failed after ") and lines[1].endswith(" s")
    assert len(lines) == 2


def test_a_retried_step_says_so_then_reports_the_attempt_that_passed():
    result, lines = run_with_progress(flaky)

    assert result.success
    assert lines[0] == "  flaky: started ..."
    assert lines[1].startswith("  flaky: failed after ")
    assert "requested a retry" in lines[1]
    assert lines[2] == '  flaky: Started re-execution (attempt # 2) of step "flaky".'
    assert lines[3].startswith("  flaky: done (") and len(lines) == 4
