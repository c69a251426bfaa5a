"""PySpark over Spark Connect: an embedded Sail server by default, any Spark Connect server on demand."""

import os
import threading
from typing import Any

import dagster as dg
from dagster_pyspark import LazyPySparkResource
from dagster_pyspark.resources import spark_session_from_config
from pydantic import Field

from brewery_assets.lake import LakeLayout
from brewery_assets.resources.job_runners import SparkJobRunner
from brewery_assets.spark_jobs import JOBS, JobOutcome

_embedded_lock = threading.Lock()
# The embedded server must outlive every session that uses it: if it is garbage-collected the
# server stops and Spark Connect clients retry silently for a very long time. It lives as long
# as the process.
_embedded_server: Any = None


def embedded_spark_remote() -> str:
    """Starts (once per process) an embedded Sail Spark Connect server on loopback; returns its URL."""
    global _embedded_server
    with _embedded_lock:
        if _embedded_server is None:
            # Sail logs every session at INFO on stderr; operators want warnings only, and not the
            # one its actors print when the process exits ("aborting N task(s) for SessionManagerActor").
            os.environ.setdefault("RUST_LOG", "warn,sail_common::actor=error")
            from pysail.spark import SparkConnectServer

            server = SparkConnectServer(ip="127.0.0.1", port=0)
            server.start(background=True)
            _embedded_server = server
        host, port = _embedded_server.listening_address
    return f"sc://{host}:{port}"


class SparkConnectResource(LazyPySparkResource, SparkJobRunner):
    """A lazily created Spark Connect session, which runs the lake's Spark jobs in this process.

    With no `remote`, the resource starts an embedded Sail server (no JVM, no Docker) and owns it
    for the life of the process. Set `remote` (from `SPARK_REMOTE`) to use any Spark Connect
    server instead: a `sail spark server` sidecar, Apache Spark's Connect server, or an EMR
    Serverless Spark Connect session. `spark_config` is passed to the session builder.
    """

    spark_config: dict[str, Any] = Field(default_factory=dict)
    remote: str | None = Field(
        default=None, description="Spark Connect URL (sc://host:port); empty starts the embedded engine."
    )

    def _init_session(self) -> None:
        if self._spark_session is None:
            remote = self.remote or embedded_spark_remote()
            self._spark_session = spark_session_from_config({**self.spark_config, "spark.remote": remote})

    def run_job(self, context: dg.AssetExecutionContext, job: str, layout: LakeLayout, request: dict) -> JobOutcome:
        """Runs the job on this resource's session."""
        return JOBS[job](self.spark_session, layout, request)
