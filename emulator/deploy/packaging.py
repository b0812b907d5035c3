"""Packaging: each function's code folder zipped and put in S3, where CloudFormation can read it.

CloudFormation never sees your laptop. A template it receives names a function's code by an S3
location (``Code: {S3Bucket, S3Key}``), so before a deployment ``sam deploy`` (or ``sam package``)
zips each ``CodeUri`` folder and uploads it to a bucket of its own. This module does the same:

- the bucket is ``lambda-lab-deploy-<account>-<region>``, created when missing (``sam deploy
  --resolve-s3`` makes one per account and region too);
- the key is the SHA-256 of the zip, and the zip is always the same for the same files, so unchanged
  code is not uploaded again and CloudFormation sees no change in it;
- a template too large to send inline (over 51,200 bytes) goes there too, as ``sam deploy`` sends
  every template.
"""

from __future__ import annotations

import hashlib
import io
import zipfile
from pathlib import Path

from botocore.exceptions import ClientError

from .account import Account, DeployError

# CloudFormation reads a function's code from S3; Lambda takes at most 250 MB unzipped (Lambda quotas
# page), so a zip past 50 MB is almost surely data that does not belong in the code folder.
MAX_PACKAGE_BYTES = 50 * 1024 * 1024
SKIPPED_IN_PACKAGE = {"__pycache__", ".ipynb_checkpoints", ".aws-sam", ".git"}


def package(code: Path) -> bytes:
    """The deployment package: every file of the folder ``code`` in a zip, the handler module at its root.

    Entries get a fixed date, so the same files always give the same zip. A ``.zip`` file is taken as
    it is.
    """
    if code.is_file():
        return code.read_bytes()
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in sorted(code.rglob("*")):
            relative = path.relative_to(code)
            if not path.is_file() or path.suffix == ".pyc" or any(
                    part in SKIPPED_IN_PACKAGE or part.startswith(".") for part in relative.parts):
                continue
            entry = zipfile.ZipInfo(relative.as_posix(), date_time=(1980, 1, 1, 0, 0, 0))
            entry.external_attr = 0o644 << 16  # readable by the runtime's user, as Lambda requires
            entry.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(entry, path.read_bytes())
    data = buffer.getvalue()
    if len(data) > MAX_PACKAGE_BYTES:
        raise DeployError(f"the code of {code} is {len(data) / 2**20:.0f} MB zipped: remove data files from the "
                          f"folder, or use a layer")
    return data


class Uploader:
    """Puts code in the account's deployment bucket; remembers what it uploaded, for the plan."""

    def __init__(self, account: Account) -> None:
        self.account = account
        self.bucket = f"lambda-lab-deploy-{account.id}-{account.region}"
        self.uploaded: dict[str, tuple[Path, int]] = {}  # s3:// location -> (local code, zip size)
        self._bucket_ready = False

    def __call__(self, code: Path) -> str:
        """Upload ``code`` (a folder, zipped, or a file) unless that exact zip is there; its ``s3://`` location."""
        data = package(code)
        key = self._put(data, ".zip")
        location = f"s3://{self.bucket}/{key}"
        self.uploaded[location] = (code, len(data))
        return location

    def template_url(self, body: str) -> str:
        """Upload a template too large to send inline; the HTTPS URL CloudFormation reads it from."""
        key = self._put(body.encode(), ".template.json")
        return f"https://{self.bucket}.s3.{self.account.region}.amazonaws.com/{key}"  # S3's virtual-hosted style

    def _put(self, data: bytes, suffix: str) -> str:
        """Put ``data`` under its SHA-256 (unless an equal object is there already); its key."""
        key = f"{hashlib.sha256(data).hexdigest()}{suffix}"
        self._ensure_bucket()
        s3 = self.account.client("s3")
        if not _exists(s3, self.bucket, key):
            s3.put_object(Bucket=self.bucket, Key=key, Body=data)
        return key

    def _ensure_bucket(self) -> None:
        if self._bucket_ready:
            return
        s3 = self.account.client("s3")
        try:
            s3.head_bucket(Bucket=self.bucket)
        except ClientError as error:
            if error.response["Error"]["Code"] not in ("404", "NoSuchBucket"):
                raise DeployError(f"the deployment bucket {self.bucket} exists but is not yours to use "
                                  f"({error.response['Error']['Code']}): ask who owns it, or deploy from another "
                                  f"account") from None
            # CreateBucket takes no location in us-east-1 and requires one everywhere else.
            where = {} if self.account.region == "us-east-1" else {
                "CreateBucketConfiguration": {"LocationConstraint": self.account.region}}
            s3.create_bucket(Bucket=self.bucket, **where)
        self._bucket_ready = True


def _exists(s3, bucket: str, key: str) -> bool:
    try:
        s3.head_object(Bucket=bucket, Key=key)
        return True
    except ClientError as error:
        if error.response["Error"]["Code"] in ("404", "NoSuchKey", "NotFound"):
            return False
        raise
