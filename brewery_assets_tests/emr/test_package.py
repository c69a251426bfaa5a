"""The EMR job bundle: what it contains, that it is reproducible, and its upload to S3."""

import os
import subprocess
import sys
import zipfile

import boto3
import pytest

from brewery_assets.emr.package import build_job_bundle, upload_job_bundle


def test_bundle_holds_the_package_and_dagster_pipes(tmp_path):
    archive, entrypoint = build_job_bundle(tmp_path / "a")
    names = set(zipfile.ZipFile(archive).namelist())
    assert {"brewery_assets/transformations/silver.py", "brewery_assets/spark_jobs/entrypoint.py",
            "dagster_pipes/__init__.py"} <= names
    assert not any("__pycache__" in name for name in names)
    assert "from brewery_assets.spark_jobs.entrypoint import main" in entrypoint.read_text()
    again, _ = build_job_bundle(tmp_path / "b")
    assert again.read_bytes() == archive.read_bytes()


def test_the_job_and_everything_it_imports_from_the_package_load_from_the_bundle(tmp_path):
    archive, _ = build_job_bundle(tmp_path)
    # What EMR does with spark.submit.pyFiles: the bundle first on the Python path.
    probe = ("import sys, brewery_assets.spark_jobs.entrypoint, brewery_assets.spark_jobs, dagster_pipes; "
             "print('\\n'.join(m.__file__ for n, m in sorted(sys.modules.items()) "
             "if n.split('.')[0] in ('brewery_assets', 'dagster_pipes')))")
    loaded = subprocess.run([sys.executable, "-c", probe], env={**os.environ, "PYTHONPATH": str(archive)},
                            cwd=tmp_path, check=True, capture_output=True, text=True, timeout=120).stdout.split()
    assert len(loaded) > 20
    assert [path for path in loaded if not path.startswith(str(archive))] == []


def test_upload_puts_both_files_under_the_artifacts_prefix(tmp_path, monkeypatch):
    from moto.server import ThreadedMotoServer

    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0)
    server.start()
    try:
        host, port = server.get_host_and_port()
        s3 = boto3.client("s3", region_name="us-east-1", endpoint_url=f"http://{host}:{port}")
        s3.create_bucket(Bucket="artifacts")
        files = build_job_bundle(tmp_path)
        uris = upload_job_bundle(files, "s3://artifacts/jobs/0.1.0/", s3)
        assert uris == ["s3://artifacts/jobs/0.1.0/brewery_assets.zip", "s3://artifacts/jobs/0.1.0/emr_entrypoint.py"]
        stored = s3.get_object(Bucket="artifacts", Key="jobs/0.1.0/brewery_assets.zip")["Body"].read()
        assert stored == files[0].read_bytes()
        with pytest.raises(ValueError, match="s3://bucket/prefix"):
            upload_job_bundle(files, "artifacts/jobs", s3)
    finally:
        server.stop()
