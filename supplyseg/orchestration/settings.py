"""Settings of the orchestration: the re-segmentation cron and where a run reads and writes.

The cron is var ``resegmentation_cron`` of dbt_project.yml (quarterly by default), overridden by env
``SUPPLYSEG_RESEGMENTATION_CRON``. It is checked here when the code location loads, and by dbt's var
validation (spec in macros/vars/var_specs.sql) in every build.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import yaml

from supplyseg.dbt_runner import PROJECT_DIR

CRON_VAR = "resegmentation_cron"
CRON_ENV = "SUPPLYSEG_RESEGMENTATION_CRON"
# Five fields (minute hour day-of-month month day-of-week) of digits, '*', ',', '-' and '/'; the same
# pattern as the var spec. Names (JAN, MON) and macros (@daily) are not accepted: one notation only.
CRON_PATTERN = re.compile(r"[0-9*,/-]+( [0-9*,/-]+){4}")


class SettingError(ValueError):
    """A setting of the orchestration is missing or invalid; the message says which and what to do."""


def project_var(name: str, project_dir: Path = PROJECT_DIR) -> object:
    """The default of a var as dbt_project.yml declares it."""
    project_vars = yaml.safe_load((project_dir / "dbt_project.yml").read_text()).get("vars") or {}
    if name not in project_vars:
        raise SettingError(f"var {name} is not declared in {project_dir / 'dbt_project.yml'}")
    return project_vars[name]


def validate_cron(cron: object, origin: str) -> str:
    """The cron text when it is a valid five-field cron expression; SettingError naming ``origin`` otherwise."""
    from dagster._utils.schedules import is_valid_cron_string

    text = str(cron).strip() if cron is not None else ""
    if not CRON_PATTERN.fullmatch(text) or not is_valid_cron_string(text):
        raise SettingError(
            f"{origin} = {cron!r} is not a valid five-field cron expression (minute hour day-of-month month"
            " day-of-week, digits and * , - / only). Example: '0 3 1 1,4,7,10 *' runs at 03:00 UTC on the first"
            " day of each quarter."
        )
    return text


def resegmentation_cron(project_dir: Path = PROJECT_DIR) -> str:
    """The schedule of the regular re-segmentation: env SUPPLYSEG_RESEGMENTATION_CRON, else the var."""
    from_env = os.environ.get(CRON_ENV)
    if from_env is not None:
        return validate_cron(from_env, f"env {CRON_ENV}")
    return validate_cron(project_var("resegmentation_cron", project_dir), f"var {CRON_VAR} in dbt_project.yml")
