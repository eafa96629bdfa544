"""The Dagster code location (supplyseg/orchestration, docs/orchestration.md).

- the definitions load and validate, and hold every model, seed and snapshot of the manifest as an
  asset with the publish asset downstream of all of them;
- the schedule's cron is var resegmentation_cron (or its env override), and bad crons are refused;
- the early-review sensor requests a run when the published version has a trigger and skips otherwise;
- an in-process materialization of the dbt assets and the publish asset on the small dataset
  publishes one version whose rows carry the Dagster run id; a build that fails publishes nothing.
"""

from __future__ import annotations

import json
import shutil
from datetime import date, timedelta
from pathlib import Path

import dagster
import duckdb
import pandas as pd
import pytest
import yaml

from supplyseg import publish
from supplyseg.dbt_runner import PROJECT_DIR

AS_OF = date(2026, 6, 30)


@pytest.fixture(scope="module")
def location():
    """The code location module (imported once: it prepares the manifest with dbt parse)."""
    from supplyseg.orchestration import definitions

    return definitions


def _manifest(location) -> dict:
    return json.loads(location.dbt_project.manifest_path.read_text())


def test_definitions_load_and_validate(location) -> None:
    dagster.Definitions.validate_loadable(location.defs)
    repository = location.defs.get_repository_def()
    assert repository.has_job("resegmentation_job")
    assert [s.name for s in repository.schedule_defs] == ["regular_resegmentation"]
    assert [s.name for s in repository.sensor_defs] == ["early_review_sensor"]

    # Every model, seed and snapshot of the project is an asset named [schema, relation] ...
    manifest = _manifest(location)
    project = manifest["metadata"]["project_name"]
    expected = {
        (node["config"].get("schema") or "main", node["alias"])
        for node in manifest["nodes"].values()
        if node["package_name"] == project and node["resource_type"] in ("model", "seed", "snapshot")
        and node["config"].get("enabled", True)
    }
    dbt_keys = {tuple(key.path) for key in location.supplyseg_dbt_assets.keys}
    assert dbt_keys == expected
    # ... every published table among them, by the name readers use ...
    published = {(table.target_schema, table.name) for table in publish.public_tables(manifest)}
    assert published <= dbt_keys
    assert ("marts", "fct_segment_assignments") in published
    # ... and publish depends on all of them, so it runs only after the whole build.
    graph = repository.asset_graph
    publish_key = dagster.AssetKey(["serving", "published_version"])
    assert {tuple(key.path) for key in graph.get(publish_key).parent_keys} == dbt_keys


def test_schedule_cron_is_the_setting(location, monkeypatch: pytest.MonkeyPatch) -> None:
    from supplyseg.orchestration import settings

    project_vars = yaml.safe_load((PROJECT_DIR / "dbt_project.yml").read_text())["vars"]
    assert location.regular_resegmentation.cron_schedule == project_vars["resegmentation_cron"]
    assert location.regular_resegmentation.job_name == "resegmentation_job"

    monkeypatch.setenv(settings.CRON_ENV, "30 2 * * 1")
    assert settings.resegmentation_cron() == "30 2 * * 1"
    for bad in ("0 3 1 13 *", "@daily", "0 3 1 1,4,7,10", "0 3 * * MON", "0 3 1 1 * ; drop table x", ""):
        monkeypatch.setenv(settings.CRON_ENV, bad)
        with pytest.raises(settings.SettingError, match=settings.CRON_ENV):
            settings.resegmentation_cron()
    monkeypatch.delenv(settings.CRON_ENV)
    assert settings.resegmentation_cron() == project_vars["resegmentation_cron"]


def _copy_serving(source: Path, target: Path) -> Path:
    shutil.copytree(source, target)
    version = publish.current_version(target)
    assert version is not None
    return version.path(target)


def _evaluate(location, serving_dir: Path):
    settings = location.SupplysegSettings(serving_dir=str(serving_dir), sensor_as_of=AS_OF.isoformat())
    context = dagster.build_sensor_context(resources={"settings": settings})
    return location.early_review_sensor(context)


def test_sensor_requests_a_run_when_a_trigger_fired(location, small_published, tmp_path: Path) -> None:
    version_file = _copy_serving(small_published.serving_dir, tmp_path / "serving")
    with duckdb.connect(str(version_file)) as con:
        # Static mode; three customers due for review the day before the as-of date, the others a year later.
        con.execute("update marts.fct_segment_assignments set segment_mode = 'static', next_review_due_date = ?",
                    [AS_OF + timedelta(days=365)])
        due = [row[0] for row in con.execute(
            "select entity_id from marts.fct_segment_assignments where grain = 'customer' order by entity_id limit 3"
        ).fetchall()]
        con.execute("update marts.fct_segment_assignments set next_review_due_date = ?"
                    " where grain = 'customer' and entity_id in (?, ?, ?)", [AS_OF - timedelta(days=1), *due])
        assignments = con.execute("select override_id, override_valid_to from marts.fct_segment_assignments").df()
    assert len(due) == 3
    # Independent count of the overrides whose validity ended before the as-of date.
    ended_rows = assignments["override_id"].notna() & (assignments["override_valid_to"] < pd.Timestamp(AS_OF))
    ended = int(ended_rows.sum())

    result = _evaluate(location, tmp_path / "serving")
    assert isinstance(result, dagster.RunRequest), result
    expected = {"review_due": 3, **({"override_ended": ended} if ended else {})}
    assert result.tags["supplyseg/triggers"] == ", ".join(f"{k}: {v}" for k, v in sorted(expected.items()))
    assert result.run_key == f"early-review:{small_published.version_id}"


def test_sensor_skips_without_a_trigger(location, small_published, tmp_path: Path) -> None:
    version_file = _copy_serving(small_published.serving_dir, tmp_path / "serving")
    with duckdb.connect(str(version_file)) as con:
        # Static segments due the day after the as-of date: nothing is due yet.
        con.execute("update marts.fct_segment_assignments set segment_mode = 'static', next_review_due_date = ?,"
                    " override_valid_to = null", [AS_OF + timedelta(days=1)])
    result = _evaluate(location, tmp_path / "serving")
    assert isinstance(result, dagster.SkipReason), result

    # Nothing published yet: skip as well.
    result = _evaluate(location, tmp_path / "empty")
    assert isinstance(result, dagster.SkipReason)
    assert "None" in (result.skip_message or "")


def _resources(location, raw_path: Path, work: Path) -> dict:
    from dagster_dbt import DbtCliResource

    from supplyseg.dbt_runner import dbt_executable

    return {
        "dbt": DbtCliResource(project_dir=location.dbt_project, target="ci", dbt_executable=dbt_executable()),
        "settings": location.SupplysegSettings(
            raw_path=str(raw_path), db_path=str(work / "work.duckdb"), serving_dir=str(work / "serving"),
            runs_target_dir=str(work / "target"),
        ),
    }


def test_materialize_build_and_publish_in_process(location, small_data: Path, small_published,
                                                  tmp_path: Path) -> None:
    """The one extra small build of this file: dbt build + publish through Dagster."""
    result = dagster.materialize(
        [location.supplyseg_dbt_assets, location.published_version],
        resources=_resources(location, small_data, tmp_path),
        instance=dagster.DagsterInstance.ephemeral(),
    )
    assert result.success
    publish_events = [
        event for event in result.get_asset_materialization_events()
        if event.asset_key == dagster.AssetKey(["serving", "published_version"])
    ]
    assert len(publish_events) == 1

    version = publish.current_version(tmp_path / "serving")
    assert version is not None and version.version_id == "v000001"
    # The Dagster run id is the run id of the build (var run_id), on every published row.
    assert version.run_id == result.run_id
    with publish.open_current(tmp_path / "serving") as con:
        run_ids = con.execute("select distinct run_id from marts.fct_segment_assignments").fetchall()
        assert run_ids == [(result.run_id,)]
    # Same data as the session's plain dbt build: the same tables with the same row counts.
    reference = publish.current_version(small_published.serving_dir)
    assert reference is not None
    assert version.row_counts == reference.row_counts


def test_a_failed_build_publishes_nothing(location, tmp_path: Path) -> None:
    """An input folder without the required files stops dbt before any model; publish must not run."""
    empty = tmp_path / "no_inputs"
    empty.mkdir()
    result = dagster.materialize(
        [location.supplyseg_dbt_assets, location.published_version],
        resources=_resources(location, empty, tmp_path),
        instance=dagster.DagsterInstance.ephemeral(),
        raise_on_error=False,
    )
    assert not result.success
    assert not [
        event for event in result.get_asset_materialization_events()
        if event.asset_key == dagster.AssetKey(["serving", "published_version"])
    ]
    assert publish.current_version(tmp_path / "serving") is None
