"""Disruption post-mortems (doc block disruption_postmortems, docs/disruptions.md), from the raw files and seeds.

- Windows: during = the event's days; before and after = var ``disruption_comparison_days`` days (0: as many
  as the event) just before and just after it.
- A measured sales line (``reference.kpis.measured_sales_lines``, the KPI rules) belongs to the window holding
  its requested date; it is affected when it ships from a plant of the event. Events given by sales region
  are not covered here (the shipped seed has none): ``windows`` raises on them.
- Per grain, a segment is hit when it has affected lines due during the event; per hit segment, scope
  (affected, unaffected) and window: lines, revenue, on-time, OTIF and line fill rate.
- Rank per event and grain: OTIF change during - before of the affected lines ascending, then on-time, then
  line fill change (missing last), then segment code.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from reference.settings import SEEDS_DIR

WINDOWS = ("before", "during", "after")
RATES = {"on_time_rate": ("is_on_time", "on_time_base"), "otif_rate": ("is_otif", "on_time_base"),
         "line_fill_rate": ("is_filled_first_time", "is_delivered")}


def seed_events() -> pd.DataFrame:
    """Seed disruption_events as text, blank cells as empty strings."""
    return pd.read_csv(SEEDS_DIR / "performance" / "disruption_events.csv", dtype=str, keep_default_na=False)


def windows(events: pd.DataFrame, comparison_days: int) -> pd.DataFrame:
    """event_id, plants (set), window_name, window_start_date, window_end_date per event and window."""
    rows = []
    for event in events.itertuples(index=False):
        if event.affected_regions:
            raise NotImplementedError(f"event {event.event_id}: regions are not covered by this oracle")
        start, end = dt.date.fromisoformat(event.start_date), dt.date.fromisoformat(event.end_date)
        days = comparison_days or (end - start).days + 1
        plants = set(str(event.affected_plant_ids or "").split("|")) - {""}
        bounds = {"before": (start - dt.timedelta(days=days), start - dt.timedelta(days=1)),
                  "during": (start, end),
                  "after": (end + dt.timedelta(days=1), end + dt.timedelta(days=days))}
        for name in WINDOWS:
            rows.append({"event_id": event.event_id, "plants": plants, "window_name": name,
                         "window_start_date": pd.Timestamp(bounds[name][0]),
                         "window_end_date": pd.Timestamp(bounds[name][1])})
    return pd.DataFrame(rows)


def postmortems(lines: pd.DataFrame, events: pd.DataFrame, comparison_days: int,
                segments: dict[str, tuple[str, pd.Series]]) -> pd.DataFrame:
    """One row per event, grain, hit segment and scope with <measure>_<window>, changes and impact_rank.
    ``segments`` maps a grain to (line column of its entity, entity -> segment code)."""
    out = []
    for event_id, event_windows in windows(events, comparison_days).groupby("event_id", sort=True):
        placed = []
        for window in event_windows.itertuples(index=False):
            due = lines["requested_date"].between(window.window_start_date, window.window_end_date)
            part = lines[due].copy()
            part["window_name"] = window.window_name
            part["scope"] = np.where(part["plant_id"].isin(window.plants), "affected", "unaffected")
            placed.append(part)
        placed = pd.concat(placed, ignore_index=True)
        for grain, (entity, segment_of) in segments.items():
            frame = placed.assign(segment_code=placed[entity].map(segment_of))
            frame = frame[frame["segment_code"].notna()]
            hit = set(frame.loc[(frame["scope"] == "affected") & (frame["window_name"] == "during"), "segment_code"])
            frame = frame[frame["segment_code"].isin(hit)]
            for column in ("on_time_base", "is_on_time", "is_otif", "is_filled_first_time", "is_delivered"):
                frame[column] = frame[column].astype(int)
            sums = frame.groupby(["segment_code", "scope", "window_name"]).agg(
                line_count=("order_id", "size"), revenue_rep_ccy=("revenue_rep_ccy", "sum"),
                on_time_base=("on_time_base", "sum"), is_on_time=("is_on_time", "sum"), is_otif=("is_otif", "sum"),
                is_filled_first_time=("is_filled_first_time", "sum"), is_delivered=("is_delivered", "sum"))
            grid = pd.MultiIndex.from_product([sorted(hit), ["affected", "unaffected"], list(WINDOWS)],
                                              names=["segment_code", "scope", "window_name"])
            sums = sums.reindex(grid).fillna(0)
            for rate, (numerator, denominator) in RATES.items():
                sums[rate] = (sums[numerator] / sums[denominator].where(sums[denominator] > 0)).astype(float)
            wide = sums[["line_count", "revenue_rep_ccy", *RATES]].unstack("window_name")
            wide.columns = [f"{measure}_{window}" for measure, window in wide.columns]
            wide = wide.reset_index()
            for rate in RATES:
                wide[f"{rate}_change_during"] = wide[f"{rate}_during"] - wide[f"{rate}_before"]
                wide[f"{rate}_change_after"] = wide[f"{rate}_after"] - wide[f"{rate}_before"]
            affected = wide[wide["scope"] == "affected"].copy()
            keys = [f"{rate}_change_during" for rate in ("otif_rate", "on_time_rate", "line_fill_rate")]
            for key in keys:
                affected[key + "_key"] = affected[key].round(10).fillna(np.inf)
            affected = affected.sort_values([k + "_key" for k in keys] + ["segment_code"], kind="mergesort")
            rank = pd.Series(np.arange(1, len(affected) + 1), index=affected["segment_code"].to_numpy())
            wide["impact_rank"] = wide["segment_code"].map(rank)
            wide.insert(0, "grain", grain)
            wide.insert(0, "event_id", event_id)
            out.append(wide)
    return pd.concat(out, ignore_index=True)
