"""Options of visit recording; composed into `assistant.config.Settings` as `recording`
(env: `LOBBY_RECORDING__ENABLED`, `LOBBY_RECORDING__STORE`, `LOBBY_RECORDING__RETENTION_DAYS`,
`LOBBY_RECORDING__S3_ENDPOINT_URL`, `LOBBY_RECORDING__S3_BUCKET`, `LOBBY_RECORDING__ANALYSIS`,
`LOBBY_RECORDING__STILLS`, ...).

Why a store setting and not a path only: one replica can keep recordings on its disk under var/, but
several replicas behind a load balancer must share one store (an S3-compatible bucket: the bank's object
store, MinIO, Ceph), or a visit recorded on one replica cannot be played back through another.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, SecretStr


class RecordingOptions(BaseModel):
    """Where recordings go, how compact they are and how long they are kept."""

    model_config = ConfigDict(frozen=True)

    enabled: bool = Field(True, description="Record consented visits (nothing is kept without consent).")
    store: Literal["disk", "s3"] = Field("disk", description="'disk' (under dir) or 's3' (an S3-compatible bucket).")
    dir: Path | None = Field(None, description="Folder of the disk store; default var_dir/recordings.")
    retention_days: int = Field(180, ge=1, le=3650, description="Recordings older than this are purged.")
    bitrate_kbps: int = Field(
        48, ge=12, le=256, description="Opus bitrate of the stereo recording (VBR: silence costs less)."
    )
    max_minutes: float = Field(60.0, gt=0, le=240, description="Longest visit kept in memory; later audio is cut.")
    analysis: bool = Field(
        True,
        description="Re-transcribe the customer's audio after a visit and flag what the live path heard differently.",
    )
    analysis_beam_size: int = Field(8, ge=1, le=16, description="Beam of the after-visit re-transcription.")
    analysis_cpu_threads: int = Field(
        1,
        ge=1,
        le=64,
        description="Threads of the re-transcription (1: it never takes more than a core from live visits).",
    )
    stills: bool = Field(
        True, description="Camera stills at identification, confirmation, authorisation and risk flags."
    )
    max_stills: int = Field(24, ge=0, le=200, description="Most stills kept of one visit.")
    s3_endpoint_url: str = Field("", description="S3-compatible endpoint, e.g. https://objects.bank.example.")
    s3_bucket: str = Field("lobby-recordings", description="Bucket of the recordings (created when missing).")
    s3_prefix: str = Field("recordings/", description="Key prefix inside the bucket.")
    s3_region: str = Field("us-east-1", description="Region name the endpoint expects.")
    s3_access_key_id: str = Field("", description="Access key; empty = boto3's default credential chain.")
    s3_secret_access_key: SecretStr | None = Field(None, description="Secret key of s3_access_key_id.")
