"""Packaging the job code for EMR Serverless and uploading it to the artifacts bucket.

The bundle is two files under `<artifacts_uri>/`:
- `brewery_assets.zip`: the `brewery_assets` package and `dagster_pipes` (pure Python), put on the
  job's Python path with `spark.submit.pyFiles`;
- `emr_entrypoint.py`: the script EMR runs; it calls `brewery_assets.emr.job.main`.
The job also imports the package's dependencies (dagster, pandera, deltalake, boto3, pandas): they
come from the job's Python environment (a packed venv or a custom image, see deploy/README.md),
while this bundle carries the code, so a code change needs a new bundle only.
"""

import zipfile
from pathlib import Path
from urllib.parse import urlparse

import dagster_pipes

import brewery_assets
from brewery_assets.emr.launch import ENTRYPOINT_NAME, PACKAGE_NAME

ENTRYPOINT_SOURCE = '''"""EMR Serverless entry point of the brewery lake (brewery_assets.zip is on the Python path)."""

from brewery_assets.emr.job import main

if __name__ == "__main__":
    main()
'''


def _add_package(bundle: zipfile.ZipFile, package_dir: Path) -> None:
    for path in sorted(package_dir.rglob("*.py")):
        if "__pycache__" in path.parts:
            continue
        # A fixed timestamp: the same code always gives a byte-identical bundle.
        info = zipfile.ZipInfo(path.relative_to(package_dir.parent).as_posix(), date_time=(1980, 1, 1, 0, 0, 0))
        info.compress_type = zipfile.ZIP_DEFLATED
        bundle.writestr(info, path.read_bytes())


def build_job_bundle(out_dir: Path) -> tuple[Path, Path]:
    """Writes `brewery_assets.zip` and `emr_entrypoint.py` into `out_dir`; returns both paths."""
    out_dir.mkdir(parents=True, exist_ok=True)
    archive = out_dir / PACKAGE_NAME
    with zipfile.ZipFile(archive, "w") as bundle:
        _add_package(bundle, Path(brewery_assets.__file__).parent)
        _add_package(bundle, Path(dagster_pipes.__file__).parent)
    entrypoint = out_dir / ENTRYPOINT_NAME
    entrypoint.write_text(ENTRYPOINT_SOURCE, encoding="utf-8")
    return archive, entrypoint


def upload_job_bundle(files: tuple[Path, ...], artifacts_uri: str, s3_client) -> list[str]:
    """Uploads the bundle's files under `artifacts_uri` (s3://bucket/prefix/); returns their URIs."""
    parsed = urlparse(artifacts_uri)
    if parsed.scheme != "s3" or not parsed.netloc:
        raise ValueError(f"artifacts URI must look like s3://bucket/prefix/, got {artifacts_uri!r}")
    prefix = parsed.path.strip("/")
    uris = []
    for path in files:
        key = f"{prefix}/{path.name}" if prefix else path.name
        s3_client.upload_file(str(path), parsed.netloc, key)
        uris.append(f"s3://{parsed.netloc}/{key}")
    return uris
