"""The one settings class of Lobby.

Every option is read from the environment with the prefix `LOBBY_` (or a `.env` file). Options of the
other packages are their own pydantic models, composed here under a name, so each package owns its
options and there is still one place that reads configuration: `LOBBY_KNOWLEDGE__DEFAULT_KB`, say.
Embedded defaults work with no configuration at all; production refuses default secrets.
"""

from __future__ import annotations

import ipaddress
import json
import os
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from assistant.auth.options import AuthOptions
from assistant.conversation.dispatch_options import DispatchOptions
from assistant.llm.config import LlmOptions
from assistant.nlu.config import NluOptions
from assistant.recording.options import RecordingOptions
from assistant.rtc.options import RtcOptions
from avatar.config import AvatarOptions
from integrations.config import BankOptions
from integrations.devices.options import DeviceOptions
from knowledge.config import KnowledgeOptions
from speech.config import SpeechOptions

DEFAULT_SECRET = "lobby-dev-secret-change-me"  # noqa: S105 - the known default production refuses
SUPPORTED_DB_SCHEMES = ("sqlite", "postgresql")
SANDBOX_IN_PROCESS = "inprocess"


class ConfigError(Exception):
    """A setting that cannot work; the message names the environment variable."""

    def __init__(self, setting: str, problem: str) -> None:
        self.setting = setting
        self.problem = problem
        super().__init__(f"{setting}: {problem}")


class Settings(BaseSettings):
    """Effective configuration of one Lobby process."""

    model_config = SettingsConfigDict(
        env_prefix="LOBBY_",
        env_file=".env",
        env_file_encoding="utf-8",
        env_nested_delimiter="__",
        extra="ignore",
    )

    env: Literal["development", "test", "production"] = "development"
    var_dir: Path = Field(Path("var"), description="Writable folder for the SQLite file, indexes, caches.")
    database_url: str = Field("", description="SQLAlchemy URL; empty means SQLite under var_dir.")
    models_dir: Path | None = Field(None, description="Prepared model weights; default var_dir/models.")
    bank_url: str = Field(
        SANDBOX_IN_PROCESS,
        description="Base URL of the bank back-end API; 'inprocess' serves the sandbox bank in-process.",
    )
    redis_url: str = Field("", description="Redis URL for the cross-replica event bus; empty = in-process.")
    mqtt_url: str = Field(
        "",
        description="MQTT broker of the branch devices, mqtt://user:password@host:1883 (mqtts:// for TLS); "
        "empty = the sandbox bank's device routes (see integrations/devices).",
    )
    bus_namespace: str = Field(
        "lobby",
        pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$",
        description="Prefix of every event-bus channel: deployments sharing a Redis server need different ones.",
    )
    trusted_proxies: Annotated[list[str], NoDecode] = Field(
        default_factory=list,
        description="Addresses or CIDRs of the reverse proxies whose X-Forwarded-For is believed (comma-"
        "separated); empty means none: the client address is the socket peer.",
    )
    secret_key: SecretStr = Field(SecretStr(DEFAULT_SECRET), description="Signs tokens and cookies.")
    host: str = "127.0.0.1"
    port: int = Field(8000, ge=1, le=65535)
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    log_json: bool = True
    session_idle_s: float = Field(600.0, gt=0, description="A session untouched this long ends (privacy).")
    max_body_bytes: int = Field(1_000_000, ge=1024, description="Largest request body accepted (413 above).")
    shutdown_grace_s: float = Field(10.0, ge=0, description="Seconds to finish requests on shutdown.")

    knowledge: KnowledgeOptions = KnowledgeOptions()
    speech: SpeechOptions = SpeechOptions()
    avatar: AvatarOptions = AvatarOptions()
    bank: BankOptions = BankOptions()
    nlu: NluOptions = NluOptions()
    llm: LlmOptions = LlmOptions()
    auth: AuthOptions = AuthOptions()
    handoff: DispatchOptions = DispatchOptions()
    rtc: RtcOptions = RtcOptions()
    devices: DeviceOptions = DeviceOptions()
    recording: RecordingOptions = RecordingOptions()

    @field_validator("trusted_proxies", mode="before")
    @classmethod
    def _split_proxies(cls, value: Any) -> Any:
        """`10.0.0.0/8,127.0.0.1` as well as a JSON list, from the environment."""
        if isinstance(value, str):
            if value.strip().startswith("["):
                return json.loads(value)
            return [part.strip() for part in value.split(",") if part.strip()]
        return value

    @model_validator(mode="after")
    def _check(self) -> Settings:
        if self.database_url:
            _check_database_url(self.database_url)
        for proxy in self.trusted_proxies:
            try:
                ipaddress.ip_network(proxy, strict=False)
            except ValueError:
                raise ConfigError("LOBBY_TRUSTED_PROXIES", f"{proxy!r} is not an IP address or CIDR") from None
        if self.env == "production" and self.secret_key.get_secret_value() == DEFAULT_SECRET:
            raise ConfigError("LOBBY_SECRET_KEY", "production refuses the default secret; set a random one")
        return self

    @property
    def effective_database_url(self) -> str:
        """The database URL in use: the configured one or a SQLite file under var_dir."""
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.var_dir / 'lobby.db').as_posix()}"

    @property
    def cookie_secure(self) -> bool:
        """Cookies over HTTPS only: as configured, else in production."""
        configured = self.auth.cookie_secure
        return configured if configured is not None else self.env == "production"

    @property
    def effective_models_dir(self) -> Path:
        return self.models_dir if self.models_dir is not None else self.var_dir / "models"

    def masked(self) -> dict[str, Any]:
        """The configuration as JSON-ready data with every secret masked."""
        data = self.model_dump(mode="json")
        data["secret_key"] = "********"  # noqa: S105 - the mask itself
        data["database_url"] = _mask_url(self.effective_database_url)
        if self.redis_url:
            data["redis_url"] = _mask_url(self.redis_url)
        if self.mqtt_url:
            data["mqtt_url"] = _mask_url(self.mqtt_url)
        data["models_dir"] = str(self.effective_models_dir)
        return data


def _check_database_url(url: str) -> None:
    try:
        parsed = make_url(url)
    except ArgumentError as exc:
        raise ConfigError("LOBBY_DATABASE_URL", f"not a database URL ({exc})") from None
    backend = parsed.get_backend_name()
    if backend not in SUPPORTED_DB_SCHEMES:
        raise ConfigError(
            "LOBBY_DATABASE_URL",
            f"unsupported scheme '{parsed.drivername}'; use sqlite:///PATH or postgresql+psycopg://...",
        )


def _mask_url(url: str) -> str:
    try:
        return make_url(url).render_as_string(hide_password=True)
    except ArgumentError:
        return "********"


def check_runtime(settings: Settings) -> None:
    """Checks that need the file system; run before serving so start-up fails with one clear line."""
    var_dir = settings.var_dir
    try:
        var_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ConfigError("LOBBY_VAR_DIR", f"cannot create {var_dir}: {exc.strerror}") from None
    if not os.access(var_dir, os.W_OK | os.X_OK):
        raise ConfigError("LOBBY_VAR_DIR", f"{var_dir} is not writable")


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings; tests override it through FastAPI's dependency overrides."""
    return Settings()
