"""Write the ERP export marts of a finished build as CSV files a partner system can pick up.

The database is opened read-only: exporting never changes a build. Each export is one mart of schema
``marts`` (models/marts/erp_exports/), written as ``<mart>.csv`` with a header, its columns in the order of the
mart's contract and its rows ordered by the mart's key, so two exports of the same build are byte-identical.
"""

from __future__ import annotations

import csv
import datetime as dt
import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import duckdb

MARTS_SCHEMA = "marts"


@dataclass(frozen=True)
class Export:
    """One export: the mart it reads and the key columns its rows are ordered by (its grain)."""

    mart: str
    key_columns: tuple[str, ...]


EXPORTS: tuple[Export, ...] = (
    Export("erp_material_master", ("product_id", "plant_id")),
    Export("erp_customer_master", ("business_unit_id", "customer_id")),
    Export("erp_condition_records", ("condition_type", "business_unit_id", "customer_id", "product_id")),
    Export("erp_ship_to_handling_flags", ("business_unit_id", "ship_to_id")),
)


class ExportError(RuntimeError):
    """The build cannot be exported (no database, or an export mart is missing)."""


def _csv_value(value: object) -> str:
    """Text of one value: empty for null, ISO for dates, shortest round-trip text for floats, true/false."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        if math.isnan(value):
            return ""
        return repr(value)
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    return str(value)


def _mart_columns(con: duckdb.DuckDBPyConnection, mart: str) -> list[str]:
    rows = con.execute(
        "select column_name from information_schema.columns where table_schema = ? and table_name = ? "
        "order by ordinal_position",
        [MARTS_SCHEMA, mart],
    ).fetchall()
    return [name for (name,) in rows]


def export_marts(db_path: Path, out_dir: Path, exports: Sequence[Export] = EXPORTS) -> list[Path]:
    """Write every export of the build in ``db_path`` to ``out_dir``; return the files written.

    Raises ExportError naming the database or the missing marts (and how to build them) before writing
    anything.
    """
    db_path = Path(db_path)
    if not db_path.is_file():
        raise ExportError(
            f"No database at {db_path}: build the project first (`supplyseg demo` or `dbt build`), "
            "or pass the built DuckDB file with --db."
        )
    with duckdb.connect(str(db_path), read_only=True) as con:
        columns = {export.mart: _mart_columns(con, export.mart) for export in exports}
        missing = [export.mart for export in exports if not columns[export.mart]]
        if missing:
            raise ExportError(
                f"{db_path} has no {', '.join(f'{MARTS_SCHEMA}.{m}' for m in missing)}: the build did not reach "
                "the ERP exports (run `dbt build --select +erp_exports` or a full build, and check it passed)."
            )
        out_dir.mkdir(parents=True, exist_ok=True)
        written = []
        for export in exports:
            unknown = [key for key in export.key_columns if key not in columns[export.mart]]
            if unknown:
                raise ExportError(f"{MARTS_SCHEMA}.{export.mart} lacks its key column(s) {', '.join(unknown)}.")
            quoted = ", ".join(f'"{name}"' for name in columns[export.mart])
            order = ", ".join(f'"{name}"' for name in export.key_columns)
            rows = con.execute(f'select {quoted} from {MARTS_SCHEMA}."{export.mart}" order by {order}').fetchall()
            path = out_dir / f"{export.mart}.csv"
            with path.open("w", newline="", encoding="utf-8") as handle:
                writer = csv.writer(handle, lineterminator="\n")
                writer.writerow(columns[export.mart])
                writer.writerows([_csv_value(value) for value in row] for row in rows)
            written.append(path)
    return written
