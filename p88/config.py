"""p88.toml -> frozen dataclasses.

Unknown keys and bad values stop start-up with a message that names the key, because a typo in
a race-day config must never be silently ignored. `P88_*` environment variables override
secrets and the DSN so they need not live in the file.
"""

from __future__ import annotations

import dataclasses
import ipaddress
import os
import re
import tomllib
import zoneinfo
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import time
from pathlib import Path
from typing import Any

COLLECTOR_AUTH_METHODS = ("none", "plaintext", "hmac-sha1", "hmac-md5", "seed-sha1", "seed-md5")
ASK_BACKENDS = ("builtin", "ollama", "openai")


class ConfigError(Exception):
    """A config problem a person must fix; the message names the key and what is allowed."""


@dataclass(frozen=True, slots=True)
class HostPort:
    host: str
    port: int

    def __str__(self) -> str:
        return f"[{self.host}]:{self.port}" if ":" in self.host else f"{self.host}:{self.port}"


@dataclass(frozen=True, slots=True)
class DatabaseConfig:
    dsn: str = ""  # empty: run the embedded PostgreSQL in data_dir
    data_dir: Path = Path("p88-data")
    pool_size: int = 10


@dataclass(frozen=True, slots=True)
class CollectorConfig:
    bind: HostPort = HostPort("0.0.0.0", 61611)  # noqa: S104 - hardware on the LAN must reach it
    authentication: str = "none"
    anonymous_partner: str = "default"  # partner slug of unauthenticated connections; "" refuses
    ping_interval: float = 10.0
    idle_timeout: float = 30.0
    max_connections: int = 500
    batch_size: int = 2000
    # How long a batch waits for more reads, only once the previous batch was big (reads pour
    # in); a live race's read or two go at once (p88.ingest.writer IngestWriter._fill).
    batch_wait: float = 0.001
    # Parallel database writers; a connection always uses the same one, and each keeps a pool
    # connection. More batches in flight store more reads/s (bench/RESULTS.md, session 7).
    ingest_writers: int = 4
    # Wrong collector secrets (p88.tcp.throttle): after auth_free_failures in a row from one
    # address, or for one user name, the next try waits auth_backoff seconds, doubling with
    # each further failure up to auth_backoff_max; a try that comes sooner is refused unchecked.
    auth_free_failures: int = 5
    auth_backoff: float = 1.0
    auth_backoff_max: float = 60.0


@dataclass(frozen=True, slots=True)
class StatusConfig:
    bind: HostPort = HostPort("127.0.0.1", 61612)


Network = ipaddress.IPv4Network | ipaddress.IPv6Network


def parse_networks(entries: tuple[str, ...], key: str) -> tuple[Network, ...]:
    """IP addresses and CIDR blocks (`127.0.0.1`, `10.0.0.0/8`, `fd00::/8`)."""
    networks = []
    for entry in entries:
        try:
            networks.append(ipaddress.ip_network(entry.strip(), strict=True))
        except ValueError as exc:
            raise ConfigError(
                f"{key}: {entry!r} is not an IP address or network ({exc}); "
                "write for example 127.0.0.1, 10.0.0.0/8 or fd00::/8"
            ) from exc
    return tuple(networks)


@dataclass(frozen=True, slots=True)
class WebConfig:
    bind: HostPort = HostPort("127.0.0.1", 5001)
    public_url: str = ""  # how people reach the web app, for links it prints; "" = from bind
    certfile: str = ""
    keyfile: str = ""
    # Proxies (addresses or CIDR blocks) whose X-Forwarded-For/-Proto headers are believed.
    trusted_proxies: tuple[str, ...] = ()

    @property
    def trusted_networks(self) -> tuple[Network, ...]:
        return parse_networks(self.trusted_proxies, "web.trusted_proxies")  # checked at load


@dataclass(frozen=True, slots=True)
class EventConfig:
    timezone: str = "UTC"


@dataclass(frozen=True, slots=True)
class BackupConfig:
    dir: str = ""  # "" = <database.data_dir>/backups
    at: str = "03:00"  # daily, HH:MM in event.timezone
    keep: int = 14  # newest backups kept in dir; older ones are deleted

    def folder(self, data_dir: Path) -> Path:
        return Path(self.dir) if self.dir else data_dir / "backups"

    @property
    def at_time(self) -> time:
        hours, minutes = self.at.split(":")
        return time(int(hours), int(minutes))


@dataclass(frozen=True, slots=True)
class RetentionConfig:
    raw_reads_days: int = 30  # raw reads of ended sessions older than this are deleted
    # A live session with no read for this long and no middleware connected is marked ended.
    close_idle_sessions_hours: int = 24


@dataclass(frozen=True, slots=True)
class AlertsConfig:
    point_silent_s: float = 120.0  # a point that sent reads, then nothing this long, is flagged
    # A point whose middleware disconnected is flagged when it is not back within this long.
    disconnect_grace_s: float = 30.0


@dataclass(frozen=True, slots=True)
class AskConfig:
    """Questions in plain words (p88.ask): the built-in grammar, optionally an LLM after it."""

    backend: str = "builtin"  # builtin | ollama | openai (any OpenAI-compatible server)
    url: str = ""  # the LLM server's address, e.g. http://127.0.0.1:11434 for Ollama
    model: str = ""  # e.g. "llama3.1:8b"
    timeout: float = 20.0  # seconds the LLM gets per answer before the built-in one is shown
    api_key: str = ""  # sent as a Bearer token to OpenAI-compatible servers that want one
    statement_timeout: float = 2.0  # seconds each asked statement may run
    max_rows: int = 1000  # rows an answer shows at most
    # "" = p88 logs its ask pool in as the role p88_ask itself, with a password it makes at
    # each start; else a DSN that logs in as that role (several processes on one database).
    dsn: str = ""
    pool_size: int = 4


@dataclass(frozen=True, slots=True)
class Config:
    database: DatabaseConfig = field(default_factory=DatabaseConfig)
    collector: CollectorConfig = field(default_factory=CollectorConfig)
    status: StatusConfig = field(default_factory=StatusConfig)
    web: WebConfig = field(default_factory=WebConfig)
    event: EventConfig = field(default_factory=EventConfig)
    backup: BackupConfig = field(default_factory=BackupConfig)
    retention: RetentionConfig = field(default_factory=RetentionConfig)
    alerts: AlertsConfig = field(default_factory=AlertsConfig)
    ask: AskConfig = field(default_factory=AskConfig)

    @property
    def tz(self) -> zoneinfo.ZoneInfo:
        return zoneinfo.ZoneInfo(self.event.timezone)


def parse_host_port(text: str, key: str) -> HostPort:
    """`host:port`, `[v6]:port` or `:port` (all interfaces is never implied: "" means loopback)."""
    host, sep, port_text = text.rpartition(":")
    if not sep or not port_text.isdigit() or not 0 <= int(port_text) <= 65535:
        raise ConfigError(f"{key} = {text!r}: expected HOST:PORT, for example 127.0.0.1:5001")
    host = host.strip("[]") or "127.0.0.1"
    return HostPort(host, int(port_text))


def _check_section(data: Any, section: str, allowed: set[str]) -> Mapping[str, Any]:
    if not isinstance(data, dict):
        raise ConfigError(f"[{section}] must be a table")
    unknown = sorted(set(data) - allowed)
    if unknown:
        raise ConfigError(
            f"unknown key {section}.{unknown[0]}; allowed keys in [{section}]: "
            + ", ".join(sorted(allowed))
        )
    return data


def _typed(value: Any, expected: type, key: str) -> Any:
    if expected is float and isinstance(value, int) and not isinstance(value, bool):
        value = float(value)
    if expected is int and isinstance(value, bool):
        raise ConfigError(f"{key} must be a whole number, not {value!r}")
    if not isinstance(value, expected):
        raise ConfigError(f"{key} must be a {expected.__name__}, not {value!r}")
    return value


def _strings(value: Any, key: str) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise ConfigError(f'{key} must be a list of strings, for example ["127.0.0.1"]')
    return tuple(value)


def _build(cls: type[Any], raw: Mapping[str, Any], section: str) -> Any:
    """Build one section dataclass, converting and checking each field by its declared type."""
    fields = {f.name: f for f in dataclasses.fields(cls)}
    _check_section(raw, section, set(fields))
    defaults = cls()
    values: dict[str, Any] = {}
    for name, value in raw.items():
        key = f"{section}.{name}"
        current = getattr(defaults, name)
        if isinstance(current, HostPort):
            values[name] = parse_host_port(_typed(value, str, key), key)
        elif isinstance(current, Path):
            values[name] = Path(_typed(value, str, key))
        elif isinstance(current, tuple):
            values[name] = _strings(value, key)
        else:
            values[name] = _typed(value, type(current), key)
    return cls(**values)


def _validate(config: Config) -> None:
    if config.collector.authentication not in COLLECTOR_AUTH_METHODS:
        raise ConfigError(
            f"collector.authentication = {config.collector.authentication!r}; "
            f"choose one of {', '.join(COLLECTOR_AUTH_METHODS)}"
        )
    if config.collector.authentication == "none" and not config.collector.anonymous_partner:
        raise ConfigError(
            "collector.authentication = 'none' with an empty collector.anonymous_partner "
            "would refuse every connection; set a partner slug or choose an authentication"
        )
    try:
        zoneinfo.ZoneInfo(config.event.timezone)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError) as exc:
        raise ConfigError(
            f"event.timezone = {config.event.timezone!r} is not a known time zone; "
            "use an IANA name such as Europe/Berlin or America/New_York"
        ) from exc
    for key, value in (
        ("collector.ping_interval", config.collector.ping_interval),
        ("collector.idle_timeout", config.collector.idle_timeout),
    ):
        if value <= 0:
            raise ConfigError(f"{key} must be greater than 0")
    if config.collector.batch_wait < 0:
        raise ConfigError("collector.batch_wait must be 0 (no wait) or more seconds")
    if config.collector.auth_free_failures < 0:
        raise ConfigError("collector.auth_free_failures must be 0 (back off at once) or more")
    if not 0 < config.collector.auth_backoff <= config.collector.auth_backoff_max:
        raise ConfigError(
            "collector.auth_backoff must be greater than 0 and at most collector.auth_backoff_max"
        )
    for key, number in (
        ("collector.batch_size", config.collector.batch_size),
        ("collector.max_connections", config.collector.max_connections),
        ("collector.ingest_writers", config.collector.ingest_writers),
        ("database.pool_size", config.database.pool_size),
    ):
        if number < 1:
            raise ConfigError(f"{key} must be at least 1")
    parse_networks(config.web.trusted_proxies, "web.trusted_proxies")
    _validate_operations(config)
    _validate_ask(config.ask)
    writers, pool = config.collector.ingest_writers, config.database.pool_size
    if writers >= pool:
        raise ConfigError(
            f"collector.ingest_writers ({writers}) must be smaller than database.pool_size "
            f"({pool}): each writer keeps a connection, and the web app needs the rest; "
            "lower the one or raise the other"
        )


AT_PATTERN = re.compile(r"^([01][0-9]|2[0-3]):[0-5][0-9]$")


def _validate_operations(config: Config) -> None:
    """[backup], [retention], [alerts]."""
    if not AT_PATTERN.match(config.backup.at):
        raise ConfigError(
            f'backup.at = {config.backup.at!r}: expected HH:MM (24-hour clock), e.g. "03:00"'
        )
    for key, number in (
        ("backup.keep", config.backup.keep),
        ("retention.raw_reads_days", config.retention.raw_reads_days),
        ("retention.close_idle_sessions_hours", config.retention.close_idle_sessions_hours),
    ):
        if number < 1:
            raise ConfigError(f"{key} must be at least 1")
    for key, seconds in (
        ("alerts.point_silent_s", config.alerts.point_silent_s),
        ("alerts.disconnect_grace_s", config.alerts.disconnect_grace_s),
    ):
        if seconds <= 0:
            raise ConfigError(f"{key} must be greater than 0 seconds")


def _validate_ask(ask: AskConfig) -> None:
    if ask.backend not in ASK_BACKENDS:
        raise ConfigError(f"ask.backend = {ask.backend!r}; choose one of {', '.join(ASK_BACKENDS)}")
    if ask.backend != "builtin":
        if not re.match(r"^https?://[^/\s]+", ask.url):
            raise ConfigError(
                f"ask.url = {ask.url!r}: with ask.backend = {ask.backend!r} give the server's "
                "address, e.g. http://127.0.0.1:11434 (Ollama) or http://127.0.0.1:8080"
            )
        if not ask.model:
            raise ConfigError('ask.model is empty: name the model, e.g. "llama3.1:8b"')
    for key, seconds, most in (
        ("ask.timeout", ask.timeout, 600.0),
        ("ask.statement_timeout", ask.statement_timeout, 60.0),
    ):
        if not 0 < seconds <= most:
            raise ConfigError(f"{key} must be more than 0 and at most {most:.0f} seconds")
    if not 1 <= ask.max_rows <= 10_000:
        raise ConfigError("ask.max_rows must be between 1 and 10000")
    if not 1 <= ask.pool_size <= 50:
        raise ConfigError("ask.pool_size must be between 1 and 50")


SECTIONS: dict[str, type[Any]] = {
    "database": DatabaseConfig,
    "collector": CollectorConfig,
    "status": StatusConfig,
    "web": WebConfig,
    "event": EventConfig,
    "backup": BackupConfig,
    "retention": RetentionConfig,
    "alerts": AlertsConfig,
    "ask": AskConfig,
}

# Secrets that may come from the environment instead of the file: (variable, section, key).
ENV_OVERRIDES = (
    ("P88_DATABASE_DSN", "database", "dsn"),
    ("P88_ASK_DSN", "ask", "dsn"),
    ("P88_ASK_API_KEY", "ask", "api_key"),
)


def config_from_mapping(data: Mapping[str, Any], env: Mapping[str, str] | None = None) -> Config:
    _check_section(dict(data), "top level", set(SECTIONS))
    sections = {name: _build(cls, data.get(name, {}), name) for name, cls in SECTIONS.items()}
    config = Config(**sections)
    env = os.environ if env is None else env
    for variable, section, key in ENV_OVERRIDES:
        if env.get(variable):
            changed = dataclasses.replace(getattr(config, section), **{key: env[variable]})
            config = dataclasses.replace(config, **{section: changed})
    _validate(config)
    return config


def load_config(path: Path | None, env: Mapping[str, str] | None = None) -> Config:
    """Read `path`, or ./p88.toml if it exists, or use the built-in defaults."""
    if path is None:
        default = Path("p88.toml")
        if not default.exists():
            return config_from_mapping({}, env)
        path = default
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"cannot read config file {path}: {exc.strerror}") from exc
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path} is not valid TOML: {exc}") from exc
    try:
        return config_from_mapping(data, env)
    except ConfigError as exc:
        raise ConfigError(f"{path}: {exc}") from exc
