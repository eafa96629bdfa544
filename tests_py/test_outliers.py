"""The robust outlier rule finds the 100x orders the generator injected, and little else."""

from __future__ import annotations

import pandas as pd
import pytest

pytestmark = pytest.mark.e2e

KEY = ["business_unit_id", "order_id", "order_line_number"]


def _injected(small_build) -> pd.DataFrame:
    defects = pd.read_csv(small_build.data_dir / "_truth" / "order_line_defects.csv", dtype=str)
    outliers = defects[defects["defect"] == "outlier"][KEY].copy()
    outliers["order_line_number"] = outliers["order_line_number"].astype(int)
    return outliers


def test_injected_outliers_are_flagged(small_build) -> None:
    injected = _injected(small_build)
    flagged = small_build.query(
        "select business_unit_id, order_id, order_line_number from intermediate.int_order_line_outliers_flagged"
    )
    found = injected.merge(flagged, on=KEY, how="inner")
    assert len(injected) >= 10, "the small dataset should carry injected outliers"
    assert len(found) / len(injected) >= 0.9, f"only {len(found)} of {len(injected)} injected outliers flagged"


def test_few_ordinary_lines_are_flagged(small_build) -> None:
    injected = _injected(small_build)
    flagged = small_build.query(
        "select business_unit_id, order_id, order_line_number from intermediate.int_order_line_outliers_flagged"
    )
    usable = small_build.query("select count(*) as n from intermediate.int_order_lines_consolidated")["n"].iloc[0]
    extra = flagged.merge(injected, on=KEY, how="left", indicator=True)
    extra = extra[extra["_merge"] == "left_only"]
    assert len(extra) / usable < 0.01, f"{len(extra)} of {usable} ordinary lines flagged as outliers"


def test_flagged_outliers_stay_in_the_data_but_not_in_variability(small_build) -> None:
    counts = small_build.query(
        """
        select
            count(*) filter (where is_outlier) as outlier_lines,
            count(*) filter (where is_outlier and counts_in_variability) as outliers_in_variability,
            count(*) filter (where is_outlier and counts_in_value) as outliers_in_value
        from intermediate.int_order_lines_consolidated
        where not is_return
        """
    ).iloc[0]
    assert counts["outlier_lines"] > 0
    assert counts["outliers_in_variability"] == 0  # var outlier_exclude_from_variability: true
    assert counts["outliers_in_value"] == counts["outlier_lines"]  # var outlier_exclude_from_value: false
