"""Every rule is configuration: vars and seeds are documented, used, and not copied into SQL."""

from __future__ import annotations

import csv
import re
from pathlib import Path

import yaml

from supplyseg import config_reference

PROJECT_DIR = Path(__file__).resolve().parents[1]

# Seeds whose numbers are thresholds, cut-offs, weights or tiers: none of their
# fractional values may appear as a literal in the SQL of a model or a macro (whole numbers are
# left out: they collide with column positions and list indexes).
THRESHOLD_SEED_PATTERN = re.compile(r"(threshold|cutoff|weight|tier|gate)", re.IGNORECASE)
NUMBER = re.compile(r"(?<![\w.])(\d+\.\d+|\d+e-?\d+|\d+)(?![\w.])")
# Where the SQL of models and macros is checked for numbers written into it.
SQL_FOLDERS = ("models", "macros")
# Numbers that are definitions, not settings, with the files they may appear in and why. Any other
# non-integer number in the SQL of models/ or macros/ fails test_no_unnamed_constant_in_sql, and none of
# these may be a threshold elsewhere. (The half-life base 0.5 inside power(0.5, ...) is stripped
# before checking: it is what "half-life" means.)
ALLOWED_CONSTANTS: dict[str, tuple[tuple[str, ...], str]] = {
    "1.4826": (("macros/segmentation/robust_outlier_bounds.sql",),
               "normal-consistency constant of the MAD, 1 / Phi^-1(3/4): part of the definition of the "
               "log_mad and mad outlier rules (doc block outlier_rule)"),
    "0.25": (("macros/segmentation/robust_outlier_bounds.sql",),
             "the first quartile Q1 of the iqr outlier rule (quantile 0.25 by definition)"),
    "0.75": (("macros/segmentation/robust_outlier_bounds.sql",),
             "the third quartile Q3 of the iqr outlier rule (quantile 0.75 by definition)"),
    "1e-9": (("macros/segmentation/scoring.sql", "macros/segmentation/variability.sql",
              "macros/governance/impact_assessment.sql", "macros/tests/test_planning_sanity.sql"),
             "float tolerance: a value within 1e-9 of a limit or cut-off counts as on it (floating point)"),
    "365.25": (("models/intermediate/policy/int_item_policy_parameters.sql",),
               "mean days per year (Julian year): turns mean demand per period into the annual demand of the EOQ"),
    "0.5": (("macros/policy/policy_formulas.sql",),
            "centre of the central region of Acklam's inverse normal approximation (p - 0.5), part of the definition "
            "of z"),
    "0.02425": (("macros/policy/policy_formulas.sql",),
                "breakpoint between the tail and central regions of Acklam's inverse normal approximation"),
}
# Coefficients of Acklam's rational approximation of the inverse normal CDF (macro normal_quantile): the
# definition of z, checked against scipy.stats.norm.ppf in tests_py/test_policy_formulas.py.
for _coefficient in (
    "39.69683028665376", "220.9460984245205", "275.9285104469687", "138.3577518672690", "30.66479806614716",
    "2.506628277459239", "54.47609879822406", "161.5858368580409", "155.6989798598866", "66.80131188771972",
    "13.28068155288572", "0.007784894002430293", "0.3223964580411365", "2.400758277161838", "2.549732539343734",
    "4.374664141464968", "2.938163982698783", "0.007784695709041462", "0.3224671290700398", "2.445134137142996",
    "3.754408661907416",
):
    ALLOWED_CONSTANTS[_coefficient] = (
        ("macros/policy/policy_formulas.sql",), "coefficient of Acklam's inverse normal approximation (definition of z)"
    )


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


def _sql_numbers() -> list[tuple[str, str]]:
    """(file relative to the project, number as written) of every number in the SQL of models and macros,
    comments left out."""
    found = []
    for folder in SQL_FOLDERS:
        for path in sorted((PROJECT_DIR / folder).rglob("*.sql")):
            for number in NUMBER.findall(_strip_comments(path.read_text())):
                found.append((str(path.relative_to(PROJECT_DIR)), number))
    return found


def _allowed(path: str, number: str) -> bool:
    for constant, (files, _reason) in ALLOWED_CONSTANTS.items():
        if float(number) == float(constant) and path in files:
            return True
    return False


def test_no_threshold_is_written_into_sql() -> None:
    """No threshold, cut-off, weight, tier or gate value of a seed, nor a var's fractional default, is
    written into the SQL of a model or a macro (except a named definition in ALLOWED_CONSTANTS)."""
    forbidden = _threshold_values()
    assert {0.8, 0.95} <= forbidden, "the ABC threshold seed should be among the checked values"
    assert 3.5 in forbidden, "var outlier_multiplier should be among the checked values"
    offenders = [f"{path}: {number}" for path, number in _sql_numbers()
                 if float(number) in forbidden and not _allowed(path, number)]
    assert offenders == [], "thresholds belong in seeds or vars: " + "; ".join(offenders)


def test_no_unnamed_constant_in_sql() -> None:
    """Every non-integer number in the SQL of models and macros is a named definition (ALLOWED_CONSTANTS,
    with its reason and the files it belongs to); any other belongs in a seed or a var."""
    offenders = [f"{path}: {number}" for path, number in _sql_numbers()
                 if not float(number).is_integer() and not _allowed(path, number)]
    assert offenders == [], "unnamed constants (name them in ALLOWED_CONSTANTS or move them to a var): " + "; ".join(
        offenders)


def test_allowed_constants_are_used_where_named() -> None:
    """Each allowed constant appears in every file it is allowed in (no stale allowance)."""
    numbers = set(_sql_numbers())
    stale = [f"{constant} in {path}" for constant, (files, _reason) in ALLOWED_CONSTANTS.items()
             for path in files if not any(p == path and float(n) == float(constant) for p, n in numbers)]
    assert stale == [], "allowed but not used: " + "; ".join(stale)
