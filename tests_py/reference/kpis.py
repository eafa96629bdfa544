"""Segment KPIs recomputed from the raw files, the seeds and the vars, in pandas.

Written from the doc blocks of docs/kpis.md, not from the SQL:

- ``kpi_definitions``: usable sales lines (``reference.order_lines``, returns left out) in the period of
  their order date; a line is delivered when a delivery has a delivered date; on time = last delivery on or
  before the requested date; in full = delivered quantity >= ordered; line fill = the first delivery
  (shipped first, then delivered first, then lowest delivery id) alone covers the ordered quantity; an order
  is filled when all its delivered lines of the segment are in full;
- ``kpi_periods``: the month periods of the reporting calendar wholly inside the analysis window
  (``reference.periods.analysis_periods`` with demand_period month);
- ``kpi_inventory``: stock averaged over the period's snapshot dates (a product absent on a date has none),
  stock and sold quantity valued at standard cost; turns = annualised cost of goods sold / average stock value;
- ``kpi_forecast_accuracy``: forecast months wholly inside the periods, actual = sales of the business unit
  and product in that calendar month, WAPE = sum |F - A| / sum A, bias = sum (F - A) / sum A;
- ``kpi_cost_to_serve``: freight of the line's deliveries (unknown when any delivery lacks it) plus the
  driver rates of seed cost_to_serve_drivers (orders shared by the order's sales lines in the periods,
  order lines, delivered units).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from reference import order_lines as reference_lines
from reference import periods as reference_periods
from reference.raw_inputs import first_valid_rows, parse, read_entity
from reference.settings import seed

LINE_KEY = ["business_unit_id", "order_id", "order_line_number"]


def kpi_periods(values: dict, raw_path: Path) -> pd.DataFrame:
    """period_start_date, period_end_date, days_in_period of the KPI periods (reporting calendar)."""
    if str(values["demand_period"]) != "month":
        values = {**values, "demand_period": "month"}
    periods = reference_periods.analysis_periods(values, raw_path)
    return periods[["period_start_date", "period_end_date", "days_in_period"]].reset_index(drop=True)


def _place(dates: pd.Series, periods: pd.DataFrame) -> pd.Series:
    """The start date of the period holding each date (NaT outside every period)."""
    starts = periods["period_start_date"].to_numpy(dtype="datetime64[ns]")
    ends = periods["period_end_date"].to_numpy(dtype="datetime64[ns]")
    stamps = pd.to_datetime(dates).to_numpy(dtype="datetime64[ns]")
    position = np.searchsorted(starts, stamps, side="right") - 1
    clipped = np.clip(position, 0, len(starts) - 1)
    inside = (position >= 0) & (stamps <= ends[clipped])
    return pd.Series(np.where(inside, starts[clipped], np.datetime64("NaT")), index=dates.index)


def _deliveries(raw_path: Path) -> pd.DataFrame:
    raw = read_entity(raw_path, "deliveries")
    raw = raw[raw["rejection_reason"].isna()]
    frame = pd.DataFrame({
        "business_unit_id": raw["business_unit_id"],
        "order_id": raw["order_id"],
        "order_line_number": parse(raw["order_line_number"], "integer"),
        "delivery_id": raw["delivery_id"],
        "ship_date": pd.to_datetime(parse(raw["ship_date"], "date")),
        "delivered_date": pd.to_datetime(parse(raw["delivered_date"], "date")),
        "delivered_quantity": pd.to_numeric(parse(raw["delivered_quantity"], "double")),
        "freight_cost": pd.to_numeric(parse(raw["freight_cost"], "double")),
    })
    frame = frame[frame["delivered_date"].notna()].copy()
    frame["order_line_number"] = frame["order_line_number"].astype("int64")
    return frame


def measured_sales_lines(raw_path: Path, values: dict) -> pd.DataFrame:
    """One row per usable sales line in the KPI periods with its delivery facts and cost to serve."""
    raw_path = Path(raw_path)
    periods = kpi_periods(values, raw_path)
    lines = reference_lines.consolidated_order_lines(raw_path, values)
    lines = lines[~lines["is_return"]].copy()
    lines["period_start_date"] = _place(lines["order_date"], periods)
    lines = lines[lines["period_start_date"].notna()].copy()
    lines["requested_date"] = pd.to_datetime(lines["requested_date"])

    deliveries = _deliveries(raw_path).sort_values(
        LINE_KEY + ["ship_date", "delivered_date", "delivery_id"], na_position="last", kind="mergesort")
    grouped = deliveries.groupby(LINE_KEY, sort=False)
    per_line = pd.DataFrame({
        "delivery_count": grouped.size(),
        "delivered_quantity": grouped["delivered_quantity"].apply(lambda s: s.fillna(0).sum()),
        "first_delivery_quantity": grouped["delivered_quantity"].apply(lambda s: 0.0 if pd.isna(s.iloc[0])
                                                                       else s.iloc[0]),
        "last_delivered_date": grouped["delivered_date"].max(),
        "freight_cost": grouped["freight_cost"].apply(lambda s: s.sum() if s.notna().all() else np.nan),
    }).reset_index()
    lines = lines.merge(per_line, on=LINE_KEY, how="left")
    lines["is_delivered"] = lines["delivery_count"].notna()
    lines["delivered_quantity"] = lines["delivered_quantity"].fillna(0.0)
    lines["first_delivery_quantity"] = lines["first_delivery_quantity"].fillna(0.0)
    delivered = lines["is_delivered"]
    has_request = delivered & lines["requested_date"].notna()
    on_time = lines["last_delivered_date"] <= lines["requested_date"]
    in_full = lines["delivered_quantity"] >= lines["quantity"]
    lines["on_time_base"] = has_request
    lines["is_on_time"] = has_request & on_time
    lines["is_in_full"] = delivered & in_full
    lines["is_otif"] = has_request & on_time & in_full
    lines["is_filled_first_time"] = delivered & (lines["first_delivery_quantity"] >= lines["quantity"])

    rates = seed("cost_to_serve_drivers")
    rates["rate_rep_ccy"] = rates["rate_rep_ccy"].astype(float)
    rate = rates.groupby("driver")["rate_rep_ccy"].sum()  # components add up per line
    order_lines = lines.groupby(["business_unit_id", "order_id"])["order_id"].transform("size")
    allocated = (rate.get("orders", 0.0) / order_lines + rate.get("order_lines", 0.0)
                 + rate.get("units", 0.0) * lines["delivered_quantity"])
    lines["cost_to_serve_rep_ccy"] = lines["freight_cost"] + allocated
    return lines


def _share(frame: pd.DataFrame, keys: list[str], numerator: str, denominator: str) -> pd.Series:
    sums = frame.groupby(keys)[[numerator, denominator]].sum()
    sums = sums[sums[denominator] > 0]
    return sums[numerator] / sums[denominator]


def service_kpis(lines: pd.DataFrame, entity: str, segment_of: pd.Series) -> pd.DataFrame:
    """segment_code, period_start_date, kpi_name, kpi_value for the service and cost KPIs of one grain;
    ``entity`` is the line column naming the grain's entity, ``segment_of`` maps it to its segment."""
    frame = lines.copy()
    frame["segment_code"] = frame[entity].map(segment_of)
    frame = frame[frame["segment_code"].notna()]
    frame["delivered"] = frame["is_delivered"].astype(int)
    for column in ("on_time_base", "is_on_time", "is_in_full", "is_otif", "is_filled_first_time"):
        frame[column] = frame[column].astype(int)
    keys = ["segment_code", "period_start_date"]
    results = {
        "on_time_rate": _share(frame, keys, "is_on_time", "on_time_base"),
        "in_full_rate": _share(frame, keys, "is_in_full", "delivered"),
        "otif_rate": _share(frame, keys, "is_otif", "on_time_base"),
        "line_fill_rate": _share(frame, keys, "is_filled_first_time", "delivered"),
    }
    delivered = frame[frame["is_delivered"]]
    orders = delivered.groupby(keys + ["business_unit_id", "order_id"])["is_in_full"].min().rename("filled")
    orders = orders.reset_index()
    orders["one"] = 1
    results["order_fill_rate"] = _share(orders, keys, "filled", "one")
    costed = frame[frame["cost_to_serve_rep_ccy"].notna()]
    results["cost_to_serve_share"] = _share(costed, keys, "cost_to_serve_rep_ccy", "revenue_rep_ccy")
    return _long(results)


def _long(results: dict[str, pd.Series]) -> pd.DataFrame:
    parts = []
    for name, series in results.items():
        part = series.rename("kpi_value").reset_index()
        part["kpi_name"] = name
        parts.append(part)
    return pd.concat(parts, ignore_index=True)


def forecast_errors(raw_path: Path, values: dict, lines: pd.DataFrame) -> pd.DataFrame:
    """business_unit_id, product_id, month, period_start_date, forecast, actual per forecast month."""
    periods = kpi_periods(values, Path(raw_path))
    raw = read_entity(Path(raw_path), "forecasts")
    raw = raw[raw["rejection_reason"].isna()]
    forecasts = pd.DataFrame({
        "business_unit_id": raw["business_unit_id"],
        "product_id": raw["product_id"],
        "month": pd.to_datetime(parse(raw["period_start"], "date")).dt.to_period("M").dt.to_timestamp(),
        "forecast": pd.to_numeric(parse(raw["forecast_quantity"], "double")),
    }).dropna(subset=["forecast"])
    first = periods["period_start_date"].min()
    last = periods["period_end_date"].max()
    month_end = forecasts["month"] + pd.offsets.MonthEnd(0)
    forecasts = forecasts[(forecasts["month"] >= first) & (month_end <= last)]
    forecasts = forecasts.groupby(["business_unit_id", "product_id", "month"], as_index=False)["forecast"].sum()
    actual = lines.assign(month=pd.to_datetime(lines["order_date"]).dt.to_period("M").dt.to_timestamp())
    actual = actual.groupby(["business_unit_id", "product_id", "month"])["quantity"].sum().rename("actual")
    errors = forecasts.merge(actual.reset_index(), on=["business_unit_id", "product_id", "month"], how="left")
    errors["actual"] = errors["actual"].fillna(0.0)
    errors["period_start_date"] = _place(errors["month"], periods)
    return errors


def forecast_kpis(errors: pd.DataFrame, segment_of: pd.Series) -> pd.DataFrame:
    frame = errors.copy()
    frame["segment_code"] = frame["product_id"].map(segment_of)
    frame = frame[frame["segment_code"].notna()]
    frame["error"] = frame["forecast"] - frame["actual"]
    frame["absolute_error"] = frame["error"].abs()
    keys = ["segment_code", "period_start_date"]
    return _long({
        "forecast_wape": _share(frame, keys, "absolute_error", "actual"),
        "forecast_bias": _share(frame, keys, "error", "actual"),
    })


def inventory_kpis(raw_path: Path, values: dict, lines: pd.DataFrame, segment_of: pd.Series) -> pd.DataFrame:
    periods = kpi_periods(values, Path(raw_path))
    raw = read_entity(Path(raw_path), "inventory_snapshots")
    raw = raw[raw["rejection_reason"].isna()]
    stock = pd.DataFrame({
        "snapshot_date": pd.to_datetime(parse(raw["snapshot_date"], "date")),
        "product_id": raw["product_id"],
        "on_hand": pd.to_numeric(parse(raw["on_hand_quantity"], "double")).fillna(0.0),
    })
    stock["period_start_date"] = _place(stock["snapshot_date"], periods)
    stock = stock[stock["period_start_date"].notna()]
    dates = stock.groupby("period_start_date")["snapshot_date"].nunique()
    on_hand = stock.groupby(["product_id", "period_start_date"])["on_hand"].sum().rename("on_hand").reset_index()
    on_hand["on_hand"] = on_hand["on_hand"] / on_hand["period_start_date"].map(dates)
    sold = lines.groupby(["product_id", "period_start_date"])["quantity"].sum().rename("sold").reset_index()
    both = on_hand.merge(sold, on=["product_id", "period_start_date"], how="outer").fillna(
        {"on_hand": 0.0, "sold": 0.0})
    products = first_valid_rows(read_entity(Path(raw_path), "products"), "product_id")
    cost = pd.Series(pd.to_numeric(parse(products["standard_cost"], "double")).to_numpy(),
                     index=products["product_id"])
    both["cost"] = both["product_id"].map(cost)
    both["segment_code"] = both["product_id"].map(segment_of)
    both = both[both["cost"].notna() & both["segment_code"].notna()]
    both["stock_value"] = both["on_hand"] * both["cost"]
    both["cogs"] = both["sold"] * both["cost"]
    days = periods.set_index("period_start_date")["days_in_period"]
    sums = both.groupby(["segment_code", "period_start_date"])[["stock_value", "cogs"]].sum().reset_index()
    sums["days"] = sums["period_start_date"].map(days)
    turns = sums[sums["stock_value"] > 0].set_index(["segment_code", "period_start_date"])
    supply = sums[sums["cogs"] > 0].set_index(["segment_code", "period_start_date"])
    return _long({
        "inventory_turns": turns["cogs"] * 365.0 / turns["days"] / turns["stock_value"],
        "days_of_supply": supply["stock_value"] / (supply["cogs"] / supply["days"]),
    })
