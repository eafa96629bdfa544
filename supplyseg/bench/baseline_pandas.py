"""The customer and product classification in plain pandas: the analyst's baseline of the benchmark.

    classify(raw_dir) -> DataFrame[grain, entity_id, field, value]

Reads the raw files (``<entity>.csv`` or ``<entity>.parquet``) and applies the project's default
rules with filter / groupby / cumsum: the input contract's row checks (quarantine), exact-duplicate
removal, conflicting duplicate keys, unknown business unit / customer / product, FX conversion to the
reporting currency, the log-MAD outlier rule, the analysis window of whole gregorian months ending at
the reference date, ABC on the configured measure (with its fallback) and on the multi-criteria
secondary measure, XYZ on the coefficient of variation and the SBC demand pattern. Vars, seeds and
contract come from the project (supplyseg.bench.baseline_inputs). No DuckDB, no dbt.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any, Mapping

import numpy as np
import pandas as pd

from supplyseg.bench.baseline_inputs import (
    FIELDS,
    GRAINS,
    BaselineConfig,
    ContractColumn,
    load_config,
    raw_file,
)

TOLERANCE = 1e-9  # cut-off tolerance of the project (score_tolerance, classification_tolerance)
NAN_TEXTS = {"nan", "+nan", "-nan"}


# --- reading and the input contract -----------------------------------------------------------------


def read_entity(raw_dir: Path, entity: str, columns: list[ContractColumn]) -> pd.DataFrame:
    """The raw file's contract columns: text trimmed (blank = missing), numbers kept as read."""
    path = raw_file(raw_dir, entity)
    names = [column.name for column in columns]
    if path is None:
        return pd.DataFrame({name: pd.Series(dtype=object) for name in names})
    if path.suffix == ".csv":
        frame = pd.read_csv(path, dtype=str, keep_default_na=False, na_values=[""])
    else:
        frame = pd.read_parquet(path)
    frame.columns = [str(name).strip().lower() for name in frame.columns]
    missing = [column.name for column in columns if column.required and column.name not in frame.columns]
    if missing:
        raise ValueError(f"{path}: required column(s) {', '.join(missing)} missing")
    out = {}
    for name in names:
        if name not in frame.columns:
            out[name] = pd.Series(None, index=frame.index, dtype=object)
            continue
        values = frame[name]
        if values.dtype == object or pd.api.types.is_string_dtype(values):
            values = values.astype(object).where(values.notna(), None)
            values = values.map(lambda text: None if text is None else (str(text).strip() or None))
        out[name] = values
    return pd.DataFrame(out, index=frame.index).reset_index(drop=True)


def _is_nan_text(value: object) -> bool:
    """A delivered text "nan": it parses to a number that is not finite (out of range, not missing)."""
    return isinstance(value, str) and value.strip().lower() in NAN_TEXTS


def _parse(values: pd.Series, data_type: str) -> pd.Series:
    """try_cast of a raw column to its contract type (NaN / NaT where it does not parse)."""
    if data_type == "date":
        return pd.to_datetime(values.astype(object), format="%Y-%m-%d", errors="coerce")
    if data_type == "boolean":
        lowered = values.astype(object).map(lambda value: None if value is None else str(value).lower())
        return lowered.map({"true": True, "false": False, "t": True, "f": False, "1": True, "0": False})
    numbers = pd.to_numeric(values, errors="coerce").astype(float)
    if data_type in ("integer", "bigint", "smallint", "hugeint"):
        numbers = numbers.where(np.floor(numbers) == numbers)
    return numbers


def contract_checked(frame: pd.DataFrame, columns: list[ContractColumn], max_abs: float) -> pd.DataFrame:
    """Typed columns plus ``is_rejected``: a required value missing or unparseable, or a number out of range."""
    typed = frame.copy()
    rejected = pd.Series(False, index=frame.index)
    for column in columns:
        raw = frame[column.name]
        present = raw.notna()
        if column.data_type == "varchar":
            if column.required:
                rejected |= ~present
            continue
        parsed = _parse(raw, column.data_type)
        if column.required:
            nan_text = raw.astype(object).map(_is_nan_text)
            rejected |= ~present | (parsed.isna() & ~nan_text)
        if column.is_numeric:
            as_double = pd.to_numeric(raw, errors="coerce").astype(float)
            nan_text = raw.astype(object).map(_is_nan_text)
            bad = nan_text | np.isinf(as_double) | (as_double.abs() > max_abs)
            if column.min_value is not None:
                bad |= as_double < column.min_value
            rejected |= bad.fillna(False).astype(bool)
        typed[column.name] = parsed
    typed["is_rejected"] = rejected
    return typed


def first_usable(frame: pd.DataFrame, key: list[str]) -> pd.DataFrame:
    """Usable rows of a master, the first in the file per key."""
    usable = frame[~frame["is_rejected"]]
    return usable.drop_duplicates(subset=key, keep="first")


# --- order lines --------------------------------------------------------------------------------------


def usable_order_lines(raw_dir: Path, config: BaselineConfig) -> pd.DataFrame:
    """Usable order lines with revenue, cost and margin in the reporting currency and the customer entity."""
    max_abs = float(config.vars["contract_max_abs_value"])
    contract = config.contract
    raw = {entity: read_entity(raw_dir, entity, contract[entity])
           for entity in ("order_lines", "customers", "crm_accounts", "products", "business_units", "fx_rates")}
    # An exact copy of an earlier line (every contract column equal as delivered) is dropped silently.
    is_exact_duplicate = raw["order_lines"].duplicated(keep="first")
    tables = {entity: contract_checked(frame, contract[entity], max_abs) for entity, frame in raw.items()}

    units = first_usable(tables["business_units"], ["business_unit_id"])
    units = units.assign(unit_currency=units["currency_code"].str.upper())[["business_unit_id", "unit_currency"]]
    products = first_usable(tables["products"], ["product_id"])[["product_id", "standard_cost"]]
    customers = tables["customers"].assign(
        customer_key=tables["customers"]["business_unit_id"] + ":" + tables["customers"]["customer_id"])
    customers = first_usable(customers, ["customer_key"])[["customer_key"]]
    crm = tables["crm_accounts"]
    crm = crm.assign(customer_key=crm["business_unit_id"].astype(object) + ":" + crm["customer_id"].astype(object))
    crm = first_usable(crm, ["customer_key"])[["customer_key", "global_account_id"]]
    fx = tables["fx_rates"].assign(
        currency_code=tables["fx_rates"]["currency_code"].astype(object).str.upper(),
        rate_month=tables["fx_rates"]["rate_month"].dt.to_period("M"),
    )
    fx = first_usable(fx, ["currency_code", "rate_month"])[["currency_code", "rate_month", "rate_to_reporting"]]

    lines = tables["order_lines"]
    key_copy = lines.groupby(["business_unit_id", "order_id", "order_line_number"], dropna=False).cumcount()
    lines = lines[~lines["is_rejected"] & ~is_exact_duplicate & (key_copy == 0)]

    lines = lines.assign(customer_key=lines["business_unit_id"] + ":" + lines["customer_id"])
    lines = lines.merge(units, on="business_unit_id", how="inner")
    lines = lines.merge(customers, on="customer_key", how="inner")
    lines = lines.merge(products, on="product_id", how="inner")
    lines = lines.assign(
        document_currency=lines["currency_code"].astype(object).str.upper().fillna(lines["unit_currency"]),
        rate_month=lines["order_date"].dt.to_period("M"),
    )
    lines = lines.merge(fx, left_on=["document_currency", "rate_month"], right_on=["currency_code", "rate_month"],
                        how="left", suffixes=("", "_fx"))
    reporting = str(config.vars["reporting_currency"]).upper()
    rate = lines["rate_to_reporting"].where(lines["document_currency"] != reporting, 1.0)
    lines = lines.assign(fx_rate=rate)[rate.notna()]

    lines = lines.merge(crm, on="customer_key", how="left")
    if config.vars["customer_grain"] == "global_account":
        lines["customer_entity"] = lines["global_account_id"].fillna(lines["customer_key"])
    else:
        lines["customer_entity"] = lines["customer_key"]
    revenue = lines["quantity"] * lines["unit_price"] * lines["fx_rate"]
    unit_cost = (lines["unit_cost"] * lines["fx_rate"]).fillna(lines["standard_cost"])
    lines = lines.assign(revenue=revenue, margin=revenue - lines["quantity"] * unit_cost)
    lines["is_outlier"] = outliers_flagged(lines, config)
    return lines.reset_index(drop=True)


def _log_mad_bounds(values: pd.Series, groups: pd.Series, config: BaselineConfig) -> tuple[pd.Series, pd.Series]:
    """Per-row lower and upper limits of the log-MAD rule of the row's product (NaN: not judged)."""
    k = float(config.vars["outlier_multiplier"])
    floor = math.log(float(config.vars["outlier_min_ratio_to_median"]))
    positive = values > 0
    logs = np.log(values[positive])
    keys = groups[positive]
    counts = logs.groupby(keys).transform("size")
    median = logs.groupby(keys).transform("median")
    mad = (logs - median).abs().groupby(keys).transform("median")
    scale = np.where(mad > 0, 1.4826 * mad, 0.0)
    spread = np.maximum(k * scale, floor)
    judged = counts >= int(config.vars["outlier_min_lines"])
    by_key = pd.DataFrame({"key": keys, "lower": np.exp(median - spread), "upper": np.exp(median + spread)})[judged]
    by_key = by_key.drop_duplicates("key").set_index("key")
    return groups.map(by_key["lower"]), groups.map(by_key["upper"])


def outliers_flagged(lines: pd.DataFrame, config: BaselineConfig) -> pd.Series:
    """Quantity or revenue outside the product's log-MAD limits (sales lines only; returns never)."""
    sales = lines["quantity"] > 0
    flagged = pd.Series(False, index=lines.index)
    for column in ("quantity", "revenue"):
        values = lines.loc[sales, column]
        lower, upper = _log_mad_bounds(values, lines.loc[sales, "product_id"], config)
        flagged.loc[sales] |= ((values < lower) | (values > upper)).fillna(False).to_numpy()
    return flagged


# --- window and measures ----------------------------------------------------------------------------


def analysis_periods(reference_date: pd.Timestamp, window_months: int) -> pd.DataFrame:
    """Whole calendar months ending on or before the reference date, starting after it minus the window."""
    window_start = reference_date - pd.DateOffset(months=window_months)
    months = pd.period_range(window_start.to_period("M"), reference_date.to_period("M"), freq="M")
    periods = pd.DataFrame({"month": months, "start": months.start_time, "end": months.end_time.normalize()})
    periods = periods[(periods["end"] <= reference_date) & (periods["start"] > window_start)].reset_index(drop=True)
    periods["period_number"] = np.arange(1, len(periods) + 1)
    periods["days"] = (periods["end"] - periods["start"]).dt.days + 1
    return periods


def abc_classes(values: pd.Series, thresholds: list[tuple[int, str, float]], convention: str) -> pd.Series:
    """ABC class per entity (index = entity_id): rank by value desc then id, cumulative share of the positives."""
    frame = pd.DataFrame({"value": values.astype(float)})
    frame["positive"] = frame["value"].fillna(0) > 0
    frame["sort_value"] = frame["value"].round(9)
    frame["entity_id"] = frame.index
    frame = frame.sort_values(["positive", "sort_value", "entity_id"], ascending=[False, False, True])
    contribution = frame["value"].where(frame["positive"], 0.0)
    total = contribution.sum()
    cumulative = contribution.cumsum() / total if total > 0 else pd.Series(np.nan, index=frame.index)
    previous = cumulative - contribution / total if total > 0 else cumulative
    first = pd.Series(np.arange(len(frame)) == 0, index=frame.index)
    last_class = thresholds[-1][1]
    classes = pd.Series(last_class, index=frame.index, dtype=object)
    assigned = pd.Series(False, index=frame.index)
    for _rank, label, upper in thresholds:
        if convention == "crossing_item_lower":
            within = cumulative <= upper + TOLERANCE
        else:
            within = previous < upper - TOLERANCE
        take = frame["positive"] & (first | within.fillna(False)) & ~assigned
        classes[take] = label
        assigned |= take
    return classes.reindex(values.index)


def measures_by_entity(lines: pd.DataFrame, entity: str, config: BaselineConfig) -> pd.DataFrame:
    """Value measures of each entity over the window (lines counting in value only)."""
    value = lines["counts_in_value"]
    counted = lines.assign(
        revenue_v=lines["revenue"].where(value, 0.0),
        margin_v=lines["margin"].where(value, 0.0),
        volume_v=lines["quantity"].where(value, 0.0),
        line_v=value.astype(int),
        no_cost=(value & lines["margin"].isna()).astype(int),
    )
    grouped = counted.groupby(entity).agg(
        revenue=("revenue_v", "sum"), gross_margin=("margin_v", "sum"), volume=("volume_v", "sum"),
        order_lines=("line_v", "sum"), no_cost=("no_cost", "sum"),
    )
    grouped.loc[grouped["no_cost"] > 0, "gross_margin"] = np.nan
    return grouped


def variability_by_entity(lines: pd.DataFrame, entity: str, periods: pd.DataFrame,
                          config: BaselineConfig) -> pd.DataFrame:
    """XYZ class and demand pattern per entity from its zero-filled monthly series."""
    n_periods = len(periods)
    demand = (lines.assign(demand=lines["quantity"].where(lines["counts_in_variability"], 0.0))
              .groupby([entity, "period_number"])["demand"].sum().unstack(fill_value=0.0))
    demand = demand.reindex(columns=periods["period_number"], fill_value=0.0)
    quantities = demand.to_numpy(dtype=float)
    has_demand = quantities > 0
    if config.vars["normalise_demand_by_period_length"]:
        days = periods["days"].to_numpy(dtype=float)
        quantities = quantities / days * days.mean()
    numbers = np.arange(1, n_periods + 1)
    k = has_demand.sum(axis=1)
    first = np.where(has_demand.any(axis=1), np.argmax(has_demand, axis=1) + 1, 0)
    last = np.where(has_demand.any(axis=1), n_periods - np.argmax(has_demand[:, ::-1], axis=1), 0)
    end = np.where(k < 2, n_periods, last)
    in_series = (numbers[None, :] >= first[:, None]) & (numbers[None, :] <= end[:, None])
    ddof = 0 if config.vars["cv_deviation"] == "population" else 1

    series = np.where(in_series, quantities, np.nan)
    count = in_series.sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = np.nanmean(series, axis=1)
        variance = np.nansum((series - mean[:, None]) ** 2, axis=1) / np.maximum(count - ddof, 1)
        variance = np.where(count - ddof > 0, variance, 0.0)
        cv = np.where(mean > 0, np.sqrt(variance) / mean, np.nan)
        nonzero = np.where(in_series & has_demand, quantities, np.nan)
        nz_mean = np.nanmean(nonzero, axis=1)
        nz_var = np.nansum((nonzero - nz_mean[:, None]) ** 2, axis=1) / np.maximum(k - ddof, 1)
        nz_var = np.where(k - ddof > 0, nz_var, 0.0)
        cv_squared = nz_var / (nz_mean * nz_mean)
        adi = np.where(k >= 2, (last - first) / np.maximum(k - 1, 1), count / np.maximum(k, 1))
    cv, cv_squared, adi = np.round(cv, 12), np.round(cv_squared, 12), np.round(adi, 12)

    xyz = np.full(len(k), config.xyz_thresholds[-1][1], dtype=object)
    decided = np.zeros(len(k), dtype=bool)
    for _rank, label, upper in config.xyz_thresholds:
        take = ~decided & ~np.isnan(cv) & (cv < upper - TOLERANCE)
        xyz[take] = label
        decided |= take
    adi_low = adi < config.adi_cutoff - TOLERANCE
    cv2_low = cv_squared < config.cv_squared_cutoff - TOLERANCE
    pattern = np.select([adi_low & cv2_low, adi_low, cv2_low], ["smooth", "erratic", "intermittent"], "lumpy")
    pattern = pattern.astype(object)

    is_new = (k > 0) & (n_periods - first + 1 < int(config.vars["min_history_periods"]))
    no_demand = k == 0
    xyz[is_new] = str(config.vars["new_entity_provisional_xyz_class"])
    pattern[is_new] = "new"
    xyz[no_demand] = config.xyz_thresholds[-1][1]
    pattern[no_demand] = "no_demand"
    return pd.DataFrame({"xyz_class": xyz, "demand_pattern": pattern}, index=demand.index)


def classify(raw_dir: Path, vars: Mapping[str, Any] | None = None) -> pd.DataFrame:
    """Long frame (grain, entity_id, field, value) of the customer and product classes of ``raw_dir``.

    ``vars`` overrides dbt_project.yml vars as ``dbt --vars`` would; a setting the baseline does not
    reproduce raises ValueError naming the var.
    """
    config = load_config(vars)
    raw_dir = Path(raw_dir)
    lines = usable_order_lines(raw_dir, config)
    reference = config.reference_date
    reference_date = pd.Timestamp(reference) if reference is not None else lines["order_date"].max()
    periods = analysis_periods(reference_date, int(config.vars["analysis_window_months"]))
    period_of_month = dict(zip(periods["month"], periods["period_number"]))
    lines = lines.assign(period_number=lines["order_date"].dt.to_period("M").map(period_of_month))
    lines = lines[lines["period_number"].notna()]
    is_return = lines["quantity"] < 0
    keep_returns = config.vars["returns_handling"] == "net"
    lines = lines.assign(
        counts_in_value=(keep_returns | ~is_return)
        & ~(lines["is_outlier"] & bool(config.vars["outlier_exclude_from_value"])),
        counts_in_variability=(keep_returns | ~is_return)
        & ~(lines["is_outlier"] & bool(config.vars["outlier_exclude_from_variability"])),
    )

    frames = []
    for grain, entity in (("customer", "customer_entity"), ("product", "product_id")):
        measures = measures_by_entity(lines, entity, config)
        measure, fallback = config.abc_measures[grain]
        if measure == "gross_margin" and measures["gross_margin"].isna().any():
            measure = fallback
        thresholds = config.abc_thresholds[grain]
        convention = str(config.vars["abc_boundary_convention"])
        abc = abc_classes(measures[measure], thresholds, convention)
        secondary = abc_classes(measures[config.secondary_measures[grain]], thresholds, convention)
        classes = variability_by_entity(lines, entity, periods, config)
        classes["abc_class"] = abc
        classes["multi_criteria_class"] = abc + secondary
        long = classes.rename_axis("entity_id").reset_index().melt(
            id_vars="entity_id", value_vars=list(FIELDS), var_name="field", value_name="value")
        long.insert(0, "grain", grain)
        frames.append(long)
    result = pd.concat(frames, ignore_index=True)
    return result.astype({"grain": str, "entity_id": str, "field": str, "value": str})[
        ["grain", "entity_id", "field", "value"]]


__all__ = ["GRAINS", "FIELDS", "classify"]
