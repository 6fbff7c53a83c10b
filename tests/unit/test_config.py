"""Config: defaults, the shipped example, and errors that name the key."""

from __future__ import annotations

from pathlib import Path

import pytest

from p88.config import Config, ConfigError, HostPort, config_from_mapping, load_config

ROOT = Path(__file__).resolve().parents[2]


def test_defaults_listen_safely() -> None:
    config = config_from_mapping({}, env={})
    assert config.collector.bind == HostPort("0.0.0.0", 61611)
    assert config.status.bind == HostPort("127.0.0.1", 61612)
    assert config.web.bind == HostPort("127.0.0.1", 5001)
    assert config.database.dsn == "" and config.collector.authentication == "none"


def test_the_shipped_p88_toml_is_valid_and_equals_the_defaults() -> None:
    assert load_config(ROOT / "p88.toml", env={}) == Config()


def test_environment_overrides_the_dsn() -> None:
    config = config_from_mapping(
        {"database": {"dsn": "postgresql://a@b/c"}}, env={"P88_DATABASE_DSN": "postgresql://x@y/z"}
    )
    assert config.database.dsn == "postgresql://x@y/z"


@pytest.mark.parametrize(
    ("raw", "named"),
    [
        ({"colector": {}}, "colector"),
        ({"collector": {"bnd": "1.2.3.4:1"}}, "collector.bnd"),
        ({"collector": {"bind": "localhost"}}, "collector.bind"),
        ({"collector": {"bind": "127.0.0.1:99999"}}, "collector.bind"),
        ({"collector": {"authentication": "md5"}}, "collector.authentication"),
        ({"collector": {"ping_interval": "10"}}, "collector.ping_interval"),
        ({"collector": {"ping_interval": 0}}, "collector.ping_interval"),
        ({"collector": {"batch_size": True}}, "collector.batch_size"),
        ({"collector": {"batch_wait": -0.001}}, "collector.batch_wait"),
        ({"collector": {"anonymous_partner": ""}}, "collector.anonymous_partner"),
        ({"event": {"timezone": "Mars/Olympus"}}, "event.timezone"),
        ({"database": "x"}, "[database]"),
        ({"collector": {"ingest_writers": 10}}, "collector.ingest_writers"),
        ({"collector": {"ingest_writers": 3}, "database": {"pool_size": 3}}, "database.pool_size"),
        ({"web": {"trusted_proxies": "10.0.0.1"}}, "web.trusted_proxies"),
        ({"web": {"trusted_proxies": [10]}}, "web.trusted_proxies"),
        ({"web": {"trusted_proxies": ["proxy.example"]}}, "web.trusted_proxies"),
        ({"web": {"trusted_proxies": ["10.0.0.1/8"]}}, "web.trusted_proxies"),  # host bits set
        ({"backup": {"at": "3am"}}, "backup.at"),
        ({"backup": {"at": "24:00"}}, "backup.at"),
        ({"backup": {"keep": 0}}, "backup.keep"),
        ({"backup": {"every": "day"}}, "backup.every"),
        ({"retention": {"raw_reads_days": 0}}, "retention.raw_reads_days"),
        ({"retention": {"close_idle_sessions_hours": 0}}, "retention.close_idle_sessions_hours"),
        ({"alerts": {"point_silent_s": 0}}, "alerts.point_silent_s"),
        ({"alerts": {"disconnect_grace_s": -1}}, "alerts.disconnect_grace_s"),
        ({"alerts": {"point_silent": 60}}, "alerts.point_silent"),
    ],
)
def test_bad_values_stop_start_up_naming_the_key(raw: dict[str, object], named: str) -> None:
    with pytest.raises(ConfigError, match=named.replace("[", r"\[").replace("]", r"\]")):
        config_from_mapping(raw, env={})


def test_a_batch_wait_of_zero_means_take_what_is_queued() -> None:
    config = config_from_mapping({"collector": {"batch_wait": 0}}, env={})
    assert config.collector.batch_wait == 0


def test_bad_toml_names_the_file(tmp_path: Path) -> None:
    path = tmp_path / "p88.toml"
    path.write_text("[collector\nbind = 1\n")
    with pytest.raises(ConfigError, match=r"p88\.toml is not valid TOML"):
        load_config(path, env={})


def test_missing_file_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="cannot read config file"):
        load_config(tmp_path / "nope.toml", env={})


def test_ipv6_and_port_zero_binds() -> None:
    config = config_from_mapping({"web": {"bind": "[::1]:0"}}, env={})
    assert config.web.bind == HostPort("::1", 0)
    assert str(config.web.bind) == "[::1]:0"


def test_trusted_proxies_are_addresses_and_networks() -> None:
    assert config_from_mapping({}, env={}).web.trusted_networks == ()
    config = config_from_mapping(
        {"web": {"trusted_proxies": ["127.0.0.1", "10.0.0.0/8", "fd00::/8"]}}, env={}
    )
    assert [str(n) for n in config.web.trusted_networks] == [
        "127.0.0.1/32",
        "10.0.0.0/8",
        "fd00::/8",
    ]


def test_the_backup_folder_defaults_to_the_data_dir() -> None:
    config = config_from_mapping({"database": {"data_dir": "/srv/p88"}}, env={})
    assert config.backup.folder(config.database.data_dir) == Path("/srv/p88/backups")
    chosen = config_from_mapping({"backup": {"dir": "/mnt/backup", "at": "04:30"}}, env={})
    assert chosen.backup.folder(Path("x")) == Path("/mnt/backup")
    assert (chosen.backup.at_time.hour, chosen.backup.at_time.minute) == (4, 30)
