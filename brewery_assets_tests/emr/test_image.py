"""The job's Python environment on EMR: what the job imports is exactly what the image installs.

The job (`brewery_assets.spark_jobs.entrypoint`) and everything it imports from the package must
not need Dagster; its third-party imports must be PySpark (the EMR release's), dagster_pipes (in the
job bundle) and the packages of deploy/emr/requirements.txt, and nothing in that file may be unused.
"""

import re
import sys
import zipfile
from pathlib import Path

import dagster_pipes

from brewery_assets.emr.package import build_job_bundle, job_imports

REPO_ROOT = Path(__file__).resolve().parents[2]
IMAGE = REPO_ROOT / "deploy" / "emr"
# Provided without the image's pip: PySpark by the EMR release, dagster_pipes by the job bundle.
PROVIDED = {"pyspark", "dagster_pipes"}


def _requirements() -> dict[str, str]:
    lines = [line.strip() for line in (IMAGE / "requirements.txt").read_text().splitlines()]
    return dict(line.split("==") for line in lines if line and not line.startswith("#"))


def test_the_job_imports_no_dagster_and_only_what_the_image_installs():
    imports = job_imports()
    third_party = {name for name in imports.packages if name not in sys.stdlib_module_names}
    assert "dagster" not in third_party
    assert not any("/assets/" in str(path) or "/resources/" in str(path) for path in imports.files)
    assert third_party - PROVIDED == set(_requirements())


def test_the_image_pins_the_versions_tested_together():
    constraints = dict(line.split("==") for line in (REPO_ROOT / "constraints.txt").read_text().splitlines()
                       if "==" in line and not line.startswith("#"))
    assert _requirements() == {name: constraints[name] for name in _requirements()}


def test_the_image_is_the_release_terraform_runs_with_python_3_11():
    dockerfile = (IMAGE / "Dockerfile").read_text()
    default_release = re.search(r'variable "emr_release_label" \{.*?default\s*=\s*"([^"]+)"',
                                (REPO_ROOT / "deploy" / "terraform" / "variables.tf").read_text(), re.S).group(1)
    assert f"ARG EMR_RELEASE={default_release}" in dockerfile
    assert "FROM public.ecr.aws/emr-serverless/spark/${EMR_RELEASE}:latest" in dockerfile
    assert "python3.11 -m pip install --no-cache-dir -r /tmp/brewery-requirements.txt" in dockerfile
    assert "PYSPARK_PYTHON=/usr/bin/python3.11" in dockerfile and dockerfile.rstrip().endswith("USER hadoop:hadoop")


def test_the_bundle_carries_exactly_the_jobs_modules_and_dagster_pipes(tmp_path):
    archive, _ = build_job_bundle(tmp_path)
    names = set(zipfile.ZipFile(archive).namelist())
    package_root = REPO_ROOT
    expected = {path.relative_to(package_root).as_posix() for path in job_imports().files}
    pipes = {path.relative_to(Path(dagster_pipes.__file__).parent.parent).as_posix()
             for path in Path(dagster_pipes.__file__).parent.rglob("*.py") if "__pycache__" not in path.parts}
    assert names == expected | pipes
    assert "brewery_assets/spark_jobs/entrypoint.py" in names and "brewery_assets/definitions.py" not in names
