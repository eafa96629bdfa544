"""Oracle of the new-entity rule (docs/serving.md, doc block new_entity_rule), from the seeds and vars.

Written from the doc block, not from the SQL: the last ABC class of the grain, XYZ N (else the
provisional XYZ var), the segment's default tier, and the policy_matrix row that matches the product
segment and customer tier most specifically (exact segment and tier, then segment, then tier, then
'*'/'*'; the lowest policy id on a tie).
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from tests_py.reference.settings import project_vars, seed


@dataclass(frozen=True)
class Provisional:
    abc_class: str
    segment_code: str
    service_tier: int


def provisional(grain: str, abc_class: str | None = None) -> Provisional:
    thresholds = seed("abc_thresholds")
    thresholds = thresholds[thresholds["grain"] == grain].assign(rank=lambda f: f["class_rank"].astype(int))
    chosen = abc_class or thresholds.sort_values("rank")["abc_class"].iloc[-1]
    segments = seed("abc_xyz_segments")
    rows = segments[(segments["abc_class"] == chosen) & (segments["xyz_class"] == "N")]
    if rows.empty:
        xyz = project_vars()["new_entity_provisional_xyz_class"]
        rows = segments[(segments["abc_class"] == chosen) & (segments["xyz_class"] == xyz)]
    row = rows.iloc[0]
    return Provisional(chosen, row["segment_code"], int(row["default_service_tier"]))


def matched_policy(product_segment_code: str, customer_service_tier: int) -> pd.Series:
    policies = seed("policy_matrix")
    best: tuple[int, str] | None = None
    for _, policy in policies.iterrows():
        segment_ok = policy["product_segment_code"] in (product_segment_code, "*")
        tier_ok = policy["customer_service_tier"] in (str(customer_service_tier), "*")
        if not (segment_ok and tier_ok):
            continue
        specificity = 2 * (policy["product_segment_code"] != "*") + (policy["customer_service_tier"] != "*")
        key = (-specificity, policy["policy_id"])
        if best is None or key < best:
            best = key
    assert best is not None, "policy_matrix has no '*','*' row"
    return policies[policies["policy_id"] == best[1]].iloc[0]
