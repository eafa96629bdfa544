"""Shared fixtures: the small generated dataset and one dbt build on it.

The build runs once per test session into a temporary DuckDB file; tests read
it through ``query``. Tests that need their own build (gates, overrides, seed
changes) call ``supplyseg.dbt_runner.run_dbt`` with their own paths.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from supplyseg.dbt_runner import run_dbt

SMALL_SEED = 7


@dataclass(frozen=True)
class Build:
    """A finished dbt build: its database file, input folder and dbt output."""

    db_path: Path
    data_dir: Path
    output: str

    def query(self, sql: str) -> pd.DataFrame:
        with duckdb.connect(str(self.db_path), read_only=True) as con:
            return con.sql(sql).df()


@pytest.fixture(scope="session")
def small_data(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The small demo dataset (CSV, like most real extracts), generated once."""
    from supplyseg.demo_data import generate

    out_dir = tmp_path_factory.mktemp("small_data")
    generate(scale="small", seed=SMALL_SEED, out_dir=out_dir, fmt="csv")
    return out_dir


@pytest.fixture(scope="session")
def small_build(small_data: Path, tmp_path_factory: pytest.TempPathFactory) -> Build:
    """``dbt build`` of the whole project on the small dataset."""
    work = tmp_path_factory.mktemp("small_build")
    db_path = work / "small.duckdb"
    result = run_dbt(
        ["build"], db_path=db_path, raw_path=small_data, target="ci", target_path=work / "target"
    )
    return Build(db_path=db_path, data_dir=small_data, output=result.output)


@dataclass(frozen=True)
class Published:
    """The small build published once into its own serving folder (see supplyseg.publish)."""

    serving_dir: Path
    version_id: str
    run_id: str
    build: Build


@pytest.fixture(scope="session")
def small_published(small_build: Build, tmp_path_factory: pytest.TempPathFactory) -> Published:
    """``small_build`` published as version v000001 of a fresh serving folder (read it, never write it)."""
    from supplyseg.publish import publish

    serving_dir = tmp_path_factory.mktemp("small_serving")
    version = publish(small_build.db_path, serving_dir, target_dir=small_build.db_path.parent / "target")
    return Published(serving_dir=serving_dir, version_id=version.version_id, run_id=version.run_id, build=small_build)
