"""Which Spark job errors are retried: the engine, S3 or the network failing for a while may pass on a
retry; a schema error, a bad value or a file the disk refuses never does and fails the step at once."""

import errno

import dagster as dg
import pytest

from brewery_assets.resources.job_runners import SparkJobRunner
from brewery_assets.spark_jobs.errors import is_transient


@pytest.mark.parametrize("error", [
    ConnectionRefusedError("connection refused"),
    TimeoutError("read timed out"),
    OSError(errno.ECONNRESET, "Connection reset by peer"),
    RuntimeError("<_InactiveRpcError: StatusCode.UNAVAILABLE: failed to connect to all addresses>"),
    RuntimeError("Generic S3 error: SlowDown: Please reduce your request rate"),
    RuntimeError("An error occurred (503) when calling PutObject: Service Unavailable"),
    RuntimeError("SparkRuntimeException: Failed to commit transaction: 7"),
])
def test_errors_that_can_pass_later_are_transient(error):
    assert is_transient(error)


@pytest.mark.parametrize("error", [
    OSError(errno.ENAMETOOLONG, "File name too long (os error 36)"),
    ValueError("invalid literal for int()"),
    RuntimeError("AnalysisException: [UNRESOLVED_COLUMN] A column `stat` cannot be resolved"),
    KeyError("location_id"),
])
def test_errors_that_fail_the_same_way_every_time_are_not(error):
    assert not is_transient(error)


def _run(error: Exception):
    class Raising(SparkJobRunner):
        """A runner whose job fails with `error`."""

        def run_job(self, context, job, layout, request):
            raise error

    return Raising().run(None, "silver", None, {})


def test_a_deterministic_error_fails_the_step_at_once_naming_the_job_and_the_cause():
    with pytest.raises(dg.Failure) as failure:
        _run(OSError(errno.ENAMETOOLONG, "File name too long (os error 36)"))
    assert failure.value.allow_retries is False
    assert failure.value.description == ("the silver job failed with an error a retry cannot fix: OSError: "
                                         "[Errno 36] File name too long (os error 36)")


def test_a_transient_error_is_raised_as_it_is_for_the_retry_policy():
    with pytest.raises(ConnectionResetError):
        _run(ConnectionResetError("Connection reset by peer"))
