"""Objects of the lake that are not Delta tables (bronze pages and manifests, pointers, the chart),
on a local disk or on any S3-compatible store, behind one small interface.

Locations are URIs: a local path (`/data/lake/bronze/...`) or `s3://bucket/prefix/...`. Delta tables
go through Spark and `deltalake`, which read the same URIs (S3 settings from the standard `AWS_*`
variables, `AWS_ENDPOINT_URL` included, so MinIO and other S3-compatible servers work too).

Both stores give the one guarantee the lake's publishing relies on: `write_bytes` replaces an
object whole, so a reader sees the old content or the new one, never a mix (a local rename; an S3
PUT is atomic by design).
"""

import os
import posixpath
import shutil
import uuid
from pathlib import Path
from typing import Protocol
from urllib.parse import urlparse

S3_SCHEME = "s3://"


def is_s3(uri: str) -> bool:
    """Whether `uri` names an object store location (`s3://`, `s3a://`)."""
    return str(uri).startswith((S3_SCHEME, "s3a://"))


def join(base: str, *parts: str) -> str:
    """`base` with `parts` appended, for local paths and `s3://` URIs alike."""
    if is_s3(base):
        return posixpath.join(base.rstrip("/"), *parts)
    return str(Path(base, *parts))


def name_of(uri: str) -> str:
    """The last component of a path or URI."""
    return posixpath.basename(uri.rstrip("/"))


class LakeStorage(Protocol):
    """The operations the lake needs on plain objects."""

    def read_bytes(self, uri: str) -> bytes:
        """The object's content; `FileNotFoundError` when there is none."""

    def write_bytes(self, uri: str, data: bytes, atomic: bool = True) -> None:
        """Creates or replaces the object whole (readers never see part of it).

        `atomic=False` allows a plain write where nobody reads the object before it is complete
        (a page of a version folder not yet published), which saves a rename and two syncs on disk.
        """

    def list_dir(self, uri: str) -> tuple[list[str], list[str]]:
        """The names of the sub-folders and of the objects directly under `uri` (empty when absent)."""

    def delete(self, uri: str) -> None:
        """Removes one object (nothing when absent)."""

    def delete_tree(self, uri: str) -> None:
        """Removes everything under `uri` (nothing when absent)."""


class LocalStorage:
    """The lake on a local (or mounted) file system."""

    def read_bytes(self, uri: str) -> bytes:
        return Path(uri).read_bytes()

    def write_bytes(self, uri: str, data: bytes, atomic: bool = True) -> None:
        path = Path(uri)
        path.parent.mkdir(parents=True, exist_ok=True)
        if not atomic:
            path.write_bytes(data)
            return
        staged = path.with_name(f".{path.name}.{uuid.uuid4().hex}.tmp")
        with open(staged, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(staged, path)
        # A rename is durable only once its directory is synced.
        descriptor = os.open(path.parent, os.O_RDONLY)
        try:
            os.fsync(descriptor)
        finally:
            os.close(descriptor)

    def list_dir(self, uri: str) -> tuple[list[str], list[str]]:
        folders, files = [], []
        try:
            entries = list(os.scandir(uri))
        except (FileNotFoundError, NotADirectoryError):
            return [], []
        for entry in entries:
            (folders if entry.is_dir() else files).append(entry.name)
        return sorted(folders), sorted(files)

    def delete(self, uri: str) -> None:
        Path(uri).unlink(missing_ok=True)

    def delete_tree(self, uri: str) -> None:
        shutil.rmtree(uri, ignore_errors=True)


class S3Storage:
    """The lake on S3 or an S3-compatible server, through a boto3 S3 client."""

    def __init__(self, client) -> None:
        self.client = client

    @staticmethod
    def _split(uri: str) -> tuple[str, str]:
        parsed = urlparse(uri)
        if not parsed.netloc:
            raise ValueError(f"not an s3://bucket/key URI: {uri!r}")
        return parsed.netloc, parsed.path.lstrip("/")

    def read_bytes(self, uri: str) -> bytes:
        bucket, key = self._split(uri)
        try:
            return self.client.get_object(Bucket=bucket, Key=key)["Body"].read()
        except self.client.exceptions.NoSuchKey as error:
            raise FileNotFoundError(uri) from error

    def write_bytes(self, uri: str, data: bytes, atomic: bool = True) -> None:
        bucket, key = self._split(uri)
        self.client.put_object(Bucket=bucket, Key=key, Body=data)

    def list_dir(self, uri: str) -> tuple[list[str], list[str]]:
        bucket, key = self._split(uri)
        prefix = key.rstrip("/") + "/" if key.strip("/") else ""
        folders, files = [], []
        for page in self.client.get_paginator("list_objects_v2").paginate(
            Bucket=bucket, Prefix=prefix, Delimiter="/"
        ):
            folders += [entry["Prefix"][len(prefix):].rstrip("/") for entry in page.get("CommonPrefixes", [])]
            files += [entry["Key"][len(prefix):] for entry in page.get("Contents", [])]
        return sorted(folders), sorted(files)

    def delete(self, uri: str) -> None:
        bucket, key = self._split(uri)
        self.client.delete_object(Bucket=bucket, Key=key)

    def delete_tree(self, uri: str) -> None:
        bucket, key = self._split(uri)
        prefix = key.rstrip("/") + "/"
        for page in self.client.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix):
            keys = [{"Key": entry["Key"]} for entry in page.get("Contents", [])]
            if keys:
                self.client.delete_objects(Bucket=bucket, Delete={"Objects": keys, "Quiet": True})


def storage_for(uri: str, s3_client=None) -> LakeStorage:
    """The store holding `uri`: S3 (with `s3_client`, else a default boto3 client) or the local disk."""
    if not is_s3(uri):
        return LocalStorage()
    if s3_client is None:
        import boto3

        s3_client = boto3.client("s3")
    return S3Storage(s3_client)
