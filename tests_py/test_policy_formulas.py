"""The inventory formulas of the item parameters against independent computations (docs/policies.md).

- the SQL macros (macros/policy/policy_formulas.sql) on a table of cases, with and without lead-time
  variability, against the scipy oracle in reference.inventory_policy;
- the textbook EOQ case K = 8, h = 0.225, lambda = 1300 -> Q = 304.0467800264368;
- the count quantiles: negative binomial with mean 4, variance 12 -> 9 / 11 / 15 at 90 / 95 / 99 %,
  Poisson with mean 4 -> 7 / 8 / 9 (supplyseg.policy.safety_stock against scipy and the published numbers);
- the empirical quantile of lead-time demand against a hand-rolled order statistic.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pytest
from scipy import stats

from reference import inventory_policy as oracle
from supplyseg.dbt_runner import PROJECT_DIR, dbt_executable
from supplyseg.policy import safety_stock

# demand mean, demand std (per period), lead time days, lead time std days, review days, period days, CSL
CASES = [
    (100.0, 20.0, 14.0, 0.0, 7.0, 7.0, 0.95),
    (100.0, 20.0, 14.0, 3.0, 7.0, 7.0, 0.95),
    (50.0, 35.0, 30.0, 10.0, 28.0, 30.4375, 0.98),
    (5.0, 4.0, 90.0, 25.0, 28.0, 30.4375, 0.90),
    (1200.0, 300.0, 5.0, 2.0, 14.0, 30.4375, 0.995),
    (3.0, 0.0, 21.0, 7.0, 7.0, 7.0, 0.80),
    (0.0, 0.0, 10.0, 2.0, 7.0, 30.4375, 0.99),
    (10.0, 8.0, 10.0, 5.0, 7.0, 30.4375, 0.01),
]


def _compile_inline(sql: str, work: Path) -> str:
    """The SQL dbt renders from ``sql`` (macros expanded), without touching any database."""
    env = {"SUPPLYSEG_DB_PATH": str(work / "compile.duckdb"), "DBT_SEND_ANONYMOUS_USAGE_STATS": "False"}
    import os

    result = subprocess.run(
        [dbt_executable(), "compile", "--target", "ci", "--target-path", str(work / "target"), "--quiet",
         "--output", "json", "--inline", sql],
        cwd=PROJECT_DIR, env={**os.environ, **env}, capture_output=True, text=True, check=False,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    return json.loads(result.stdout[result.stdout.index("{"):])["compiled"]


@pytest.fixture(scope="module")
def macro_results(tmp_path_factory: pytest.TempPathFactory) -> pd.DataFrame:
    rows = ",\n".join(f"({i}, {d}, {sd}, {lt}, {lts}, {r}, {pd_}, {p})" for i, (d, sd, lt, lts, r, pd_, p)
                      in enumerate(CASES))
    sql = f"""
    with cases (case_id, d, sd, lt_days, lt_std_days, review_days, period_days, csl) as (values {rows}),
    periods as (
        select *, lt_days / period_days as l, lt_std_days / period_days as sl, review_days / period_days as r,
            {{{{ normal_quantile('csl') }}}} as z
        from cases
    )
    select case_id, z,
        {{{{ normal_safety_stock('z', 'l', 'sd', 'd', 'sl') }}}} as safety_stock,
        d * l + {{{{ normal_safety_stock('z', 'l', 'sd', 'd', 'sl') }}}} as reorder_point,
        d * (l + r) + {{{{ normal_safety_stock('z', '(l + r)', 'sd', 'd', 'sl') }}}} as order_up_to,
        {{{{ economic_order_quantity(8, 1300, 0.225) }}}} as eoq_textbook,
        {{{{ economic_order_quantity(8, 1300, 0) }}}} as eoq_no_holding_cost,
        {{{{ lot_size('eoq', 'moq', 'pack') }}}} as lot
    from periods
    cross join (values (304.0467800264368, 250.0, 50.0)) as lots (eoq, moq, pack)
    order by case_id
    """
    compiled = _compile_inline(sql, tmp_path_factory.mktemp("policy_formulas"))
    return duckdb.connect().sql(compiled).df()


def test_normal_quantile_macro_matches_scipy(macro_results: pd.DataFrame) -> None:
    expected = [stats.norm.ppf(case[-1]) for case in CASES]
    assert macro_results["z"].to_numpy() == pytest.approx(expected, rel=2e-9, abs=1e-12)


@pytest.mark.parametrize("case_id", range(len(CASES)))
def test_normal_levels_match_scipy(macro_results: pd.DataFrame, case_id: int) -> None:
    d, sd, lt, lts, r, period, csl = CASES[case_id]
    expected = oracle.normal_levels(d, sd, lt, lts, r, period, csl)
    row = macro_results.iloc[case_id]
    assert row["safety_stock"] == pytest.approx(expected.safety_stock, rel=1e-8, abs=1e-9)
    assert row["reorder_point"] == pytest.approx(expected.reorder_point, rel=1e-8, abs=1e-9)
    assert row["order_up_to"] == pytest.approx(expected.order_up_to, rel=1e-8, abs=1e-9)


def test_lead_time_variability_raises_safety_stock(macro_results: pd.DataFrame) -> None:
    # Cases 0 and 1 differ only in the lead-time deviation (0 vs 3 days).
    assert macro_results.loc[1, "safety_stock"] > macro_results.loc[0, "safety_stock"] * 1.5


def test_eoq_textbook_case(macro_results: pd.DataFrame) -> None:
    assert macro_results["eoq_textbook"].iloc[0] == 304.0467800264368
    assert oracle.eoq(8, 1300, 0.225) == 304.0467800264368
    assert pd.isna(macro_results["eoq_no_holding_cost"].iloc[0])


def test_lot_size_rounds_the_larger_of_eoq_and_moq_up_to_packs(macro_results: pd.DataFrame) -> None:
    assert macro_results["lot"].iloc[0] == oracle.lot_size(304.0467800264368, 250.0, 50.0) == 350.0


@pytest.mark.parametrize("level, expected", [(0.90, 9), (0.95, 11), (0.99, 15)])
def test_negative_binomial_reorder_points(level: float, expected: int) -> None:
    assert safety_stock.negative_binomial_quantile(4.0, 12.0, level) == expected
    assert oracle.count_quantile("negative_binomial", 4.0, 12.0, level) == expected
    n, p = safety_stock.negative_binomial_parameters(4.0, 12.0)
    assert stats.nbinom.mean(n, p) == pytest.approx(4.0) and stats.nbinom.var(n, p) == pytest.approx(12.0)


@pytest.mark.parametrize("level, expected", [(0.90, 7), (0.95, 8), (0.99, 9)])
def test_poisson_reorder_points(level: float, expected: int) -> None:
    assert safety_stock.poisson_quantile(4.0, level) == expected
    assert oracle.count_quantile("poisson", 4.0, 4.0, level) == expected


def test_negative_binomial_needs_overdispersion() -> None:
    with pytest.raises(ValueError, match="variance > mean"):
        safety_stock.negative_binomial_quantile(4.0, 4.0, 0.95)


@pytest.mark.parametrize("seed", range(5))
def test_empirical_quantile_matches_order_statistic(seed: int) -> None:
    rng = np.random.default_rng(seed)
    history = rng.poisson(0.6, size=36) * rng.integers(1, 20, size=36)
    history = history.astype(float)
    history[rng.choice(36, size=3, replace=False)] = np.nan  # censored periods left out
    for periods in (0.4, 1.0, 2.3):
        for level in (0.8, 0.9, 0.95, 0.99):
            got = safety_stock.lead_time_demand_quantile("empirical_quantile", 0, 0, level, history, periods)
            assert got == oracle.empirical_quantile(list(history), periods, level), (seed, periods, level)
