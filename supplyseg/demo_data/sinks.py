"""Output schemas and append-only writers (Parquet via ParquetWriter, CSV via pyarrow's CSVWriter)."""

from __future__ import annotations

from pathlib import Path
from typing import Mapping

import numpy as np
import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

S, F, I, B = pa.string(), pa.float64(), pa.int64(), pa.bool_()

SCHEMAS: Mapping[str, pa.Schema] = {
    "business_units": pa.schema([
        ("business_unit_id", S), ("business_unit_name", S), ("currency_code", S), ("fiscal_calendar", S),
        ("fiscal_year_start_month", I)]),
    "customers": pa.schema([
        ("business_unit_id", S), ("customer_id", S), ("customer_name", S), ("country_code", S),
        ("sales_region", S), ("created_date", S), ("contact_name", S), ("contact_email", S)]),
    "crm_accounts": pa.schema([
        ("business_unit_id", S), ("customer_id", S), ("global_account_id", S), ("global_account_name", S),
        ("is_key_account", B), ("sales_region", S)]),
    "ship_tos": pa.schema([
        ("business_unit_id", S), ("ship_to_id", S), ("customer_id", S), ("logistics_unit", S),
        ("country_code", S)]),
    "products": pa.schema([
        ("product_id", S), ("product_name", S), ("product_family", S), ("unit_of_measure", S),
        ("standard_cost", F), ("lead_time_days", I), ("has_service_clause", B)]),
    "order_lines": pa.schema([
        ("business_unit_id", S), ("order_id", S), ("order_line_number", I), ("order_date", S),
        ("requested_date", S), ("customer_id", S), ("ship_to_id", S), ("product_id", S), ("plant_id", S),
        ("channel", S), ("quantity", F), ("unit_price", F), ("unit_cost", F), ("currency_code", S)]),
    "deliveries": pa.schema([
        ("business_unit_id", S), ("order_id", S), ("order_line_number", I), ("delivery_id", S),
        ("ship_date", S), ("delivered_date", S), ("delivered_quantity", F), ("freight_cost", F),
        ("handling_cost", F)]),
    "inventory_snapshots": pa.schema([
        ("snapshot_date", S), ("plant_id", S), ("product_id", S), ("on_hand_quantity", F)]),
    "forecasts": pa.schema([
        ("business_unit_id", S), ("product_id", S), ("period_start", S), ("forecast_quantity", F)]),
    "fx_rates": pa.schema([("currency_code", S), ("rate_month", S), ("rate_to_reporting", F)]),
}
TRUTH_SCHEMAS: Mapping[str, pa.Schema] = {
    "product_patterns": pa.schema([
        ("product_id", S), ("pattern", S), ("first_month", S), ("last_month", S), ("months_active", I)]),
    "order_line_defects": pa.schema([
        ("business_unit_id", S), ("order_id", S), ("order_line_number", I), ("defect", S), ("column_name", S)]),
    "sales_region_conflicts": pa.schema([
        ("business_unit_id", S), ("customer_id", S), ("erp_sales_region", S), ("crm_sales_region", S)]),
    "ship_to_parent_conflicts": pa.schema([
        ("business_unit_id", S), ("ship_to_id", S), ("wms_customer_id", S), ("erp_customer_id", S)]),
    "customer_identity": pa.schema([("business_unit_id", S), ("customer_id", S), ("global_account_id", S)]),
    "stockout_true_demand": pa.schema([
        ("product_id", S), ("plant_id", S), ("month", S), ("true_demand_quantity", I), ("observed_quantity", I),
        ("is_stockout", B)]),
    "customer_behaviour_groups": pa.schema([
        ("business_unit_id", S), ("customer_id", S), ("global_account_id", S), ("behaviour_group", S)]),
}
PARQUET_BUFFER_ROWS = 500_000  # rows collected before a Parquet row group is written


def without_columns(schema: pa.Schema, drop: tuple[str, ...]) -> pa.Schema:
    """The schema minus the named columns."""
    return pa.schema([field for field in schema if field.name not in drop])


def to_table(columns: Mapping[str, np.ndarray], schema: pa.Schema, entity: str) -> pa.Table:
    """Arrow table in schema order; None/NaN become nulls. Names the entity and column on a mismatch."""
    arrays = []
    for field in schema:
        if field.name not in columns:
            raise KeyError(f"{entity}: column {field.name!r} was not generated")
        values = columns[field.name]
        try:
            if pa.types.is_floating(field.type):
                values = np.asarray(values, dtype=np.float64)
                arrays.append(pa.array(values, type=field.type, mask=np.isnan(values)))
            else:
                arrays.append(pa.array(values, type=field.type))
        except (pa.ArrowInvalid, pa.ArrowTypeError, TypeError, ValueError) as exc:
            raise TypeError(f"{entity}: column {field.name!r} cannot be stored as {field.type}: {exc}") from exc
    return pa.Table.from_arrays(arrays, schema=schema)


class TableSink:
    """Append-only writer of one entity file (``.parquet`` or ``.csv`` with header)."""

    def __init__(self, path: Path, schema: pa.Schema, fmt: str) -> None:
        if fmt not in ("parquet", "csv"):
            raise ValueError(f"{path.name}: format {fmt!r} must be 'parquet' or 'csv'")
        self.path, self.schema, self.fmt = path, schema, fmt
        self.rows = 0
        self._buffer: list[pa.Table] = []
        self._buffered = 0
        if fmt == "parquet":
            self._writer: pq.ParquetWriter | pacsv.CSVWriter = pq.ParquetWriter(path, schema)
        else:
            self._writer = pacsv.CSVWriter(path, schema)

    def write(self, columns: Mapping[str, np.ndarray]) -> None:
        """Append rows given as columns (numpy arrays)."""
        table = to_table(columns, self.schema, self.path.name)
        self.rows += table.num_rows
        if self.fmt == "csv":
            self._writer.write_table(table)
            return
        self._buffer.append(table)
        self._buffered += table.num_rows
        if self._buffered >= PARQUET_BUFFER_ROWS:
            self._flush()

    def _flush(self) -> None:
        """Write buffered Parquet rows as one row group."""
        if self._buffer:
            table = pa.concat_tables(self._buffer)
            self._writer.write_table(table, row_group_size=max(1, table.num_rows))
            self._buffer, self._buffered = [], 0

    def close(self) -> int:
        """Flush and close the file; returns the number of rows written."""
        if self.fmt == "parquet":
            self._flush()
        self._writer.close()
        return self.rows


def write_table(path: Path, columns: Mapping[str, np.ndarray], schema: pa.Schema, fmt: str) -> int:
    """Write a whole (small) table at once; returns its row count."""
    sink = TableSink(path, schema, fmt)
    sink.write(columns)
    return sink.close()
