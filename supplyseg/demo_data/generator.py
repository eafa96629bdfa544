"""Orchestration: build masters and demand, then stream the history month by month to the files."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Callable, Mapping

import numpy as np

from . import demand as demand_mod
from . import behaviour as behaviour_mod
from . import logistics, masters, planted_disruption, planted_experiment, sinks
from .config import FORMATS, PROFILES, SCALES, Profile, resolve_defect_rates, stream_rng
from .defects import DefectState, inject_defects
from .orders import month_lines
from .stockouts import StockoutMonth
from .world import World
from .timeline import Timeline

ENTITIES: tuple[str, ...] = (
    "business_units", "customers", "crm_accounts", "ship_tos", "products", "order_lines", "deliveries",
    "inventory_snapshots", "forecasts", "fx_rates",
)
OPTIONAL_ENTITIES: tuple[str, ...] = (
    "deliveries", "forecasts", "inventory_snapshots", "crm_accounts", "ship_tos", "fx_rates",
)
TRUTH_DIR = "_truth"
STOCKOUT_TRUTH = "stockout_true_demand"
Columns = dict[str, np.ndarray]
Progress = Callable[[str], None]


def _silent(message: str) -> None:
    """The default progress callback: says nothing."""


def _check_arguments(scale: str, seed: int, fmt: str, profile: str) -> None:
    """Raise ValueError naming the argument and value at fault."""
    if scale not in SCALES:
        raise ValueError(f"scale={scale!r} is not one of {', '.join(SCALES)}")
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise ValueError(f"seed={seed!r} must be a non-negative integer")
    if fmt not in FORMATS:
        raise ValueError(f"fmt={fmt!r} is not one of {', '.join(FORMATS)}")
    if profile not in PROFILES:
        raise ValueError(f"profile={profile!r} is not one of {', '.join(PROFILES)}")


def build_world(scale: str, seed: int, profile: str) -> World:
    """Masters, demand, FX and unit shares for a scale, seed and profile (no files written)."""
    prof = PROFILES[profile]
    timeline = Timeline.build(prof.first_month, prof.n_months)
    units = masters.build_units(prof)
    customers = masters.build_customers(stream_rng(seed, "customers"), SCALES[scale], prof, units, timeline)
    ship_tos = masters.build_ship_tos(stream_rng(seed, "customers", 1), customers, prof, units)
    products = masters.build_products(stream_rng(seed, "products"), SCALES[scale], prof, timeline)
    demand = demand_mod.build_demand(stream_rng(seed, "demand"), SCALES[scale], products, timeline)
    fx = demand_mod.build_fx(stream_rng(seed, "fx"), tuple(s.currency_code for s in units.specs), prof.n_months)
    behaviour = behaviour_mod.plant_behaviour(stream_rng(seed, "behaviour"), customers, prof.n_months)
    share = demand_mod.unit_demand_share(customers, units, prof.n_months)
    return World(prof, timeline, units, customers, ship_tos, products, demand, fx, share, behaviour)


def _entity_files(prof: Profile) -> tuple[str, ...]:
    """Entities written by a profile."""
    return tuple(e for e in ENTITIES if prof.optional_files or e not in OPTIONAL_ENTITIES)


def _schema(entity: str, prof: Profile):
    """Output schema of an entity under a profile (thin drops the cost columns and the optional price clause)."""
    schema = sinks.SCHEMAS[entity]
    return schema if prof.with_costs else sinks.without_columns(
        schema, ("unit_cost", "standard_cost", "has_price_clause"))


def _prepare_out_dir(out: Path) -> None:
    """Create the output folders and remove files a previous run may have left (known names only)."""
    (out / TRUTH_DIR).mkdir(parents=True, exist_ok=True)
    for entity in ENTITIES:
        for fmt in FORMATS:
            (out / f"{entity}.{fmt}").unlink(missing_ok=True)
    for name in (*sinks.TRUTH_SCHEMAS, "summary"):
        for suffix in (".csv", ".json"):
            (out / TRUTH_DIR / f"{name}{suffix}").unlink(missing_ok=True)


def _master_columns(world: World) -> dict[str, Columns]:
    """Columns of the master-data entities."""
    u, c, s, p = world.units, world.customers, world.ship_tos, world.products
    bu_ids = u.ids
    return {
        "business_units": {
            "business_unit_id": bu_ids,
            "business_unit_name": np.array([x.business_unit_name for x in u.specs], dtype=object),
            "currency_code": u.currencies,
            "fiscal_calendar": np.array([x.fiscal_calendar for x in u.specs], dtype=object),
            "fiscal_year_start_month": np.array([x.fiscal_year_start_month for x in u.specs], dtype=np.int64),
        },
        "customers": {
            "business_unit_id": bu_ids[c.unit], "customer_id": c.customer_id, "customer_name": c.name,
            "country_code": c.country, "sales_region": c.region_erp, "created_date": c.created_date,
            "contact_name": c.contact_name, "contact_email": c.contact_email,
            "has_price_clause": c.has_price_clause,
        },
        "crm_accounts": {
            "business_unit_id": bu_ids[c.unit], "customer_id": c.customer_id,
            "global_account_id": c.account_id[c.account], "global_account_name": c.account_name[c.account],
            "is_key_account": c.account_is_key[c.account], "sales_region": c.region_crm,
        },
        "ship_tos": {
            "business_unit_id": bu_ids[s.unit], "ship_to_id": s.ship_to_id,
            "customer_id": c.customer_id[s.wms_customer], "logistics_unit": s.logistics_unit,
            "country_code": s.country,
        },
        "products": {
            "product_id": p.product_id, "product_name": p.name, "product_family": p.family,
            "unit_of_measure": p.unit_of_measure, "standard_cost": p.standard_cost,
            "lead_time_days": p.lead_time_days.astype(np.int64), "has_service_clause": p.has_service_clause,
        },
        "fx_rates": _fx_columns(world),
    }


def _fx_columns(world: World) -> Columns:
    """fx_rates rows: every currency and history month."""
    currencies = sorted(world.fx)
    months = world.timeline.n_months
    return {
        "currency_code": np.repeat(np.array(currencies, dtype=object), months),
        "rate_month": np.tile(np.array([world.timeline.month_start_iso(m) for m in range(months)], dtype=object),
                              len(currencies)),
        "rate_to_reporting": np.concatenate([world.fx[c] for c in currencies]),
    }


def _truth_columns(world: World) -> dict[str, Columns]:
    """Ground-truth tables known before streaming (patterns, conflicts, identity)."""
    c, s, p, t = world.customers, world.ship_tos, world.products, world.timeline
    bu_ids = world.units.ids
    region_conflict = np.flatnonzero(c.region_erp != c.region_crm)
    parent_conflict = np.flatnonzero(s.wms_customer != s.erp_customer)
    return {
        "product_patterns": {
            "product_id": p.product_id, "pattern": p.pattern,
            "first_month": np.array([t.month_start_iso(m) for m in p.first_month.tolist()], dtype=object),
            "last_month": np.array([t.month_start_iso(m) for m in p.last_month.tolist()], dtype=object),
            "months_active": (p.last_month - p.first_month + 1).astype(np.int64),
        },
        "sales_region_conflicts": {
            "business_unit_id": bu_ids[c.unit[region_conflict]], "customer_id": c.customer_id[region_conflict],
            "erp_sales_region": c.region_erp[region_conflict], "crm_sales_region": c.region_crm[region_conflict],
        },
        "ship_to_parent_conflicts": {
            "business_unit_id": bu_ids[s.unit[parent_conflict]], "ship_to_id": s.ship_to_id[parent_conflict],
            "wms_customer_id": c.customer_id[s.wms_customer[parent_conflict]],
            "erp_customer_id": c.customer_id[s.erp_customer[parent_conflict]],
        },
        "customer_identity": {
            "business_unit_id": bu_ids[c.unit], "customer_id": c.customer_id,
            "global_account_id": c.account_id[c.account],
        },
        "customer_behaviour_groups": {
            "business_unit_id": bu_ids[c.unit], "customer_id": c.customer_id,
            "global_account_id": c.account_id[c.account],
            "behaviour_group": np.array(behaviour_mod.BEHAVIOUR_GROUPS, dtype=object)[world.behaviour.group],
        },
    }


def _stream_months(world: World, seed: int, rates: dict[str, float], out: Path, fmt: str,
                   entities: tuple[str, ...], progress: Progress = _silent) -> tuple[dict[str, int], dict[str, int], int]:
    """Generate and append every month; returns (rows per entity, rows per defect, base lines).

    ``progress`` gets a line about every tenth of the months (and the last one).
    """
    prof = world.profile
    names = [e for e in ("order_lines", "deliveries", "inventory_snapshots", "forecasts") if e in entities]
    out_sinks = {e: sinks.TableSink(out / f"{e}.{fmt}", _schema(e, prof), fmt) for e in names}
    defect_sink = sinks.TableSink(out / TRUTH_DIR / "order_line_defects.csv",
                                  sinks.TRUTH_SCHEMAS["order_line_defects"], "csv")
    with_stock = "inventory_snapshots" in out_sinks
    if with_stock:
        stockout_sink = sinks.TableSink(out / TRUTH_DIR / f"{STOCKOUT_TRUTH}.csv",
                                        sinks.TRUTH_SCHEMAS[STOCKOUT_TRUTH], "csv")
    next_order: dict[int, int] = {}
    state = DefectState(next_return_order={})
    next_delivery = [1]
    defect_counts = {name: 0 for name in rates}
    base_lines = 0
    reported_tenth = 0
    for month in range(prof.n_months):
        lines, stockout = month_lines(world, month, stream_rng(seed, "lines", month), next_order,
                                      stream_rng(seed, "stockouts", month) if with_stock else None)
        base_lines += len(lines)
        if "deliveries" in out_sinks:
            delivered = logistics.deliveries(world, lines, stream_rng(seed, "deliveries", month), next_delivery)
            delivered = planted_experiment.plant_policy_effect(world, seed, month, lines, delivered)
            # A disruption overrides the policy effect: a disrupted plant's lines are late whatever the policy.
            delivered = planted_disruption.disrupt(world, seed, month, lines, out / TRUTH_DIR, delivered)
            out_sinks["deliveries"].write(delivered)
        rows, records = inject_defects(world, lines, rates, stream_rng(seed, "defects", month), state)
        out_sinks["order_lines"].write(rows)
        defect_sink.write(records)
        for name, count in zip(*np.unique(records["defect"].astype(str), return_counts=True)):
            defect_counts[str(name)] += int(count)
        if with_stock:
            out_sinks["inventory_snapshots"].write(
                logistics.inventory(world, month, stream_rng(seed, "inventory", month), stockout))
            stockout_sink.write(_stockout_columns(world, month, stockout))
        if "forecasts" in out_sinks:
            out_sinks["forecasts"].write(logistics.forecasts(world, month, stream_rng(seed, "forecasts", month)))
        tenth = (month + 1) * 10 // prof.n_months
        if tenth > reported_tenth or month + 1 == prof.n_months:
            reported_tenth = tenth
            progress(f"  months {month + 1}/{prof.n_months} ({(month + 1) / prof.n_months:.0%}):"
                     f" {base_lines:,} order lines so far ({', '.join(names)})")
    counts = {e: sink.close() for e, sink in out_sinks.items()}
    defect_sink.close()
    if with_stock:
        counts[STOCKOUT_TRUTH] = stockout_sink.close()
    return counts, defect_counts, base_lines


def _stockout_columns(world: World, month: int, stockout: StockoutMonth) -> Columns:
    """stockout_true_demand rows of one month: every product x plant with clean demand."""
    n = len(stockout.product)
    return {
        "product_id": world.products.product_id[stockout.product],
        "plant_id": world.units.plant_ids[stockout.plant],
        "month": np.full(n, world.timeline.month_start_iso(month), dtype=object),
        "true_demand_quantity": stockout.true_quantity,
        "observed_quantity": stockout.observed_quantity,
        "is_stockout": stockout.is_stockout,
    }


def generate(scale: str, seed: int, out_dir: str | Path, fmt: str = "parquet", profile: str = "full",
             defect_rates: Mapping[str, float] | None = None, progress: Progress | None = None) -> dict[str, Any]:
    """Write the demo dataset to out_dir and its ground truth to out_dir/_truth; return the summary.

    ``progress`` receives one line per step (the master tables, about every tenth of the months of
    order lines and the files streamed with them, the truth files); silent by default.

    The summary (also written to ``_truth/summary.json``) holds scale, seed, profile, format,
    history window, rows per file, rows per truth file, defects per type, base order lines and
    defect rates; the returned dict adds ``out_dir``.
    """
    _check_arguments(scale, seed, fmt, profile)
    rates = resolve_defect_rates(defect_rates)
    out = Path(out_dir)
    progress = progress or _silent
    progress(f"Demo data: building the world (scale {scale}, seed {seed}, profile {profile}) ...")
    world = build_world(scale, int(seed), profile)
    entities = _entity_files(world.profile)
    _prepare_out_dir(out)

    files: dict[str, int] = {}
    for entity, columns in _master_columns(world).items():
        if entity in entities:
            files[entity] = sinks.write_table(out / f"{entity}.{fmt}", columns, _schema(entity, world.profile), fmt)
            progress(f"  {entity}.{fmt}: {files[entity]:,} rows")
    progress(f"  order lines, month by month ({world.profile.n_months} months) ...")
    streamed, defect_counts, base_lines = _stream_months(world, int(seed), rates, out, fmt, entities, progress)
    truth_files = {"order_line_defects": sum(defect_counts.values())}
    if STOCKOUT_TRUTH in streamed:
        truth_files[STOCKOUT_TRUTH] = streamed.pop(STOCKOUT_TRUTH)
    files.update(streamed)

    for name, columns in _truth_columns(world).items():
        if name in ("product_patterns", "customer_behaviour_groups") or world.profile.optional_files:
            truth_files[name] = sinks.write_table(out / TRUTH_DIR / f"{name}.csv", columns,
                                                  sinks.TRUTH_SCHEMAS[name], "csv")
    truth_files.update(planted_experiment.write_truth(world, out / TRUTH_DIR))
    summary: dict[str, Any] = {
        "scale": scale, "seed": int(seed), "profile": profile, "format": fmt,
        "history_start": world.timeline.month_start_iso(0),
        "history_end": world.timeline.month_end_iso(world.timeline.n_months - 1),
        "files": {e: files[e] for e in ENTITIES if e in files},
        "truth_files": dict(sorted(truth_files.items())),
        "defects": defect_counts,
        "base_order_lines": base_lines,
        "defect_rates": rates,
    }
    (out / TRUTH_DIR / "summary.json").write_text(json.dumps(summary, indent=2) + "\n", encoding="utf-8")
    progress(f"  ground truth: {len(truth_files)} files in {out / TRUTH_DIR}")
    return {**summary, "out_dir": str(out)}
