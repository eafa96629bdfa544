"""What both classification baselines read from the project: vars, seeds and the input contract.

The baselines (``baseline_pandas``, ``baseline_duckdb``) re-implement the customer and product
classification outside dbt. They take every number from the same places the dbt project does:
the ``vars:`` of dbt_project.yml, the seeds under seeds/segmentation, and the column contract of
models/staging/*/_*__sources.yml (required columns, types, minimum values). Settings the baselines do
not reproduce stop them with a ValueError naming the var. Plain yaml/csv parsing, no dbt, no DuckDB.
"""

from __future__ import annotations

import csv
import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Mapping

import yaml

PROJECT_DIR = Path(__file__).resolve().parents[2]
SEGMENTATION_SEEDS = PROJECT_DIR / "seeds" / "segmentation"
GRAINS = ("customer", "product")
FIELDS = ("abc_class", "multi_criteria_class", "xyz_class", "demand_pattern")
ENTITIES = ("order_lines", "customers", "crm_accounts", "products", "business_units", "fx_rates")
REQUIRED_ENTITIES = ("order_lines", "customers", "products", "business_units")

# var -> the values the baselines reproduce.
SUPPORTED_VALUES: dict[str, tuple[Any, ...]] = {
    "demand_period": ("month",),
    "reporting_calendar_pattern": ("gregorian",),
    "decay_half_life_periods": (None,),
    "segment_mode": ("dynamic",),
    "outlier_method": ("log_mad",),
    "adi_window": ("between_demands",),
    "cv_deviation": ("population", "sample"),
    "customer_grain": ("global_account", "business_unit_customer"),
    "returns_handling": ("separate", "net"),
    "abc_boundary_convention": ("crossing_item_lower", "crossing_item_upper"),
    "normalise_demand_by_period_length": (True, False),
    "outlier_exclude_from_value": (True, False),
    "outlier_exclude_from_variability": (True, False),
}


@dataclass(frozen=True)
class ContractColumn:
    """One column of a raw entity as the input contract declares it."""

    name: str
    data_type: str
    required: bool
    min_value: float | None

    @property
    def is_numeric(self) -> bool:
        return self.data_type in ("double", "float", "real", "integer", "bigint", "smallint", "hugeint") or (
            self.data_type.startswith(("decimal", "numeric"))
        )


@dataclass(frozen=True)
class BaselineConfig:
    """Vars, seeds and contract the baselines classify with."""

    vars: dict[str, Any]
    contract: dict[str, list[ContractColumn]]
    abc_measures: dict[str, tuple[str, str]]  # grain -> (measure, fallback measure)
    secondary_measures: dict[str, str]  # grain -> secondary measure of multi-criteria ABC
    abc_thresholds: dict[str, list[tuple[int, str, float]]]  # grain -> [(class_rank, class, upper)]
    xyz_thresholds: list[tuple[int, str, float]]  # [(class_rank, class, cv_upper)]
    adi_cutoff: float
    cv_squared_cutoff: float

    @property
    def reference_date(self) -> dt.date | None:
        """The var reference_date as a date, or None for auto (the last usable order date)."""
        value = str(self.vars["reference_date"]).strip().lower()
        return None if value == "auto" else dt.date.fromisoformat(value)


def _read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(newline="") as handle:
        return list(csv.DictReader(handle))


def project_vars(overrides: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """The ``vars:`` of dbt_project.yml with ``overrides`` applied (as ``--vars`` would)."""
    project = yaml.safe_load((PROJECT_DIR / "dbt_project.yml").read_text())
    values = dict(project["vars"])
    values.update(overrides or {})
    return values


def check_supported(values: Mapping[str, Any]) -> None:
    """Raise ValueError naming the first var whose setting the baselines do not reproduce."""
    for name, allowed in SUPPORTED_VALUES.items():
        value = values.get(name)
        if value not in allowed:
            shown = ", ".join(repr(option) for option in allowed)
            raise ValueError(
                f"var {name}={value!r} is not supported by the classification baselines "
                f"(supported: {shown}); run the dbt project for this setting."
            )
    reference = str(values.get("reference_date", "auto")).strip().lower()
    if reference != "auto":
        try:
            dt.date.fromisoformat(reference)
        except ValueError as error:
            raise ValueError(
                f"var reference_date={values['reference_date']!r} must be 'auto' or an ISO date (YYYY-MM-DD)"
            ) from error
    for name in ("analysis_window_months", "min_history_periods"):
        if not isinstance(values.get(name), int) or values[name] < 1:
            raise ValueError(f"var {name}={values.get(name)!r} must be a whole number of at least 1")


def load_contract() -> dict[str, list[ContractColumn]]:
    """Entity -> contract columns, from the sources files of models/staging."""
    contract: dict[str, list[ContractColumn]] = {}
    for path in sorted((PROJECT_DIR / "models" / "staging").glob("*/_*__sources.yml")):
        for source in yaml.safe_load(path.read_text()).get("sources", []):
            for table in source.get("tables", []):
                columns = []
                for column in table.get("columns", []):
                    meta = (column.get("config") or {}).get("meta") or column.get("meta") or {}
                    columns.append(ContractColumn(
                        name=column["name"].lower(),
                        data_type=(column.get("data_type") or "varchar").lower(),
                        required=bool(meta.get("required", False)),
                        min_value=None if meta.get("min_value") is None else float(meta["min_value"]),
                    ))
                contract[table.get("identifier") or table["name"]] = columns
    return contract


def load_config(overrides: Mapping[str, Any] | None = None) -> BaselineConfig:
    """Vars (checked), seeds and contract; raises ValueError on an unsupported var setting."""
    values = project_vars(overrides)
    check_supported(values)
    measures = {row["grain"]: (row["measure"], row["fallback_measure"])
                for row in _read_csv(SEGMENTATION_SEEDS / "abc_measures.csv")}
    secondary = {row["grain"]: row["secondary_measure"]
                 for row in _read_csv(SEGMENTATION_SEEDS / "multi_criteria_abc.csv")}
    thresholds: dict[str, list[tuple[int, str, float]]] = {}
    for row in _read_csv(SEGMENTATION_SEEDS / "abc_thresholds.csv"):
        thresholds.setdefault(row["grain"], []).append(
            (int(row["class_rank"]), row["abc_class"], float(row["cumulative_share_upper"])))
    xyz = sorted((int(row["class_rank"]), row["xyz_class"], float(row["cv_upper"]))
                 for row in _read_csv(SEGMENTATION_SEEDS / "xyz_thresholds.csv"))
    cutoffs = {row["parameter"]: float(row["value"])
               for row in _read_csv(SEGMENTATION_SEEDS / "demand_pattern_cutoffs.csv")}
    return BaselineConfig(
        vars=values,
        contract=load_contract(),
        abc_measures=measures,
        secondary_measures=secondary,
        abc_thresholds={grain: sorted(rows) for grain, rows in thresholds.items()},
        xyz_thresholds=xyz,
        adi_cutoff=cutoffs["adi_cutoff"],
        cv_squared_cutoff=cutoffs["cv_squared_cutoff"],
    )


def raw_file(raw_dir: Path, entity: str) -> Path | None:
    """<raw_dir>/<entity>.parquet or .csv; None for a missing optional entity."""
    found = [path for path in (raw_dir / f"{entity}.parquet", raw_dir / f"{entity}.csv") if path.exists()]
    if len(found) > 1:
        raise ValueError(f"{raw_dir}: both {entity}.parquet and {entity}.csv exist; keep one")
    if not found:
        if entity in REQUIRED_ENTITIES:
            raise ValueError(f"{raw_dir}: no {entity}.parquet or {entity}.csv (a required input)")
        return None
    return found[0]
