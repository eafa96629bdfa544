"""The monitoring report: a static HTML page with plots of one PUBLISHED version (issue 18 section 7).

    python -m supplyseg.cli report [--serving-dir build/serving] [--version v000007]

Reads only the serving folder (``supplyseg.publish``: the version files, opened read-only, and the
pointer ``current.json``), never the working database, and writes::

    <serving_dir>/reports/v000007.html   the report of that version (rewritten when asked again)
    <serving_dir>/reports/current.html   a copy of the current version's report (replaced atomically)

Sections: ABC Pareto curves (customer, product), the ABC-XYZ heatmap with counts and value, the ADI
vs CV² plane with the cut-offs the run used, cluster diagnostics (elbow and silhouette) and cluster
profiles, feature drift (PSI, this run and over the kept versions) and segment churn over runs, KPI
attainment per segment, the completeness gates, the quarantine counts, and the impact assessment
kept with the version. A section whose tables are missing or empty in the version (a thin extract)
says so, with the reason from ``marts.fct_data_capabilities`` where there is one, instead of failing.

The figures are plotly figures; plotly.js comes from the plotly wheel and is written inline once in
the page, so the file opens offline, from disk or as an e-mail attachment (about 5 MB).
"""

from __future__ import annotations

import argparse
import html
import os
import sys
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb
import plotly.graph_objects as go
from plotly.offline import get_plotlyjs
from plotly.subplots import make_subplots

from supplyseg.publish import ServingError, Version, list_versions, serving_dir_from_env

REPORTS_FOLDER = "reports"
CURRENT_REPORT = "current.html"
# Points drawn per scatter or curve at most (every n-th entity in a fixed order beyond that), so a report of
# the large scale stays a few MB and opens quickly; counts and sums always use every row.
MAX_POINTS = 2500
CLASS_COLOURS = {"A": "#1b7837", "B": "#f1a340", "C": "#b2182b"}
PATTERN_COLOURS = {"smooth": "#1b9e77", "erratic": "#d95f02", "intermittent": "#7570b3", "lumpy": "#e7298a"}
PLOT_CONFIG = {"displaylogo": False, "responsive": True}


class ReportError(RuntimeError):
    """The report cannot be written (nothing published, unknown version)."""


@dataclass
class Section:
    """One part of the report: a title, a sentence saying what it shows, figures and tables, or a note."""

    anchor: str
    title: str
    intro: str
    figures: list[go.Figure] = field(default_factory=list)
    tables: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


class Published:
    """Read access to one published version file (read-only connection)."""

    def __init__(self, con: duckdb.DuckDBPyConnection) -> None:
        self.con = con
        self.tables = {
            f"{schema}.{name}"
            for schema, name in con.execute("select schema_name, table_name from duckdb_tables()").fetchall()
        }

    def has_rows(self, table: str) -> bool:
        return table in self.tables and self.con.execute(f"select count(*) from {table}").fetchone()[0] > 0

    def rows(self, sql: str, parameters: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        return self.con.execute(sql, list(parameters)).fetchall()

    def missing(self, tables: Sequence[str], capabilities: Sequence[str] = ()) -> str | None:
        """Why a section cannot be drawn: the first table missing or empty, with the capability reasons."""
        for table in tables:
            if table not in self.tables:
                return f"{table} is not in this published version (published before it existed?)."
            if not self.has_rows(table):
                reasons = self.capability_reasons(capabilities)
                return f"{table} is empty in this published version." + (f" {reasons}" if reasons else "")
        return None

    def capability_reasons(self, capabilities: Sequence[str]) -> str:
        if not capabilities or "marts.fct_data_capabilities" not in self.tables:
            return ""
        rows = self.rows(
            "select capability, unavailable_reason from marts.fct_data_capabilities"
            " where not is_available and unavailable_reason is not null"
            " and (" + " or ".join("capability like ?" for _ in capabilities) + ") order by capability",
            [f"{name}%" for name in capabilities],
        )
        return " ".join(f"{capability}: {reason}" for capability, reason in rows)


# ---------------------------------------------------------------------------------------------------
# Helpers


def _thin_out(rows: list[tuple[Any, ...]], limit: int = MAX_POINTS) -> list[tuple[Any, ...]]:
    """Every n-th row (first and last kept) so that at most about ``limit`` rows remain."""
    if len(rows) <= limit:
        return rows
    step = -(-len(rows) // limit)
    kept = rows[::step]
    return kept if kept[-1] is rows[-1] else [*kept, rows[-1]]


def _layout(figure: go.Figure, title: str, height: int = 420, **axes: Any) -> go.Figure:
    figure.update_layout(title=title, height=height, template="plotly_white", margin={"l": 60, "r": 30, "t": 60, "b": 50},
                         legend={"orientation": "h", "y": -0.18}, **axes)
    return figure


def _table(headers: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    def cell(value: Any) -> str:
        if isinstance(value, float):
            return f"{value:,.4g}" if abs(value) < 1000 else f"{value:,.0f}"
        if isinstance(value, int) and not isinstance(value, bool):
            return f"{value:,}"
        return html.escape("" if value is None else str(value))

    head = "".join(f"<th>{html.escape(h)}</th>" for h in headers)
    body = "".join("<tr>" + "".join(f"<td>{cell(v)}</td>" for v in row) + "</tr>" for row in rows)
    return f'<table class="data"><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>'


# ---------------------------------------------------------------------------------------------------
# Sections


def section_abc_pareto(data: Published) -> Section:
    section = Section("abc-pareto", "ABC Pareto curves",
                      "Cumulative share of the ABC measure against the share of entities, ranked by value; the colour"
                      " is the ABC class the entity got.")
    for grain, table, label in (("customer", "marts.dim_customer_segments", "Customers"),
                                ("product", "marts.dim_product_segments", "Products")):
        reason = data.missing([table])
        if reason:
            section.notes.append(f"{label}: {reason}")
            continue
        rows = data.rows(
            f"select abc_rank, abc_cumulative_share, abc_class, abc_measure from {table}"
            " where abc_rank is not null and abc_cumulative_share is not null order by abc_rank"
        )
        if not rows:
            section.notes.append(f"{label}: no ranked entity in this version.")
            continue
        total = len(rows)
        measure = rows[0][3]
        figure = go.Figure()
        for abc_class in sorted({row[2] for row in rows}):
            points = _thin_out([row for row in rows if row[2] == abc_class])
            figure.add_trace(go.Scatter(
                x=[row[0] / total for row in points], y=[row[1] for row in points], mode="lines+markers",
                marker={"size": 4, "color": CLASS_COLOURS.get(abc_class)}, name=f"class {abc_class}",
            ))
        _layout(figure, f"{label}: ABC Pareto curve ({total:,} ranked, measure {measure})",
                xaxis={"title": "share of entities (ranked by value)", "tickformat": ".0%"},
                yaxis={"title": f"cumulative share of {measure}", "tickformat": ".0%"})
        section.figures.append(figure)
        counts = data.rows(f"select abc_class, count(*) from {table} group by 1 order by 1")
        section.tables.append(f"<p>{label} per ABC class: "
                              + ", ".join(f"{html.escape(str(c))} {n:,}" for c, n in counts) + "</p>")
    return section


def section_abc_xyz(data: Published) -> Section:
    section = Section("abc-xyz", "ABC-XYZ heatmap",
                      "Entities per ABC class (value) and XYZ class (demand variability); each cell shows the number"
                      " of entities and the sum of their ABC measure value, the colour is the value share.")
    reason = data.missing(["marts.fct_segment_assignments"])
    if reason:
        section.notes.append(reason)
        return section
    for grain in ("product", "customer"):
        rows = data.rows(
            "select abc_class, xyz_class, count(*), sum(abc_measure_value), any_value(abc_measure)"
            " from marts.fct_segment_assignments where grain = ? and abc_class is not null and xyz_class is not null"
            " group by 1, 2 order by 1, 2", [grain],
        )
        if not rows:
            section.notes.append(f"{grain}: no entity with both an ABC and an XYZ class in this version.")
            continue
        abc = sorted({row[0] for row in rows})
        xyz = sorted({row[1] for row in rows})
        cells = {(row[0], row[1]): row for row in rows}
        total_value = sum(float(row[3] or 0) for row in rows) or 1.0
        z, text = [], []
        for a in abc:
            z.append([float(cells[(a, x)][3] or 0) / total_value if (a, x) in cells else 0.0 for x in xyz])
            text.append([
                f"{cells[(a, x)][2]:,} entities<br>{float(cells[(a, x)][3] or 0):,.0f}" if (a, x) in cells else "0"
                for x in xyz
            ])
        figure = go.Figure(go.Heatmap(
            z=z, x=[f"{x}" for x in xyz], y=[f"{a}" for a in abc], text=text, texttemplate="%{text}",
            colorscale="Blues", colorbar={"title": "value share", "tickformat": ".0%"},
            hovertemplate="ABC %{y}, XYZ %{x}<br>%{text}<br>value share %{z:.1%}<extra></extra>",
        ))
        measure = rows[0][4]
        _layout(figure, f"{grain.capitalize()}s: ABC x XYZ (value = {measure})", height=380,
                xaxis={"title": "XYZ class"}, yaxis={"title": "ABC class", "autorange": "reversed"})
        section.figures.append(figure)
    return section


def section_demand_patterns(data: Published) -> Section:
    section = Section("adi-cv2", "Demand patterns: ADI vs CV²",
                      "Products on the Syntetos-Boylan-Croston plane: average demand interval (ADI) against the"
                      " squared coefficient of variation of the non-zero demands (CV²), with the cut-offs this run"
                      " classified on.")
    reason = data.missing(["marts.fct_demand_pattern_measures"])
    if reason:
        section.notes.append(reason)
        return section
    rows = data.rows(
        "select entity_id, average_demand_interval, cv_squared_nonzero, demand_pattern, adi_cutoff, cv_squared_cutoff"
        " from marts.fct_demand_pattern_measures where grain = 'product'"
        " and average_demand_interval is not null and cv_squared_nonzero is not null order by entity_id"
    )
    if not rows:
        section.notes.append("No product has a measured ADI and CV² in this version.")
        return section
    adi_cutoff, cv2_cutoff = rows[0][4], rows[0][5]
    figure = go.Figure()
    for pattern in sorted({row[3] for row in rows}):
        points = _thin_out([row for row in rows if row[3] == pattern])
        count = sum(1 for row in rows if row[3] == pattern)
        figure.add_trace(go.Scatter(
            x=[row[1] for row in points], y=[row[2] for row in points], mode="markers", text=[row[0] for row in points],
            marker={"size": 5, "opacity": 0.7, "color": PATTERN_COLOURS.get(pattern)}, name=f"{pattern} ({count:,})",
            hovertemplate="%{text}<br>ADI %{x:.2f}<br>CV² %{y:.2f}<extra></extra>",
        ))
    figure.add_vline(x=adi_cutoff, line_dash="dash", line_color="#444", annotation_text=f"ADI {adi_cutoff:g}")
    figure.add_hline(y=cv2_cutoff, line_dash="dash", line_color="#444", annotation_text=f"CV² {cv2_cutoff:g}")
    _layout(figure, f"Products: ADI vs CV² ({len(rows):,} with demand; cut-offs ADI {adi_cutoff:g}, CV² {cv2_cutoff:g})",
            height=480, xaxis={"title": "ADI (periods between demands)", "type": "log"},
            yaxis={"title": "CV² of non-zero demand"})
    section.figures.append(figure)
    other = data.rows(
        "select demand_pattern, count(*) from marts.fct_demand_pattern_measures where grain = 'product'"
        " and (average_demand_interval is null or cv_squared_nonzero is null) group by 1 order by 1"
    )
    if other:
        section.tables.append("<p>Products not on the plane (no measured ADI or CV²): "
                              + ", ".join(f"{html.escape(str(p))} {n:,}" for p, n in other) + "</p>")
    return section


def section_clusters(data: Published) -> Section:
    section = Section("clusters", "Behaviour clusters",
                      "Diagnostics of the number of clusters (elbow: inertia; silhouette) with the chosen k marked,"
                      " and the cluster profiles: z-score of each feature's centroid against the population.")
    reason = data.missing(["marts.fct_cluster_diagnostics"], ["clustering"])
    if reason:
        section.notes.append(reason)
    else:
        for grain, method in data.rows("select distinct grain, method from marts.fct_cluster_diagnostics order by 1, 2"):
            rows = data.rows(
                "select k, inertia, silhouette, is_chosen_k from marts.fct_cluster_diagnostics"
                " where grain = ? and method = ? order by k", [grain, method],
            )
            figure = make_subplots(rows=1, cols=2, subplot_titles=("elbow: inertia", "silhouette"))
            ks = [row[0] for row in rows]
            figure.add_trace(go.Scatter(x=ks, y=[row[1] for row in rows], mode="lines+markers", name="inertia"), 1, 1)
            figure.add_trace(go.Scatter(x=ks, y=[row[2] for row in rows], mode="lines+markers", name="silhouette"), 1, 2)
            chosen = [row for row in rows if row[3]]
            if chosen:
                figure.add_trace(go.Scatter(x=[chosen[0][0]], y=[chosen[0][1]], mode="markers", name=f"chosen k = {chosen[0][0]}",
                                            marker={"size": 14, "symbol": "star", "color": "#d62728"}), 1, 1)
                figure.add_trace(go.Scatter(x=[chosen[0][0]], y=[chosen[0][2]], mode="markers", showlegend=False,
                                            marker={"size": 14, "symbol": "star", "color": "#d62728"}), 1, 2)
            _layout(figure, f"{grain}: cluster diagnostics ({method})", height=380)
            figure.update_xaxes(title_text="k")
            section.figures.append(figure)
    reason = data.missing(["marts.fct_cluster_profiles"], ["clustering"])
    if reason:
        section.notes.append(reason)
        return section
    for (grain,) in data.rows("select distinct grain from marts.fct_cluster_profiles order by 1"):
        rows = data.rows(
            "select cluster_id, coalesce(cluster_name, 'cluster ' || cluster_id), feature_name, z_score, entity_count"
            " from marts.fct_cluster_profiles where grain = ? order by cluster_id, feature_name", [grain],
        )
        clusters = sorted({(row[0], f"{row[1]} ({row[4]:,})") for row in rows})
        features = sorted({row[2] for row in rows})
        values = {(row[0], row[2]): row[3] for row in rows}
        z = [[values.get((cluster_id, feature)) for feature in features] for cluster_id, _ in clusters]
        figure = go.Figure(go.Heatmap(
            z=z, x=features, y=[label for _, label in clusters], colorscale="RdBu", zmid=0, reversescale=True,
            colorbar={"title": "z-score"}, hovertemplate="%{y}<br>%{x}: z = %{z:.2f}<extra></extra>",
        ))
        _layout(figure, f"{grain}: cluster profiles", height=max(300, 60 + 45 * len(clusters)),
                xaxis={"tickangle": -30})
        section.figures.append(figure)
    return section


def section_drift_and_churn(data: Published, history: list[tuple[Version, list[tuple[Any, ...]]]]) -> Section:
    section = Section("drift-churn", "Feature drift and segment churn over runs",
                      "Population stability index (PSI) of each clustering feature against the previous run, in this"
                      " version and in every kept published version; and the share of continuing entities whose"
                      " segment changed, run after run (history of the published assignments).")
    reason = data.missing(["marts.fct_cluster_drift"], ["clustering"])
    if reason:
        section.notes.append(reason + " (The first run has no previous run to compare with.)")
    else:
        rows = data.rows(
            "select grain, distribution_kind, feature_name, population_stability_index, is_above_threshold"
            " from marts.fct_cluster_drift order by grain, distribution_kind, feature_name"
        )
        figure = go.Figure()
        for above, colour, label in ((False, "#4575b4", "below threshold"), (True, "#d73027", "above threshold")):
            points = [row for row in rows if bool(row[4]) == above]
            if points:
                figure.add_trace(go.Bar(x=[f"{r[0]} / {r[2]}" + ("" if r[1] == "feature" else f" ({r[1]})") for r in points],
                                        y=[r[3] for r in points], marker_color=colour, name=label))
        _layout(figure, "PSI per feature, this run against the previous one", xaxis={"tickangle": -35},
                yaxis={"title": "PSI"})
        section.figures.append(figure)
    runs = [(version, rows) for version, rows in history if rows]
    if len(runs) >= 2:
        figure = go.Figure()
        series: dict[str, list[tuple[str, float]]] = {}
        for version, rows in runs:
            for grain, feature, psi in rows:
                series.setdefault(f"{grain} / {feature}", []).append((version.version_id, psi))
        for name, points in sorted(series.items()):
            figure.add_trace(go.Scatter(x=[p[0] for p in points], y=[p[1] for p in points], mode="lines+markers", name=name))
        _layout(figure, "PSI per feature over the kept published versions", xaxis={"title": "version"},
                yaxis={"title": "PSI"})
        section.figures.append(figure)
    else:
        section.notes.append(f"PSI over runs: {len(runs)} kept published version(s) with drift measures; the line"
                             " over versions needs two.")
    reason = data.missing(["marts.fct_segment_churn"])
    if reason:
        section.notes.append(reason + " (Churn needs two runs in the history.)")
        return section
    rows = data.rows(
        "select grain, to_snapshot_at, any_value(to_run_id), any_value(run_churn_share),"
        " any_value(run_continuing_entity_count), any_value(run_segment_changed_entity_count)"
        " from marts.fct_segment_churn group by 1, 2 order by 1, 2"
    )
    figure = go.Figure()
    for grain in sorted({row[0] for row in rows}):
        points = [row for row in rows if row[0] == grain]
        figure.add_trace(go.Scatter(
            x=[str(row[1]) for row in points], y=[row[3] for row in points], mode="lines+markers", name=grain,
            text=[f"run {row[2]}: {row[5]:,} of {row[4]:,} changed" for row in points],
            hovertemplate="%{text}<br>churn %{y:.1%}<extra></extra>",
        ))
    _layout(figure, "Segment churn per run (share of continuing entities whose segment changed)",
            xaxis={"title": "run (snapshot time)", "type": "category"}, yaxis={"title": "churn", "tickformat": ".0%"})
    section.figures.append(figure)
    return section


def section_kpis(data: Published) -> Section:
    section = Section("kpis", "KPI attainment per segment",
                      "Attainment (KPI value against its target, 1 = on target) per segment and KPI, averaged over"
                      " the periods of the published run, and the share of periods the target was met.")
    reason = data.missing(["marts.fct_segment_kpis"], ["kpi", "fill", "otif", "service"])
    if reason:
        section.notes.append(reason)
        return section
    rows = data.rows(
        "select grain, segment_code, kpi_name, avg(attainment), avg(case when is_target_met then 1.0 else 0.0 end),"
        " count(*) from marts.fct_segment_kpis where attainment is not null group by 1, 2, 3 order by 1, 2, 3"
    )
    if not rows:
        section.notes.append("marts.fct_segment_kpis has no KPI with a target in this version.")
        return section
    for grain in sorted({row[0] for row in rows}):
        points = [row for row in rows if row[0] == grain]
        segments = sorted({row[1] for row in points})
        kpis = sorted({row[2] for row in points})
        cells = {(row[1], row[2]): row for row in points}
        z = [[cells[(s, k)][3] if (s, k) in cells else None for k in kpis] for s in segments]
        text = [[f"{cells[(s, k)][3]:.2f}<br>met {cells[(s, k)][4]:.0%}" if (s, k) in cells else "" for k in kpis]
                for s in segments]
        figure = go.Figure(go.Heatmap(
            z=z, x=kpis, y=segments, text=text, texttemplate="%{text}", colorscale="RdYlGn", zmid=1,
            colorbar={"title": "attainment"}, hovertemplate="%{y} %{x}<br>attainment %{z:.2f}<extra></extra>",
        ))
        _layout(figure, f"{grain}: KPI attainment per segment", height=max(320, 80 + 32 * len(segments)),
                xaxis={"tickangle": -30}, yaxis={"title": "segment", "type": "category"})
        section.figures.append(figure)
    return section


def section_gates(data: Published) -> Section:
    section = Section("gates", "Completeness gates",
                      "Share measured on the published load for each completeness gate (the worst place of its"
                      " scope) against its minimum.")
    reason = data.missing(["marts.fct_completeness_gate_results"])
    if reason:
        section.notes.append(reason)
        return section
    rows = data.rows(
        "select gate_id, severity, measured_share, min_share, is_passed, measured_at, result_message"
        " from marts.fct_completeness_gate_results order by gate_id"
    )
    figure = go.Figure()
    for passed, colour, label in ((True, "#1a9850", "passed"), (False, "#d73027", "failed")):
        points = [row for row in rows if bool(row[4]) == passed]
        if points:
            figure.add_trace(go.Bar(x=[row[0] for row in points], y=[row[2] for row in points], marker_color=colour,
                                    name=label, customdata=[row[5] for row in points],
                                    hovertemplate="%{x}: %{y:.2%}<br>%{customdata}<extra></extra>"))
    figure.add_trace(go.Scatter(x=[row[0] for row in rows], y=[row[3] for row in rows], mode="markers",
                                marker={"symbol": "line-ew-open", "size": 30, "color": "#000", "line": {"width": 3}},
                                name="minimum"))
    _layout(figure, "Completeness gates: measured share and minimum", yaxis={"title": "share", "tickformat": ".0%"},
            xaxis={"type": "category"})
    section.figures.append(figure)
    section.tables.append(_table(["gate", "severity", "passed", "result"],
                                 [(row[0], row[1], "yes" if row[4] else "NO", row[6]) for row in rows]))
    return section


def section_quarantine(data: Published) -> Section:
    section = Section("quarantine", "Quarantined rows",
                      "Input rows set aside by the load of the published run, per input entity and rejection reason.")
    if "marts.fct_quarantined_rows" not in data.tables:
        section.notes.append("marts.fct_quarantined_rows is not in this published version.")
        return section
    rows = data.rows("select entity, rejection_reason, count(*) from marts.fct_quarantined_rows group by 1, 2 order by 1, 2")
    if not rows:
        section.notes.append("No row was quarantined in the published load.")
    else:
        figure = go.Figure()
        entities = sorted({row[0] for row in rows})
        for reason in sorted({row[1] for row in rows}):
            counts = {row[0]: row[2] for row in rows if row[1] == reason}
            figure.add_trace(go.Bar(x=entities, y=[counts.get(entity, 0) for entity in entities], name=reason))
        _layout(figure, f"Quarantined rows per entity and reason ({sum(row[2] for row in rows):,} rows)",
                barmode="stack", yaxis={"title": "rows"}, xaxis={"type": "category"})
        section.figures.append(figure)
    if "marts.fct_load_summary" in data.tables:
        summary = data.rows(
            "select entity, rows_read, rows_used, rows_quarantined, exact_duplicates_removed from marts.fct_load_summary"
            " where run_id = published_run_id order by entity"
        )
        if summary:
            section.tables.append(_table(["entity", "rows read", "rows used", "quarantined", "exact duplicates removed"],
                                         summary))
    return section


def section_impact(version: Version) -> Section:
    section = Section("impact", "Impact assessment kept with this version",
                      "What publishing this version changed against the version it replaced: the governance impact"
                      " summary (marts.fct_segment_impact_summary) the build computed against the published version,"
                      " as publish kept it.")
    impact = version.impact or {}
    if impact.get("note"):
        section.notes.append(str(impact["note"]))
    measures = impact.get("measures") or []
    if measures:
        section.tables.append(_table(["grain", "measure", "value", "unit"],
                                     [(m.get("grain"), m.get("measure"), m.get("measure_value"), m.get("measure_unit"))
                                      for m in measures]))
        section.tables.append(f"<p>Compared with {html.escape(str(impact.get('compared_with')))} (run"
                              f" {html.escape(str(impact.get('published_run_id')))}).</p>")
    elif not impact.get("note"):
        section.notes.append("No impact assessment is kept with this version.")
    return section


# ---------------------------------------------------------------------------------------------------
# Page


SECTION_BUILDERS: tuple[Callable[[Published], Section], ...] = (
    section_abc_pareto, section_abc_xyz, section_demand_patterns, section_clusters, section_kpis, section_gates,
    section_quarantine,
)

STYLE = """
body { font-family: system-ui, -apple-system, "Segoe UI", sans-serif; margin: 0 auto; max-width: 1200px;
       padding: 0 24px 48px; color: #222; }
header { border-bottom: 2px solid #1b7837; margin-bottom: 16px; }
h1 { margin-bottom: 4px; }
nav a { margin-right: 12px; }
section { margin-top: 32px; }
.note { background: #fff7e6; border-left: 4px solid #f1a340; padding: 8px 12px; margin: 8px 0; }
table.data { border-collapse: collapse; margin: 8px 0; font-size: 14px; }
table.data th, table.data td { border: 1px solid #ddd; padding: 4px 8px; text-align: left; }
table.data th { background: #f3f3f3; }
.meta { color: #555; }
"""


def render(version: Version, sections: list[Section]) -> str:
    """The whole page: plotly.js inline once, then each section's figures and tables."""
    parts: list[str] = []
    figure_number = 0
    for section in sections:
        parts.append(f'<section id="{section.anchor}"><h2>{html.escape(section.title)}</h2>'
                     f"<p>{html.escape(section.intro)}</p>")
        parts.extend(f'<p class="note">{html.escape(note)}</p>' for note in section.notes)
        for figure in section.figures:
            figure_number += 1
            parts.append(figure.to_html(full_html=False, include_plotlyjs=False, div_id=f"figure-{figure_number}",
                                        config=PLOT_CONFIG))
        parts.extend(section.tables)
        parts.append("</section>")
    navigation = " ".join(f'<a href="#{s.anchor}">{html.escape(s.title)}</a>' for s in sections)
    rows = sum(version.row_counts.values())
    title = f"Supply segmentation monitoring report - {version.version_id}"
    return (
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
        f"<title>{html.escape(title)}</title><style>{STYLE}</style>"
        f'<script type="text/javascript">{get_plotlyjs()}</script></head><body>'
        f"<header><h1>{html.escape(title)}</h1>"
        f'<p class="meta">Run <b>{html.escape(version.run_id)}</b>, published {html.escape(version.published_at)},'
        f" model version {html.escape(version.model_version)}, commit {html.escape(str(version.git_commit))},"
        f" {rows:,} rows in {len(version.row_counts)} tables. Read from the published version only.</p>"
        f"<nav>{navigation}</nav></header>" + "".join(parts) + "</body></html>\n"
    )


def _drift_rows(path: Path) -> list[tuple[Any, ...]]:
    """(grain, feature, PSI) of one kept version, [] when it has no drift measures."""
    try:
        with duckdb.connect(str(path), read_only=True) as con:
            present = con.execute("select count(*) from duckdb_tables() where schema_name = 'marts'"
                                  " and table_name = 'fct_cluster_drift'").fetchone()[0]
            if not present:
                return []
            return con.execute(
                "select grain, feature_name || case when distribution_kind = 'feature' then ''"
                " else ' (' || distribution_kind || ')' end, population_stability_index"
                " from marts.fct_cluster_drift order by 1, 2"
            ).fetchall()
    except duckdb.IOException:
        return []  # pruned while the report was being written


def build_report(serving_dir: Path, version: Version) -> str:
    """The HTML report of a published version (read-only)."""
    versions = list_versions(serving_dir)
    history = [(kept, _drift_rows(kept.path(serving_dir))) for kept in versions if kept.version_id <= version.version_id]
    with duckdb.connect(str(version.path(serving_dir)), read_only=True) as con:
        data = Published(con)
        sections = [builder(data) for builder in SECTION_BUILDERS]
        sections.insert(4, section_drift_and_churn(data, history))
    sections.append(section_impact(version))
    return render(version, sections)


def _write_atomically(path: Path, text: str) -> None:
    temp = path.with_name(f".tmp-{uuid.uuid4().hex}-{path.name}")
    temp.write_text(text, encoding="utf-8")
    os.replace(temp, path)


def write_report(
    serving_dir: Path | str | None = None,
    version_id: str | None = None,
    progress: Callable[[str], None] = lambda message: None,
) -> Path:
    """Write the report of a published version (default: the current one); returns its path.

    When the version is the current one, ``reports/current.html`` is replaced by a copy. Reports of
    versions no longer kept are removed.
    """
    serving_dir = serving_dir_from_env(serving_dir)
    versions = list_versions(serving_dir)
    if not versions:
        raise ReportError(f"nothing is published in {serving_dir}: run `supplyseg publish` after a successful"
                          " `dbt build` (or `make demo`), then `supplyseg report`")
    if version_id is None:
        version = next(v for v in versions if v.is_current)
    else:
        matches = [v for v in versions if v.version_id == version_id]
        if not matches:
            raise ReportError(f"version {version_id} is not kept in {serving_dir}; `supplyseg publish --list` shows"
                              " the kept versions")
        version = matches[0]
    progress(f"Writing the monitoring report of {version.version_id} ...")
    page = build_report(serving_dir, version)
    folder = serving_dir / REPORTS_FOLDER
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{version.version_id}.html"
    _write_atomically(path, page)
    if version.is_current:
        _write_atomically(folder / CURRENT_REPORT, page)
    kept = {f"{v.version_id}.html" for v in versions} | {CURRENT_REPORT}
    for old in folder.glob("*.html"):
        if old.name not in kept:
            old.unlink(missing_ok=True)
    progress(f"Monitoring report: {path}" + (f" (also {folder / CURRENT_REPORT})" if version.is_current else ""))
    return path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--serving-dir", default=None, help="serving folder (default: env SUPPLYSEG_SERVING_DIR or build/serving)")
    parser.add_argument("--version", default=None, help="version id, e.g. v000003 (default: the current version)")
    args = parser.parse_args(argv)
    try:
        write_report(args.serving_dir, args.version, progress=print)
    except (ReportError, ServingError) as error:
        print(f"report: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
