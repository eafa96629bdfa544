"""The customer and product classification as one DuckDB SQL script: the benchmark's practical lower bound.

    classify(raw_dir, threads=2) -> DataFrame[grain, entity_id, field, value]

Same rules, output and errors as supplyseg.bench.baseline_pandas. An in-memory connection reads the raw
files (read_csv / read_parquet) into views that apply the input contract's row checks (rendered here
from models/staging/*/_*__sources.yml), then runs baseline_duckdb.sql, whose dollar-sign template parameters are filled
from the project's vars and seeds (numbers cast, text quoted) (supplyseg.bench.baseline_inputs).
"""

from __future__ import annotations

from pathlib import Path
from string import Template
from typing import Any, Mapping

import duckdb
import pandas as pd

from supplyseg.bench.baseline_inputs import (
    ENTITIES,
    FIELDS,
    BaselineConfig,
    ContractColumn,
    load_config,
    raw_file,
)

SCRIPT = Path(__file__).with_name("baseline_duckdb.sql")
TOLERANCE = "1e-9"


def _quote_identifier(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _quote_text(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _rejection(columns: list[ContractColumn], max_abs: float) -> str:
    """SQL: whether a row fails the contract (required missing or unparseable, number out of range)."""
    checks = []
    for column in columns:
        name = _quote_identifier(column.name)
        if column.required:
            checks.append(f"{name} is null")
            if column.data_type != "varchar":
                checks.append(f"try_cast({name} as {column.data_type}) is null")
        if column.is_numeric:
            value = f"try_cast({name} as double)"
            checks.append(f"coalesce(not isfinite({value}), false)")
            checks.append(f"coalesce(abs({value}) > {max_abs!r}, false)")
            if column.min_value is not None:
                checks.append(f"coalesce({value} < {column.min_value!r}, false)")
    return "(" + " or ".join(checks) + ")" if checks else "false"


def register_raw(con: duckdb.DuckDBPyConnection, raw_dir: Path, config: BaselineConfig) -> None:
    """One view raw_<entity> per entity: contract columns as trimmed text, _row and _rejected."""
    max_abs = float(config.vars["contract_max_abs_value"])
    for entity in ENTITIES:
        columns = config.contract[entity]
        path = raw_file(raw_dir, entity)
        if path is None:
            select = ", ".join(f"cast(null as varchar) as {_quote_identifier(c.name)}" for c in columns)
            con.execute(f"create or replace temp view raw_{entity} as "
                        f"select {select}, cast(null as bigint) as _row, false as _rejected where false")
            continue
        if path.suffix == ".parquet":
            reader = f"read_parquet({_quote_text(str(path))}, file_row_number = true)"
            row = "file_row_number"
        else:
            reader = f"read_csv({_quote_text(str(path))}, header = true, all_varchar = true)"
            row = "row_number() over ()"
        present = {name.strip().lower(): name for name in con.sql(f"select * from {reader} limit 0").columns}
        missing = [c.name for c in columns if c.required and c.name not in present]
        if missing:
            raise ValueError(f"{path}: required column(s) {', '.join(missing)} missing")
        select = ", ".join(
            f"nullif(trim(cast({_quote_identifier(present[c.name])} as varchar)), '') as {_quote_identifier(c.name)}"
            if c.name in present else f"cast(null as varchar) as {_quote_identifier(c.name)}"
            for c in columns
        )
        con.execute(f"create or replace temp table raw_{entity} as "
                    f"select *, {_rejection(columns, max_abs)} as _rejected "
                    f"from (select {select}, {row} as _row from {reader})")


def render_script(config: BaselineConfig) -> str:
    """baseline_duckdb.sql with the vars and seeds of ``config`` filled in."""
    values = config.vars
    reference = config.reference_date
    thresholds = ", ".join(
        f"({_quote_text(grain)}, {rank}, {_quote_text(label)}, {upper!r})"
        for grain, rows in config.abc_thresholds.items() for rank, label, upper in rows
    )
    measures = ", ".join(
        f"({_quote_text(grain)}, {_quote_text(measure)}, {_quote_text(fallback)}, "
        f"{_quote_text(config.secondary_measures[grain])})"
        for grain, (measure, fallback) in config.abc_measures.items() if grain in config.secondary_measures
    )
    if values["abc_boundary_convention"] == "crossing_item_lower":
        within = f"shares.cumulative_share <= thresholds.cumulative_share_upper + {TOLERANCE}"
    else:
        within = f"shares.cumulative_share - shares.measure_share < thresholds.cumulative_share_upper - {TOLERANCE}"
    if values["normalise_demand_by_period_length"]:
        normalised = ("cast(coalesce(demand_by_period.demand_quantity, 0) as double) / periods.days_in_period"
                      " * window_size.mean_days_in_period")
    else:
        normalised = "cast(coalesce(demand_by_period.demand_quantity, 0) as double)"
    order_line_columns = ", ".join(_quote_identifier(c.name) for c in config.contract["order_lines"])
    customer_entity = ("coalesce(crm_accounts.global_account_id, converted.customer_key)"
                       if values["customer_grain"] == "global_account" else "converted.customer_key")
    return Template(SCRIPT.read_text()).substitute(
        order_line_columns=order_line_columns,
        reporting_currency=_quote_text(str(values["reporting_currency"]).upper()),
        customer_entity=customer_entity,
        reference_date="cast(null as date)" if reference is None else f"date {_quote_text(reference.isoformat())}",
        window_months=int(values["analysis_window_months"]),
        outlier_min_lines=int(values["outlier_min_lines"]),
        outlier_multiplier=repr(float(values["outlier_multiplier"])),
        outlier_min_ratio=repr(float(values["outlier_min_ratio_to_median"])),
        returns_count="true" if values["returns_handling"] == "net" else "false",
        outlier_exclude_from_value="true" if values["outlier_exclude_from_value"] else "false",
        outlier_exclude_from_variability="true" if values["outlier_exclude_from_variability"] else "false",
        abc_measures=measures,
        abc_thresholds=thresholds,
        within_class=within,
        normalised_demand=normalised,
        variance="var_pop" if values["cv_deviation"] == "population" else "var_samp",
        xyz_thresholds=", ".join(f"({rank}, {_quote_text(label)}, {upper!r})"
                                 for rank, label, upper in config.xyz_thresholds),
        tolerance=TOLERANCE,
        last_xyz_class=_quote_text(config.xyz_thresholds[-1][1]),
        provisional_xyz_class=_quote_text(str(values["new_entity_provisional_xyz_class"])),
        min_history_periods=int(values["min_history_periods"]),
        adi_cutoff=repr(config.adi_cutoff),
        cv_squared_cutoff=repr(config.cv_squared_cutoff),
        fields=", ".join(FIELDS),
    )


def classify(raw_dir: Path, threads: int = 2, vars: Mapping[str, Any] | None = None) -> pd.DataFrame:
    """Long frame (grain, entity_id, field, value) of the customer and product classes of ``raw_dir``.

    ``vars`` overrides dbt_project.yml vars as ``dbt --vars`` would; a setting the baseline does not
    reproduce raises ValueError naming the var.
    """
    config = load_config(vars)
    script = render_script(config)
    con = duckdb.connect(":memory:")
    try:
        con.execute(f"set threads = {int(threads)}")
        register_raw(con, Path(raw_dir), config)
        *statements, final = [part for part in script.split(";") if part.strip()]
        for statement in statements:
            con.execute(statement)
        result = con.sql(final).df()
    finally:
        con.close()
    return result.astype({"grain": str, "entity_id": str, "field": str, "value": str})[
        ["grain", "entity_id", "field", "value"]]
