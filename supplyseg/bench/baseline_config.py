"""What the two classification baselines (baseline_pandas, baseline_duckdb) read besides the raw files.

The vars come from ``dbt_project.yml`` (their defaults, updated by overrides as ``--vars`` would), the
thresholds from the seed CSV files, the columns of each raw entity from the input contract
(``models/staging/*/_*__sources.yml``). ``settings`` checks that the vars ask for something the
baselines reproduce and raises a ValueError naming the var otherwise.

Both baselines classify the two grains of the benchmark, each as the project defines it by default:
``customer`` (the segmentation customer: the global account, or the business-unit customer under var
``customer_grain``) and ``product``.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Mapping

import pandas as pd
import yaml

PROJECT_DIR = Path(__file__).resolve().parents[2]
SEEDS_DIR = PROJECT_DIR / "seeds"
SOURCES_GLOB = "models/staging/*/_*__sources.yml"

GRAINS = ("customer", "product")
# The mart each grain is published in, and its entity column.
GRAIN_MARTS = {"customer": ("dim_customer_segments", "customer_segment_id"), "product": ("dim_product_segments", "product_id")}
# The fields compared, named after the mart columns.
FIELDS = ("abc_class", "multi_criteria_class", "xyz_class", "demand_pattern", "lifecycle_status")
ABC_MEASURES = ("revenue", "gross_margin", "volume", "order_lines")
ENTITIES = ("order_lines", "business_units", "customers", "crm_accounts", "products", "fx_rates")
NUMERIC_TYPES = ("double", "float", "real", "integer", "bigint", "smallint", "hugeint")


@dataclass(frozen=True)
class Column:
    """One column of the input contract."""

    name: str
    data_type: str
    required: bool
    min_value: float | None

    @property
    def is_numeric(self) -> bool:
        return self.data_type in NUMERIC_TYPES or self.data_type.startswith(("decimal", "numeric"))


@dataclass(frozen=True)
class Entity:
    """One raw entity of the input contract: its file name and columns."""

    name: str
    required: bool
    columns: tuple[Column, ...]

    def column(self, name: str) -> Column:
        return next(column for column in self.columns if column.name == name)


@dataclass(frozen=True)
class Settings:
    """The vars and seed values the baselines use, checked."""

    reference_date: str
    analysis_window_months: int
    reporting_currency: str
    customer_grain: str
    returns_handling: str
    outlier_method: str
    outlier_multiplier: float
    outlier_min_ratio_to_median: float
    outlier_min_lines: int
    outlier_exclude_from_value: bool
    outlier_exclude_from_variability: bool
    contract_max_abs_value: float
    comparison_decimal_places: int
    abc_boundary_convention: str
    adi_window: str
    phased_out_after_periods: int
    normalise_demand_by_period_length: bool
    cv_deviation: str
    min_history_periods: int
    new_entity_provisional_xyz_class: str
    abc_measures: dict[str, tuple[str, str]]  # grain -> (measure, fallback_measure)
    secondary_measures: dict[str, str]  # grain -> secondary measure of the multi-criteria class
    abc_thresholds: dict[str, list[tuple[str, float]]]  # grain -> [(class, cumulative_share_upper)] by rank
    xyz_thresholds: list[tuple[str, float]]  # [(class, cv_upper)] by rank
    adi_cutoff: float
    cv_squared_cutoff: float


def project_vars(overrides: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """The vars of dbt_project.yml with their defaults, updated by ``overrides``."""
    values = dict(yaml.safe_load((PROJECT_DIR / "dbt_project.yml").read_text())["vars"])
    values.update(overrides or {})
    return values


def seed(name: str) -> pd.DataFrame:
    """A seed CSV found by file name under seeds/."""
    matches = sorted(SEEDS_DIR.rglob(f"{name}.csv"))
    if len(matches) != 1:
        raise FileNotFoundError(f"seed {name!r}: expected one file {name}.csv under {SEEDS_DIR}, found {matches}")
    return pd.read_csv(matches[0], dtype=str, keep_default_na=False)


def contract() -> dict[str, Entity]:
    """The raw entities the baselines read, by file name, from the sources files."""
    entities: dict[str, Entity] = {}
    for path in sorted(PROJECT_DIR.glob(SOURCES_GLOB)):
        for source in yaml.safe_load(path.read_text()).get("sources", []):
            for table in source.get("tables", []):
                name = table.get("identifier") or table["name"]
                if name not in ENTITIES:
                    continue
                table_meta = (table.get("config") or {}).get("meta") or table.get("meta") or {}
                columns = []
                for column in table.get("columns", []):
                    meta = (column.get("config") or {}).get("meta") or column.get("meta") or {}
                    columns.append(Column(
                        name=column["name"].lower(),
                        data_type=(column.get("data_type") or "varchar").lower(),
                        required=bool(meta.get("required", False)),
                        min_value=float(meta["min_value"]) if meta.get("min_value") is not None else None,
                    ))
                entities[name] = Entity(name, bool(table_meta.get("required_entity", False)), tuple(columns))
    missing = set(ENTITIES) - set(entities)
    if missing:
        raise KeyError(f"input contract ({SOURCES_GLOB}) declares no entity {sorted(missing)}")
    return entities


def raw_file(raw_dir: Path, entity: Entity) -> Path | None:
    """``<entity>.parquet`` or ``<entity>.csv`` in raw_dir; None for a missing optional entity."""
    found = [path for path in (raw_dir / f"{entity.name}.parquet", raw_dir / f"{entity.name}.csv") if path.exists()]
    if len(found) > 1:
        raise ValueError(f"entity {entity.name!r} has two files in {raw_dir}: keep one of {[p.name for p in found]}")
    if not found:
        if entity.required:
            raise FileNotFoundError(f"required entity {entity.name!r} has no file {entity.name}.parquet or .csv in {raw_dir}")
        return None
    return found[0]


def _unsupported(name: str, value: Any, supported: str) -> ValueError:
    return ValueError(
        f"var {name}={value!r} is not supported by the classification baselines (supplyseg/bench): "
        f"they reproduce {supported}. Benchmark with the default or add the rule to both baselines."
    )


def _choice(values: Mapping[str, Any], name: str, allowed: tuple[str, ...]) -> str:
    value = str(values[name]).strip().lower()
    if value not in allowed:
        raise _unsupported(name, values[name], " or ".join(allowed))
    return value


def settings(overrides: Mapping[str, Any] | None = None) -> Settings:
    """The checked vars and seeds; a ValueError names the first var the baselines cannot reproduce."""
    values = project_vars(overrides)
    if str(values["demand_period"]).strip().lower() != "month":
        raise _unsupported("demand_period", values["demand_period"], "monthly demand periods only")
    if str(values["reporting_calendar_pattern"]).strip().lower() != "gregorian":
        raise _unsupported("reporting_calendar_pattern", values["reporting_calendar_pattern"],
                           "the gregorian reporting calendar only (calendar months)")
    if int(values["min_days_in_demand_period"]) > 28:
        raise _unsupported("min_days_in_demand_period", values["min_days_in_demand_period"],
                           "at most 28 (no calendar month is then merged into the one before)")
    if values.get("decay_half_life_periods") is not None:
        raise _unsupported("decay_half_life_periods", values["decay_half_life_periods"], "no time decay (null)")
    grains = values.get("segmentation_grains") or []
    for grain in GRAINS:
        if grain not in grains:
            raise _unsupported("segmentation_grains", grains, "both the customer and the product grain switched on")
    reference = str(values["reference_date"]).strip().lower()
    if reference != "auto":
        try:
            pd.Timestamp(reference)
        except ValueError as error:
            raise _unsupported("reference_date", values["reference_date"], "auto or an ISO date") from error

    measures = seed("abc_measures").set_index("grain")
    multi = seed("multi_criteria_abc").set_index("grain")
    thresholds = seed("abc_thresholds")
    abc_thresholds = {}
    for grain in GRAINS:
        rows = thresholds[thresholds["grain"] == grain].sort_values("class_rank", key=lambda s: s.astype(int))
        abc_thresholds[grain] = [(row.abc_class, float(row.cumulative_share_upper)) for row in rows.itertuples()]
        for measure in (measures.at[grain, "measure"], measures.at[grain, "fallback_measure"],
                        multi.at[grain, "secondary_measure"]):
            if measure not in ABC_MEASURES:
                raise ValueError(f"seed abc_measures / multi_criteria_abc: measure {measure!r} of grain {grain} "
                                 f"is not one of {', '.join(ABC_MEASURES)}")
    xyz = seed("xyz_thresholds").sort_values("class_rank", key=lambda s: s.astype(int))
    cutoffs = dict(zip(seed("demand_pattern_cutoffs")["parameter"], seed("demand_pattern_cutoffs")["value"]))
    return Settings(
        reference_date=reference,
        analysis_window_months=int(values["analysis_window_months"]),
        reporting_currency=str(values["reporting_currency"]).strip().upper(),
        customer_grain=_choice(values, "customer_grain", ("global_account", "business_unit_customer")),
        returns_handling=_choice(values, "returns_handling", ("separate", "net")),
        outlier_method=_choice(values, "outlier_method", ("log_mad", "mad", "iqr")),
        outlier_multiplier=float(values["outlier_multiplier"]),
        outlier_min_ratio_to_median=float(values["outlier_min_ratio_to_median"]),
        outlier_min_lines=int(values["outlier_min_lines"]),
        outlier_exclude_from_value=bool(values["outlier_exclude_from_value"]),
        outlier_exclude_from_variability=bool(values["outlier_exclude_from_variability"]),
        contract_max_abs_value=float(values["contract_max_abs_value"]),
        comparison_decimal_places=int(values["comparison_decimal_places"]),
        abc_boundary_convention=_choice(values, "abc_boundary_convention", ("crossing_item_lower", "crossing_item_upper")),
        adi_window=_choice(values, "adi_window", ("between_demands", "from_first_demand", "whole_window")),
        phased_out_after_periods=int(values["phased_out_after_periods"]),
        normalise_demand_by_period_length=bool(values["normalise_demand_by_period_length"]),
        cv_deviation=_choice(values, "cv_deviation", ("population", "sample")),
        min_history_periods=int(values["min_history_periods"]),
        new_entity_provisional_xyz_class=str(values["new_entity_provisional_xyz_class"]),
        abc_measures={g: (measures.at[g, "measure"], measures.at[g, "fallback_measure"]) for g in GRAINS},
        secondary_measures={g: multi.at[g, "secondary_measure"] for g in GRAINS},
        abc_thresholds=abc_thresholds,
        xyz_thresholds=[(row.xyz_class, float(row.cv_upper)) for row in xyz.itertuples()],
        adi_cutoff=float(cutoffs["adi_cutoff"]),
        cv_squared_cutoff=float(cutoffs["cv_squared_cutoff"]),
    )
