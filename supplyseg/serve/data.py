"""Queries of the published data for the HTTP API and the planner page (docs/serving.md).

Every function takes a read-only connection to ONE published version (``open_served``) and returns
plain dicts, so a request that calls several of them reads one version consistently. Input never
goes into SQL text: values are bound as parameters (``?``); the only identifiers in the SQL are
literals of this module (tables, columns, orderings), picked from fixed allow-lists.

Errors: ``BadParameter`` (the caller sent a value that cannot be valid: HTTP 400/422) and
``NotFound`` (valid, but not in the published version: HTTP 404). Their messages say what was wrong
and what is accepted.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import duckdb

from supplyseg.publish import ServingError, list_versions, open_current, serving_dir_from_env

GRAINS = ("customer", "product", "channel", "customer_product", "account_plant")
NEW_ENTITY_GRAINS = ("customer", "product")
MAX_LIMIT = 1000
DEFAULT_LIMIT = 100
MAX_ID_LENGTH = 200
# Run ids are dbt invocation ids (uuid) or the var run_id given to the build.
RUN_ID_PATTERN = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.:\-]{0,99}")
SEGMENT_CODE_PATTERN = re.compile(r"[A-Za-z0-9_\-]{1,40}")
CLASS_PATTERN = re.compile(r"[A-Z]")

# Columns of marts.fct_segment_assignments served for an entity (fixed list, in this order).
ENTITY_COLUMNS = (
    "grain", "entity_id", "final_segment_code", "final_segment_name", "final_service_tier",
    "cluster_id", "cluster_name", "cluster_service_tier_adjustment",
    "abc_class", "xyz_class", "multi_criteria_class", "demand_pattern", "lifecycle_status",
    "is_new_entity", "is_provisional", "weighted_score", "dimensions_used",
    "algorithmic_segment_code", "algorithmic_service_tier", "is_guardrail_adjusted", "guardrail_rule_id",
    "is_segment_held", "review_trigger", "next_review_due_date",
    "is_overridden", "override_id", "override_reason",
    "previous_final_segment_code", "previous_final_service_tier", "is_segment_changed_this_run",
    "segment_valid_since_date", "reason_codes", "reference_date", "segment_mode", "run_id",
)
SEGMENT_MEMBER_COLUMNS = (
    "entity_id", "final_segment_code", "final_service_tier", "cluster_id", "cluster_name",
    "abc_class", "xyz_class", "demand_pattern", "lifecycle_status", "is_overridden",
)
ITEM_POLICY_COLUMNS = (
    "product_id", "plant_id", "policy_id", "policy_version", "final_segment_code", "customer_service_tier",
    "demand_pattern", "lifecycle_status", "stocking_strategy", "target_cycle_service_level",
    "review_period_days", "demand_period_days", "demand_per_period_mean", "demand_per_period_std",
    "demand_estimate_method", "lead_time_days_mean", "lead_time_days_std", "lead_time_source",
    "safety_stock_method", "safety_stock_quantity", "reorder_point_quantity", "order_up_to_quantity",
    "eoq_quantity", "moq_quantity", "pack_size_quantity", "lot_size_quantity", "forecast_method_family",
    "run_id",
)
CUSTOMER_POLICY_COLUMNS = (
    "business_unit_id", "customer_id", "global_account_id", "segment_code", "service_tier",
    "delivery_priority", "delivery_priority_basis",
)
HISTORY_COLUMNS = (
    "final_segment_code", "final_service_tier", "final_segment_name", "abc_class", "xyz_class",
    "run_id", "reference_date", "dbt_valid_from", "dbt_valid_to", "reason_codes",
)
NEW_ENTITY_POLICY_COLUMNS = (
    "policy_id", "policy_version", "match_level", "target_cycle_service_level", "target_fill_rate",
    "inventory_positioning", "stocking_strategy", "review_period_days", "atp_lead_time_days",
    "pick_priority", "transport_priority", "moq_rule", "fulfilment_batch_size", "cost_to_serve_pricing_tier",
)


class BadParameter(ValueError):
    """A request parameter that cannot be valid (HTTP 400)."""


class NotFound(LookupError):
    """A valid request for something the published version does not hold (HTTP 404)."""


@dataclass(frozen=True)
class Served:
    """The published version a request reads: named in every response."""

    version_id: str
    run_id: str
    model_version: str
    published_at: str

    def as_dict(self) -> dict[str, str]:
        return asdict(self)


# ---------------------------------------------------------------------------------------------------
# Connections


@contextlib.contextmanager
def open_served(serving_dir: Path | str | None = None) -> Iterator[tuple[duckdb.DuckDBPyConnection, Served]]:
    """A read-only connection to the version current NOW, and which version it is.

    The pointer is read on every call (cheap: one small JSON file), so a publish or a rollback is
    served from the next request on. The version is read from the opened file itself
    (``publish.version``), so the names in a response always match the rows in it.
    """
    con = open_current(serving_dir_from_env(serving_dir))
    try:
        row = con.execute(
            "select version_id, run_id, model_version, strftime(published_at, '%Y-%m-%dT%H:%M:%S.%fZ')"
            " from publish.version"
        ).fetchone()
        if row is None:
            raise ServingError("the current published version has no publish.version row")
        yield con, Served(version_id=row[0], run_id=row[1], model_version=row[2], published_at=row[3])
    finally:
        con.close()


def versions(serving_dir: Path | str | None = None) -> list[dict[str, Any]]:
    """The kept published versions, newest first, with run ids and times (current one flagged)."""
    return [
        {
            "version_id": version.version_id,
            "run_id": version.run_id,
            "model_version": version.model_version,
            "published_at": version.published_at,
            "build_started_at": version.build_started_at,
            "build_finished_at": version.build_finished_at,
            "git_commit": version.git_commit,
            "is_current": version.is_current,
            "row_counts": version.row_counts,
        }
        for version in sorted(list_versions(serving_dir_from_env(serving_dir)), key=lambda v: v.version_id, reverse=True)
    ]


# ---------------------------------------------------------------------------------------------------
# Parameter checks (the messages are the API's 4xx messages)


def check_grain(grain: str, allowed: tuple[str, ...] = GRAINS) -> str:
    if grain not in allowed:
        raise BadParameter(f"unknown grain {grain!r}: use one of {', '.join(allowed)}")
    return grain


def check_id(value: str, what: str) -> str:
    if not value or len(value) > MAX_ID_LENGTH or any(ord(ch) < 32 for ch in value):
        raise BadParameter(f"{what} must be 1 to {MAX_ID_LENGTH} printable characters, got {value[:40]!r}")
    return value


def check_page(limit: int, offset: int) -> tuple[int, int]:
    if not 1 <= limit <= MAX_LIMIT:
        raise BadParameter(f"limit={limit}: use 1 to {MAX_LIMIT}")
    if offset < 0:
        raise BadParameter(f"offset={offset}: use 0 or more")
    return limit, offset


def parse_timestamp(text: str) -> datetime:
    """ISO 8601 date or time; a time with an offset is converted to UTC; without one it is UTC."""
    try:
        moment = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError:
        raise BadParameter(
            f"since={text[:60]!r} is not an ISO 8601 time: use e.g. 2026-12-01T08:00:00Z or 2026-12-01"
        ) from None
    if moment.tzinfo is not None:
        moment = moment.astimezone(UTC).replace(tzinfo=None)
    return moment


def _plain(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return float(value)
    return value


def _rows(cursor: duckdb.DuckDBPyConnection) -> list[dict[str, Any]]:
    names = [column[0] for column in cursor.description]
    return [{name: _plain(value) for name, value in zip(names, row, strict=True)} for row in cursor.fetchall()]


def _select(columns: tuple[str, ...], table_alias: str = "") -> str:
    prefix = f"{table_alias}." if table_alias else ""
    return ", ".join(prefix + column for column in columns)


# ---------------------------------------------------------------------------------------------------
# Entities


def get_entity(con: duckdb.DuckDBPyConnection, grain: str, entity_id: str) -> dict[str, Any]:
    """The current segment, cluster, service tier and reason codes of one entity (NotFound if none)."""
    check_grain(grain)
    check_id(entity_id, "entity id")
    rows = _rows(
        con.execute(
            f"select {_select(ENTITY_COLUMNS)} from marts.fct_segment_assignments where grain = ? and entity_id = ?",
            [grain, entity_id],
        )
    )
    if not rows:
        raise NotFound(f"no {grain} {entity_id!r} in the published segment assignments")
    entity = rows[0]
    entity["reason_code_list"] = [code for code in (entity["reason_codes"] or "").split("; ") if code]
    return entity


def entity_policies(con: duckdb.DuckDBPyConnection, grain: str, entity_id: str) -> list[dict[str, Any]]:
    """The policies that follow from an entity's segment.

    product: the item policy parameters of every plant (marts.fct_item_policy_parameters);
    customer: the delivery priority and tier per business-unit customer (marts.erp_customer_master);
    other grains: none (their segments steer no policy of their own).
    """
    check_grain(grain)
    if grain == "product":
        return _rows(
            con.execute(
                f"select {_select(ITEM_POLICY_COLUMNS)} from marts.fct_item_policy_parameters"
                " where product_id = ? order by plant_id",
                [entity_id],
            )
        )
    if grain == "customer":
        return _rows(
            con.execute(
                f"select {_select(CUSTOMER_POLICY_COLUMNS)} from marts.erp_customer_master"
                " where global_account_id = ? or customer_id = ? order by business_unit_id, customer_id",
                [entity_id, entity_id],
            )
        )
    return []


def search_entities(
    con: duckdb.DuckDBPyConnection, query: str, grain: str | None = None, limit: int = 20
) -> list[dict[str, Any]]:
    """Customers and products whose id (or product name) contains ``query``, case-insensitive.

    Exact id matches come first, then by grain and id. Plain substring search (no wildcards: the
    text is matched literally).
    """
    check_id(query, "search text")
    check_page(limit, 0)
    grains = [check_grain(grain, NEW_ENTITY_GRAINS)] if grain else list(NEW_ENTITY_GRAINS)
    return _rows(
        con.execute(
            "select assignments.grain, assignments.entity_id, products.product_name,"
            " assignments.final_segment_code, assignments.final_service_tier, assignments.cluster_name"
            " from marts.fct_segment_assignments as assignments"
            " left join marts.dim_product_segments as products"
            "   on assignments.grain = 'product' and assignments.entity_id = products.product_id"
            " where list_contains(?, assignments.grain)"
            "   and (strpos(lower(assignments.entity_id), lower(?)) > 0"
            "        or strpos(lower(coalesce(products.product_name, '')), lower(?)) > 0)"
            " order by (lower(assignments.entity_id) = lower(?)) desc, assignments.grain, assignments.entity_id"
            " limit ?",
            [grains, query, query, query, limit],
        )
    )


def segment_history(con: duckdb.DuckDBPyConnection, grain: str, entity_id: str) -> list[dict[str, Any]]:
    """Every published version of an entity's segment and tier (history.segment_assignments), oldest first."""
    check_grain(grain)
    check_id(entity_id, "entity id")
    return _rows(
        con.execute(
            f"select {_select(HISTORY_COLUMNS)} from history.segment_assignments"
            " where grain = ? and entity_id = ? order by dbt_valid_from",
            [grain, entity_id],
        )
    )


def segment_entities(
    con: duckdb.DuckDBPyConnection, grain: str, segment_code: str, limit: int = DEFAULT_LIMIT, offset: int = 0
) -> tuple[list[dict[str, Any]], int]:
    """The entities of one final segment of a grain, ordered by entity id; and how many there are."""
    check_grain(grain)
    if not SEGMENT_CODE_PATTERN.fullmatch(segment_code):
        raise BadParameter(f"segment code {segment_code[:40]!r} is not a segment code (letters, digits, _ or -)")
    check_page(limit, offset)
    total = con.execute(
        "select count(*) from marts.fct_segment_assignments where grain = ? and final_segment_code = ?",
        [grain, segment_code],
    ).fetchone()[0]
    if total == 0:
        known = [
            row[0]
            for row in con.execute(
                "select distinct final_segment_code from marts.fct_segment_assignments where grain = ? order by 1",
                [grain],
            ).fetchall()
        ]
        raise NotFound(f"no {grain} in segment {segment_code!r}; segments of this grain: {', '.join(known)}")
    rows = _rows(
        con.execute(
            f"select {_select(SEGMENT_MEMBER_COLUMNS)} from marts.fct_segment_assignments"
            " where grain = ? and final_segment_code = ? order by entity_id limit ? offset ?",
            [grain, segment_code, limit, offset],
        )
    )
    return rows, total


# ---------------------------------------------------------------------------------------------------
# Item policy


def item_policy(con: duckdb.DuckDBPyConnection, product_id: str, plant_id: str) -> dict[str, Any]:
    """The policy parameters of one item (product x plant) (NotFound if the item has none)."""
    check_id(product_id, "product id")
    check_id(plant_id, "plant id")
    rows = _rows(
        con.execute(
            f"select {_select(ITEM_POLICY_COLUMNS)} from marts.fct_item_policy_parameters"
            " where product_id = ? and plant_id = ?",
            [product_id, plant_id],
        )
    )
    if not rows:
        raise NotFound(f"no policy parameters for product {product_id!r} at plant {plant_id!r}")
    return rows[0]
