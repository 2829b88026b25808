"""The shared store: an S3-compatible bucket through boto3 (AWS S3, MinIO, Ceph RGW, the bank's own).

Path-style addressing, because most on-premises object stores do not serve virtual-host buckets. The
bucket is created on first use when it is missing and the credentials may create it; otherwise the
operator creates it and Lobby only reads and writes objects.
"""

from __future__ import annotations

import threading
from typing import Any

from assistant.recording.options import RecordingOptions
from assistant.recording.store import RecordingMissing, StoredObject, check_key


class S3Store:
    name = "s3"

    def __init__(self, client: Any, bucket: str, prefix: str = "") -> None:
        self.client, self.bucket = client, bucket
        self.prefix = prefix if not prefix or prefix.endswith("/") else prefix + "/"
        self._ready = False
        self._lock = threading.Lock()

    @classmethod
    def from_options(cls, options: RecordingOptions) -> S3Store:
        import boto3
        from botocore.config import Config

        kwargs: dict[str, Any] = {
            "region_name": options.s3_region,
            "config": Config(s3={"addressing_style": "path"}, retries={"max_attempts": 3, "mode": "standard"}),
        }
        if options.s3_endpoint_url:
            kwargs["endpoint_url"] = options.s3_endpoint_url
        if options.s3_access_key_id:
            kwargs["aws_access_key_id"] = options.s3_access_key_id
            secret = options.s3_secret_access_key
            kwargs["aws_secret_access_key"] = secret.get_secret_value() if secret is not None else ""
        return cls(boto3.client("s3", **kwargs), options.s3_bucket, options.s3_prefix)

    def _ensure_bucket(self) -> None:
        from botocore.exceptions import ClientError

        with self._lock:
            if self._ready:
                return
            try:
                self.client.head_bucket(Bucket=self.bucket)
            except ClientError as exc:
                if exc.response.get("Error", {}).get("Code") not in ("404", "NoSuchBucket"):
                    raise
                self.client.create_bucket(Bucket=self.bucket)
            self._ready = True

    def put(self, key: str, data: bytes, content_type: str) -> None:
        self._ensure_bucket()
        self.client.put_object(
            Bucket=self.bucket, Key=self.prefix + check_key(key), Body=data, ContentType=content_type
        )

    def get(self, key: str) -> bytes:
        from botocore.exceptions import ClientError

        self._ensure_bucket()
        try:
            response = self.client.get_object(Bucket=self.bucket, Key=self.prefix + check_key(key))
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") in ("NoSuchKey", "404"):
                raise RecordingMissing(key) from None
            raise
        body: bytes = response["Body"].read()
        return body

    def delete(self, key: str) -> None:
        self._ensure_bucket()
        self.client.delete_object(Bucket=self.bucket, Key=self.prefix + check_key(key))

    def list(self, prefix: str = "") -> list[StoredObject]:
        self._ensure_bucket()
        found = []
        pages = self.client.get_paginator("list_objects_v2").paginate(Bucket=self.bucket, Prefix=self.prefix + prefix)
        for page in pages:
            for item in page.get("Contents", []):
                key = str(item["Key"])[len(self.prefix) :]
                found.append(StoredObject(key, int(item["Size"]), item["LastModified"]))
        return sorted(found, key=lambda o: o.key)
