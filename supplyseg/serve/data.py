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


# ---------------------------------------------------------------------------------------------------
# Change feed


CHANGE_TYPES = ("new", "changed", "re_entered", "exited")
MAX_COUNTERPARTS = 100


_RUNS_SQL = """
    select run_id, coalesce(min(snapshot_at), min(started_at)) as snapshot_at from (
        select run_id, dbt_valid_from as snapshot_at, null as started_at from history.segment_assignments
        union all
        select to_run_id, to_snapshot_at, null from marts.fct_segment_churn
        union all
        select run_id, null, run_started_at from marts.fct_load_summary
    ) group by run_id
"""


def published_runs(con: duckdb.DuckDBPyConnection) -> list[dict[str, Any]]:
    """The runs the published version knows, with the moment changes after each are counted from.

    A run that changed segments opened versions in ``history.segment_assignments`` at its snapshot
    time (``dbt_valid_from``; also ``to_snapshot_at`` in ``marts.fct_segment_churn``). A run that
    changed nothing opened none and is known from ``marts.fct_load_summary`` (incremental: one row
    set per run) by its start time; nothing was opened between its start and its snapshot, so
    counting from its start gives the same changes. Oldest first.
    """
    return _rows(con.execute(f"{_RUNS_SQL} order by snapshot_at, run_id"))


def resolve_since(
    con: duckdb.DuckDBPyConnection, since_run_id: str | None, since: str | None
) -> tuple[datetime, str | None]:
    """The moment changes are counted from: a run's snapshot time, or a given time (exactly one)."""
    if (since_run_id is None) == (since is None):
        raise BadParameter("give exactly one of since_run_id (a published run id) or since (an ISO 8601 time)")
    if since is not None:
        return parse_timestamp(since), None
    assert since_run_id is not None
    if not RUN_ID_PATTERN.fullmatch(since_run_id):
        raise BadParameter(
            f"since_run_id={since_run_id[:60]!r} is not a run id (letters, digits, '_', '.', ':' or '-', at most 100)"
        )
    row = con.execute(f"select snapshot_at from ({_RUNS_SQL}) where run_id = ?", [since_run_id]).fetchone()
    if row is None or row[0] is None:
        known = [run["run_id"] for run in published_runs(con)]
        raise NotFound(
            f"run {since_run_id!r} is not in the published history; runs it holds (oldest first): {', '.join(known)}"
        )
    return row[0], since_run_id


_CHANGES_SQL = """
with versions as (
    select
        grain,
        entity_id,
        final_segment_code,
        final_service_tier,
        run_id,
        dbt_valid_from,
        dbt_valid_to,
        lag(final_segment_code) over entity_versions as previous_segment_code,
        lag(final_service_tier) over entity_versions as previous_service_tier,
        lag(dbt_valid_to) over entity_versions as previous_valid_to,
        lead(dbt_valid_from) over entity_versions as next_valid_from
    from history.segment_assignments
    window entity_versions as (partition by grain, entity_id order by dbt_valid_from)
),

runs as (
    select run_id, min(snapshot_at) as snapshot_at from (
        select run_id, dbt_valid_from as snapshot_at from history.segment_assignments
        union all
        select to_run_id, to_snapshot_at from marts.fct_segment_churn
    ) group by run_id
),

opened as (
    select
        grain,
        entity_id,
        dbt_valid_from as changed_at,
        run_id,
        case
            when previous_valid_to is null and previous_segment_code is null then 'new'
            when previous_valid_to < dbt_valid_from then 're_entered'
            else 'changed'
        end as change_type,
        case when previous_valid_to = dbt_valid_from then previous_segment_code end as previous_segment_code,
        case when previous_valid_to = dbt_valid_from then previous_service_tier end as previous_service_tier,
        final_segment_code as segment_code,
        final_service_tier as service_tier
    from versions
    where dbt_valid_from > $since
),

closed as (
    select
        versions.grain,
        versions.entity_id,
        versions.dbt_valid_to as changed_at,
        runs.run_id,
        'exited' as change_type,
        versions.final_segment_code as previous_segment_code,
        versions.final_service_tier as previous_service_tier,
        cast(null as varchar) as segment_code,
        cast(null as integer) as service_tier
    from versions
    left join runs on versions.dbt_valid_to = runs.snapshot_at
    where versions.dbt_valid_to > $since
        and (versions.next_valid_from is null or versions.next_valid_from <> versions.dbt_valid_to)
),

changes as (
    select * from opened
    union all
    select * from closed
)
"""


def changes_since(
    con: duckdb.DuckDBPyConnection,
    since_run_id: str | None = None,
    since: str | None = None,
    grain: str | None = None,
    limit: int = DEFAULT_LIMIT,
    offset: int = 0,
) -> dict[str, Any]:
    """Segment and tier changes published after a run (or a time), from the snapshot history.

    One row per entity and change: ``new`` (first segment), ``changed`` (segment or tier differs from
    the version before), ``re_entered`` (segmented again after it had left), ``exited`` (no longer
    segmented). Ordered by time, grain, entity id, change type (stable across pages).
    """
    if grain is not None:
        check_grain(grain)
    check_page(limit, offset)
    since_time, run_id = resolve_since(con, since_run_id, since)
    where = "where ($grain is null or grain = $grain)"
    params = {"since": since_time, "grain": grain}
    total = con.execute(f"{_CHANGES_SQL} select count(*) from changes {where}", params).fetchone()[0]
    items = _rows(
        con.execute(
            f"{_CHANGES_SQL} select grain, entity_id, change_type, changed_at, run_id, previous_segment_code,"
            " previous_service_tier, segment_code, service_tier"
            f" from changes {where} order by changed_at, grain, entity_id, change_type limit $limit offset $offset",
            {**params, "limit": limit, "offset": offset},
        )
    )
    return {
        "since_run_id": run_id,
        "since": _plain(since_time),
        "total": total,
        "items": items,
    }


# ---------------------------------------------------------------------------------------------------
# New entities (docs/serving.md, doc block new_entity_rule)


class AlreadySegmented(ValueError):
    """The 'new' entity is in the published segmentation already (HTTP 409)."""


def _published_assignment(con: duckdb.DuckDBPyConnection, grain: str, entity_id: str) -> tuple[str, int] | None:
    row = con.execute(
        "select final_segment_code, final_service_tier from marts.fct_segment_assignments"
        " where grain = ? and entity_id = ?",
        [grain, entity_id],
    ).fetchone()
    return (row[0], int(row[1])) if row else None


def _provisional(con: duckdb.DuckDBPyConnection, grain: str, abc_class: str | None) -> dict[str, Any]:
    if abc_class is not None and not CLASS_PATTERN.fullmatch(abc_class):
        raise BadParameter(f"abc_class={abc_class[:20]!r}: use one capital letter, e.g. A, B or C")
    rows = _rows(
        con.execute(
            "select distinct abc_class, reference_date, is_rule_abc_class, provisional_xyz_class, provisional_segment_code,"
            " provisional_segment_name, provisional_service_tier, reason_codes"
            " from marts.fct_new_entity_policies where grain = ? order by abc_class",
            [grain],
        )
    )
    if not rows:
        raise ServingError(
            "the published version has no marts.fct_new_entity_policies rows: publish a build that has the mart"
        )
    for row in rows:
        if (abc_class is None and row["is_rule_abc_class"]) or row["abc_class"] == abc_class:
            return row
    raise BadParameter(f"abc_class={abc_class!r} is not an ABC class of {grain}: use one of "
                       + ", ".join(row["abc_class"] for row in rows))


def new_entity_policy(
    con: duckdb.DuckDBPyConnection,
    grain: str,
    entity_id: str | None = None,
    counterpart_ids: list[str] | None = None,
    abc_class: str | None = None,
) -> dict[str, Any]:
    """Provisional segment, tier and policies of a customer or product placing its first order.

    ``counterpart_ids``: the products ordered (new customer) or the ordering customers (new product);
    each is looked up in the published segmentation, or is new too and takes the rule's provisional
    segment/tier. Without counterparts, the policies for every counterpart segment or tier are listed.
    """
    check_grain(grain, NEW_ENTITY_GRAINS)
    if entity_id is not None:
        check_id(entity_id, "entity id")
        published = _published_assignment(con, grain, entity_id)
        if published is not None:
            raise AlreadySegmented(
                f"{grain} {entity_id!r} is already segmented (segment {published[0]}, tier {published[1]}):"
                f" read {'/api/v1/entities/'}{grain}/{entity_id}"
            )
    counterpart_ids = counterpart_ids or []
    if len(counterpart_ids) > MAX_COUNTERPARTS:
        raise BadParameter(f"{len(counterpart_ids)} counterparts: at most {MAX_COUNTERPARTS} per request")
    provisional = _provisional(con, grain, abc_class)
    chosen_class = provisional["abc_class"]
    policy_sql = f"select {_select(NEW_ENTITY_POLICY_COLUMNS)}, product_segment_code, customer_service_tier" \
                 " from marts.fct_new_entity_policies where grain = ? and abc_class = ?"
    lines: list[dict[str, Any]] = []
    if not counterpart_ids:
        lines = _rows(con.execute(f"{policy_sql} order by product_segment_code, customer_service_tier",
                                  [grain, chosen_class]))
    counterpart_grain = "product" if grain == "customer" else "customer"
    for counterpart_id in counterpart_ids:
        check_id(counterpart_id, f"{counterpart_grain} id")
        published = _published_assignment(con, counterpart_grain, counterpart_id)
        if published is not None:
            counterpart = {"counterpart_is_new": False, "counterpart_segment_code": published[0],
                           "counterpart_service_tier": published[1]}
        else:
            rule = _provisional(con, counterpart_grain, None)
            counterpart = {"counterpart_is_new": True, "counterpart_segment_code": rule["provisional_segment_code"],
                           "counterpart_service_tier": rule["provisional_service_tier"]}
        if grain == "customer":
            match = _rows(con.execute(f"{policy_sql} and product_segment_code = ?",
                                      [grain, chosen_class, counterpart["counterpart_segment_code"]]))
        else:
            match = _rows(con.execute(f"{policy_sql} and customer_service_tier = ?",
                                      [grain, chosen_class, counterpart["counterpart_service_tier"]]))
        lines.append({f"{counterpart_grain}_id": counterpart_id, **counterpart,
                      **(match[0] if match else {"policy_id": None})})
    return {
        "grain": grain,
        "entity_id": entity_id,
        "abc_class": chosen_class,
        "reference_date": provisional["reference_date"],
        "is_rule_abc_class": provisional["is_rule_abc_class"],
        "provisional_xyz_class": provisional["provisional_xyz_class"],
        "provisional_segment_code": provisional["provisional_segment_code"],
        "provisional_segment_name": provisional["provisional_segment_name"],
        "provisional_service_tier": provisional["provisional_service_tier"],
        "reason_codes": provisional["reason_codes"],
        "policies": lines,
    }
