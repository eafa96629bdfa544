"""Customer behaviour features per global account, in pandas, and the k-means recovery check.

An oracle for the demo data's planted behaviour groups (docs/demo_data.md, "Planted customer
behaviour groups"), written from the feature definitions, not from any SQL:

- order_frequency: sales orders per month with at least one order;
- mean_order_value / order_value_cv: mean and coefficient of variation (population std / mean) of
  the sales-order values in the reporting currency (an order of a unit = its order ID);
- adi: mean interval in months between consecutive months with sales (SBC, "between demands"),
  the whole history when the account bought in one month only;
- cv_squared: squared coefficient of variation of the account's non-zero monthly sales value;
- short_lead_time_share: share of sales lines with a requested date at most ``short_lead_days``
  days after the order date (among lines with a requested date);
- return_rate: returned value / sold value; revenue: sold value.

Input: clean order lines (positive quantities are sales, negative returns) with ``order_date``,
``requested_date`` ISO strings, ``quantity``, ``unit_price``, ``currency_code``, plus the CRM
accounts and FX rates as written by the generator.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.cluster import KMeans
from sklearn.metrics import adjusted_rand_score, silhouette_score
from sklearn.preprocessing import RobustScaler

FEATURES: tuple[str, ...] = (
    "order_frequency", "mean_order_value", "order_value_cv", "adi", "cv_squared", "short_lead_time_share",
)


def account_features(lines: pd.DataFrame, crm_accounts: pd.DataFrame, fx_rates: pd.DataFrame,
                     short_lead_days: int = 7) -> pd.DataFrame:
    """One row per global account with the FEATURES, revenue, return_rate and months_with_sales."""
    accounts = crm_accounts[["business_unit_id", "customer_id", "global_account_id"]]
    frame = lines.merge(accounts, on=["business_unit_id", "customer_id"], how="inner", validate="many_to_one")
    rates = fx_rates.assign(month=fx_rates["rate_month"].str[:7])[["currency_code", "month", "rate_to_reporting"]]
    frame = frame.assign(month=frame["order_date"].str[:7]).merge(
        rates, on=["currency_code", "month"], how="left", validate="many_to_one")
    frame["value"] = frame["quantity"] * frame["unit_price"] * frame["rate_to_reporting"]
    sales = frame[frame["quantity"] > 0].copy()
    returns = frame[frame["quantity"] < 0]

    lead = (pd.to_datetime(sales["requested_date"]) - pd.to_datetime(sales["order_date"])).dt.days
    sales["is_short"] = (lead <= short_lead_days).astype(float).where(lead.notna())
    orders = sales.groupby(["global_account_id", "business_unit_id", "order_id"], as_index=False).agg(
        value=("value", "sum"), month=("month", "first"))
    by_order = orders.groupby("global_account_id")["value"]
    monthly = sales.groupby(["global_account_id", "month"])["value"].sum().reset_index()
    monthly["month_number"] = pd.PeriodIndex(monthly["month"], freq="M").astype("int64")
    span = monthly.groupby("global_account_id")["month_number"].agg(["min", "max", "size"])
    n_history = frame["month"].nunique()
    by_month = monthly.groupby("global_account_id")["value"]

    out = pd.DataFrame({
        "order_frequency": orders.groupby("global_account_id").size() / span["size"],
        "mean_order_value": by_order.mean(),
        "order_value_cv": by_order.std(ddof=0) / by_order.mean(),
        "adi": ((span["max"] - span["min"]) / (span["size"] - 1)).where(span["size"] > 1, float(n_history)),
        "cv_squared": (by_month.std(ddof=0) / by_month.mean()) ** 2,
        "short_lead_time_share": sales.groupby("global_account_id")["is_short"].mean(),
        "revenue": sales.groupby("global_account_id")["value"].sum(),
        "months_with_sales": span["size"],
    })
    returned = -returns.groupby("global_account_id")["value"].sum()
    out["return_rate"] = returned.reindex(out.index).fillna(0.0) / out["revenue"]
    return out


def scaled_features(features: pd.DataFrame) -> np.ndarray:
    """log1p of the FEATURES (missing -> 0), robust-scaled (median, interquartile range)."""
    return RobustScaler().fit_transform(np.log1p(features[list(FEATURES)].fillna(0.0)))


def kmeans_recovery(features: pd.DataFrame, truth_groups: pd.Series, k_range: range = range(2, 9),
                    random_state: int = 0) -> tuple[float, int, dict[int, float]]:
    """(ARI of KMeans k=4 vs the truth, k with the best silhouette, silhouette per k)."""
    scaled = scaled_features(features)
    labels = KMeans(4, n_init=10, random_state=random_state).fit_predict(scaled)
    ari = adjusted_rand_score(truth_groups.reindex(features.index), labels)
    silhouettes = {
        k: float(silhouette_score(scaled, KMeans(k, n_init=10, random_state=random_state).fit_predict(scaled)))
        for k in k_range}
    return float(ari), max(silhouettes, key=silhouettes.get), silhouettes
