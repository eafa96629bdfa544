"""Jinja context for sqlfluff's jinja templater (lint only; dbt uses its own).

sqlfluff loads this package's top-level names into the template context, so
models render as dbt would render them at parse time: ``var()`` returns the
defaults declared in dbt_project.yml, ``dbt.<macro>`` the cross-database
macros' DuckDB SQL, ``exceptions.raise_compiler_error`` raises.
"""

from __future__ import annotations

import datetime
import re
import types
from pathlib import Path

import yaml

from . import dbt_macros

_PROJECT_FILE = Path(__file__).resolve().parents[2] / "dbt_project.yml"
_PROJECT_VARS: dict = yaml.safe_load(_PROJECT_FILE.read_text())["vars"]

dbt = types.SimpleNamespace(
    **{name: getattr(dbt_macros, name) for name in dir(dbt_macros) if not name.startswith("_")}
)


def var(name: str, default=None):
    """The var's default from dbt_project.yml (or the given default)."""
    return _PROJECT_VARS.get(name, default)


def _raise_compiler_error(message: str) -> None:
    raise RuntimeError(message)


exceptions = types.SimpleNamespace(raise_compiler_error=_raise_compiler_error, warn=lambda message: None)
execute = False
invocation_id = "00000000-0000-0000-0000-000000000000"
run_started_at = "2025-12-31 00:00:00"
modules = types.SimpleNamespace(re=re, datetime=datetime)
fromyaml = yaml.safe_load
target = types.SimpleNamespace(name="dev", schema="main", type="duckdb")
