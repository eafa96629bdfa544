"""The raw files read the way the input contract (README "What happens with imperfect files",
``models/staging/*/_*__sources.yml``) says they are read, in pandas.

- one CSV file per entity, ``<raw_path>/<entity>.csv``, header row; column names matched trimmed and
  case-insensitively; every value is text, trimmed, a blank value is missing;
- an optional entity without a file is empty; an optional column missing from a file is missing;
- a row's ``rejection_reason`` is the first of ``missing_required:<column>`` (a required column is
  missing), then ``unparseable:<column>`` (a required column does not parse to its declared type), in
  the order the columns are declared;
- ``source_row_number`` is the row's position in the file (1 = first data row).

Parsing accepts the forms extracts carry: integers (a decimal with a fraction rounds half away from
zero), decimals (with exponent, nan and inf), ISO dates ``YYYY-MM-DD`` (``/`` also accepted, a time
part ignored), booleans true/false, t/f, yes/no, y/n, 1/0. Only CSV files are read here: the small
dataset the end-to-end tests use is CSV.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import yaml

from reference.settings import PROJECT_DIR, project_vars

SOURCES_GLOB = "models/staging/*/_*__sources.yml"
DATE_PATTERN = re.compile(r"^(\d{4})[-/](\d{1,2})[-/](\d{1,2})(?:[ T].*)?$")
INTEGER_PATTERN = re.compile(r"^[+-]?\d+$")
BOOLEAN_WORDS = {
    "true": True, "t": True, "yes": True, "y": True, "1": True,
    "false": False, "f": False, "no": False, "n": False, "0": False,
}


@dataclass(frozen=True)
class ContractColumn:
    name: str
    data_type: str
    required: bool
    min_value: float | None = None

    @property
    def is_numeric(self) -> bool:
        return self.data_type in NUMERIC_TYPES or self.data_type.startswith(("decimal", "numeric"))


NUMERIC_TYPES = ("double", "float", "real", "integer", "bigint", "smallint", "hugeint")


@dataclass(frozen=True)
class ContractEntity:
    source: str
    name: str
    required: bool
    columns: tuple[ContractColumn, ...]


def contract() -> dict[str, ContractEntity]:
    """Every entity of the input contract by file name, from the sources files."""
    entities: dict[str, ContractEntity] = {}
    for path in sorted(PROJECT_DIR.glob(SOURCES_GLOB)):
        for source in yaml.safe_load(path.read_text()).get("sources", []):
            for table in source.get("tables", []):
                table_meta = (table.get("config") or {}).get("meta") or table.get("meta") or {}
                columns = []
                for column in table.get("columns", []):
                    meta = (column.get("config") or {}).get("meta") or column.get("meta") or {}
                    columns.append(ContractColumn(
                        name=column["name"].lower(),
                        data_type=(column.get("data_type") or "varchar").lower(),
                        required=bool(meta.get("required", False)),
                        min_value=float(meta["min_value"]) if meta.get("min_value") is not None else None,
                    ))
                name = table.get("identifier") or table["name"]
                entities[name] = ContractEntity(
                    source=source["name"], name=name, required=bool(table_meta.get("required_entity", False)),
                    columns=tuple(columns),
                )
    return entities


# --- Parsing -------------------------------------------------------------------------------------

def parse_integer(text: str | None) -> int | None:
    if text is None:
        return None
    if INTEGER_PATTERN.match(text):
        return int(text)
    number = parse_double(text)
    if number is None or not math.isfinite(number):
        return None
    return int(math.floor(abs(number) + 0.5)) * (1 if number >= 0 else -1)


def parse_double(text: str | None) -> float | None:
    if text is None:
        return None
    try:
        return float(text)
    except ValueError:
        return None


def parse_date(text: str | None) -> dt.date | None:
    if text is None:
        return None
    match = DATE_PATTERN.match(text)
    if not match:
        return None
    try:
        return dt.date(int(match.group(1)), int(match.group(2)), int(match.group(3)))
    except ValueError:
        return None


def parse_boolean(text: str | None) -> bool | None:
    return None if text is None else BOOLEAN_WORDS.get(text.lower())


PARSERS = {"integer": parse_integer, "double": parse_double, "date": parse_date, "boolean": parse_boolean}


def parse(values: pd.Series, data_type: str) -> pd.Series:
    """Each text value parsed to ``data_type`` (None where it does not parse); varchar stays text."""
    if data_type == "varchar":
        return values
    parser = PARSERS[data_type]
    return pd.Series([parser(value) for value in values], index=values.index, dtype=object)


# --- Reading -------------------------------------------------------------------------------------

def read_text(path: Path) -> pd.DataFrame:
    """A CSV as text: names trimmed and lower-cased, values trimmed, blanks as None."""
    frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    frame.columns = [str(c).strip().lower() for c in frame.columns]
    frame = frame.apply(lambda column: column.str.strip())
    return frame.astype(object).where(frame != "", None)


def read_entity(raw_path: Path, entity: str) -> pd.DataFrame:
    """One raw entity as text with the contract's columns (missing optional ones as None),
    ``source_row_number`` and ``rejection_reason``."""
    spec = contract()[entity]
    path = Path(raw_path) / f"{entity}.csv"
    if (Path(raw_path) / f"{entity}.parquet").exists():
        raise NotImplementedError(f"{entity}.parquet in {raw_path}: the reference reads CSV extracts only")
    names = [c.name for c in spec.columns]
    if not path.exists():
        if spec.required:
            raise FileNotFoundError(f"required entity {entity!r} has no file {path}")
        return pd.DataFrame({**{n: pd.Series(dtype=object) for n in names},
                             "source_row_number": pd.Series(dtype="int64"),
                             "rejection_reason": pd.Series(dtype=object)})
    raw = read_text(path)
    frame = pd.DataFrame(index=raw.index)
    for column in spec.columns:
        if column.name in raw.columns:
            frame[column.name] = raw[column.name]
        elif column.required:
            raise KeyError(f"file {path} has no required column {column.name!r}")
        else:
            frame[column.name] = None
    frame["source_row_number"] = range(1, len(frame) + 1)
    reason = pd.Series([None] * len(frame), index=frame.index, dtype=object)
    required = [c for c in spec.columns if c.required]
    for column in required:
        reason = reason.where(reason.notna() | frame[column.name].notna(), f"missing_required:{column.name}")
    for column in required:
        if column.data_type == "varchar":
            continue
        parsed = parse(frame[column.name], column.data_type)
        # None means "does not parse"; a parsed NaN (the text NaN) parses and is judged out_of_range below.
        bad = frame[column.name].notna() & pd.Series([value is None for value in parsed], index=frame.index)
        reason = reason.where(reason.notna() | ~bad, f"unparseable:{column.name}")
    # out_of_range (docs integration_rules, README): a number of any numeric column, required or optional,
    # that is NaN or infinite, larger in magnitude than var contract_max_abs_value, or below the column's
    # meta min_value.
    max_abs = float(project_vars()["contract_max_abs_value"])
    for column in spec.columns:
        if not column.is_numeric:
            continue
        numbers = [parse_double(text) for text in frame[column.name]]
        bad = pd.Series([x is not None and (
            not math.isfinite(x) or abs(x) > max_abs or (column.min_value is not None and x < column.min_value))
            for x in numbers], index=frame.index, dtype=bool)
        reason = reason.where(reason.notna() | ~bad, f"out_of_range:{column.name}")
    frame["rejection_reason"] = reason
    return frame


def first_valid_rows(frame: pd.DataFrame, key: list[str] | str) -> pd.DataFrame:
    """Rows without rejection, the first in the file per key (docs: 'its first row in the file counts')."""
    valid = frame[frame["rejection_reason"].isna()].sort_values("source_row_number", kind="mergesort")
    return valid.drop_duplicates(subset=key, keep="first")
