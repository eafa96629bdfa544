"""The vars and seeds the oracles read, straight from ``dbt_project.yml`` and the seed CSV files."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd
import yaml

PROJECT_DIR = Path(__file__).resolve().parents[2]
SEEDS_DIR = PROJECT_DIR / "seeds"


def project_vars(overrides: dict[str, Any] | None = None) -> dict[str, Any]:
    """The vars of dbt_project.yml with their defaults, updated by ``overrides`` (as ``--vars`` would)."""
    values = dict(yaml.safe_load((PROJECT_DIR / "dbt_project.yml").read_text())["vars"])
    values.update(overrides or {})
    return values


def seed(name: str) -> pd.DataFrame:
    """A seed as text (blank cells missing, values trimmed), found by file name under seeds/."""
    matches = sorted(SEEDS_DIR.rglob(f"{name}.csv"))
    if len(matches) != 1:
        raise FileNotFoundError(f"seed {name!r}: expected one file {name}.csv under {SEEDS_DIR}, found {matches}")
    frame = pd.read_csv(matches[0], dtype=str, keep_default_na=False)
    return frame.apply(lambda column: column.str.strip()).replace("", None)
