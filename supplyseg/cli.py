"""Command line of the project's tooling.

    python -m supplyseg.cli demo [--scale demo] [--seed 42]
        generate the demo data (once per scale and seed), dbt build, dbt docs
        generate, and print where the results are with a short summary.
    python -m supplyseg.cli summary [--db build/dev.duckdb]
        print the summary of an existing build.
    python -m supplyseg.cli export --out DIR [--db build/dev.duckdb]
        write the ERP export marts of an existing build as CSV files (read-only).
    python -m supplyseg.cli publish [--db build/dev.duckdb] [--serving-dir build/serving] [--keep 5]
        publish the last successful build's public marts as a new version (docs/publishing.md).
    python -m supplyseg.cli publish --list
        the published versions with their run ids and times, the current one marked.
    python -m supplyseg.cli rollback
        make the previous published version current again (again: one further back).
    python -m supplyseg.cli build --data DIR [--db build/dev.duckdb] [--serving-dir build/serving]
        the scheduled run: dbt build against the published version (impact assessment), publish
        when every test passed, then the monitoring report.
    python -m supplyseg.cli report [--serving-dir build/serving] [--version v000007]
        write the monitoring report of a published version (default: the current one).
    python -m supplyseg.cli sandbox create|list|build|simulate|delete [NAME]
        a planner's sandbox: copies of the configuration seeds, built into its own database and
        compared with production's published version, with the policy what-if (docs/sandboxes.md).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import duckdb
import yaml

from supplyseg.dbt_runner import PROJECT_DIR, run_dbt
from supplyseg.publish import (
    DEFAULT_KEEP,
    DEFAULT_TARGET_DIR,
    KEEP_ENV,
    SERVING_DIR_ENV,
    PublishRefused,
    ServingError,
    Version,
    format_versions,
    impact_build_vars,
    list_versions,
    publish,
    rollback,
    serving_dir_from_env,
)
from supplyseg.reports.monitoring import CURRENT_REPORT, REPORTS_FOLDER

DEFAULT_DB = PROJECT_DIR / "build" / "dev.duckdb"
SERVE_HINT = (
    "API and planner page: `make serve` (uvicorn on http://127.0.0.1:8000; OpenAPI docs at /docs, planner page at /planner),"
    " reading the current published version"
)


def ensure_demo_data(scale: str, seed: int, data_dir: Path) -> Path:
    """Generate the demo data into data_dir unless the same scale and seed are already there."""
    from supplyseg.demo_data import generate

    summary_file = data_dir / "_truth" / "summary.json"
    if summary_file.exists():
        summary = json.loads(summary_file.read_text())
        if (summary.get("scale"), summary.get("seed"), summary.get("profile"), summary.get("format")) == (
            scale,
            seed,
            "full",
            "parquet",
        ):
            print(f"Demo data: reusing {data_dir} (scale {scale}, seed {seed}).")
            return data_dir
    print(f"Demo data: generating scale {scale}, seed {seed} into {data_dir} ...", flush=True)
    generate(scale=scale, seed=seed, out_dir=data_dir, progress=lambda message: print(message, flush=True))
    return data_dir


def build_summary(db_path: Path) -> str:
    """Rows per mart, segment counts and quarantine counts of a finished build, as text."""
    lines: list[str] = []
    with duckdb.connect(str(db_path), read_only=True) as con:
        marts = con.sql(
            "select table_name from information_schema.tables "
            "where table_schema = 'marts' order by table_name"
        ).fetchall()
        lines.append("Rows per mart:")
        for (table,) in marts:
            count = con.sql(f'select count(*) from marts."{table}"').fetchall()[0][0]
            lines.append(f"  marts.{table:<34} {count:>10,}")
        for table, label in (("dim_customer_segments", "Customers"), ("dim_product_segments", "Products")):
            if (table,) not in marts:
                continue
            rows = con.sql(f"select abc_class, count(*) from marts.{table} group by 1 order by 1").fetchall()
            counts = ", ".join(f"{cls} {n:,}" for cls, n in rows)
            lines.append(f"{label} by ABC class: {counts}")
        if ("fct_segment_assignments",) in marts:
            rows = con.sql(
                "select grain, final_service_tier, count(*) from marts.fct_segment_assignments "
                "group by 1, 2 order by 1, 2"
            ).fetchall()
            by_grain: dict[str, list[str]] = {}
            for grain, tier, n in rows:
                by_grain.setdefault(grain, []).append(f"tier {tier} {n:,}")
            lines.append("Entities by final service tier:")
            lines.extend(f"  {grain:<18} {', '.join(tiers)}" for grain, tiers in by_grain.items())
            rows = con.sql(
                "select final_segment_code, count(*) from marts.fct_segment_assignments "
                "where grain = 'product' group by 1 order by 1"
            ).fetchall()
            lines.append("Products by final segment: " + ", ".join(f"{code} {n:,}" for code, n in rows))
        if ("fct_data_capabilities",) in marts:
            rows = con.sql(
                "select capability, unavailable_reason from marts.fct_data_capabilities "
                "where not is_available order by capability"
            ).fetchall()
            if rows:
                lines.append("Could not compute (and why):")
                lines.extend(f"  {capability}: {reason}" for capability, reason in rows)
            else:
                lines.append("Every data capability is available in this load.")
        if ("fct_quarantined_rows",) in marts:
            rows = con.sql(
                "select entity, rejection_reason, count(*) from marts.fct_quarantined_rows "
                "group by 1, 2 order by 1, 2"
            ).fetchall()
            lines.append("Quarantined rows:")
            lines.extend(f"  {entity:<20} {reason:<26} {n:>8,}" for entity, reason, n in rows)
    return "\n".join(lines)


def build_and_publish(data_dir: Path, db_path: Path, serving_dir: Path, keep: int | None) -> Version | None:
    """dbt build against the current published version, publish it, write the report; None on failure.

    The build gets the vars of ``impact_build_vars``: it attaches the current version file read-only
    and its governance impact models compare with it; publish keeps their summary with the version.
    """
    from supplyseg.serve.app import DEFAULT_GOVERNANCE_PATH

    dbt_vars = impact_build_vars(serving_dir, progress=print)
    compared = f" (impact assessed against {Path(dbt_vars['impact_published_path']).name})" if dbt_vars else ""
    if DEFAULT_GOVERNANCE_PATH.is_dir():
        # The challenges raised on the planner page (`make serve`) land here; the build reads them as disputes.
        dbt_vars["governance_path"] = str(DEFAULT_GOVERNANCE_PATH)
        compared += f" (governance input {DEFAULT_GOVERNANCE_PATH})"
    print(f"dbt build on {data_dir} into {db_path}{compared} ...", flush=True)
    build = run_dbt(["build"], db_path=db_path, raw_path=data_dir, dbt_vars=dbt_vars, check=False, stream=True)
    if not build.ok:
        print("dbt build failed; nothing was published: readers keep the published version"
              " (`supplyseg publish --list`). Fix the failing models or tests named above (`dbt build --select"
              " <node>` reruns one) and run again.", file=sys.stderr)
        return None
    return publish_build(db_path, serving_dir, DEFAULT_TARGET_DIR, keep)


def command_demo(args: argparse.Namespace) -> int:
    data_dir = (PROJECT_DIR / "data" / args.scale).resolve()
    try:
        ensure_demo_data(args.scale, args.seed, data_dir)
    except (ValueError, OSError) as error:
        print(f"demo: generating the demo data into {data_dir} failed ({error}); check that the folder is writable"
              " and has room, then run `make demo` again", file=sys.stderr)
        return 2
    db_path = Path(args.db).resolve()
    serving_dir = serving_dir_from_env(args.serving_dir).resolve()
    # Publish (and report) before `dbt docs generate`, which replaces target/run_results.json.
    published = build_and_publish(data_dir, db_path, serving_dir, args.keep)
    if published is None:
        return 1
    docs = run_dbt(["docs", "generate"], db_path=db_path, raw_path=data_dir, check=False)
    if not docs.ok:
        print(f"dbt docs generate failed (exit {docs.returncode}); the build is published all the same. Its"
              f" output ends:\n{docs.output[-2000:]}\nRun `.venv/bin/dbt docs generate` to retry.", file=sys.stderr)
    print()
    print(build_summary(db_path))
    print()
    print(f"Database:  {db_path}  (working database: dbt builds here; readers use the published version)")
    print(f"Published: {published.path(serving_dir)}  ({published.version_id}, run {published.run_id};"
          " `supplyseg publish --list`, `supplyseg rollback`)")
    report = serving_dir / REPORTS_FOLDER / CURRENT_REPORT
    if report.exists():
        print(f"Report:    {report}  (monitoring report of the current version; open it in a browser, works offline)")
    print(f"Docs site: {PROJECT_DIR / 'target' / 'index.html'}  (serve it with `make docs-serve`)")
    print(SERVE_HINT)
    return 0


def command_build(args: argparse.Namespace) -> int:
    data_dir = Path(args.data).resolve()
    if not data_dir.is_dir():
        print(f"build: input folder {data_dir} not found; pass the folder of the extract files with --data"
              " (`python -m supplyseg.demo_data --help` writes a demo extract)", file=sys.stderr)
        return 2
    serving_dir = serving_dir_from_env(args.serving_dir).resolve()
    published = build_and_publish(data_dir, Path(args.db).resolve(), serving_dir, args.keep)
    if published is None:
        return 1
    print(f"Current version: {published.path(serving_dir)}")
    return 0


def command_report(args: argparse.Namespace) -> int:
    from supplyseg.reports.monitoring import ReportError, write_report

    try:
        write_report(args.serving_dir, args.version, progress=print)
    except (ReportError, ServingError) as error:
        print(f"report: {error}", file=sys.stderr)
        return 1
    return 0


def command_summary(args: argparse.Namespace) -> int:
    db_path = Path(args.db)
    if not db_path.exists():
        print(f"summary: no build at {db_path}; build one with `make demo` or `supplyseg build --data DIR`, or pass"
              " --db", file=sys.stderr)
        return 1
    try:
        print(build_summary(db_path))
    except duckdb.IOException as error:
        print(f"summary: cannot open {db_path} read-only ({error}); is a build writing it? Try again when it has"
              " finished, or read the published version (`supplyseg report`).", file=sys.stderr)
        return 1
    return 0


def command_export(args: argparse.Namespace) -> int:
    from supplyseg.erp_export import ExportError, export_marts

    try:
        written = export_marts(Path(args.db), Path(args.out))
    except ExportError as error:
        print(f"export: {error}", file=sys.stderr)
        return 2
    for path in written:
        print(f"wrote {path}")
    return 0


def publish_build(db_path: Path, serving_dir: Path, target_dir: Path, keep: int | None) -> Version | None:
    """Publish a finished build and write its monitoring report, printing progress; None when refused.

    A report that cannot be written does not undo the publish: the reason is printed with the command
    that writes it again.
    """
    from supplyseg.reports.monitoring import write_report

    try:
        version = publish(db_path, serving_dir, target_dir=target_dir, keep=keep, progress=print)
    except (PublishRefused, ServingError) as error:
        print(f"publish: {error}", file=sys.stderr)
        return None
    try:
        write_report(serving_dir, version.version_id, progress=print)
    except Exception as error:  # noqa: BLE001 - the version is published whatever the report does
        print(f"report: the monitoring report of {version.version_id} was not written ({type(error).__name__}:"
              f" {error}); {version.version_id} is published. Write it with `supplyseg report --serving-dir"
              f" {serving_dir}`.", file=sys.stderr)
    return version


def command_publish(args: argparse.Namespace) -> int:
    serving_dir = serving_dir_from_env(args.serving_dir)
    if args.list:
        print(f"Published versions in {serving_dir}:")
        print(format_versions(list_versions(serving_dir)))
        return 0
    version = publish_build(Path(args.db), serving_dir, Path(args.target_path), args.keep)
    if version is None:
        return 1
    print(f"Current version: {version.path(serving_dir)}")
    return 0


def command_rollback(args: argparse.Namespace) -> int:
    serving_dir = serving_dir_from_env(args.serving_dir)
    try:
        version = rollback(serving_dir)
    except ServingError as error:
        print(f"rollback: {error}", file=sys.stderr)
        return 1
    print(f"Rolled back: {version.version_id} (run {version.run_id}, published {version.published_at}) is current.")
    print(format_versions(list_versions(serving_dir)))
    return 0


def command_serve(args: argparse.Namespace) -> int:
    """Run the HTTP API (and planner page) with uvicorn until interrupted (docs/serving.md)."""
    import uvicorn

    from supplyseg.serve.app import create_app

    serving_dir = serving_dir_from_env(args.serving_dir)
    print(f"Serving the published versions in {serving_dir} on http://{args.host}:{args.port}"
          f" (API docs: http://{args.host}:{args.port}/docs); Ctrl+C stops it.")
    uvicorn.run(create_app(serving_dir, args.governance_path), host=args.host, port=args.port, log_level="info")
    return 0


def _add_serving_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--serving-dir", default=None,
                        help=f"serving folder (default: env {SERVING_DIR_ENV} or build/serving)")
    parser.add_argument("--keep", type=int, default=None,
                        help=f"previous versions kept besides the current one (default: env {KEEP_ENV} or {DEFAULT_KEEP})")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="supplyseg", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    commands = parser.add_subparsers(dest="command", required=True)
    demo = commands.add_parser("demo", help="generate demo data, dbt build, docs, summary")
    demo.add_argument("--scale", default="demo", choices=["small", "demo", "large"])
    demo.add_argument("--seed", type=int, default=42)
    demo.add_argument("--db", default=str(DEFAULT_DB), help="DuckDB file to build into")
    demo.set_defaults(handler=command_demo)
    summary = commands.add_parser("summary", help="summary of an existing build")
    summary.add_argument("--db", default=str(DEFAULT_DB))
    summary.set_defaults(handler=command_summary)
    export = commands.add_parser("export", help="write the ERP export marts of a build as CSV files")
    export.add_argument("--out", required=True, help="folder the CSV files are written to")
    export.add_argument("--db", default=str(DEFAULT_DB), help="built DuckDB file (opened read-only)")
    export.set_defaults(handler=command_export)
    _add_serving_options(demo)
    publish_parser = commands.add_parser("publish", help="publish the last successful build; --list the versions")
    publish_parser.add_argument("--db", default=str(DEFAULT_DB), help="working DuckDB file the build wrote")
    publish_parser.add_argument("--target-path", default=str(DEFAULT_TARGET_DIR),
                                help="dbt target folder of that build (run_results.json, manifest.json)")
    publish_parser.add_argument("--list", action="store_true", help="list the published versions")
    _add_serving_options(publish_parser)
    publish_parser.set_defaults(handler=command_publish)
    rollback_parser = commands.add_parser("rollback", help="make the previous published version current")
    rollback_parser.add_argument("--serving-dir", default=None,
                                 help=f"serving folder (default: env {SERVING_DIR_ENV} or build/serving)")
    rollback_parser.set_defaults(handler=command_rollback)
    serve_parser = commands.add_parser("serve", help="run the read-only HTTP API and planner page (uvicorn)")
    serve_parser.add_argument("--host", default="127.0.0.1", help="interface to listen on (default 127.0.0.1)")
    serve_parser.add_argument("--port", type=int, default=8000, help="port (default 8000)")
    serve_parser.add_argument("--serving-dir", default=None,
                              help=f"serving folder (default: env {SERVING_DIR_ENV} or build/serving)")
    serve_parser.add_argument("--governance-path", default=None,
                              help="where the planner page writes segment challenges (default: build/governance)")
    serve_parser.set_defaults(handler=command_serve)
    build_parser = commands.add_parser("build", help="dbt build against the published version, publish, report")
    build_parser.add_argument("--data", required=True, help="folder of the input files (the extract)")
    build_parser.add_argument("--db", default=str(DEFAULT_DB), help="working DuckDB file to build into")
    _add_serving_options(build_parser)
    build_parser.set_defaults(handler=command_build)
    report_parser = commands.add_parser("report", help="write the monitoring report of a published version")
    report_parser.add_argument("--serving-dir", default=None,
                               help=f"serving folder (default: env {SERVING_DIR_ENV} or build/serving)")
    report_parser.add_argument("--version", default=None, help="version id, e.g. v000003 (default: the current one)")
    report_parser.set_defaults(handler=command_report)
    _add_sandbox_commands(commands)
    args = parser.parse_args(argv)
    return args.handler(args)


# ---------------------------------------------------------------------------------------------------
# supplyseg sandbox ... (docs/sandboxes.md)


def command_sandbox(args: argparse.Namespace) -> int:
    from supplyseg.sandbox import SandboxError

    try:
        return _run_sandbox_command(args)
    except SandboxError as error:
        print(f"sandbox {args.sandbox_command}: {error}", file=sys.stderr)
        return 2


def _run_sandbox_command(args: argparse.Namespace) -> int:
    from supplyseg import sandbox as sb
    from supplyseg.policy.simulation import format_segment_table

    name = getattr(args, "name", None)
    if args.sandbox_command == "create":
        folder = sb.create_sandbox(name, root=args.root)
        print(f"Sandbox {name} created in {folder}. Edit these copies, then `supplyseg sandbox build {name}`:")
        for seed in sb.EDITABLE_SEEDS:
            print(f"  {folder / 'seeds' / seed.path}\n      {seed.changes}")
        return 0
    if args.sandbox_command == "list":
        print(f"Sandboxes in {sb.sandbox_root(args.root)}:")
        print(sb.format_sandboxes(sb.list_sandboxes(args.root)))
        return 0
    if args.sandbox_command == "delete":
        folder = sb.delete_sandbox(name, root=args.root)
        print(f"Deleted sandbox {name} ({folder}).")
        return 0
    if args.sandbox_command == "build":
        try:
            extra_vars = dict(yaml.safe_load(args.vars) or {}) if args.vars else {}
        except (yaml.YAMLError, TypeError, ValueError) as error:
            raise sb.SandboxError(f"--vars {args.vars!r} is not a YAML mapping such as '{{segment_mode: static}}':"
                                  f" {error}") from None
        if args.periods is not None:
            extra_vars["policy_simulation_periods"] = args.periods
        built = sb.build_sandbox(
            name, root=args.root, serving_dir=args.serving_dir, raw_path=args.raw_path,
            dbt_vars=extra_vars, stream=args.verbose,
        )
        print(f"Sandbox {name} built: {built.database}")
        for difference in built.raw_data_differences:
            print(f"WARNING: the sandbox read other raw data than production: {difference}", file=sys.stderr)
        print(f"Impact against production version {built.production_version.version_id}"
              f" (run {built.production_version.run_id}):")
        print(sb.format_frame(sb.impact_summary(built.database)))
        if args.skip_simulation:
            return 0
    what_if = sb.simulate_sandbox(name, root=args.root, serving_dir=args.serving_dir, backorders=args.backorders)
    mode = "backorders" if args.backorders else "lost sales"
    print(f"Policy what-if over the last {what_if.periods} periods ({mode}), sandbox vs production:")
    print(format_segment_table(what_if.by_segment))
    print(f"Written to {what_if.csv_path} and table what_if.policy_simulation_by_segment of {name}'s database.")
    return 0


def _add_sandbox_commands(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser("sandbox", help="planner sandboxes: create, build, compare, simulate (docs/sandboxes.md)")
    actions = parser.add_subparsers(dest="sandbox_command", required=True)

    def add(action: str, help_text: str, named: bool = True) -> argparse.ArgumentParser:
        sub = actions.add_parser(action, help=help_text)
        if named:
            sub.add_argument("name", help="sandbox name: letters, digits, _ and -")
        sub.add_argument("--root", default=None, help="folder of the sandboxes (default: env SUPPLYSEG_SANDBOX_DIR"
                         " or build/sandboxes)")
        sub.set_defaults(handler=command_sandbox)
        return sub

    add("create", "copy production's editable configuration seeds into a new sandbox")
    add("list", "the sandboxes, their changed seeds and last build", named=False)
    add("delete", "delete a sandbox (its folder, seeds and database)")
    build = add("build", "dbt build into the sandbox's database; print the impact and the policy what-if")
    simulate = add("simulate", "the policy what-if: replay demand against sandbox and production parameters")
    for sub in (build, simulate):
        sub.add_argument("--serving-dir", default=None,
                         help=f"production's serving folder (default: env {SERVING_DIR_ENV} or build/serving)")
        sub.add_argument("--backorders", action="store_true",
                         help="unfilled demand waits for later receipts (default: lost sales)")
    build.add_argument("--raw-path", default=None,
                       help="raw input folder (default: the folder production's published build read)")
    build.add_argument("--periods", type=int, default=None,
                       help="periods the what-if replays (var policy_simulation_periods, validated by the build)")
    build.add_argument("--vars", default=None, help="further dbt vars as YAML, e.g. '{segment_mode: static}'")
    build.add_argument("--skip-simulation", action="store_true", help="build and show the impact only")
    build.add_argument("--verbose", action="store_true", help="show dbt's progress while it builds")


if __name__ == "__main__":
    sys.exit(main())
