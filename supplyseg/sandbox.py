"""Planner sandboxes: change configuration seeds, build apart from production, compare (docs/sandboxes.md).

A sandbox is a folder ``<sandbox root>/<NAME>/`` (root: env SUPPLYSEG_SANDBOX_DIR, default build/sandboxes)::

    sandbox.json                 what the sandbox is: created, seeds, last build (written by this module)
    seeds/<area>/<seed>.csv      the planner's copies of the editable seeds (EDITABLE_SEEDS), edited by hand
    sandbox.duckdb               the sandbox's database (dbt target ``sandbox`` of profiles.yml)
    policy_simulation.csv        the policy what-if per segment (``supplyseg sandbox simulate``)
    .dbt/                        generated: the overlay dbt project, its merged seeds, target and logs

How the sandbox's seeds reach dbt (the overlay project): ``build`` generates ``.dbt/project/``, holding a
copy of production's dbt_project.yml, a symbolic link to each folder of the project dbt reads (models,
macros, tests, ...: the code is the project's own, never copied or forked) and one real folder,
``seeds``: production's seeds tree copied whole (CSV and YAML) with the planner's editable copies laid
over it. dbt runs with ``--project-dir`` on the overlay, ``--profiles-dir`` on the real project and
``--target sandbox``; its target and log folders are the overlay's, so compiled files never land in
the real project. Production's database, target folder, logs and
serving folder are never opened for writing; the published version is attached READ_ONLY for the impact
assessment (vars impact_published_path / impact_published_database).
"""

from __future__ import annotations

import csv
import hashlib
import json
import os
import re
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd
import yaml

from supplyseg.dbt_runner import PROJECT_DIR, DbtResult, run_dbt
from supplyseg.policy.simulation import compare_policies
from supplyseg.publish import Version, current_version, git_commit, serving_dir_from_env

SANDBOX_DIR_ENV = "SUPPLYSEG_SANDBOX_DIR"
SANDBOX_NAME_ENV = "SUPPLYSEG_SANDBOX"
DEFAULT_SANDBOX_ROOT = PROJECT_DIR / "build" / "sandboxes"
SANDBOX_TARGET = "sandbox"
METADATA_FILE = "sandbox.json"
DATABASE_FILE = "sandbox.duckdb"
SIMULATION_CSV = "policy_simulation.csv"
GENERATED_FOLDER = ".dbt"
PUBLISHED_ALIAS = "production_published"
SIMULATION_SCHEMA = "what_if"
NAME_PATTERN = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]{0,63}")
PATH_KEYS = ("model-paths", "macro-paths", "test-paths", "snapshot-paths", "analysis-paths", "docs-paths")
PRODUCTION_SEEDS = PROJECT_DIR / "seeds"

Progress = Callable[[str], None]


@dataclass(frozen=True)
class EditableSeed:
    """A configuration seed a planner may change in a sandbox, and what changing it does."""

    path: str  # under seeds/
    changes: str

    @property
    def name(self) -> str:
        return Path(self.path).stem


# The configuration a planner tunes. Everything else (masters such as pack sizes and country risk, governance
# records, quality gates, integration precedence, clustering internals) stays production's at every build, so
# the sandbox replays the same data through the same plumbing and only the planner's decisions differ.
EDITABLE_SEEDS: tuple[EditableSeed, ...] = (
    EditableSeed("segmentation/segmentation_weights.csv", "weights of the dimensions of the weighted score per grain"),
    EditableSeed("segmentation/service_tiers.csv", "score thresholds of the service tiers per grain"),
    EditableSeed("segmentation/abc_measures.csv", "the value measure ABC ranks each grain on"),
    EditableSeed("segmentation/abc_thresholds.csv", "cumulative-share limits of the ABC classes per grain"),
    EditableSeed("segmentation/xyz_thresholds.csv", "coefficient-of-variation limits of the XYZ classes"),
    EditableSeed("segmentation/demand_pattern_cutoffs.csv", "ADI and CV-squared cut-offs of the demand patterns"),
    EditableSeed("segmentation/abc_xyz_segments.csv", "the ABC-XYZ matrix: segment and base tier per class pair"),
    EditableSeed("segmentation/multi_criteria_abc.csv", "the two measures of multi-criteria ABC per grain"),
    EditableSeed("segmentation/cluster_segment_rules.csv", "service-tier adjustments of behaviour clusters"),
    EditableSeed("policy/policy_matrix.csv", "service levels, review periods, MOQ rules per segment x tier"),
    EditableSeed("governance/segment_guardrails.csv", "worst service tier allowed under a condition"),
    EditableSeed("governance/segment_overrides.csv", "manual segment overrides (with reason and approver)"),
    EditableSeed("performance/kpi_targets.csv", "KPI targets per segment"),
)


class SandboxError(RuntimeError):
    """A sandbox command cannot go on; the message says why and what to do."""


# ---------------------------------------------------------------------------------------------------
# Names and folders


def sandbox_root(root: Path | str | None = None) -> Path:
    """The folder holding the sandboxes: the argument, else env SUPPLYSEG_SANDBOX_DIR, else build/sandboxes."""
    if root is not None:
        return Path(root).resolve()
    return Path(os.environ.get(SANDBOX_DIR_ENV) or DEFAULT_SANDBOX_ROOT).resolve()


def validate_name(name: str) -> str:
    """A sandbox name: 1-64 letters, digits, _ or -, starting with a letter or digit (no path, no dots)."""
    if not isinstance(name, str) or not NAME_PATTERN.fullmatch(name):
        raise SandboxError(
            f"sandbox name {name!r} is not allowed: use 1 to 64 letters, digits, '_' or '-', starting with a letter"
            " or digit (no '/', '.', spaces or other path characters), e.g. higher-service-bx"
        )
    return name


def sandbox_dir(name: str, root: Path | str | None = None) -> Path:
    """The folder of sandbox ``name`` (checked to lie directly inside the root)."""
    base = sandbox_root(root)
    folder = (base / validate_name(name)).resolve()
    if folder.parent != base:
        raise SandboxError(f"sandbox {name!r} would not lie inside {base}")
    return folder


def _existing(name: str, root: Path | str | None) -> Path:
    folder = sandbox_dir(name, root)
    if not (folder / METADATA_FILE).is_file():
        known = ", ".join(s["name"] for s in list_sandboxes(root)) or "none"
        raise SandboxError(
            f"there is no sandbox {name!r} in {sandbox_root(root)} (sandboxes: {known});"
            f" create it with `supplyseg sandbox create {name}`"
        )
    return folder


def _read_metadata(folder: Path) -> dict[str, Any]:
    return json.loads((folder / METADATA_FILE).read_text())


def _write_metadata(folder: Path, metadata: dict[str, Any]) -> None:
    temp = folder / f".{METADATA_FILE}.tmp"
    temp.write_text(json.dumps(metadata, indent=2, sort_keys=True) + "\n")
    os.replace(temp, folder / METADATA_FILE)


def _now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


# ---------------------------------------------------------------------------------------------------
# create, list, delete


def create_sandbox(name: str, root: Path | str | None = None, seeds_dir: Path = PRODUCTION_SEEDS) -> Path:
    """Create sandbox ``name`` with copies of production's editable seeds; returns its folder."""
    folder = sandbox_dir(name, root)
    if folder.exists():
        raise SandboxError(
            f"sandbox {name!r} already exists at {folder}; edit its seeds, or `supplyseg sandbox delete {name}` first"
        )
    folder.mkdir(parents=True)
    for seed in EDITABLE_SEEDS:
        target = folder / "seeds" / seed.path
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(seeds_dir / seed.path, target)
    _write_metadata(
        folder,
        {
            "name": name,
            "created_at": _now(),
            "created_from_commit": git_commit(),
            "editable_seeds": [seed.path for seed in EDITABLE_SEEDS],
            "last_build": None,
        },
    )
    return folder


def changed_seeds(folder: Path, seeds_dir: Path = PRODUCTION_SEEDS) -> list[str]:
    """Editable seeds whose sandbox copy differs from production's current file."""
    return [
        seed.path
        for seed in EDITABLE_SEEDS
        if (folder / "seeds" / seed.path).exists() and _digest(folder / "seeds" / seed.path) != _digest(seeds_dir / seed.path)
    ]


def list_sandboxes(root: Path | str | None = None) -> list[dict[str, Any]]:
    """The sandboxes under the root: name, created, seeds changed against production, last build."""
    base = sandbox_root(root)
    if not base.is_dir():
        return []
    found = []
    for folder in sorted(base.iterdir()):
        if not (folder / METADATA_FILE).is_file() or not NAME_PATTERN.fullmatch(folder.name):
            continue
        metadata = _read_metadata(folder)
        found.append(
            {
                "name": folder.name,
                "created_at": metadata.get("created_at"),
                "changed_seeds": changed_seeds(folder),
                "last_build": metadata.get("last_build"),
                "path": str(folder),
            }
        )
    return found


def format_sandboxes(sandboxes: list[dict[str, Any]]) -> str:
    if not sandboxes:
        return "  (no sandbox; create one with `supplyseg sandbox create NAME`)"
    lines = []
    for sandbox in sandboxes:
        build = sandbox["last_build"] or {}
        built = (
            f"built {build.get('finished_at')} vs production {build.get('production_version_id')}"
            f" ({'ok' if build.get('ok') else 'FAILED'})"
            if build
            else "not built"
        )
        changed = ", ".join(Path(p).stem for p in sandbox["changed_seeds"]) or "no seed changed"
        lines.append(f"  {sandbox['name']:<24} created {sandbox['created_at']}  {built}\n      changed: {changed}")
    return "\n".join(lines)


def delete_sandbox(name: str, root: Path | str | None = None) -> Path:
    """Delete sandbox ``name`` (only a folder this module created: it must hold sandbox.json)."""
    folder = _existing(name, root)
    shutil.rmtree(folder)
    return folder


# ---------------------------------------------------------------------------------------------------
# build


def _csv_header(path: Path) -> list[str]:
    try:
        with open(path, newline="", encoding="utf-8") as handle:
            return next(csv.reader(handle), [])
    except (OSError, UnicodeDecodeError) as error:
        raise SandboxError(f"{path} cannot be read as a UTF-8 CSV file: {error}") from None


def check_seed_copies(folder: Path, seeds_dir: Path = PRODUCTION_SEEDS) -> None:
    """Every editable copy exists and keeps production's columns (values are checked by the build's tests)."""
    problems = []
    for seed in EDITABLE_SEEDS:
        copy = folder / "seeds" / seed.path
        if not copy.is_file():
            problems.append(f"{copy} is missing (copy it back from {seeds_dir / seed.path})")
            continue
        expected, found = _csv_header(seeds_dir / seed.path), _csv_header(copy)
        if [c.strip().lower() for c in found] != [c.strip().lower() for c in expected]:
            problems.append(f"{copy}: columns {found} differ from production's {expected}; keep the header line as is")
    extra = sorted(
        str(path.relative_to(folder / "seeds"))
        for path in (folder / "seeds").rglob("*")
        if path.is_file() and str(path.relative_to(folder / "seeds")) not in {s.path for s in EDITABLE_SEEDS}
    )
    if extra:
        problems.append(
            f"files in {folder / 'seeds'} that are not editable seeds: {extra} (only "
            + ", ".join(s.name for s in EDITABLE_SEEDS) + " can be changed in a sandbox; remove the others)"
        )
    if problems:
        raise SandboxError("the sandbox's seeds cannot be built:\n  " + "\n  ".join(problems))


def write_overlay_project(folder: Path, project_dir: Path = PROJECT_DIR) -> Path:
    """Generate ``.dbt/project``: production's dbt_project.yml, its folders linked, the sandbox's seeds.

    Every folder of the project that dbt reads (models, macros, tests, ...; the path keys of
    dbt_project.yml) is a symbolic link to the real one, so the sandbox builds exactly the project's code
    with relative paths; dbt's compiled and run files therefore land in the overlay's target folder. Only
    ``seeds`` is a real folder: production's seeds tree with the sandbox's editable copies laid over it.
    """
    overlay = folder / GENERATED_FOLDER / "project"
    overlay.mkdir(parents=True, exist_ok=True)
    project_file = project_dir / "dbt_project.yml"
    config = yaml.safe_load(project_file.read_text())
    seed_paths = config.get("seed-paths", ["seeds"])
    if seed_paths != ["seeds"]:
        raise SandboxError(f"{project_file}: seed-paths is {seed_paths}; sandboxes expect ['seeds']")
    linked = sorted({path for key in PATH_KEYS for path in config.get(key, []) if path not in seed_paths})
    for relative in linked:
        if Path(relative).is_absolute() or ".." in Path(relative).parts or "/" in relative:
            raise SandboxError(f"{project_file}: path {relative!r} is not a top-level folder of the project")
        link = overlay / relative
        if link.is_symlink() or link.exists():
            if not link.is_symlink():
                raise SandboxError(f"{link} exists and is not a link; delete {overlay} and build again")
            link.unlink()
        link.symlink_to((project_dir / relative).resolve(), target_is_directory=True)
    seeds = overlay / "seeds"
    if seeds.exists():
        shutil.rmtree(seeds)
    shutil.copytree(project_dir / "seeds", seeds)
    for seed in EDITABLE_SEEDS:
        shutil.copyfile(folder / "seeds" / seed.path, seeds / seed.path)
    shutil.copyfile(project_file, overlay / "dbt_project.yml")
    return overlay


def production_raw_path(version_path: Path) -> Path | None:
    """The raw folder production's published build read (the folder of its order_lines file), if known."""
    with duckdb.connect(str(version_path), read_only=True) as con:
        try:
            row = con.execute(
                "select source_file from marts.fct_load_summary where entity = 'order_lines' and source_file is not null"
            ).fetchone()
        except duckdb.CatalogException:
            return None
    return Path(row[0]).parent if row else None


def _production(serving_dir: Path | str | None) -> tuple[Path, Version]:
    serving = serving_dir_from_env(serving_dir).resolve()
    version = current_version(serving)
    if version is None:
        raise SandboxError(
            f"nothing is published in {serving}: a sandbox is compared with production's published version."
            " Build and publish production first (`supplyseg demo`, or `dbt build` then `supplyseg publish`),"
            " or pass --serving-dir"
        )
    return serving, version


@dataclass(frozen=True)
class SandboxBuild:
    """A finished sandbox build."""

    name: str
    database: Path
    production_version: Version
    production_version_path: Path
    raw_path: Path
    dbt: DbtResult
    raw_data_differences: list[str]


def build_sandbox(
    name: str,
    *,
    root: Path | str | None = None,
    serving_dir: Path | str | None = None,
    raw_path: Path | str | None = None,
    dbt_vars: dict[str, Any] | None = None,
    stream: bool = False,
    progress: Progress = print,
) -> SandboxBuild:
    """``dbt build`` of the whole project into the sandbox's database with the sandbox's seeds.

    The raw data is production's (the folder its published build read, unless ``raw_path`` is given), and
    the impact assessment compares with production's current published version. Raises SandboxError
    with dbt's output when the build fails.
    """
    folder = _existing(name, root)
    check_seed_copies(folder)
    serving, version = _production(serving_dir)
    version_path = version.path(serving)
    if raw_path is None:
        found = production_raw_path(version_path)
        if found is None:
            raise SandboxError(
                f"the published version {version.version_id} does not say which raw folder it read; pass --raw-path"
            )
        raw_path = found
    raw = Path(raw_path).resolve()
    if not raw.is_dir():
        raise SandboxError(f"raw folder {raw} does not exist; pass --raw-path with production's input folder")
    reserved = {"raw_path", "impact_published_path", "impact_published_database", "impact_published_schema"}
    clashing = sorted(reserved & set(dbt_vars or {}))
    if clashing:
        raise SandboxError(f"vars {clashing} are set by the sandbox build itself; leave them out of --vars")
    overlay = write_overlay_project(folder)
    generated = folder / GENERATED_FOLDER
    changed = changed_seeds(folder)
    progress(
        f"Sandbox {name}: building into {folder / DATABASE_FILE}\n"
        f"  seeds changed against production: {', '.join(Path(p).stem for p in changed) or 'none'}\n"
        f"  raw data: {raw}\n"
        f"  compared with production version {version.version_id} (run {version.run_id}): {version_path}\n"
        + ("  dbt build running ..." if stream else "  dbt build running (a few minutes; --verbose shows dbt's progress) ...")
    )
    started = _now()
    result = run_dbt(
        ["build"],
        raw_path=raw,
        dbt_vars={
            **(dbt_vars or {}),
            "impact_published_path": str(version_path),
            "impact_published_database": PUBLISHED_ALIAS,
        },
        target=SANDBOX_TARGET,
        target_path=generated / "target",
        log_path=generated / "logs",
        project_dir=overlay,
        extra_env={SANDBOX_NAME_ENV: name, SANDBOX_DIR_ENV: str(folder.parent)},
        check=False,
        stream=stream,
    )
    metadata = _read_metadata(folder)
    metadata["last_build"] = {
        "started_at": started,
        "finished_at": _now(),
        "ok": result.ok,
        "production_version_id": version.version_id,
        "production_run_id": version.run_id,
        "raw_path": str(raw),
        "changed_seeds": changed,
    }
    _write_metadata(folder, metadata)
    if not result.ok:
        raise SandboxError(
            f"dbt build of sandbox {name} failed (exit {result.returncode}); production is untouched. Fix the"
            f" sandbox's seeds in {folder / 'seeds'} and build again. dbt said:\n{result.output[-6000:]}"
        )
    database = folder / DATABASE_FILE
    return SandboxBuild(
        name=name,
        database=database,
        production_version=version,
        production_version_path=version_path,
        raw_path=raw,
        dbt=result,
        raw_data_differences=compare_loads(database, version_path),
    )


def compare_loads(sandbox_db: Path, version_path: Path) -> list[str]:
    """Entities whose rows read differ between the sandbox's and production's load (other raw data?)."""
    query = "select entity, rows_read from marts.fct_load_summary"
    with duckdb.connect(str(sandbox_db), read_only=True) as con:
        sandbox = dict(con.execute(query).fetchall())
    with duckdb.connect(str(version_path), read_only=True) as con:
        production = dict(con.execute(query).fetchall())
    return [
        f"{entity}: sandbox read {sandbox.get(entity)} rows, production {production.get(entity)}"
        for entity in sorted(set(sandbox) | set(production))
        if sandbox.get(entity) != production.get(entity)
    ]


# ---------------------------------------------------------------------------------------------------
# Impact against production


def impact_summary(database: Path) -> pd.DataFrame:
    """Per grain and kind of change, the entities the sandbox would change against production.

    From ``marts.fct_segment_impact_summary`` when the project has it, else counted from
    ``int_segment_impact_assessed`` (one row per changed entity).
    """
    with duckdb.connect(str(database), read_only=True) as con:
        tables = {
            (schema, table)
            for schema, table in con.execute("select table_schema, table_name from information_schema.tables").fetchall()
        }
        if ("marts", "fct_segment_impact_summary") in tables:
            return con.execute("select * from marts.fct_segment_impact_summary").df()
        return con.execute(
            """
            select
                grain,
                change_kind,
                count(*) as entities,
                count(*) filter (where is_segment_changed) as segment_changed_entities,
                sum(revenue_rep_ccy) as revenue_rep_ccy,
                min(published_run_id) as production_run_id
            from intermediate.int_segment_impact_assessed
            group by grain, change_kind
            order by grain, change_kind
            """
        ).df()


def format_frame(frame: pd.DataFrame) -> str:
    if frame.empty:
        return "  (no entity would change segment or service tier against production)"
    return frame.to_string(index=False, float_format=lambda v: f"{v:,.2f}")


# ---------------------------------------------------------------------------------------------------
# Policy what-if


def simulation_inputs(database: Path, version_path: Path) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """(replayed demand, sandbox parameters, production parameters) for the policy what-if."""
    parameters = "select * from marts.fct_item_policy_parameters order by product_id, plant_id"
    with duckdb.connect(str(database), read_only=True) as con:
        demand = con.execute(
            "select product_id, plant_id, replay_period_number, demand_quantity"
            " from intermediate.int_item_demand_replayed order by product_id, plant_id, replay_period_number"
        ).df()
        sandbox = con.execute(parameters).df()
    with duckdb.connect(str(version_path), read_only=True) as con:
        production = con.execute(parameters).df()
    if demand.empty:
        raise SandboxError(f"{database} has no replayed demand (intermediate.int_item_demand_replayed is empty)")
    if int(demand["replay_period_number"].min()) != 1:
        raise SandboxError(
            "the replayed demand does not start at period 1: var policy_simulation_periods exceeds the analysis"
            " window; build the sandbox again with fewer periods (--periods)"
        )
    return demand, sandbox, production


@dataclass(frozen=True)
class WhatIf:
    """The policy what-if of a sandbox: per item and per segment, written to the sandbox."""

    by_item: pd.DataFrame
    by_segment: pd.DataFrame
    csv_path: Path
    periods: int


def simulate_sandbox(
    name: str,
    *,
    root: Path | str | None = None,
    serving_dir: Path | str | None = None,
    backorders: bool = False,
    progress: Progress = print,
) -> WhatIf:
    """Replay the sandbox's demand against its parameters and production's published ones; write the result.

    Writes ``policy_simulation.csv`` (per segment) in the sandbox folder and tables
    ``what_if.policy_simulation_by_segment`` and ``what_if.policy_simulation_by_item`` in its database.
    """
    folder = _existing(name, root)
    database = folder / DATABASE_FILE
    metadata = _read_metadata(folder)
    if not database.exists() or not (metadata.get("last_build") or {}).get("ok"):
        raise SandboxError(f"sandbox {name} has no successful build; run `supplyseg sandbox build {name}` first")
    serving, version = _production(serving_dir)
    if version.version_id != metadata["last_build"]["production_version_id"]:
        progress(
            f"Note: production's current version is {version.version_id}; the sandbox was built against"
            f" {metadata['last_build']['production_version_id']}. Simulating against the current one."
        )
    progress(f"Policy what-if of sandbox {name}: reading the replayed demand and both sides' parameters ...")
    demand, sandbox_parameters, production_parameters = simulation_inputs(database, version.path(serving))
    by_item, by_segment = compare_policies(
        demand, sandbox_parameters, production_parameters, backorders=backorders, progress=progress
    )
    periods = int(by_item["replayed_periods"].iloc[0])
    mode = "backorders" if backorders else "lost_sales"
    stamped = by_segment.assign(
        replayed_periods=periods,
        unfilled_demand=mode,
        production_version_id=version.version_id,
        production_run_id=version.run_id,
    )
    csv_path = folder / SIMULATION_CSV
    progress(f"  writing {csv_path} and {SIMULATION_SCHEMA}.policy_simulation_by_segment / _by_item in {database}")
    stamped.to_csv(csv_path, index=False)
    with duckdb.connect(str(database)) as con:
        con.execute(f"create schema if not exists {SIMULATION_SCHEMA}")
        con.register("by_segment_frame", stamped)
        con.register("by_item_frame", by_item.assign(unfilled_demand=mode))
        con.execute(f"create or replace table {SIMULATION_SCHEMA}.policy_simulation_by_segment as select * from by_segment_frame")
        con.execute(f"create or replace table {SIMULATION_SCHEMA}.policy_simulation_by_item as select * from by_item_frame")
    return WhatIf(by_item=by_item, by_segment=by_segment, csv_path=csv_path, periods=periods)
