"""Deployment packages: the .zip file a function's code arrives in, and what Lambda says about it.

CreateFunction and UpdateFunctionCode take the code as a .zip archive, sent in the request
(``ZipFile``, at most 50 MB) or left in S3 (``S3Bucket``/``S3Key``). Lambda unzips it into the
execution environment's task root (``/var/task``), at most 250 MB unzipped, and reports its size
(``CodeSize``, the archive's bytes) and ``CodeSha256`` (the base64 of the archive's SHA-256).
"""

from __future__ import annotations

import base64
import hashlib
import io
import zipfile
from dataclasses import dataclass
from pathlib import Path

from .errors import InvalidParameterValueException, RequestTooLargeException

MAX_DIRECT_UPLOAD = 50 * 1024 * 1024  # a ZipFile in the request (Lambda quotas page)
MAX_UNZIPPED = 262_144_000  # 250 MB, code and layers unzipped (Lambda quotas page)


@dataclass(frozen=True)
class Package:
    """What Lambda reports about a function's code."""

    size: int  # CodeSize: the archive's bytes
    sha256: str  # CodeSha256: base64 of the archive's SHA-256 digest


def describe(archive: bytes) -> Package:
    return Package(len(archive), base64.b64encode(hashlib.sha256(archive).digest()).decode())


def describe_folder(folder: Path) -> Package:
    """A function made from a folder has no archive: its files' bytes and a digest over their paths and contents."""
    digest, size = hashlib.sha256(), 0
    for path in sorted(p for p in folder.rglob("*") if p.is_file() and "__pycache__" not in p.parts):
        data = path.read_bytes()
        digest.update(path.relative_to(folder).as_posix().encode() + b"\0" + data)
        size += len(data)
    return Package(size, base64.b64encode(digest.digest()).decode())


def unpack(archive: bytes, into: Path, *, direct: bool = True) -> Package:
    """Check ``archive`` as Lambda does and unzip it into the folder ``into``."""
    if direct and len(archive) > MAX_DIRECT_UPLOAD:
        raise RequestTooLargeException(
            f"Request must be smaller than {MAX_DIRECT_UPLOAD} bytes for the CreateFunction operation "
            f"(the .zip is {len(archive)} bytes): upload it to S3 and pass S3Bucket and S3Key")
    try:
        with zipfile.ZipFile(io.BytesIO(archive)) as opened:
            unzipped = sum(member.file_size for member in opened.infolist())
            if unzipped > MAX_UNZIPPED:
                raise InvalidParameterValueException(
                    f"Unzipped size must be smaller than {MAX_UNZIPPED} bytes (this package unzips to {unzipped})")
            for member in opened.infolist():
                _check_member(member.filename)
            opened.extractall(into)
    except zipfile.BadZipFile:
        raise InvalidParameterValueException(
            "Could not unzip uploaded file. Please check your file, then try to upload again: "
            "ZipFile must be the bytes of a .zip archive (e.g. open('function.zip', 'rb').read())") from None
    return describe(archive)


def _check_member(name: str) -> None:
    """A member may not leave the task root (an absolute path or ``..``)."""
    parts = Path(name).parts
    if name.startswith(("/", "\\")) or ".." in parts:
        raise InvalidParameterValueException(f"the .zip holds {name!r}, a path outside the task root")
