"""Run the dbt project from Python (the CLI, the tests and the benchmarks use this).

dbt runs as a subprocess of the same virtual environment, so each call gets a
fresh dbt state and its own DuckDB connection; DuckDB allows one writing
process per database file, so builds on the same file must not overlap.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

PROJECT_DIR = Path(__file__).resolve().parents[1]


@dataclass(frozen=True)
class DbtResult:
    """Outcome of one dbt command."""

    args: list[str]
    returncode: int
    output: str

    @property
    def ok(self) -> bool:
        return self.returncode == 0


def dbt_executable() -> str:
    """The dbt entry point installed beside the running interpreter."""
    candidate = Path(sys.executable).with_name("dbt")
    if candidate.exists():
        return str(candidate)
    return "dbt"


def run_dbt(
    command: list[str],
    *,
    db_path: Path | str | None = None,
    raw_path: Path | str | None = None,
    dbt_vars: dict | None = None,
    target: str = "dev",
    target_path: Path | str | None = None,
    check: bool = True,
    stream: bool = False,
    project_dir: Path | str | None = None,
    log_path: Path | str | None = None,
    extra_env: dict[str, str] | None = None,
) -> DbtResult:
    """Run ``dbt <command>`` in the project directory.

    ``db_path`` sets the DuckDB file (env SUPPLYSEG_DB_PATH), ``raw_path`` the
    input folder (var raw_path), ``dbt_vars`` any other vars. With ``check``
    a failing command raises RuntimeError carrying dbt's output. ``project_dir`` runs another
    dbt_project.yml (a sandbox's generated one) with this project's profiles.yml; ``log_path`` moves
    dbt's logs; ``extra_env`` adds environment variables (the sandbox target reads its own).
    """
    merged_vars = dict(dbt_vars or {})
    if raw_path is not None:
        merged_vars["raw_path"] = str(Path(raw_path).resolve())
    args = [dbt_executable(), *command, "--target", target]
    if merged_vars:
        args += ["--vars", json.dumps(merged_vars)]
    if target_path is not None:
        args += ["--target-path", str(target_path)]
    if project_dir is not None:
        args += ["--project-dir", str(Path(project_dir).resolve()), "--profiles-dir", str(PROJECT_DIR)]
    if log_path is not None:
        args += ["--log-path", str(log_path)]
    env = dict(os.environ)
    env.update(extra_env or {})
    env.setdefault("DBT_SEND_ANONYMOUS_USAGE_STATS", "False")
    if db_path is not None:
        Path(db_path).parent.mkdir(parents=True, exist_ok=True)
        env["SUPPLYSEG_DB_PATH"] = str(Path(db_path).resolve())
    if stream:
        # Show dbt's progress as it happens (the demo command) and keep a copy.
        lines: list[str] = []
        with subprocess.Popen(
            args, cwd=PROJECT_DIR, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
        ) as process:
            assert process.stdout is not None
            for line in process.stdout:
                sys.stdout.write(line)
                lines.append(line)
        result = DbtResult(args=args, returncode=process.returncode, output="".join(lines))
    else:
        completed = subprocess.run(args, cwd=PROJECT_DIR, env=env, capture_output=True, text=True, check=False)
        result = DbtResult(args=args, returncode=completed.returncode, output=completed.stdout + completed.stderr)
    if check and not result.ok:
        raise RuntimeError(f"dbt {' '.join(command)} failed (exit {result.returncode}):\n{result.output[-6000:]}")
    return result
