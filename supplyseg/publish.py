"""Publish a finished build to readers, atomically, and roll it back (docs/publishing.md).

``dbt build`` writes to a working DuckDB file that only the build opens. When the whole build and all
its tests passed (``run_results.json``: no node in error or fail; warnings allowed), ``publish`` copies
the public tables into a new versioned DuckDB file under a serving folder and then switches the
``current`` pointer by one atomic rename. Readers open the current version read-only
(``open_current``) and never the working database, so a reader never blocks a build, and every
connection sees one version, written by one run, for as long as it is open.

Serving folder layout::

    <serving_dir>/current.json        the pointer: the current version and the kept versions (ledger)
    <serving_dir>/versions/v000007.duckdb   one published version (never modified once written)
    <serving_dir>/.lock               held by publish and rollback (one writer at a time)

The public tables are discovered from the build's ``manifest.json``: models with ``access: public``
materialized as ``table`` or ``incremental`` (schema ``marts``) and the snapshots (schema ``history``).
New marts are therefore published without touching this module. Each published table is the mart as
built plus three columns on every row: ``published_run_id``, ``model_version`` (the project version in
dbt_project.yml) and ``published_at`` (UTC). Schema ``publish`` of each version holds the metadata:
``publish.version`` (run id, times, commit, working database), ``publish.tables`` (row counts, run ids
per table) and ``publish.impact_by_grain`` (the impact assessment against the version it replaced).

Crash safety: the new version is written under a temporary name, fsynced, renamed into
``versions/`` and only then does ``current.json`` change, by writing a temporary file, fsyncing it
and ``os.replace``-ing it over the old pointer (then fsyncing the folder). A publish killed at any
point leaves the pointer on the previous, whole version; leftovers (temporary files, a renamed
version the pointer never named) are removed by the next publish, under the lock.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import subprocess
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import duckdb
import yaml

from supplyseg.dbt_runner import PROJECT_DIR

DEFAULT_SERVING_DIR = PROJECT_DIR / "build" / "serving"
DEFAULT_TARGET_DIR = PROJECT_DIR / "target"
DEFAULT_KEEP = 5
SERVING_DIR_ENV = "SUPPLYSEG_SERVING_DIR"
KEEP_ENV = "SUPPLYSEG_SERVING_KEEP"
POINTER_FILE = "current.json"
VERSIONS_FOLDER = "versions"
LOCK_FILE = ".lock"
TEMP_PREFIX = ".tmp-"
PUBLISH_COLUMNS = ("published_run_id", "model_version", "published_at")
FAILED_STATUSES = {"error", "fail", "runtime error"}
PUBLISHED_MATERIALIZATIONS = {"table", "incremental"}
WORK_ALIAS = "work_build"

IMPACT_SUMMARY_TABLE = "fct_segment_impact_summary"
IMPACT_PATH_VAR = "impact_published_path"
IMPACT_DATABASE_ALIAS = "published"

Progress = Callable[[str], None]


class PublishRefused(RuntimeError):
    """The build may not be published; nothing was published."""


class ServingError(RuntimeError):
    """The serving folder is missing, empty or not in the expected state."""


@dataclass(frozen=True)
class PublicTable:
    """A table of the working database that readers get, as the manifest describes it."""

    unique_id: str
    source_schema: str
    name: str
    target_schema: str
    materialized: str
    contract_enforced: bool
    columns: tuple[str, ...]

    @property
    def single_run(self) -> bool:
        """A plain table is rebuilt whole by each run; incremental marts and snapshots keep history."""
        return self.materialized == "table"


@dataclass(frozen=True)
class BuildInfo:
    """The build a publish is made from (read from its run_results.json and manifest.json)."""

    run_id: str
    invocation_id: str
    started_at: str
    finished_at: str
    dbt_version: str
    warnings: tuple[str, ...]
    tables: tuple[PublicTable, ...]
    impact_published_path: str | None = None


@dataclass(frozen=True)
class Version:
    """One published version, as listed in the pointer file."""

    version_id: str
    file: str
    run_id: str
    model_version: str
    published_at: str
    build_started_at: str
    build_finished_at: str
    git_commit: str | None
    row_counts: dict[str, int] = field(default_factory=dict)
    impact: dict[str, Any] = field(default_factory=dict)
    is_current: bool = False

    def path(self, serving_dir: Path | str) -> Path:
        return Path(serving_dir) / VERSIONS_FOLDER / self.file


# ---------------------------------------------------------------------------------------------------
# Settings


def serving_dir_from_env(serving_dir: Path | str | None = None) -> Path:
    """The serving folder: the argument, else env SUPPLYSEG_SERVING_DIR, else build/serving."""
    if serving_dir is not None:
        return Path(serving_dir)
    return Path(os.environ.get(SERVING_DIR_ENV) or DEFAULT_SERVING_DIR)


def keep_from_env(keep: int | None = None) -> int:
    """How many versions are kept besides the current one: the argument, else env, else 5."""
    if keep is None:
        text = os.environ.get(KEEP_ENV)
        if text is None:
            return DEFAULT_KEEP
        try:
            keep = int(text)
        except ValueError:
            raise ServingError(f"{KEEP_ENV}={text!r} is not a whole number; set it to 0 or more, e.g. 5") from None
    if keep < 0:
        raise ServingError(f"keep={keep}: the number of previous versions kept must be 0 or more")
    return keep


def project_version(project_dir: Path = PROJECT_DIR) -> str:
    """The model version: ``version`` of dbt_project.yml."""
    config = yaml.safe_load((project_dir / "dbt_project.yml").read_text())
    return str(config.get("version", "unknown"))


def git_commit(project_dir: Path = PROJECT_DIR) -> str | None:
    """The commit the project is at, with ``-dirty`` when files differ from it; None outside git."""
    try:
        commit = subprocess.run(
            ["git", "rev-parse", "HEAD"], cwd=project_dir, capture_output=True, text=True, check=True, timeout=10
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no"],
            cwd=project_dir, capture_output=True, text=True, check=True, timeout=10,
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return None
    return f"{commit}-dirty" if dirty else commit


# ---------------------------------------------------------------------------------------------------
# The gate: is this build publishable?


def public_tables(manifest: dict[str, Any]) -> list[PublicTable]:
    """Public models materialized as tables (schema marts) and snapshots (schema history)."""
    tables: list[PublicTable] = []
    for unique_id, node in sorted(manifest.get("nodes", {}).items()):
        config = node.get("config", {})
        materialized = config.get("materialized")
        if node.get("resource_type") == "model":
            if node.get("access") != "public" or materialized not in PUBLISHED_MATERIALIZATIONS:
                continue
            target_schema = "marts"
        elif node.get("resource_type") == "snapshot":
            target_schema = "history"
        else:
            continue
        tables.append(
            PublicTable(
                unique_id=unique_id,
                source_schema=node["schema"],
                name=node.get("alias") or node["name"],
                target_schema=target_schema,
                materialized=materialized,
                contract_enforced=bool((config.get("contract") or {}).get("enforced")),
                columns=tuple(column.lower() for column in node.get("columns", {})),
            )
        )
    return tables


def _build_vars(run_results: dict[str, Any]) -> dict[str, Any]:
    """The --vars the build was given."""
    build_vars = run_results.get("args", {}).get("vars") or {}
    if isinstance(build_vars, str):
        build_vars = yaml.safe_load(build_vars) or {}
    return build_vars


def _run_id_of(run_results: dict[str, Any]) -> str:
    """The run id the marts carry: var run_id when the build was given one, else dbt's invocation id."""
    given = _build_vars(run_results).get("run_id")
    return str(given) if given is not None else run_results["metadata"]["invocation_id"]


def check_build(target_dir: Path | str) -> BuildInfo:
    """Read the last build's run_results.json and manifest.json; raise PublishRefused unless publishable.

    Publishable: the last dbt command in ``target_dir`` was ``dbt build``, no node ended in error or
    fail (warnings are allowed), the manifest is from the same invocation, and every public table was
    built by it.
    """
    target_dir = Path(target_dir)
    run_results_path = target_dir / "run_results.json"
    manifest_path = target_dir / "manifest.json"
    for path in (run_results_path, manifest_path):
        if not path.exists():
            raise PublishRefused(f"{path} not found: run `dbt build` first (nothing was published)")
    run_results = json.loads(run_results_path.read_text())
    manifest = json.loads(manifest_path.read_text())
    which = run_results.get("args", {}).get("which")
    if which != "build":
        raise PublishRefused(
            f"the last dbt command in {target_dir} was `{which}`, not `build`: only a build runs the tests that"
            " guard a publish. Run `dbt build` (or `supplyseg demo`) and publish right after it; nothing was"
            " published."
        )
    failed = [
        f"{result['unique_id']} ({result['status']}: {(result.get('message') or '').strip()[:300]})"
        for result in run_results.get("results", [])
        if str(result.get("status")).lower() in FAILED_STATUSES
    ]
    if failed:
        raise PublishRefused(
            f"the build {run_results['metadata']['invocation_id']} failed, so nothing was published; the current"
            f" published version is unchanged. Failed nodes ({len(failed)}):\n  " + "\n  ".join(failed)
        )
    invocation_id = run_results["metadata"]["invocation_id"]
    if manifest.get("metadata", {}).get("invocation_id") != invocation_id:
        raise PublishRefused(
            f"{manifest_path} is from another dbt invocation than {run_results_path}; run `dbt build` again"
            " (nothing was published)"
        )
    tables = public_tables(manifest)
    if not tables:
        raise PublishRefused(f"{manifest_path} has no public model materialized as a table; nothing to publish")
    statuses = {result["unique_id"]: str(result.get("status")).lower() for result in run_results["results"]}
    not_built = [table.unique_id for table in tables if statuses.get(table.unique_id) != "success"]
    if not_built:
        raise PublishRefused(
            "the last build did not build every public table (a --select build?): "
            + ", ".join(f"{uid} ({statuses.get(uid, 'not in this build')})" for uid in not_built)
            + ". Run a full `dbt build`; nothing was published."
        )
    warnings = tuple(r["unique_id"] for r in run_results["results"] if str(r.get("status")).lower() == "warn")
    finished_at = run_results["metadata"].get("generated_at", "")
    return BuildInfo(
        run_id=_run_id_of(run_results),
        invocation_id=invocation_id,
        started_at=run_results["metadata"].get("invocation_started_at") or manifest["metadata"].get("run_started_at", ""),
        finished_at=finished_at,
        dbt_version=run_results["metadata"].get("dbt_version", ""),
        warnings=warnings,
        tables=tuple(tables),
        impact_published_path=_build_vars(run_results).get(IMPACT_PATH_VAR),
    )


# ---------------------------------------------------------------------------------------------------
# Files: pointer, lock, fsync


def _quote(identifier: str) -> str:
    return '"' + identifier.replace('"', '""') + '"'


def _fsync_file(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _write_atomically(path: Path, text: str) -> None:
    """Write a small file so that readers see the old content or the new one, never a part."""
    temp = path.with_name(f"{TEMP_PREFIX}{uuid.uuid4().hex}-{path.name}")
    with open(temp, "w", encoding="utf-8") as handle:
        handle.write(text)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(temp, path)
    _fsync_dir(path.parent)


@contextlib.contextmanager
def _serving_lock(serving_dir: Path) -> Iterator[None]:
    """One publish or rollback at a time (released by the kernel if the holder is killed)."""
    serving_dir.mkdir(parents=True, exist_ok=True)
    (serving_dir / VERSIONS_FOLDER).mkdir(exist_ok=True)
    with open(serving_dir / LOCK_FILE, "a+") as handle:
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle.fileno(), fcntl.LOCK_UN)


def _read_pointer(serving_dir: Path) -> dict[str, Any]:
    path = serving_dir / POINTER_FILE
    if not path.exists():
        return {"format": 1, "current": None, "versions": [], "events": []}
    return json.loads(path.read_text())


def _version_from_entry(entry: dict[str, Any], current: str | None) -> Version:
    return Version(**{key: value for key, value in entry.items() if key != "is_current"},
                   is_current=entry["version_id"] == current)


def list_versions(serving_dir: Path | str | None = None) -> list[Version]:
    """The kept versions, oldest first; the current one has ``is_current``."""
    pointer = _read_pointer(serving_dir_from_env(serving_dir))
    return [_version_from_entry(entry, pointer["current"]) for entry in pointer["versions"]]


def current_version(serving_dir: Path | str | None = None) -> Version | None:
    """The current version, or None when nothing was published yet."""
    return next((version for version in list_versions(serving_dir) if version.is_current), None)


def open_current(serving_dir: Path | str | None = None, attempts: int = 5) -> duckdb.DuckDBPyConnection:
    """A read-only connection to the current published version.

    The connection sees that one version for as long as it is open, whatever is published or rolled
    back meanwhile (on Linux a pruned file stays readable through the open handle). Raises
    ServingError when nothing was published yet.
    """
    serving_dir = serving_dir_from_env(serving_dir)
    for _ in range(attempts):
        version = current_version(serving_dir)
        if version is None:
            raise ServingError(
                f"nothing is published in {serving_dir}: run `supplyseg publish` after a successful `dbt build`"
            )
        try:
            return duckdb.connect(str(version.path(serving_dir)), read_only=True)
        except duckdb.IOException:
            # Pruned between reading the pointer and opening it (only after `keep` newer publishes): retry.
            if version.path(serving_dir).exists():
                raise
    raise ServingError(f"the current version in {serving_dir} kept disappearing while being opened")


def open_version(version_id: str, serving_dir: Path | str | None = None) -> duckdb.DuckDBPyConnection:
    """A read-only connection to a kept version (current or not)."""
    serving_dir = serving_dir_from_env(serving_dir)
    for version in list_versions(serving_dir):
        if version.version_id == version_id:
            return duckdb.connect(str(version.path(serving_dir)), read_only=True)
    raise ServingError(f"version {version_id} is not kept in {serving_dir}; `supplyseg publish --list` shows them")


# ---------------------------------------------------------------------------------------------------
# Impact assessment: the build compares itself with the published version, publish keeps the summary


def impact_build_vars(
    serving_dir: Path | str | None = None, progress: Progress = lambda message: None, project_dir: Path = PROJECT_DIR
) -> dict[str, str]:
    """The dbt vars that make a build assess its impact against the current published version.

    ``{impact_published_path: <current version file>, impact_published_database: published}``: the
    build attaches that file READ_ONLY (macro attach_published_database) and the governance impact
    models (int_segment_impact_assessed ... fct_segment_impact_summary) compare the build with it. A
    version file is never modified once written, so the attach never conflicts with a publish or a
    reader. Empty when nothing is published yet, or when the current version lacks a mart of this
    project (published by an older project version: the impact models could not read it); then
    ``progress`` says so, and the build is published without an impact summary.
    """
    serving_dir = serving_dir_from_env(serving_dir)
    version = current_version(serving_dir)
    if version is None:
        return {}
    path = version.path(serving_dir).resolve()
    marts = {sql.stem for sql in (project_dir / "models" / "marts").rglob("*.sql")}
    with duckdb.connect(str(path), read_only=True) as con:
        published = {
            name for (name,) in con.execute(
                "select table_name from duckdb_tables() where schema_name = 'marts'"
            ).fetchall()
        }
    missing = sorted(marts - published)
    if missing:
        progress(
            f"Impact assessment skipped: the published {version.version_id} has no {', '.join(missing)} (published"
            " by an older project version), so this build cannot be compared with it; it is published without an"
            " impact summary and the next build is compared again."
        )
        return {}
    return {
        IMPACT_PATH_VAR: str(path),
        "impact_published_database": IMPACT_DATABASE_ALIAS,
    }


def _impact_summary(
    con: duckdb.DuckDBPyConnection, build: BuildInfo, previous: dict[str, Any] | None
) -> dict[str, Any]:
    """The impact kept with a version, read from the candidate's ``marts.fct_segment_impact_summary``.

    ``con`` is the new version file (its marts copied already). The summary was computed by the build
    against the version file named by its var impact_published_path; the result says which one, and
    notes when that is not the version being replaced (a publish in between) or when the build was
    not compared at all.
    """
    compared_file = Path(build.impact_published_path).name if build.impact_published_path else None
    summary: dict[str, Any] = {
        "source": f"marts.{IMPACT_SUMMARY_TABLE}",
        "compared_with": compared_file,
        "replaces": previous["file"] if previous else None,
        "published_run_id": None,
        "measures": [],
    }
    if previous is None:
        summary["note"] = "first publish: nothing to compare with"
        return summary
    present = con.execute(
        "select count(*) from duckdb_tables() where schema_name = 'marts' and table_name = ?", [IMPACT_SUMMARY_TABLE]
    ).fetchone()[0]
    if not present:
        summary["note"] = f"not assessed: marts.{IMPACT_SUMMARY_TABLE} is not among the public marts of this build"
        return summary
    rows = con.execute(
        f"select grain, measure, measure_unit, measure_value, current_published_run_id from marts.{IMPACT_SUMMARY_TABLE}"
        " order by grain, measure"
    ).fetchall()
    if not rows:
        summary["note"] = (
            "not assessed: the build was not compared with a published version (build with var"
            f" {IMPACT_PATH_VAR} = the current version file, as `supplyseg demo` and `supplyseg build` do)"
        )
        return summary
    summary["published_run_id"] = rows[0][4]
    summary["measures"] = [
        {"grain": grain, "measure": measure, "measure_unit": unit, "measure_value": value}
        for grain, measure, unit, value, _ in rows
    ]
    summary["entities_moved"] = int(sum(value for _, measure, _, value, _ in rows if measure == "entities_moved"))
    if compared_file != previous["file"] or rows[0][4] != previous["run_id"]:
        summary["note"] = (
            f"assessed against {compared_file} (run {rows[0][4]}), not against {previous['file']} (run"
            f" {previous['run_id']}) which this version replaces: another version was published or rolled back"
            " after the build started"
        )
    return summary


# ---------------------------------------------------------------------------------------------------
# Publish


def _source_columns(con: duckdb.DuckDBPyConnection, table: PublicTable) -> list[str]:
    return [
        name.lower()
        for (name,) in con.execute(
            "select column_name from information_schema.columns"
            " where table_catalog = ? and table_schema = ? and table_name = ? order by ordinal_position",
            [WORK_ALIAS, table.source_schema, table.name],
        ).fetchall()
    ]


def _copy_tables(
    con: duckdb.DuckDBPyConnection, build: BuildInfo, model_version: str, published_at: datetime, progress: Progress
) -> list[tuple[PublicTable, int, int]]:
    """Copy every public table with the publish columns; returns (table, rows, distinct run ids)."""
    copied: list[tuple[PublicTable, int, int]] = []
    for schema in sorted({table.target_schema for table in build.tables}):
        con.execute(f"create schema {_quote(schema)}")
    for number, table in enumerate(build.tables, start=1):
        columns = _source_columns(con, table)
        where = f"{table.source_schema}.{table.name} in the working database"
        if not columns:
            raise PublishRefused(f"{where} does not exist although the build says it built it; nothing was published")
        # A model may carry model_version itself (the ERP exports do, from macro model_version()): it is kept
        # when it holds this project's version. The other publish columns are the publish step's own.
        clashing = sorted(set(columns) & (set(PUBLISH_COLUMNS) - {"model_version"}))
        if clashing:
            raise PublishRefused(f"{where} already has the publish column(s) {clashing}; rename them in the model")
        has_model_version = "model_version" in columns
        if has_model_version:
            versions = sorted(str(value) for (value,) in con.execute(
                f"select distinct model_version from {WORK_ALIAS}.{_quote(table.source_schema)}.{_quote(table.name)}"
            ).fetchall())
            if versions and versions != [model_version]:
                raise PublishRefused(
                    f"{where} has model_version {versions}, not {model_version} of dbt_project.yml;"
                    " run `dbt build` again; nothing was published"
                )
        if table.contract_enforced and set(columns) != set(table.columns):
            raise PublishRefused(
                f"{where} does not match its contract in the manifest (columns {sorted(set(columns) ^ set(table.columns))}"
                " differ): the working database is not from this build; run `dbt build` again"
            )
        run_ids: list[str] = []
        if "run_id" in columns:
            run_ids = [
                value for (value,) in con.execute(
                    f"select distinct run_id from {WORK_ALIAS}.{_quote(table.source_schema)}.{_quote(table.name)}"
                ).fetchall()
            ]
            if table.single_run and run_ids and run_ids != [build.run_id]:
                raise PublishRefused(
                    f"{where} holds run id(s) {sorted(map(str, run_ids))}, not only {build.run_id} of the last build:"
                    " the working database changed after that build (a build killed or failed since?)."
                    " Run `dbt build` again; nothing was published."
                )
            if not table.single_run and run_ids and build.run_id not in run_ids and table.target_schema == "marts":
                raise PublishRefused(f"{where} has no rows of run {build.run_id}; run `dbt build` again")
        progress(f"  [{number}/{len(build.tables)}] {table.target_schema}.{table.name}")
        con.execute(
            f"create table {_quote(table.target_schema)}.{_quote(table.name)} as"
            f" select source.*, cast(? as varchar) as published_run_id,"
            + ("" if has_model_version else " cast(? as varchar) as model_version,")
            + " cast(? as timestamp) as published_at"
            f" from {WORK_ALIAS}.{_quote(table.source_schema)}.{_quote(table.name)} as source",
            [build.run_id, *([] if has_model_version else [model_version]), published_at.replace(tzinfo=None)],
        )
        rows = con.execute(f"select count(*) from {_quote(table.target_schema)}.{_quote(table.name)}").fetchone()[0]
        copied.append((table, rows, len(run_ids)))
    return copied


def _write_metadata(
    con: duckdb.DuckDBPyConnection,
    version: Version,
    build: BuildInfo,
    work_db: Path,
    copied: list[tuple[PublicTable, int, int]],
) -> None:
    con.execute("create schema publish")
    con.execute(
        "create table publish.version as select"
        " cast(? as varchar) as version_id, cast(? as varchar) as run_id, cast(? as varchar) as invocation_id,"
        " cast(? as varchar) as model_version, cast(? as timestamp) as published_at,"
        " cast(? as timestamp) as build_started_at, cast(? as timestamp) as build_finished_at,"
        " cast(? as varchar) as git_commit, cast(? as varchar) as dbt_version, cast(? as varchar) as working_database,"
        " cast(? as varchar) as warned_tests",
        [
            version.version_id, build.run_id, build.invocation_id, version.model_version,
            version.published_at.rstrip("Z"), build.started_at.rstrip("Z") or None,
            build.finished_at.rstrip("Z") or None, version.git_commit, build.dbt_version, str(work_db),
            ", ".join(build.warnings),
        ],
    )
    con.execute(
        "create table publish.tables (table_schema varchar, table_name varchar, dbt_unique_id varchar,"
        " materialized varchar, row_count bigint, distinct_run_ids integer)"
    )
    con.executemany(
        "insert into publish.tables values (?, ?, ?, ?, ?, ?)",
        [[t.target_schema, t.name, t.unique_id, t.materialized, rows, run_ids] for t, rows, run_ids in copied],
    )
    con.execute(
        "create table publish.impact_by_grain (grain varchar, measure varchar, measure_unit varchar,"
        " measure_value double, published_run_id varchar, compared_with varchar)"
    )
    measures = version.impact.get("measures", [])
    if measures:
        con.executemany(
            "insert into publish.impact_by_grain values (?, ?, ?, ?, ?, ?)",
            [
                [m["grain"], m["measure"], m["measure_unit"], m["measure_value"],
                 version.impact.get("published_run_id"), version.impact.get("compared_with")]
                for m in measures
            ],
        )


def _clean_leftovers(serving_dir: Path, pointer: dict[str, Any]) -> None:
    """Remove what killed publishes left: temporary files and version files the pointer never named."""
    referenced = {entry["file"] for entry in pointer["versions"]}
    for folder in (serving_dir, serving_dir / VERSIONS_FOLDER):
        for path in folder.iterdir():
            if path.name.startswith(TEMP_PREFIX) or (
                folder.name == VERSIONS_FOLDER and path.name not in referenced
            ):
                path.unlink(missing_ok=True)


def _prune(serving_dir: Path, pointer: dict[str, Any], keep: int) -> list[str]:
    """Keep the current version and the ``keep`` newest others; delete the rest (pointer first, then files).

    Deleting a file a reader still holds open is safe on Linux: the reader keeps its version until it
    closes the connection; the name just disappears from the folder.
    """
    others = [entry for entry in pointer["versions"] if entry["version_id"] != pointer["current"]]
    dropped = others[: max(len(others) - keep, 0)]
    if not dropped:
        return []
    dropped_ids = {entry["version_id"] for entry in dropped}
    pointer["versions"] = [entry for entry in pointer["versions"] if entry["version_id"] not in dropped_ids]
    _write_atomically(serving_dir / POINTER_FILE, json.dumps(pointer, indent=2))
    for entry in dropped:
        (serving_dir / VERSIONS_FOLDER / entry["file"]).unlink(missing_ok=True)
    return sorted(dropped_ids)


def publish(
    work_db: Path | str,
    serving_dir: Path | str | None = None,
    *,
    target_dir: Path | str = DEFAULT_TARGET_DIR,
    keep: int | None = None,
    progress: Progress = lambda message: None,
    project_dir: Path = PROJECT_DIR,
) -> Version:
    """Publish the public tables of ``work_db`` as a new current version; returns it.

    ``target_dir`` is the dbt target folder of the build that wrote ``work_db`` (its run_results.json
    and manifest.json). Raises PublishRefused (nothing published) when the build failed or does not
    match the working database. The impact summary the build computed against the published
    version (``marts.fct_segment_impact_summary``, see ``impact_build_vars``) is stored with the
    version: in ``current.json`` and in ``publish.impact_by_grain``.
    """
    work_db = Path(work_db).resolve()
    serving_dir = serving_dir_from_env(serving_dir).resolve()
    keep = keep_from_env(keep)
    build = check_build(target_dir)
    if not work_db.exists():
        raise PublishRefused(f"working database {work_db} not found; nothing was published")
    model_version = project_version(project_dir)
    commit = git_commit(project_dir)
    with _serving_lock(serving_dir):
        pointer = _read_pointer(serving_dir)
        _clean_leftovers(serving_dir, pointer)
        number = 1 + max((int(entry["version_id"][1:]) for entry in pointer["versions"]), default=0)
        version_id = f"v{number:06d}"
        final_path = serving_dir / VERSIONS_FOLDER / f"{version_id}.duckdb"
        temp_path = serving_dir / VERSIONS_FOLDER / f"{TEMP_PREFIX}{uuid.uuid4().hex}.duckdb"
        published_at = datetime.now(UTC)
        progress(f"Publishing run {build.run_id} as {version_id} into {serving_dir} ...")
        started = time.monotonic()
        try:
            with duckdb.connect(str(temp_path)) as con:
                try:
                    con.execute(f"attach ? as {WORK_ALIAS} (read_only)", [str(work_db)])
                except duckdb.IOException as error:
                    raise PublishRefused(
                        f"cannot open the working database {work_db} ({error}); is a build still running? Publish"
                        " after it has finished; nothing was published"
                    ) from None
                copied = _copy_tables(con, build, model_version, published_at, progress)
                con.execute(f"detach {WORK_ALIAS}")
                con.execute("checkpoint")
                previous = next((e for e in pointer["versions"] if e["version_id"] == pointer["current"]), None)
                impact = _impact_summary(con, build, previous)
        except BaseException:
            temp_path.unlink(missing_ok=True)
            raise
        if impact.get("note") and previous is not None:
            progress(f"  impact: {impact['note']}")
        version = Version(
            version_id=version_id,
            file=final_path.name,
            run_id=build.run_id,
            model_version=model_version,
            published_at=published_at.strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
            build_started_at=build.started_at,
            build_finished_at=build.finished_at,
            git_commit=commit,
            row_counts={f"{t.target_schema}.{t.name}": rows for t, rows, _ in copied},
            impact=impact,
        )
        with duckdb.connect(str(temp_path)) as con:
            _write_metadata(con, version, build, work_db, copied)
            con.execute("checkpoint")
        _fsync_file(temp_path)
        os.replace(temp_path, final_path)
        _fsync_dir(final_path.parent)
        entry = {key: value for key, value in version.__dict__.items() if key != "is_current"}
        pointer["versions"].append(entry)
        pointer["events"] = [
            *pointer.get("events", [])[-49:],
            {"at": version.published_at, "action": "publish", "from": pointer["current"], "to": version_id},
        ]
        pointer["current"] = version_id
        # The switch: readers opening after this line get the new version.
        _write_atomically(serving_dir / POINTER_FILE, json.dumps(pointer, indent=2))
        pruned = _prune(serving_dir, pointer, keep)
        progress(
            f"Published {version_id} (run {build.run_id}, {sum(version.row_counts.values()):,} rows in"
            f" {len(copied)} tables) in {time.monotonic() - started:.1f} s"
            + (f"; removed old versions {', '.join(pruned)}" if pruned else "")
        )
    return Version(**entry, is_current=True)


def rollback(serving_dir: Path | str | None = None) -> Version:
    """Make the newest kept version older than the current one current again; returns it.

    Calling it again goes one version further back. Raises ServingError when there is no older
    version kept. The rolled-back-from version stays listed (a later publish gets a new number).
    """
    serving_dir = serving_dir_from_env(serving_dir).resolve()
    with _serving_lock(serving_dir):
        pointer = _read_pointer(serving_dir)
        current = pointer["current"]
        if current is None:
            raise ServingError(f"nothing is published in {serving_dir}; there is nothing to roll back")
        older = [entry for entry in pointer["versions"] if entry["version_id"] < current]
        if not older:
            raise ServingError(
                f"{current} is the oldest version kept in {serving_dir}; there is no earlier version to roll back"
                " to (nothing changed)"
            )
        target = older[-1]
        if not (serving_dir / VERSIONS_FOLDER / target["file"]).exists():
            raise ServingError(f"{target['file']} is missing from {serving_dir / VERSIONS_FOLDER}; nothing changed")
        now = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
        pointer["events"] = [
            *pointer.get("events", [])[-49:],
            {"at": now, "action": "rollback", "from": current, "to": target["version_id"]},
        ]
        pointer["current"] = target["version_id"]
        _write_atomically(serving_dir / POINTER_FILE, json.dumps(pointer, indent=2))
    return _version_from_entry(target, target["version_id"])


def impact_text(impact: dict[str, Any]) -> str:
    """The impact kept with a version in a few words (``supplyseg publish --list``)."""
    if not impact:
        return "-"
    if impact.get("entities_moved") is not None:
        text = f"{impact['entities_moved']:,} moved vs {str(impact.get('compared_with', '?')).removesuffix('.duckdb')}"
        if impact.get("note"):
            text += " (stale: see current.json)"
        return text
    note = str(impact.get("note") or "-")
    return "first publish" if note.startswith("first publish") else "not assessed"


def format_versions(versions: list[Version]) -> str:
    """The version list as text (``supplyseg publish --list``)."""
    if not versions:
        return "No published version."
    lines = [f"  {'version':<9} {'run id':<38} {'published at (UTC)':<28} {'model':<8} {'rows':>10}  impact"]
    for version in versions:
        marker = "*" if version.is_current else " "
        lines.append(
            f"{marker} {version.version_id:<9} {version.run_id:<38} {version.published_at:<28}"
            f" {version.model_version:<8} {sum(version.row_counts.values()):>10,}  {impact_text(version.impact)}"
        )
    lines.append("* = current; impact = entities whose segment or service tier changed against the version replaced"
                 " (per grain and measure in current.json and publish.impact_by_grain)")
    return "\n".join(lines)
