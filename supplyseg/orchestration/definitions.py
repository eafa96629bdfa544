"""The Dagster code location of the project (docs/orchestration.md).

    dagster dev -m supplyseg.orchestration.definitions      # or: make dagster

- ``supplyseg_dbt_assets``: every model, seed and snapshot of the dbt project as an asset (its data
  tests become asset checks). Materializing them runs ``dbt build`` into the working database, with
  the Dagster run id as var ``run_id``, so every mart row names the run that built it.
- ``published_version``: downstream of all dbt assets; calls ``supplyseg.publish.publish`` on that
  build. Dagster runs it only after the dbt step succeeded, and publish itself refuses a build with a
  failed model or test, so a failed build never reaches readers.
- ``resegmentation_job`` (both), the schedule ``regular_resegmentation`` (cron: var
  ``resegmentation_cron``, quarterly by default, or env ``SUPPLYSEG_RESEGMENTATION_CRON``) and the daily
  sensor ``early_review_sensor`` (requests the job when an early-review trigger fired in the published
  version; supplyseg.orchestration.triggers).

Where a run reads and writes comes from the environment when the code location loads:
``SUPPLYSEG_RAW_PATH`` (var raw_path; default the var's default), ``SUPPLYSEG_DB_PATH`` (working
database, default build/dev.duckdb), ``SUPPLYSEG_SERVING_DIR`` (default build/serving),
``SUPPLYSEG_DBT_TARGET`` (profile target, default dev) and ``SUPPLYSEG_DBT_VARS`` (JSON of further vars).
The manifest is prepared (``dbt parse``) into target/dagster when the module loads.
"""


import contextlib
import json
import os
from collections.abc import Iterator, Mapping
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from dagster import (
    AssetExecutionContext,
    AssetKey,
    AssetSelection,
    ConfigurableResource,
    DefaultScheduleStatus,
    DefaultSensorStatus,
    Definitions,
    MaterializeResult,
    RunRequest,
    ScheduleDefinition,
    SensorEvaluationContext,
    SkipReason,
    asset,
    define_asset_job,
    sensor,
)
from dagster_dbt import DagsterDbtTranslator, DbtCliResource, DbtProject, dbt_assets

from supplyseg import publish
from supplyseg.dbt_runner import PROJECT_DIR, dbt_executable, run_dbt
from supplyseg.orchestration.settings import resegmentation_cron
from supplyseg.orchestration.triggers import check_triggers

MANIFEST_TARGET = Path("target") / "dagster"
SENSOR_INTERVAL_SECONDS = 24 * 60 * 60


class SupplysegSettings(ConfigurableResource):
    """Where a run reads its inputs and writes the working database and the published versions."""

    raw_path: str | None = None
    db_path: str = str(PROJECT_DIR / "build" / "dev.duckdb")
    serving_dir: str = str(publish.DEFAULT_SERVING_DIR)
    dbt_vars_json: str = "{}"
    runs_target_dir: str = str(PROJECT_DIR / "target" / "dagster_runs")
    # The date the sensor checks the triggers on; None = today (UTC). Pin it to replay a day.
    sensor_as_of: str | None = None

    def run_target_dir(self, run_id: str) -> Path:
        """The dbt target folder of one Dagster run's build (run_results.json and manifest.json for publish)."""
        return Path(self.runs_target_dir).resolve() / run_id

    def as_of(self) -> date:
        return date.fromisoformat(self.sensor_as_of) if self.sensor_as_of else datetime.now(UTC).date()

    def dbt_vars(self, run_id: str) -> dict[str, Any]:
        """The vars of the build: the extra vars, raw_path when set, and the run id."""
        try:
            extra = json.loads(self.dbt_vars_json or "{}")
        except json.JSONDecodeError as error:
            raise ValueError(f"SUPPLYSEG_DBT_VARS / dbt_vars_json is not JSON ({error}); give an object like"
                             ' {"governance_path": "data/governance"}') from None
        if not isinstance(extra, dict):
            raise ValueError("SUPPLYSEG_DBT_VARS / dbt_vars_json must be a JSON object of var names to values")
        merged = dict(extra)
        if self.raw_path:
            merged["raw_path"] = str(Path(self.raw_path).resolve())
        merged["run_id"] = run_id
        return merged


class SupplysegTranslator(DagsterDbtTranslator):
    """Asset keys as readers name the relations: [schema, relation] (a versioned mart: its alias)."""

    def get_asset_key(self, dbt_resource_props: Mapping[str, Any]) -> AssetKey:
        if dbt_resource_props["resource_type"] == "source":
            return AssetKey(["raw", dbt_resource_props["name"]])
        schema = dbt_resource_props.get("config", {}).get("schema") or "main"
        return AssetKey([schema, dbt_resource_props.get("alias") or dbt_resource_props["name"]])


def settings_from_env() -> SupplysegSettings:
    return SupplysegSettings(
        raw_path=os.environ.get("SUPPLYSEG_RAW_PATH") or None,
        db_path=os.environ.get("SUPPLYSEG_DB_PATH") or str(PROJECT_DIR / "build" / "dev.duckdb"),
        serving_dir=str(publish.serving_dir_from_env()),
        dbt_vars_json=os.environ.get("SUPPLYSEG_DBT_VARS") or "{}",
    )


@contextlib.contextmanager
def _environment(**values: str) -> Iterator[None]:
    """Set env vars while dbt is started (it copies the environment), then restore them."""
    saved = {name: os.environ.get(name) for name in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


dbt_project = DbtProject(project_dir=PROJECT_DIR, target_path=MANIFEST_TARGET)
if os.environ.get("SUPPLYSEG_DAGSTER_SKIP_PREPARE") != "1" or not dbt_project.manifest_path.exists():
    # Parse at load time so the assets always match the models on disk (partial parse keeps it short).
    run_dbt(["parse", "--quiet"], target_path=PROJECT_DIR / MANIFEST_TARGET)


@dbt_assets(manifest=dbt_project.manifest_path, project=dbt_project, dagster_dbt_translator=SupplysegTranslator())
def supplyseg_dbt_assets(context: AssetExecutionContext, dbt: DbtCliResource, settings: SupplysegSettings):
    """``dbt build`` of the selected models, seeds, snapshots and their tests into the working database."""
    db_path = Path(settings.db_path).resolve()
    db_path.parent.mkdir(parents=True, exist_ok=True)
    with _environment(SUPPLYSEG_DB_PATH=str(db_path)):
        invocation = dbt.cli(
            ["build", "--vars", json.dumps(settings.dbt_vars(context.run.run_id))],
            context=context,
            target_path=settings.run_target_dir(context.run.run_id),
        )
    yield from invocation.stream()


@asset(
    key=AssetKey(["serving", "published_version"]),
    deps=[supplyseg_dbt_assets],
    group_name="publishing",
    description="The build published to readers: a new version in the serving folder (supplyseg.publish).",
)
def published_version(context: AssetExecutionContext, settings: SupplysegSettings) -> MaterializeResult:
    target_dir = settings.run_target_dir(context.run.run_id)
    if not (target_dir / "run_results.json").exists():
        raise publish.PublishRefused(
            f"no dbt build of run {context.run.run_id} in {target_dir}: materialize published_version together"
            " with the dbt assets (job resegmentation_job), not on its own; nothing was published"
        )
    version = publish.publish(
        settings.db_path, settings.serving_dir, target_dir=target_dir, progress=context.log.info
    )
    return MaterializeResult(
        metadata={
            "version_id": version.version_id,
            "run_id": version.run_id,
            "published_at": version.published_at,
            "serving_dir": str(Path(settings.serving_dir).resolve()),
            "rows": sum(version.row_counts.values()),
            "segment_changed_entities": int(version.impact.get("segment_changed_entities", 0) or 0),
        }
    )


resegmentation_job = define_asset_job(
    "resegmentation_job",
    selection=AssetSelection.assets(supplyseg_dbt_assets, published_version),
    description="Re-segment: dbt build of the whole project, then publish it when every model and test passed.",
)

regular_resegmentation = ScheduleDefinition(
    name="regular_resegmentation",
    job=resegmentation_job,
    cron_schedule=resegmentation_cron(),
    execution_timezone="UTC",
    default_status=DefaultScheduleStatus.RUNNING,
    description="The regular re-segmentation (var resegmentation_cron; quarterly by default).",
)


@sensor(
    job=resegmentation_job,
    minimum_interval_seconds=SENSOR_INTERVAL_SECONDS,
    default_status=DefaultSensorStatus.RUNNING,
    description="Daily: requests a re-segmentation when an early-review trigger fired in the published version.",
)
def early_review_sensor(context: SensorEvaluationContext, settings: SupplysegSettings):
    as_of = settings.as_of()
    check = check_triggers(settings.serving_dir, as_of)
    for note in check.notes:
        context.log.info(note)
    if not check.fired:
        return SkipReason(f"no early-review trigger on {as_of} in published version {check.version_id}")
    summary = ", ".join(f"{name}: {count}" for name, count in sorted(check.fired.items()))
    return RunRequest(
        # One request per published version: the run publishes a new version, which is checked again.
        run_key=f"early-review:{check.version_id}",
        tags={"supplyseg/trigger": "early_review", "supplyseg/published_version": str(check.version_id),
              "supplyseg/triggers": summary},
    )


defs = Definitions(
    assets=[supplyseg_dbt_assets, published_version],
    jobs=[resegmentation_job],
    schedules=[regular_resegmentation],
    sensors=[early_review_sensor],
    resources={
        "dbt": DbtCliResource(
            project_dir=dbt_project,
            target=os.environ.get("SUPPLYSEG_DBT_TARGET") or "dev",
            dbt_executable=dbt_executable(),
        ),
        "settings": settings_from_env(),
    },
)
