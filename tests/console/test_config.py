"""Configuration: the generated secret key and database URLs."""

import multiprocessing
from concurrent.futures import ProcessPoolExecutor

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
