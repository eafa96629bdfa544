"""Usable order lines derived from the raw files, the seeds and the vars, in pandas.

Written from the documented rules, not from the SQL:

- docs/integration_rules.md, doc block ``order_line_validation``: the first rejection reason of each
  line (``missing_required:<column>``, ``unparseable:<column>``, ``conflicting_duplicate_key``,
  ``unknown_business_unit``, ``unknown_customer``, ``unknown_product``, ``missing_fx_rate``); exact
  duplicates (identical in every column to an earlier line) are removed, not rejected;
- doc block ``consolidation_rules``: amounts in var ``reporting_currency`` with the monthly rate of
  the order month (a line already in the reporting currency needs none), unit cost from the line or
  else the product's standard cost, returns (negative quantities) flagged;
- docs/customer_hierarchy.md: a customer's global account from CRM (its own ``'BU:ID'`` key without a
  CRM record), the segmentation customer by var ``customer_grain``, the logistics unit of the ship-to
  from the WMS (``UNASSIGNED`` when unknown); a source's first valid row per key counts;
- doc block ``outlier_rule`` (``reference.outliers``): quantity and revenue limits per product over
  its usable sales lines;
- macro doc of ``counts_in_measure``: whether a line counts in value and in variability measures.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from reference import outliers
from reference.raw_inputs import contract, first_valid_rows, parse, read_entity

KEY = ["business_unit_id", "order_id", "order_line_number"]
UNASSIGNED = "UNASSIGNED"
UNKNOWN_CHANNEL = "unknown"
CUSTOMER_GRAINS = {"global_account": "global_account_id", "business_unit_customer": "customer_key"}


def _key(unit: pd.Series, entity_id: pd.Series) -> pd.Series:
    """'BU:ID' (missing when either part is missing)."""
    joined = unit.astype(object) + ":" + entity_id.astype(object)
    return joined.where(unit.notna() & entity_id.notna(), None)


def validated_order_lines(raw_path: Path, values: dict) -> pd.DataFrame:
    """Every raw order line, typed, with ``is_exact_duplicate``, ``document_currency_code``,
    ``fx_rate_to_reporting`` and its first ``rejection_reason`` (None when usable)."""
    raw_path = Path(raw_path)
    lines = read_entity(raw_path, "order_lines")
    spec = {c.name: c.data_type for c in contract()["order_lines"].columns}
    text_columns = list(spec)
    units = first_valid_rows(read_entity(raw_path, "business_units"), "business_unit_id")
    customers = read_entity(raw_path, "customers")
    products = read_entity(raw_path, "products")
    rates = read_entity(raw_path, "fx_rates")

    # Exact copies: identical raw values in every column of the contract; the first in the file is kept.
    signature = lines[text_columns].astype(object).where(lines[text_columns].notna(), "\x00null")
    is_exact_duplicate = signature.duplicated(keep="first")

    frame = pd.DataFrame({"source_row_number": lines["source_row_number"]})
    for name, data_type in spec.items():
        frame[name] = parse(lines[name], data_type)
    frame["business_unit_id"] = lines["business_unit_id"]
    frame["currency_code"] = lines["currency_code"].str.upper()
    frame["channel"] = lines["channel"].str.lower()
    frame["customer_key"] = _key(lines["business_unit_id"], lines["customer_id"])
    frame["ship_to_key"] = _key(lines["business_unit_id"], lines["ship_to_id"])
    frame["is_exact_duplicate"] = is_exact_duplicate

    # A later line with the same key that is not an exact copy of an earlier one.
    key_frame = frame[KEY].astype(object).where(frame[KEY].notna(), "\x00null")
    is_later_key_copy = key_frame.duplicated(keep="first")

    unit_currency = units.set_index("business_unit_id")["currency_code"].str.upper()
    has_known_unit = frame["business_unit_id"].isin(unit_currency.index)
    valid_customer_keys = set(_key(customers["business_unit_id"], customers["customer_id"])[
        customers["rejection_reason"].isna()])
    has_known_customer = frame["customer_key"].isin(valid_customer_keys)
    has_known_product = frame["product_id"].isin(set(products.loc[products["rejection_reason"].isna(), "product_id"]))

    document_currency = frame["currency_code"].where(
        frame["currency_code"].notna(), frame["business_unit_id"].map(unit_currency))
    frame["document_currency_code"] = document_currency
    rates = first_valid_rows(rates.assign(
        currency_code=rates["currency_code"].str.upper(),
        rate_month=pd.to_datetime(parse(rates["rate_month"], "date")).dt.to_period("M"),
    ), ["currency_code", "rate_month"])
    rate_lookup = {(row.currency_code, row.rate_month): float(row.rate_to_reporting)
                   for row in rates.itertuples()}
    order_month = pd.to_datetime(frame["order_date"]).dt.to_period("M")
    reporting = str(values["reporting_currency"])
    fx = [
        1.0 if currency == reporting else rate_lookup.get((currency, month))
        for currency, month in zip(document_currency, order_month)
    ]
    frame["fx_rate_to_reporting"] = pd.Series(fx, index=frame.index, dtype="float64")

    reason = lines["rejection_reason"].copy()
    for condition, label in (
        (is_exact_duplicate, "\x00exact"),
        (is_later_key_copy, "conflicting_duplicate_key"),
        (~has_known_unit, "unknown_business_unit"),
        (~has_known_customer, "unknown_customer"),
        (~has_known_product, "unknown_product"),
        (frame["fx_rate_to_reporting"].isna(), "missing_fx_rate"),
    ):
        reason = reason.where(reason.notna() | ~condition, label)
    frame["rejection_reason"] = reason.where(reason != "\x00exact", None)
    for name in ("quantity", "unit_price", "unit_cost"):
        frame[name] = frame[name].astype("float64")
    frame["order_line_number"] = frame["order_line_number"].astype("Int64")
    frame["order_date"] = pd.to_datetime(frame["order_date"])
    frame["requested_date"] = pd.to_datetime(frame["requested_date"])
    return frame


def customer_segments(raw_path: Path, values: dict) -> pd.DataFrame:
    """customer_key -> country_code (ERP), global_account_id and segment_customer_id
    (docs/customer_hierarchy.md)."""
    grain = str(values["customer_grain"])
    if grain not in CUSTOMER_GRAINS:
        raise ValueError(f"customer_grain={grain!r}: use {' or '.join(CUSTOMER_GRAINS)}")
    customers = read_entity(raw_path, "customers")
    customers["customer_key"] = _key(customers["business_unit_id"], customers["customer_id"])
    customers = first_valid_rows(customers, "customer_key")
    accounts = read_entity(raw_path, "crm_accounts")
    accounts["customer_key"] = _key(accounts["business_unit_id"], accounts["customer_id"])
    accounts = first_valid_rows(accounts, "customer_key").set_index("customer_key")["global_account_id"]
    frame = customers[["customer_key"]].copy()
    frame["country_code"] = customers["country_code"].str.upper()
    frame["global_account_id"] = frame["customer_key"].map(accounts)
    frame["global_account_id"] = frame["global_account_id"].where(frame["global_account_id"].notna(),
                                                                  frame["customer_key"])
    frame["segment_customer_id"] = frame[CUSTOMER_GRAINS[grain]]
    return frame.set_index("customer_key")


def logistics_units(raw_path: Path) -> pd.Series:
    """ship_to_key -> logistics unit per the WMS (first valid row per ship-to)."""
    ship_tos = read_entity(raw_path, "ship_tos")
    ship_tos["ship_to_key"] = _key(ship_tos["business_unit_id"], ship_tos["ship_to_id"])
    ship_tos = first_valid_rows(ship_tos, "ship_to_key")
    return ship_tos.set_index("ship_to_key")["logistics_unit"]


def consolidated_order_lines(raw_path: Path, values: dict) -> pd.DataFrame:
    """The usable order lines with amounts in the reporting currency, customer hierarchy, logistics
    unit, returns, outlier flags and whether each counts in value and variability measures (column
    names as in the documented interface of int_order_lines_consolidated)."""
    raw_path = Path(raw_path)
    validated = validated_order_lines(raw_path, values)
    lines = validated[validated["rejection_reason"].isna() & ~validated["is_exact_duplicate"]].copy()
    lines["order_line_number"] = lines["order_line_number"].astype("int64")

    products = first_valid_rows(read_entity(raw_path, "products"), "product_id")
    standard_cost = products.set_index("product_id")["standard_cost"].map(
        lambda text: parse(pd.Series([text]), "double").iloc[0]).astype("float64")
    segments = customer_segments(raw_path, values)
    units = logistics_units(raw_path)

    lines["global_account_id"] = lines["customer_key"].map(segments["global_account_id"])
    lines["segment_customer_id"] = lines["customer_key"].map(segments["segment_customer_id"])
    lines["logistics_unit"] = lines["ship_to_key"].map(units).fillna(UNASSIGNED)
    lines["plant_id"] = lines["plant_id"].fillna(UNASSIGNED)
    lines["channel"] = lines["channel"].fillna(UNKNOWN_CHANNEL)
    lines["is_return"] = lines["quantity"] < 0
    lines["revenue_rep_ccy"] = lines["quantity"] * lines["unit_price"] * lines["fx_rate_to_reporting"]
    line_cost = lines["unit_cost"] * lines["fx_rate_to_reporting"]
    product_cost = lines["product_id"].map(standard_cost)
    unit_cost = line_cost.where(line_cost.notna(), product_cost)
    lines["cost_source"] = np.where(lines["unit_cost"].notna(), "order_line",
                                    np.where(product_cost.notna(), "standard_cost", None))
    lines["cost_rep_ccy"] = lines["quantity"] * unit_cost
    lines["gross_margin_rep_ccy"] = lines["revenue_rep_ccy"] - lines["cost_rep_ccy"]

    rule = outliers.OutlierRule.from_vars(values)
    sales = lines[lines["quantity"] > 0]
    quantity = outliers.flag(sales, "product_id", "quantity", rule)["is_outlier"]
    revenue = outliers.flag(sales, "product_id", "revenue_rep_ccy", rule)["is_outlier"]
    lines["is_quantity_outlier"] = quantity.reindex(lines.index, fill_value=False).astype(bool)
    lines["is_revenue_outlier"] = revenue.reindex(lines.index, fill_value=False).astype(bool)
    lines["is_outlier"] = lines["is_quantity_outlier"] | lines["is_revenue_outlier"]

    separate_returns = str(values["returns_handling"]) == "separate"
    if str(values["returns_handling"]) not in ("separate", "net"):
        raise ValueError(f"returns_handling={values['returns_handling']!r}: use separate or net")
    for family in ("value", "variability"):
        counts = ~lines["is_return"] if separate_returns else pd.Series(True, index=lines.index)
        if bool(values[f"outlier_exclude_from_{family}"]):
            counts &= ~lines["is_outlier"]
        lines[f"counts_in_{family}"] = counts
    return lines.drop(columns=["currency_code", "customer_id", "ship_to_id"]).rename(
        columns={"unit_price": "unit_price_doc_ccy", "unit_cost": "unit_cost_doc_ccy"}
    ).reset_index(drop=True)
