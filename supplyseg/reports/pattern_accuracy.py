"""How well the dbt demand patterns recover the demo-data generator's true patterns.

    python -m supplyseg.reports.pattern_accuracy --db build/dev.duckdb --truth data/demo/_truth

Reads the product grain of ``intermediate.int_segment_entities_variability_classified`` and the
generator's ``product_patterns.csv``, keeps the products with at least ``--min-history`` periods of
history (24 by default; monthly periods are meant), and prints the confusion matrix (true pattern
in rows, dbt pattern in columns) and the accuracy (share on the diagonal), overall and for the
products the generator discontinued before the end of its history. When the build has
``lifecycle_status``, it also compares that with the truth: how many discontinued products are
``phased_out`` and how many products still selling at the end are (wrongly) ``phased_out``.
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pandas as pd

TRUE_PATTERNS: tuple[str, ...] = ("smooth", "erratic", "intermittent", "lumpy")
DBT_PATTERNS: tuple[str, ...] = ("smooth", "erratic", "intermittent", "lumpy", "new", "no_demand")
VARIABILITY_TABLE = "intermediate.int_segment_entities_variability_classified"
TRUTH_FILE = "product_patterns.csv"


@dataclass(frozen=True)
class PatternAccuracy:
    """Confusion matrix (truth x dbt pattern), accuracy and the compared products."""

    matrix: pd.DataFrame
    accuracy: float
    products: pd.DataFrame

    def to_text(self) -> str:
        """The matrix, the accuracy and the lifecycle comparison as plain text."""
        discontinued = self.discontinued
        lines = [
            f"Products compared: {len(self.products)}",
            self.matrix.to_string(),
            f"Accuracy: {self.accuracy:.1%} ({self.correct} of {len(self.products)})",
            f"Discontinued before the end: {self.discontinued_correct} of {len(discontinued)} patterns right",
        ]
        if "lifecycle_status" in self.products.columns:
            phased_out = self.products["lifecycle_status"] == "phased_out"
            ended = self.products["is_discontinued"]
            lines.append(
                f"lifecycle_status phased_out: {int((phased_out & ended).sum())} of {int(ended.sum())} discontinued, "
                f"{int((phased_out & ~ended).sum())} of {int((~ended).sum())} still selling at the end"
            )
        return "\n".join(lines)

    @property
    def correct(self) -> int:
        return int((self.products["pattern"] == self.products["demand_pattern"]).sum())

    @property
    def discontinued(self) -> pd.DataFrame:
        """The compared products whose true life ended before the last month of the generator's history."""
        return self.products[self.products["is_discontinued"]]

    @property
    def discontinued_correct(self) -> int:
        frame = self.discontinued
        return int((frame["pattern"] == frame["demand_pattern"]).sum())


def read_truth(truth_dir: Path | str) -> pd.DataFrame:
    """product_id and true pattern from the generator's ground truth folder."""
    path = Path(truth_dir) / TRUTH_FILE
    if not path.exists():
        raise FileNotFoundError(f"{path} not found: pass --truth the generator's _truth folder")
    truth = pd.read_csv(path, dtype={"product_id": str, "pattern": str})
    missing = {"product_id", "pattern", "last_month"} - set(truth.columns)
    if missing:
        raise KeyError(f"{path} lacks column(s) {sorted(missing)}")
    last_month = pd.to_datetime(truth["last_month"])
    truth["is_discontinued"] = last_month < last_month.max()
    return truth


def read_product_patterns(db_path: Path | str) -> pd.DataFrame:
    """Product grain of the variability model: entity_id, history_period_count, demand_pattern and,
    when the build has it, lifecycle_status."""
    path = Path(db_path)
    if not path.exists():
        raise FileNotFoundError(f"{path} not found: pass --db the DuckDB file of a finished dbt build")
    with duckdb.connect(str(path), read_only=True) as con:
        schema, table = VARIABILITY_TABLE.split(".")
        columns = set(con.sql(
            "select column_name from information_schema.columns where table_schema = ? and table_name = ?",
            params=[schema, table],
        ).df()["column_name"])
        wanted = ["entity_id", "history_period_count", "demand_pattern"]
        wanted += ["lifecycle_status"] if "lifecycle_status" in columns else []
        return con.sql(f"select {', '.join(wanted)} from {VARIABILITY_TABLE} where grain = 'product'").df()


def pattern_accuracy(truth: pd.DataFrame, patterns: pd.DataFrame, min_history: int = 24) -> PatternAccuracy:
    """Confusion matrix and accuracy for the products with at least ``min_history`` periods of history
    in the dbt output (products without any order line in the window are not compared). ``truth`` is
    read_truth's frame (is_discontinued: its life ended before the generator's last month)."""
    if "is_discontinued" not in truth.columns:
        last_month = pd.to_datetime(truth["last_month"])
        truth = truth.assign(is_discontinued=last_month < last_month.max())
    merged = truth.merge(patterns, left_on="product_id", right_on="entity_id", how="inner")
    compared = merged[merged["history_period_count"] >= min_history].reset_index(drop=True)
    matrix = pd.crosstab(
        pd.Categorical(compared["pattern"], categories=TRUE_PATTERNS),
        pd.Categorical(compared["demand_pattern"], categories=DBT_PATTERNS),
        rownames=["truth"], colnames=["dbt"], dropna=False,
    )
    accuracy = float((compared["pattern"] == compared["demand_pattern"]).mean()) if len(compared) else float("nan")
    return PatternAccuracy(matrix=matrix, accuracy=accuracy, products=compared)


def main(argv: list[str] | None = None) -> PatternAccuracy:
    """Command line: print the confusion matrix and accuracy, and return them."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", required=True, help="DuckDB file of a finished dbt build")
    parser.add_argument("--truth", required=True, help="the generator's _truth folder")
    parser.add_argument("--min-history", type=int, default=24, help="minimum periods of history (default 24)")
    args = parser.parse_args(argv)
    result = pattern_accuracy(read_truth(args.truth), read_product_patterns(args.db), args.min_history)
    print(result.to_text())
    return result


if __name__ == "__main__":
    main(sys.argv[1:])
