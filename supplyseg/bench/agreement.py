"""Agreement of a baseline's classes with the public marts of a finished build.

    agreement(baseline, db_path) -> one row per (grain, field): entities compared and agreeing, share
    format_agreement(table) -> markdown

The marts read (schema ``marts``, the database opened read-only): ``dim_customer_segments`` (entity
``customer_segment_id``) and ``dim_product_segments`` (entity ``product_id``), columns abc_class,
multi_criteria_class, xyz_class and demand_pattern. An entity on one side only counts as compared and
disagreeing, and in ``only_in_baseline`` or ``only_in_marts``.
"""

from __future__ import annotations

from pathlib import Path

import duckdb
import pandas as pd

MART_ENTITIES = {
    "customer": ("dim_customer_segments", "customer_segment_id"),
    "product": ("dim_product_segments", "product_id"),
}
COLUMNS = ["grain", "field", "entities_compared", "entities_agreeing", "share", "only_in_baseline", "only_in_marts"]


def mart_classes(db_path: Path, fields: list[str]) -> pd.DataFrame:
    """The marts' classes as a long frame (grain, entity_id, field, value)."""
    frames = []
    with duckdb.connect(str(db_path), read_only=True) as con:
        for grain, (table, key) in MART_ENTITIES.items():
            columns = ", ".join(f"cast({field} as varchar) as {field}" for field in fields)
            wide = con.sql(f"select cast({key} as varchar) as entity_id, {columns} from marts.{table}").df()
            long = wide.melt(id_vars="entity_id", value_vars=fields, var_name="field", value_name="value")
            long.insert(0, "grain", grain)
            frames.append(long)
    return pd.concat(frames, ignore_index=True)


def agreement(baseline: pd.DataFrame, db_path: Path) -> pd.DataFrame:
    """Per (grain, field) of the baseline: entities compared, agreeing, share and one-sided counts."""
    fields = sorted(set(baseline["field"]))
    marts = mart_classes(Path(db_path), fields)
    marts = marts[marts["grain"].isin(set(baseline["grain"]))]
    keys = ["grain", "entity_id", "field"]
    left = baseline[keys + ["value"]].astype(str).rename(columns={"value": "baseline_value"})
    right = marts.assign(value=marts["value"].astype(object)).rename(columns={"value": "mart_value"})
    joined = left.merge(right, on=keys, how="outer", indicator=True)
    joined["agrees"] = (joined["_merge"] == "both") & (
        joined["baseline_value"].astype(object) == joined["mart_value"].astype(object))
    rows = []
    for (grain, field), group in joined.groupby(["grain", "field"], sort=True):
        compared = len(group)
        agreeing = int(group["agrees"].sum())
        rows.append({
            "grain": grain,
            "field": field,
            "entities_compared": compared,
            "entities_agreeing": agreeing,
            "share": agreeing / compared if compared else float("nan"),
            "only_in_baseline": int((group["_merge"] == "left_only").sum()),
            "only_in_marts": int((group["_merge"] == "right_only").sum()),
        })
    return pd.DataFrame(rows, columns=COLUMNS)


def format_agreement(table: pd.DataFrame) -> str:
    """The agreement table as markdown, share as a percentage with 4 decimals."""
    header = "| " + " | ".join(COLUMNS) + " |"
    rule = "|" + "|".join(["---"] * 2 + ["---:"] * 5) + "|"
    lines = [header, rule]
    for row in table.itertuples(index=False):
        lines.append(
            f"| {row.grain} | {row.field} | {row.entities_compared:,} | {row.entities_agreeing:,} "
            f"| {row.share:.4%} | {row.only_in_baseline:,} | {row.only_in_marts:,} |"
        )
    return "\n".join(lines)
