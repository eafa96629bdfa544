"""The monitoring report (issue 18 section 7), checked in a real browser.

``supplyseg publish`` of the session's small build writes the report of the new version into the
serving folder; headless Chromium (Debian's ``chromium``, driven by Playwright) opens it from disk
(offline: plotly.js is inline) and must log no error and render every figure. The figures are
compared with independent computations on the published rows (pandas) and the cut-offs with the
seed file. A version without the inputs of the sections (a thin extract) gives notes, not errors.

The screenshot goes to the test's temporary folder; with SUPPLYSEG_UPDATE_SCREENSHOTS=1 it is also
copied to docs/monitoring_report.png (the committed one), so a normal run leaves the tree clean.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd
import pytest
from conftest import Published

from supplyseg.dbt_runner import PROJECT_DIR
from supplyseg.publish import POINTER_FILE, open_current
from supplyseg.reports.monitoring import CURRENT_REPORT, REPORTS_FOLDER, write_report

pytestmark = pytest.mark.e2e

CHROMIUM = Path("/usr/bin/chromium")
SCREENSHOT = PROJECT_DIR / "docs" / "monitoring_report.png"
UPDATE_ENV = "SUPPLYSEG_UPDATE_SCREENSHOTS"
# Sections that must draw at least one figure on the small dataset (drift and churn need earlier runs).
SECTIONS_WITH_FIGURES = ("abc-pareto", "abc-xyz", "adi-cv2", "clusters", "kpis", "gates", "quarantine")


@dataclass(frozen=True)
class Rendered:
    serving: Path
    report: Path
    source: str
    console_errors: list[str]
    figure_count: int
    rendered: dict[str, int]
    figures: dict[str, Any]
    screenshot: Path


def chromium_path() -> str:
    if not CHROMIUM.exists():
        pytest.fail(f"{CHROMIUM} not found: the browser tests need Debian's chromium; install it with"
                    " `apt-get install -y chromium` (as .ci/run does)")
    return str(CHROMIUM)


@pytest.fixture(scope="module")
def rendered(small_published: Published, tmp_path_factory: pytest.TempPathFactory) -> Rendered:
    from playwright.sync_api import sync_playwright

    work = tmp_path_factory.mktemp("report")
    serving = work / "serving"
    build = small_published.build
    # The CLI publish writes the report right after the version.
    done = subprocess.run(
        [sys.executable, "-m", "supplyseg.cli", "publish", "--db", str(build.db_path),
         "--target-path", str(build.db_path.parent / "target"), "--serving-dir", str(serving)],
        capture_output=True, text=True,
    )
    assert done.returncode == 0, done.stderr
    report = serving / REPORTS_FOLDER / "v000001.html"
    assert report.exists() and (serving / REPORTS_FOLDER / CURRENT_REPORT).read_text() == report.read_text()
    source = report.read_text()
    errors: list[str] = []
    screenshot = work / "monitoring_report.png"
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium_path(), args=["--no-sandbox"])
        try:
            page = browser.new_page(viewport={"width": 1300, "height": 1000})
            page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
            page.on("pageerror", lambda error: errors.append(str(error)))
            page.on("requestfailed", lambda request: errors.append(f"request failed: {request.url}"))
            # Offline: the page loads nothing but itself (plotly.js is inline).
            page.on("request", lambda request: None if request.url.startswith(("file:", "data:", "about:"))
                    else errors.append(f"network request: {request.url}"))
            page.goto(report.as_uri())
            page.wait_for_load_state("load")
            figure_count = page.locator(".plotly-graph-div").count()
            rendered_per_section = page.evaluate(
                """() => Object.fromEntries([...document.querySelectorAll('section')].map(s => [s.id,
                       [...s.querySelectorAll('.plotly-graph-div')].filter(d => d.querySelector('svg.main-svg')
                         && d._fullLayout).length]))"""
            )
            figures = page.evaluate(
                """() => Object.fromEntries([...document.querySelectorAll('.plotly-graph-div')].map(d => [d.id,
                       {section: d.closest('section').id, title: d.layout.title.text,
                        data: d.data.map(t => ({type: t.type, name: t.name, x: t.x, y: t.y, z: t.z, text: t.text})),
                        shapes: (d.layout.shapes || []).map(s => ({x0: s.x0, y0: s.y0, xref: s.xref, yref: s.yref}))}]))"""
            )
            page.screenshot(path=str(screenshot), full_page=True,
                            clip={"x": 0, "y": 0, "width": 1300, "height": 3200})
        finally:
            browser.close()
    if os.environ.get(UPDATE_ENV) == "1":
        shutil.copy(screenshot, SCREENSHOT)
    return Rendered(serving, report, source, errors, figure_count, rendered_per_section, figures, screenshot)


def test_report_renders_every_figure_without_console_errors(rendered: Rendered) -> None:
    assert rendered.console_errors == []
    in_source = len(re.findall(r'class="plotly-graph-div"', rendered.source))
    assert rendered.figure_count == in_source
    assert sum(rendered.rendered.values()) == in_source, rendered.rendered
    missing = [section for section in SECTIONS_WITH_FIGURES if rendered.rendered.get(section, 0) == 0]
    assert missing == [], f"sections without a rendered figure: {missing}"
    assert "<script src=" not in rendered.source  # offline: no external script (requests are checked above)
    assert rendered.screenshot.stat().st_size > 50_000


def _figures(rendered: Rendered, section: str) -> list[dict[str, Any]]:
    return [figure for figure in rendered.figures.values() if figure["section"] == section]


def test_adi_cv2_plane_draws_the_seed_cutoffs_and_every_product(rendered: Rendered) -> None:
    cutoffs = pd.read_csv(PROJECT_DIR / "seeds" / "segmentation" / "demand_pattern_cutoffs.csv").set_index("parameter")
    (figure,) = _figures(rendered, "adi-cv2")
    lines = {(shape["xref"], shape["x0"]) for shape in figure["shapes"] if shape["xref"] == "x"}
    hlines = {shape["y0"] for shape in figure["shapes"] if shape["yref"] == "y"}
    assert lines == {("x", cutoffs.loc["adi_cutoff", "value"])}
    assert hlines == {cutoffs.loc["cv_squared_cutoff", "value"]}
    with open_current(rendered.serving) as con:
        products = con.sql("select demand_pattern from marts.fct_demand_pattern_measures where grain = 'product'"
                           " and average_demand_interval is not null and cv_squared_nonzero is not null").df()
    expected = {f"{pattern} ({count:,})" for pattern, count in products["demand_pattern"].value_counts().items()}
    assert {trace["name"] for trace in figure["data"]} == expected


def test_abc_xyz_heatmap_counts_match_the_published_assignments(rendered: Rendered) -> None:
    with open_current(rendered.serving) as con:
        rows = con.sql("select grain, abc_class, xyz_class, abc_measure_value from marts.fct_segment_assignments"
                       " where grain = 'product'").df()
    expected = rows.groupby(["abc_class", "xyz_class"]).size()
    (figure,) = [f for f in _figures(rendered, "abc-xyz") if f["title"].startswith("Products")]
    heatmap = figure["data"][0]
    got = {}
    for row_index, abc in enumerate(heatmap["y"]):
        for column_index, xyz in enumerate(heatmap["x"]):
            text = heatmap["text"][row_index][column_index]
            got[(abc, xyz)] = int(text.split(" entities")[0].replace(",", "")) if "entities" in text else 0
    assert {key: value for key, value in got.items() if value} == {key: int(v) for key, v in expected.items()}
    shares = pd.Series({(a, x): heatmap["z"][i][j] for i, a in enumerate(heatmap["y"]) for j, x in enumerate(heatmap["x"])})
    value = rows.groupby(["abc_class", "xyz_class"])["abc_measure_value"].sum()
    assert shares[value.idxmax()] == pytest.approx(value.max() / value.sum())


def test_completeness_gates_and_quarantine_counts_are_drawn(rendered: Rendered) -> None:
    with open_current(rendered.serving) as con:
        gates = con.sql("select gate_id, measured_share from marts.fct_completeness_gate_results").df()
        quarantined = con.execute("select count(*) from marts.fct_quarantined_rows").fetchone()[0]
    (gate_figure,) = _figures(rendered, "gates")
    drawn = {x: y for trace in gate_figure["data"] if trace["type"] == "bar" for x, y in zip(trace["x"], trace["y"])}
    assert drawn == pytest.approx(dict(zip(gates["gate_id"], gates["measured_share"])))
    (quarantine_figure,) = _figures(rendered, "quarantine")
    assert sum(sum(trace["y"]) for trace in quarantine_figure["data"]) == quarantined


def test_a_version_without_the_inputs_gets_notes_not_errors(tmp_path: Path) -> None:
    """A thin version: marts missing or empty. Every section says why instead of failing."""
    serving = tmp_path / "serving"
    (serving / "versions").mkdir(parents=True)
    with duckdb.connect(str(serving / "versions" / "v000001.duckdb")) as con:
        con.execute("create schema marts")
        con.execute("create table marts.fct_cluster_diagnostics (grain varchar, method varchar, k integer,"
                    " inertia double, silhouette double, is_chosen_k boolean)")
        con.execute("create table marts.fct_data_capabilities (capability varchar, is_available boolean,"
                    " unavailable_reason varchar)")
        con.execute("insert into marts.fct_data_capabilities values"
                    " ('clustering_product', false, 'too few products with history')")
        con.execute("create table marts.fct_quarantined_rows (entity varchar, rejection_reason varchar)")
    entry = {"version_id": "v000001", "file": "v000001.duckdb", "run_id": "thin-run", "model_version": "0.1.0",
             "published_at": "2026-01-01T00:00:00.000000Z", "build_started_at": "", "build_finished_at": "",
             "git_commit": None, "row_counts": {}, "impact": {"note": "first publish: nothing to compare with"}}
    (serving / POINTER_FILE).write_text(json.dumps({"format": 1, "current": "v000001", "versions": [entry]}))
    page = write_report(serving).read_text()
    assert 'class="plotly-graph-div"' not in page
    for text in ("marts.dim_product_segments is not in this published version",
                 "marts.fct_cluster_diagnostics is empty in this published version. clustering_product: too few"
                 " products with history",
                 "marts.fct_demand_pattern_measures is not in this published version",
                 "marts.fct_completeness_gate_results is not in this published version",
                 "No row was quarantined", "first publish: nothing to compare with"):
        assert text in page, text
