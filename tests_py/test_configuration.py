"""Every rule is configuration: vars and seeds are documented, used, and not copied into SQL."""

from __future__ import annotations

import csv
import re
from pathlib import Path

import yaml

from supplyseg import config_reference

PROJECT_DIR = Path(__file__).resolve().parents[1]

# Seeds whose numbers are thresholds, cut-offs, weights or tiers: none of their
# fractional values may appear as a literal in a model's SQL (whole numbers are
# left out: they collide with column positions and list indexes).
THRESHOLD_SEED_PATTERN = re.compile(r"(threshold|cutoff|weight|tier|gate)", re.IGNORECASE)
# Numbers that are definitions, not settings: 0 and 1; the half-life base 0.5
# inside power(0.5, ...); the normal-consistency constant of MAD (1.4826);
# float tolerances (1e-9).
NUMBER = re.compile(r"(?<![\w.])(\d+\.\d+|\d+e-?\d+|\d+)(?![\w.])")


def _strip_comments(sql: str) -> str:
    sql = re.sub(r"\{#.*?#\}", " ", sql, flags=re.DOTALL)
    sql = re.sub(r"--[^\n]*", " ", sql)
    return re.sub(r"power\(\s*0\.5", "power(", sql)


def _threshold_values() -> set[float]:
    values: set[float] = set()
    for path in (PROJECT_DIR / "seeds").rglob("*.csv"):
        if not THRESHOLD_SEED_PATTERN.search(path.stem):
            continue
        with path.open() as handle:
            for row in csv.DictReader(handle):
                for value in row.values():
                    try:
                        number = float(value)
                    except (TypeError, ValueError):
                        continue
                    if not number.is_integer() and number < 1e6:
                        values.add(number)
    project_vars = yaml.safe_load((PROJECT_DIR / "dbt_project.yml").read_text())["vars"]
    for value in project_vars.values():
        if isinstance(value, float) and not value.is_integer():
            values.add(value)
    return values


def test_configuration_reference_is_current() -> None:
    assert config_reference.main(["--check"]) == 0, "run: python -m supplyseg.config_reference"


def test_every_var_and_seed_is_used() -> None:
    vars_ = config_reference.read_vars(PROJECT_DIR / "dbt_project.yml")
    seeds = config_reference.read_seeds(PROJECT_DIR / "seeds")
    config_reference.attach_usage(vars_, seeds)
    unused = [item.name for item in vars_ + seeds if not item.used_in]
    assert unused == [], f"declared but never read: {unused}"


def test_every_var_has_a_description() -> None:
    vars_ = config_reference.read_vars(PROJECT_DIR / "dbt_project.yml")
    assert [v.name for v in vars_ if not v.description] == []


def test_no_threshold_is_written_into_model_sql() -> None:
    forbidden = _threshold_values()
    assert {0.8, 0.95} <= forbidden, "the ABC threshold seed should be among the checked values"
    offenders = []
    for path in sorted((PROJECT_DIR / "models").rglob("*.sql")):
        for number in NUMBER.findall(_strip_comments(path.read_text())):
            if float(number) in forbidden:
                offenders.append(f"{path.relative_to(PROJECT_DIR)}: {number}")
    assert offenders == [], "thresholds belong in seeds or vars: " + "; ".join(offenders)
