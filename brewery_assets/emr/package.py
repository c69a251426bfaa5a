"""Packaging the job code for EMR Serverless and uploading it to the artifacts bucket.

The bundle is two files under `<artifacts_uri>/`:
- `brewery_assets.zip`: the modules of `brewery_assets` the job imports (`job_imports`; no Dagster,
  no assets) and `dagster_pipes` (pure Python), put on the job's Python path with
  `spark.submit.pyFiles`;
- `emr_entrypoint.py`: the script EMR runs; it calls `brewery_assets.spark_jobs.entrypoint.main`.
The job's other dependencies (`JobImports.packages`: pyspark is EMR's own; deltalake, pandera,
pandas, pyarrow, boto3) come from the job's Python environment (the custom image of deploy/emr/),
while this bundle carries the code, so a code change needs a new bundle only.
"""

import ast
import zipfile
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlparse

import dagster_pipes

import brewery_assets
from brewery_assets.emr.launch import ENTRYPOINT_NAME, PACKAGE_NAME

ENTRYPOINT_SOURCE = '''"""EMR Serverless entry point of the brewery lake (brewery_assets.zip is on the Python path)."""

from brewery_assets.spark_jobs.entrypoint import main

if __name__ == "__main__":
    main()
'''


ENTRY_MODULE = "brewery_assets.spark_jobs.entrypoint"


@dataclass(frozen=True)
class JobImports:
    """What the job imports, directly or through the package: the package's module files and the
    top-level names of everything else (the Python environment must provide those)."""

    files: tuple[Path, ...]
    packages: frozenset[str]


def job_imports(entry: str = ENTRY_MODULE) -> JobImports:
    """Walks the imports of `entry` (every `import` in the source, top level or not) through the package."""
    root = Path(brewery_assets.__file__).parent

    def path_of(module: str) -> Path | None:
        parts = module.split(".")[1:]
        if not parts:
            return root / "__init__.py"
        relative = Path(*parts)
        for candidate in (root / relative.with_suffix(".py"), root / relative / "__init__.py"):
            if candidate.is_file():
                return candidate
        return None

    seen, outside, pending = set(), set(), [entry]
    while pending:
        module = pending.pop()
        if module in seen or path_of(module) is None:
            continue
        seen.add(module)
        parts = module.split(".")
        pending.extend(".".join(parts[:i]) for i in range(1, len(parts)))  # parent packages run first
        for node in ast.walk(ast.parse(path_of(module).read_text(encoding="utf-8"))):
            names = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                names = [node.module, *(f"{node.module}.{alias.name}" for alias in node.names)]
            for name in names:
                if name.split(".")[0] == "brewery_assets":
                    pending.append(name)
                else:
                    outside.add(name.split(".")[0])
    return JobImports(tuple(sorted(path_of(m) for m in seen)), frozenset(outside))


def _add_files(bundle: zipfile.ZipFile, files, base: Path) -> None:
    for path in sorted(files):
        # A fixed timestamp: the same code always gives a byte-identical bundle.
        info = zipfile.ZipInfo(path.relative_to(base).as_posix(), date_time=(1980, 1, 1, 0, 0, 0))
        info.compress_type = zipfile.ZIP_DEFLATED
        bundle.writestr(info, path.read_bytes())


def build_job_bundle(out_dir: Path) -> tuple[Path, Path]:
    """Writes `brewery_assets.zip` and `emr_entrypoint.py` into `out_dir`; returns both paths."""
    out_dir.mkdir(parents=True, exist_ok=True)
    archive = out_dir / PACKAGE_NAME
    package_root = Path(brewery_assets.__file__).parent.parent
    pipes_dir = Path(dagster_pipes.__file__).parent
    with zipfile.ZipFile(archive, "w") as bundle:
        _add_files(bundle, job_imports().files, package_root)
        _add_files(bundle, [p for p in pipes_dir.rglob("*.py") if "__pycache__" not in p.parts], pipes_dir.parent)
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
