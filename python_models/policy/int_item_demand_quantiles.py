"""Reorder point and order-up-to quantiles of the items whose safety-stock method is poisson,
negative_binomial or empirical_quantile (doc block policy_safety_stock), computed with scipy by
supplyseg.policy.safety_stock. The method is chosen in SQL (int_item_policy_inputs); an item whose
empirical history has no complete window falls back to its count model, and the row says so.
Published through int_item_policy_parameters and the mart fct_item_policy_parameters."""

from supplyseg.policy.safety_stock import HISTORY_COLUMNS, ITEM_COLUMNS, QUANTILE_METHODS, item_demand_quantiles


def model(dbt, session):
    dbt.config(materialized="table")
    methods = ", ".join(f"'{method}'" for method in QUANTILE_METHODS)  # constants of the package, not input
    items = dbt.ref("int_item_policy_inputs").filter(f"safety_stock_method in ({methods})")
    history = dbt.ref("int_item_demand_periods").project(", ".join(HISTORY_COLUMNS))
    return item_demand_quantiles(items.project(", ".join(ITEM_COLUMNS)).df(), history.df())
