"""Planner sandboxes (issue 18 section 5; docs/sandboxes.md): create, build apart, compare, what-if.

Production is the session's ``small_build`` published once (``small_published``). One sandbox build of
the small dataset (the module fixture) changes three of its seeds:
- policy_matrix: POL-BX's target cycle service level 0.95 -> 0.995 (segment BX only);
- abc_thresholds: the channel grain's class A limit 0.80 -> 0.50 (channels move A -> B);
- segment_overrides: one customer forced to another segment, its service tier kept.
Expected values come from production's working database and the seeds, not from the sandbox module.
"""

from __future__ import annotations

import contextlib
import csv
import hashlib
import io
import shutil
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pandas as pd
import pytest
import yaml
from conftest import Published

from supplyseg import cli
from supplyseg import sandbox as sb
from supplyseg.dbt_runner import PROJECT_DIR

NAME = "bx-service"
RAISED_POLICY = "POL-BX"
RAISED_LEVEL = "0.995"
CHANNEL_A_LIMIT = 0.50
OVERRIDE_SEGMENT = "AX"
SUMMARY_MART = PROJECT_DIR / "models" / "marts" / "governance" / "fct_segment_impact_summary.sql"
CODE_FOLDERS = ("models", "macros", "tests", "snapshots", "analyses", "python_models", "seeds")


def _run_cli(*args: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = cli.main(list(args))
    return code, out.getvalue(), err.getvalue()


def _fingerprint(*paths: Path) -> dict[str, tuple[str, float]]:
    """sha256 and mtime of every file under the paths."""
    found: dict[str, tuple[str, float]] = {}
    for path in paths:
        files = [path] if path.is_file() else sorted(p for p in path.rglob("*") if p.is_file())
        for file in files:
            found[str(file)] = (hashlib.sha256(file.read_bytes()).hexdigest(), file.stat().st_mtime)
    return found


# ---------------------------------------------------------------------------------------------------
# Without a build


@pytest.mark.parametrize("name", ["", ".", "..", "../prod", "a/b", "/tmp/x", ".hidden", "-rf", "a b", "x" * 65,
                                  "caf\u00e9", "nul\x00", "a\\b"])
def test_names_with_path_tricks_are_refused(name: str, tmp_path: Path) -> None:
    with pytest.raises(sb.SandboxError, match="is not allowed"):
        sb.create_sandbox(name, root=tmp_path)
    assert list(tmp_path.iterdir()) == []
    code, _, err = _run_cli("sandbox", "create", "--root", str(tmp_path), "--", name)
    assert code == 2 and "is not allowed" in err


def test_create_list_delete(tmp_path: Path) -> None:
    folder = sb.create_sandbox("q1-try", root=tmp_path)
    copies = sorted(str(p.relative_to(folder / "seeds")) for p in (folder / "seeds").rglob("*.csv"))
    assert copies == sorted(seed.path for seed in sb.EDITABLE_SEEDS)
    for seed in sb.EDITABLE_SEEDS:
        assert (folder / "seeds" / seed.path).read_bytes() == (PROJECT_DIR / "seeds" / seed.path).read_bytes()
    listed = sb.list_sandboxes(tmp_path)
    assert [s["name"] for s in listed] == ["q1-try"] and listed[0]["changed_seeds"] == []
    with open(folder / "seeds" / "policy" / "policy_matrix.csv", "a") as handle:
        handle.write("POL-XX,XX,*,0.9,0.9,pull,make_to_order,28,90,4,4,pack,,1,surcharge,2026.1\n")
    assert sb.list_sandboxes(tmp_path)[0]["changed_seeds"] == ["policy/policy_matrix.csv"]
    code, out, _ = _run_cli("sandbox", "list", "--root", str(tmp_path))
    assert code == 0 and "q1-try" in out and "policy_matrix" in out
    with pytest.raises(sb.SandboxError, match="already exists"):
        sb.create_sandbox("q1-try", root=tmp_path)
    stranger = tmp_path / "not-a-sandbox"
    stranger.mkdir()
    with pytest.raises(sb.SandboxError, match="no sandbox 'not-a-sandbox'"):
        sb.delete_sandbox("not-a-sandbox", root=tmp_path)
    assert stranger.is_dir()
    code, out, _ = _run_cli("sandbox", "delete", "q1-try", "--root", str(tmp_path))
    assert code == 0 and not folder.exists()
    code, _, err = _run_cli("sandbox", "delete", "q1-try", "--root", str(tmp_path))
    assert code == 2 and "no sandbox 'q1-try'" in err


def test_edited_seeds_keep_their_columns(tmp_path: Path) -> None:
    folder = sb.create_sandbox("cols", root=tmp_path)
    sb.check_seed_copies(folder)
    matrix = folder / "seeds" / "policy" / "policy_matrix.csv"
    text = matrix.read_text()
    matrix.write_text(text.replace("target_cycle_service_level", "service_level", 1))
    with pytest.raises(sb.SandboxError, match=r"policy_matrix.csv: columns .* differ"):
        sb.check_seed_copies(folder)
    matrix.write_text(text)
    (folder / "seeds" / "quality").mkdir()
    (folder / "seeds" / "quality" / "completeness_gates.csv").write_text("x\n")
    with pytest.raises(sb.SandboxError, match="not editable seeds"):
        sb.check_seed_copies(folder)


def test_overlay_project_links_the_code_and_lays_the_sandbox_seeds_over_production(tmp_path: Path) -> None:
    folder = sb.create_sandbox("overlay", root=tmp_path)
    weights = folder / "seeds" / "segmentation" / "segmentation_weights.csv"
    weights.write_text(weights.read_text() + "\n")
    overlay = sb.write_overlay_project(folder)
    assert (overlay / "dbt_project.yml").read_bytes() == (PROJECT_DIR / "dbt_project.yml").read_bytes()
    for name in ("models", "macros", "tests", "snapshots", "analyses", "python_models", "docs"):
        assert (overlay / name).is_symlink() and (overlay / name).resolve() == (PROJECT_DIR / name).resolve()
    assert not (overlay / "seeds").is_symlink()
    merged = {str(p.relative_to(overlay / "seeds")) for p in (overlay / "seeds").rglob("*") if p.is_file()}
    production = {str(p.relative_to(PROJECT_DIR / "seeds")) for p in (PROJECT_DIR / "seeds").rglob("*") if p.is_file()}
    assert merged == production
    for relative in production:
        source = weights if relative == "segmentation/segmentation_weights.csv" else PROJECT_DIR / "seeds" / relative
        assert (overlay / "seeds" / relative).read_bytes() == source.read_bytes(), relative


def test_sandbox_target_never_reads_the_production_database_path() -> None:
    profile = yaml.safe_load((PROJECT_DIR / "profiles.yml").read_text())["supply_segmentation"]["outputs"]
    path = profile[sb.SANDBOX_TARGET]["path"]
    assert sb.SANDBOX_NAME_ENV in path and sb.SANDBOX_DIR_ENV in path and "SUPPLYSEG_DB_PATH" not in path
    assert path.endswith(f"/{sb.DATABASE_FILE}")


def test_build_without_a_published_production_says_what_to_do(tmp_path: Path) -> None:
    sb.create_sandbox("early", root=tmp_path / "sandboxes")
    with pytest.raises(sb.SandboxError, match="nothing is published.*supplyseg publish"):
        sb.build_sandbox("early", root=tmp_path / "sandboxes", serving_dir=tmp_path / "serving")


# ---------------------------------------------------------------------------------------------------
# One sandbox build of the small dataset


@dataclass(frozen=True)
class SandboxRun:
    root: Path
    folder: Path
    published: Published
    code: int
    output: str
    errors: str
    before: dict[str, tuple[str, float]]
    after: dict[str, tuple[str, float]]
    override_customer: str
    production_customer_segment: str


def _production_paths(published: Published) -> list[Path]:
    build = published.build
    return [build.db_path, build.db_path.parent / "target", published.serving_dir,
            *(PROJECT_DIR / folder for folder in CODE_FOLDERS)]


@pytest.fixture(scope="module")
def sandbox_run(small_published: Published, tmp_path_factory: pytest.TempPathFactory) -> SandboxRun:
    root = tmp_path_factory.mktemp("sandboxes")
    folder = sb.create_sandbox(NAME, root=root)
    matrix = folder / "seeds" / "policy" / "policy_matrix.csv"
    rows = list(csv.DictReader(matrix.open()))
    for row in rows:
        if row["policy_id"] == RAISED_POLICY:
            row["target_cycle_service_level"] = RAISED_LEVEL
    with matrix.open("w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    thresholds = folder / "seeds" / "segmentation" / "abc_thresholds.csv"
    thresholds.write_text(thresholds.read_text().replace("channel,A,1,0.80", f"channel,A,1,{CHANNEL_A_LIMIT:.2f}"))
    customer, segment = small_published.build.query(
        "select entity_id, final_segment_code from marts.fct_segment_assignments"
        f" where grain = 'customer' and override_id is null and final_segment_code <> '{OVERRIDE_SEGMENT}'"
        " and entity_id not in (select entity_id from config.segment_overrides where grain = 'customer')"
        " order by entity_id limit 1"
    ).iloc[0]
    with open(folder / "seeds" / "governance" / "segment_overrides.csv", "a") as handle:
        handle.write(f"OVR-9001,customer,{customer},{OVERRIDE_SEGMENT},,Sandbox what-if of a key account,,"
                     "Planner,2025-01-15,2025-02-01,2027-01-31\n")
    before = _fingerprint(*_production_paths(small_published))
    code, output, errors = _run_cli(
        "sandbox", "build", NAME, "--root", str(root), "--serving-dir", str(small_published.serving_dir)
    )
    after = _fingerprint(*_production_paths(small_published))
    return SandboxRun(root, folder, small_published, code, output, errors, before, after, customer, segment)


def _sandbox_query(run: SandboxRun, sql: str) -> pd.DataFrame:
    with duckdb.connect(str(run.folder / sb.DATABASE_FILE), read_only=True) as con:
        return con.sql(sql).df()


@pytest.mark.e2e
def test_sandbox_builds_into_its_own_database(sandbox_run: SandboxRun) -> None:
    assert sandbox_run.code == 0, sandbox_run.errors
    assert (sandbox_run.folder / sb.DATABASE_FILE).is_file()
    assert "read other raw data" not in sandbox_run.errors
    listed = sb.list_sandboxes(sandbox_run.root)[0]
    assert sorted(listed["changed_seeds"]) == [
        "governance/segment_overrides.csv", "policy/policy_matrix.csv", "segmentation/abc_thresholds.csv"]
    assert listed["last_build"]["ok"] and listed["last_build"]["production_run_id"] == sandbox_run.published.run_id
    run_ids = _sandbox_query(sandbox_run, "select distinct run_id from marts.fct_item_policy_parameters")
    assert run_ids["run_id"].tolist() != [sandbox_run.published.run_id]


@pytest.mark.e2e
def test_sandbox_build_leaves_production_untouched(sandbox_run: SandboxRun) -> None:
    assert sandbox_run.code == 0, sandbox_run.errors
    changed = sorted(path for path in set(sandbox_run.before) | set(sandbox_run.after)
                     if sandbox_run.before.get(path) != sandbox_run.after.get(path))
    assert changed == []
    assert len(sandbox_run.before) > 100


@pytest.mark.e2e
def test_sandbox_impact_is_assessed_against_production(sandbox_run: SandboxRun) -> None:
    assert sandbox_run.code == 0, sandbox_run.errors
    impact = _sandbox_query(sandbox_run, "select * from intermediate.int_segment_impact_assessed")
    assert set(impact["published_run_id"]) == {sandbox_run.published.run_id}
    channels = sandbox_run.published.build.query(
        "select entity_id, cumulative_share from intermediate.int_segment_entities_abc_classified"
        " where grain = 'channel'"
    )
    expected_channels = set(channels.loc[(channels["cumulative_share"] > CHANNEL_A_LIMIT)
                                         & (channels["cumulative_share"] <= 0.80), "entity_id"])
    assert expected_channels, "the changed channel limit moves no channel: pick another limit"
    changed = impact[impact["is_segment_changed"]]
    assert set(changed.loc[changed["grain"] == "channel", "entity_id"]) == expected_channels
    customers = changed[changed["grain"] == "customer"]
    assert customers["entity_id"].tolist() == [sandbox_run.override_customer]
    assert customers["published_segment_code"].tolist() == [sandbox_run.production_customer_segment]
    assert customers["candidate_segment_code"].tolist() == [OVERRIDE_SEGMENT]
    assert set(changed["grain"]) == {"channel", "customer"}
    notices = _sandbox_query(sandbox_run, "select * from marts.fct_segment_change_notifications")
    assert set(notices["current_published_run_id"]) == {sandbox_run.published.run_id}
    assert set(notices["published_segment_code"]) == {sandbox_run.production_customer_segment}
    assert set(notices["candidate_segment_code"]) == {OVERRIDE_SEGMENT} and len(notices) >= 1
    assert f"Impact against production version {sandbox_run.published.version_id}" in sandbox_run.output
    if SUMMARY_MART.exists():
        # The project has the impact summary mart (issue 18 with the policy impact): the CLI prints it.
        summary = _sandbox_query(sandbox_run, "select * from marts.fct_segment_impact_summary")
        changed_items = summary[(summary["grain"] == "item") & (summary["measure"] == "policy_changed_items")]
        raised = sandbox_run.published.build.query(
            f"select count(*) as n from marts.fct_item_policy_parameters where policy_id = '{RAISED_POLICY}'")
        assert changed_items["measure_value"].tolist() == [raised["n"].iloc[0]]
        assert "policy_changed_items" in sandbox_run.output
    else:
        # Without it the CLI counts int_segment_impact_assessed per grain and kind of change.
        counted = changed.groupby("grain").size().to_dict()
        for grain, entities in counted.items():
            assert any(line.split()[:1] == [grain] and f" {entities} " in line
                       for line in sandbox_run.output.splitlines()), (grain, entities)
    assert "channel" in sandbox_run.output and "customer" in sandbox_run.output


@pytest.mark.e2e
def test_raised_service_level_raises_the_simulated_fill_rate_of_its_segment_only(sandbox_run: SandboxRun) -> None:
    assert sandbox_run.code == 0, sandbox_run.errors
    table = _sandbox_query(sandbox_run, "select * from what_if.policy_simulation_by_segment").set_index("segment_code")
    production_items = sandbox_run.published.build.query(
        "select final_segment_code, policy_id, safety_stock_method from marts.fct_item_policy_parameters")
    raised = production_items[(production_items["policy_id"] == RAISED_POLICY)
                              & (production_items["safety_stock_method"] != "no_stock")]
    segment = raised["final_segment_code"].unique().tolist()
    assert len(segment) == 1 and len(raised) > 10
    bx = table.loc[segment[0]]
    assert bx["sandbox_fill_rate"] > bx["production_fill_rate"]
    assert bx["sandbox_stockout_periods"] < bx["production_stockout_periods"]
    assert bx["sandbox_avg_inventory_value_rep_ccy"] > bx["production_avg_inventory_value_rep_ccy"]
    assert bx["items_policy_changed"] == len(raised)
    others = table.drop(index=[segment[0], "ALL"])
    assert len(others) >= 4
    assert (others["items_policy_changed"] == 0).all()
    for measure in ("fill_rate", "stockout_periods", "avg_inventory_value_rep_ccy", "stocked_items"):
        pd.testing.assert_series_equal(others[f"sandbox_{measure}"], others[f"production_{measure}"],
                                       check_names=False)
    assert set(table["production_run_id"]) == {sandbox_run.published.run_id}
    written = pd.read_csv(sandbox_run.folder / sb.SIMULATION_CSV)
    assert written["segment_code"].tolist() == table.index.tolist()
    assert "Policy what-if over the last 12 periods (lost sales)" in sandbox_run.output
    assert any(line.startswith(segment[0]) for line in sandbox_run.output.splitlines())


@pytest.mark.e2e
def test_simulate_again_with_backorders(sandbox_run: SandboxRun) -> None:
    assert sandbox_run.code == 0, sandbox_run.errors
    code, output, errors = _run_cli("sandbox", "simulate", NAME, "--root", str(sandbox_run.root),
                                    "--serving-dir", str(sandbox_run.published.serving_dir), "--backorders")
    assert code == 0, errors
    assert "(backorders)" in output
    table = _sandbox_query(sandbox_run, "select * from what_if.policy_simulation_by_segment").set_index("segment_code")
    assert set(table["unfilled_demand"]) == {"backorders"}
    assert table.loc["ALL", "sandbox_fill_rate"] > table.loc["ALL", "production_fill_rate"]


@pytest.mark.e2e
def test_a_bad_replay_length_stops_the_sandbox_build(sandbox_run: SandboxRun) -> None:
    sb.create_sandbox("bad-periods", root=sandbox_run.root)
    code, _, errors = _run_cli("sandbox", "build", "bad-periods", "--root", str(sandbox_run.root), "--serving-dir",
                               str(sandbox_run.published.serving_dir), "--periods", "0", "--skip-simulation")
    assert code == 2
    assert "policy_simulation_periods" in errors and "production is untouched" in errors
    shutil.rmtree(sandbox_run.root / "bad-periods")
