"""The policy what-if simulation (supplyseg.policy.simulation; doc block policy_simulation).

A hand-worked replay checks every rule on three items at once; a slow per-item reference
(tests_py/reference/policy_simulation.py) checks the vectorised replay on random items; the
per-segment comparison is checked against sums computed here from the per-item outcome.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from supplyseg.policy.simulation import (
    ReplenishmentPolicy,
    compare_policies,
    policy_from_parameters,
    simulate,
    whole_periods,
)
from reference.policy_simulation import ItemPolicy, replay_item

NAN = float("nan")


def _policy(items: list[ItemPolicy]) -> ReplenishmentPolicy:
    return ReplenishmentPolicy(
        reorder_point=np.array([i.reorder_point for i in items], dtype=float),
        order_up_to=np.array([i.order_up_to for i in items], dtype=float),
        lot_size=np.array([i.lot_size for i in items], dtype=float),
        review_periods=np.array([i.review_periods for i in items], dtype=np.int64),
        lead_time_periods=np.array([i.lead_time_periods for i in items], dtype=np.int64),
        unit_value=np.array([i.unit_value for i in items], dtype=float),
        is_stocked=np.array([i.is_stocked for i in items], dtype=bool),
    )


HAND_ITEMS = [
    # s = 4, S = 10, lots of 4, lead time 1 period, reviewed every period, unit value 2
    ItemPolicy(reorder_point=4, order_up_to=10, lot_size=4, review_periods=1, lead_time_periods=1, unit_value=2),
    # s = 3, S = 6, no lot size, lead time 0, reviewed every 2nd period; history starts in period 2
    ItemPolicy(reorder_point=3, order_up_to=6, lot_size=0, review_periods=2, lead_time_periods=0, unit_value=1),
    # made to order: not simulated
    ItemPolicy(reorder_point=0, order_up_to=0, lot_size=0, review_periods=1, lead_time_periods=0, unit_value=5,
               is_stocked=False),
]
HAND_DEMAND = np.array([
    [3, 5, 4, 6, 0],
    [NAN, 2, 3, 1, 4],
    [1, 1, 1, 1, 1],
])


def test_hand_worked_lost_sales() -> None:
    # Item 1: starts with S = 10. t0 sells 3 (7 left, position 7 > 4). t1 sells 5 (2 left): position 2 <= 4,
    # gap 8 = 2 lots -> orders 8, due for t3. t2: demand 4, 2 on hand -> 2 filled, 2 lost (stock-out);
    # position 0 + 8 on order = 8 > 4. t3: 8 arrive, 6 sold, 2 left -> orders 8 (due after the replay).
    # t4: no demand, 2 left, position 10.
    # Item 2: inactive in t0; t1 starts with 6, sells 2 (4). t2 sells 3 (1), review (2nd period): position 1
    # <= 3 -> orders 6 - 1 = 5, lead time 0 -> arrives for t3. t3: 6, sells 1 (5). t4 sells 4 (1), review:
    # orders 5.
    result = simulate(HAND_DEMAND, _policy(HAND_ITEMS))
    np.testing.assert_array_equal(result.filled, [[3, 5, 2, 6, 0], [0, 2, 3, 1, 4], [0, 0, 0, 0, 0]])
    np.testing.assert_array_equal(result.on_hand_end, [[7, 2, 0, 2, 2], [0, 4, 1, 5, 1], [0, 0, 0, 0, 0]])
    np.testing.assert_array_equal(result.ordered, [[0, 8, 0, 8, 0], [0, 0, 5, 0, 5], [0, 0, 0, 0, 0]])
    items = result.by_item()
    assert items["demand_quantity"].tolist() == [18, 10, 5]
    assert items["filled_quantity"].tolist() == [16, 10, 0]
    assert items["stockout_periods"].tolist() == [1, 0, 0]
    assert items["active_periods"].tolist() == [5, 4, 5]
    assert items["inventory_value_period_sum"].tolist() == [2 * (7 + 2 + 0 + 2 + 2), 4 + 1 + 5 + 1, 0]


def test_hand_worked_backorders() -> None:
    # Item 1 with backorders: t2 leaves 2 units owed (net -2); position -2 + 8 = 6 > 4, no order. t3: the 8
    # arriving pay the 2 owed, the remaining 6 fill t3's demand of 6 -> 0 left; position 0 -> gap 10 =
    # 3 lots -> orders 12.
    result = simulate(HAND_DEMAND[:1], _policy(HAND_ITEMS[:1]), backorders=True)
    np.testing.assert_array_equal(result.filled, [[3, 5, 2, 6, 0]])
    np.testing.assert_array_equal(result.on_hand_end, [[7, 2, 0, 0, 0]])
    np.testing.assert_array_equal(result.ordered, [[0, 8, 0, 12, 0]])
    assert result.by_item()["stockout_periods"].tolist() == [1]


@pytest.mark.parametrize("backorders", [False, True])
def test_vectorised_replay_matches_the_per_item_reference(backorders: bool) -> None:
    rng = np.random.default_rng(20261203)
    items, periods = 300, 14
    demand = rng.poisson(rng.uniform(0.2, 8, size=(items, 1)), size=(items, periods)).astype(float)
    lumpy = rng.random((items, periods)) < 0.15
    demand[lumpy] *= 6
    starts = rng.integers(0, periods + 2, size=items)  # some items start late, some never
    for row, start in enumerate(starts):
        demand[row, : min(start, periods)] = NAN
    specs = []
    for _ in range(items):
        s = float(rng.integers(0, 30))
        specs.append(ItemPolicy(
            reorder_point=s,
            order_up_to=s + float(rng.integers(0, 40)) + round(float(rng.random()), 2),
            lot_size=float(rng.choice([0, 1, 5, 12, 25])),
            review_periods=int(rng.integers(1, 4)),
            lead_time_periods=int(rng.integers(0, 4)),
            unit_value=float(rng.uniform(0.5, 50)),
            is_stocked=bool(rng.random() < 0.9),
        ))
    result = simulate(demand, _policy(specs), backorders=backorders)
    for row, spec in enumerate(specs):
        series = [None if math.isnan(value) else float(value) for value in demand[row]]
        expected = replay_item(series, spec, backorders=backorders)
        np.testing.assert_allclose(result.filled[row], expected.filled, err_msg=f"item {row} filled")
        np.testing.assert_allclose(result.on_hand_end[row], expected.on_hand_end, err_msg=f"item {row} stock")
        np.testing.assert_allclose(result.ordered[row], expected.ordered, err_msg=f"item {row} orders")
        assert result.stockout[row].tolist() == expected.stockout, f"item {row} stock-outs"
    assert result.stockout.any() and (result.ordered > 0).any()


def test_parameters_are_rounded_to_whole_periods() -> None:
    assert whole_periods([0.0, 0.49, 0.5, 1.5, 2.2], minimum=0).tolist() == [0, 0, 1, 2, 2]
    assert whole_periods([0.23, 0.9], minimum=1).tolist() == [1, 1]
    with pytest.raises(ValueError, match="not negative"):
        whole_periods([-1.0], minimum=0)


def _parameters(rows: list[tuple]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=[
        "product_id", "plant_id", "final_segment_code", "reorder_point_quantity", "order_up_to_quantity",
        "lot_size_quantity", "review_periods", "lead_time_periods", "unit_value_rep_ccy", "safety_stock_method",
    ])


def test_policy_from_parameters_marks_make_to_order_and_rejects_incomplete_items() -> None:
    frame = _parameters([
        ("P1", "W1", "AX", 4.0, 10.0, 4.0, 0.23, 0.58, 2.0, "normal"),
        ("P2", "W1", "BZ", 0.0, 0.0, 44.0, 0.9, 0.4, None, "no_stock"),
    ])
    policy = policy_from_parameters(frame)
    assert policy.is_stocked.tolist() == [True, False]
    assert policy.review_periods.tolist() == [1, 1] and policy.lead_time_periods.tolist() == [1, 0]
    frame.loc[0, "order_up_to_quantity"] = None
    with pytest.raises(ValueError, match="product P1 at plant W1"):
        policy_from_parameters(frame)


def test_segment_comparison_sums_the_items_of_each_side() -> None:
    production = _parameters([
        ("P1", "W1", "AX", 4.0, 10.0, 4.0, 1.0, 1.0, 2.0, "normal"),
        ("P2", "W1", "AX", 1.0, 3.0, 1.0, 1.0, 0.0, 10.0, "normal"),
        ("P3", "W1", "CZ", 0.0, 0.0, 5.0, 1.0, 0.0, 1.0, "no_stock"),
    ])
    sandbox = production.copy()
    sandbox.loc[0, ["reorder_point_quantity", "order_up_to_quantity"]] = [8.0, 16.0]  # more service for P1
    demand = pd.DataFrame(
        [(p, "W1", t + 1, q) for p, series in (("P1", [3, 5, 4, 6, 0]), ("P2", [2, 2, 0, 3, 1]),
                                              ("P3", [1, 1, 1, 1, 1])) for t, q in enumerate(series)],
        columns=["product_id", "plant_id", "replay_period_number", "demand_quantity"],
    )
    by_item, by_segment = compare_policies(demand, sandbox, production)
    assert by_item["is_policy_changed"].tolist() == [True, False, False]
    assert set(by_segment["segment_code"]) == {"AX", "CZ", "ALL"}
    for side in ("sandbox", "production"):
        stocked = by_item[by_item[f"{side}_is_stocked"] & (by_item["segment_code"] == "AX")]
        row = by_segment.set_index("segment_code").loc["AX"]
        assert row[f"{side}_fill_rate"] == pytest.approx(
            stocked[f"{side}_filled_quantity"].sum() / stocked[f"{side}_demand_quantity"].sum())
        assert row[f"{side}_stockout_periods"] == stocked[f"{side}_stockout_periods"].sum()
        assert row[f"{side}_avg_inventory_value_rep_ccy"] == pytest.approx(
            stocked[f"{side}_inventory_value_period_sum"].sum() / 5)
        assert row[f"{side}_stocked_items"] == 2
    ax = by_segment.set_index("segment_code").loc["AX"]
    # Production's P1 is the hand-worked item (16 of 18 filled); P2 (s 1, S 3, L 0) fills all 8.
    assert ax["production_fill_rate"] == pytest.approx((16 + 8) / (18 + 8))
    assert ax["sandbox_fill_rate"] == pytest.approx(1.0)
    assert ax["fill_rate_change"] == pytest.approx(1.0 - 24 / 26)
    cz = by_segment.set_index("segment_code").loc["CZ"]
    assert cz["sandbox_stocked_items"] == 0 and math.isnan(cz["sandbox_fill_rate"])
