"""Configuration: the generated secret key, database URLs, private instance files and PUBLIC_URL."""

import multiprocessing
import os
from concurrent.futures import ProcessPoolExecutor

import pytest

from console import config


def _key_in(folder: str) -> str:
    return config._instance_secret_key(config.Path(folder))


def test_secret_key_is_made_once_and_kept_private(tmp_path):
    first = _key_in(str(tmp_path))
    assert len(first) == 64
    assert _key_in(str(tmp_path)) == first
    assert (tmp_path / "secret_key").stat().st_mode & 0o077 == 0
    assert [p.name for p in tmp_path.iterdir()] == ["secret_key"]


def test_processes_starting_together_agree_on_one_key(tmp_path):
    with ProcessPoolExecutor(max_workers=4, mp_context=multiprocessing.get_context("spawn")) as pool:
        keys = set(pool.map(_key_in, [str(tmp_path)] * 16))
    assert len(keys) == 1 and len(keys.pop()) == 64


def test_plain_postgres_urls_use_psycopg_3():
    assert config.normalise_database_url("postgres://u@h/db") == "postgresql+psycopg://u@h/db"
    assert config.normalise_database_url("postgresql://u@h/db") == "postgresql+psycopg://u@h/db"
    assert config.normalise_database_url("sqlite:///x.db") == "sqlite:///x.db"


def test_instance_files_are_readable_by_their_owner_only(tmp_path):
    instance = tmp_path / "instance"
    instance.mkdir(mode=0o755)
    earlier = instance / "tasks.db"
    earlier.write_text("")
    earlier.chmod(0o644)  # made by an earlier version
    config.keep_private(instance, [f"sqlite:///{instance / 'console.db'}", f"sqlite:///{earlier}",
                                   "memory://", "postgresql+psycopg://console@127.0.0.1/console"])
    assert instance.stat().st_mode & 0o777 == 0o700
    assert {path.name: path.stat().st_mode & 0o777 for path in instance.iterdir()} == {
        "console.db": 0o600, "tasks.db": 0o600}


def test_outside_the_embedded_set_up_public_url_must_be_given(monkeypatch):
    monkeypatch.setenv("DATABASE_URL", "postgresql://console@127.0.0.1/console")
    monkeypatch.delenv("PUBLIC_URL", raising=False)
    with pytest.raises(RuntimeError, match="Set PUBLIC_URL"):
        config._public_url(os.environ.get)
    monkeypatch.setenv("PUBLIC_URL", "moderation.trust.example.org")
    with pytest.raises(RuntimeError, match="must be an http:// or https:// address"):
        config._public_url(os.environ.get)
    monkeypatch.setenv("PUBLIC_URL", "https://moderation.trust.example.org/")
    assert config._public_url(os.environ.get) == "https://moderation.trust.example.org"
