"""The configuration reference: every dbt var and seed, its default and where it is used.

    python -m supplyseg.config_reference            # rewrite docs/configuration.md
    python -m supplyseg.config_reference --check    # exit 1 when the file is out of date

Vars are read from dbt_project.yml with the comment lines written above them,
and what each may hold from its spec in macros/vars/var_specs.sql (the specs
the on-run-start check validate_vars() applies);
seeds from seeds/**/*.csv with the descriptions in their yml files. Usage is
found by scanning models, macros, tests, snapshots and analyses for
``var('<name>'`` and ``ref('<seed>')``.
"""

from __future__ import annotations

import argparse
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path

import yaml

PROJECT_DIR = Path(__file__).resolve().parents[1]
OUTPUT = PROJECT_DIR / "docs" / "configuration.md"
SCANNED_DIRS = ("models", "python_models", "macros", "tests", "snapshots", "analyses", "supplyseg/orchestration")


@dataclass
class ConfigItem:
    """One var or seed with its default, description and users."""

    name: str
    default: str
    description: str
    used_in: list[str] = field(default_factory=list)
    allowed: str = ""


def read_vars(project_file: Path) -> list[ConfigItem]:
    """Vars of dbt_project.yml in file order, each with the comment written above it."""
    values = yaml.safe_load(project_file.read_text())["vars"]
    items: list[ConfigItem] = []
    comment: list[str] = []
    in_vars = False
    for line in project_file.read_text().splitlines():
        if line.startswith("vars:"):
            in_vars = True
            continue
        if in_vars and line and not line.startswith(" "):
            break
        if not in_vars:
            continue
        stripped = line.strip()
        if stripped.startswith("#"):
            text = stripped.lstrip("#").strip()
            if not text.startswith("---"):
                comment.append(text)
            continue
        match = re.match(r"^  ([a-z_][a-z0-9_]*):", line)
        if match:
            name = match.group(1)
            items.append(ConfigItem(name=name, default=_show(values[name]), description=" ".join(comment)))
            comment = []
    return items


VAR_SPEC_FILE = PROJECT_DIR / "macros" / "vars" / "var_specs.sql"


def read_var_specs(spec_file: Path = VAR_SPEC_FILE) -> dict[str, dict]:
    """The var specs: the YAML block inside the macro var_specs()."""
    match = re.search(r"\{%- set specs_yaml -%\}(.*?)\{%- endset -%\}", spec_file.read_text(), re.DOTALL)
    return yaml.safe_load(match.group(1)) if match else {}


def describe_spec(spec: dict) -> str:
    """What a var spec allows, in words (the same words validate_vars() uses in its errors)."""
    kind = spec.get("type", "")
    if kind in ("integer", "number"):
        text = "whole number" if kind == "integer" else "number"
        if "min" in spec and "max" in spec:
            text += f" from {spec['min']} to {spec['max']}"
        elif "above" in spec:
            text += f" above {spec['above']}" + (f" and at most {spec['max']}" if "max" in spec else "")
        elif "min" in spec:
            text += f" of at least {spec['min']}"
    elif kind == "boolean":
        text = "true or false"
    elif kind == "date":
        text = " or ".join(["ISO date YYYY-MM-DD"] + [f"`{word}`" for word in spec.get("words", [])])
    elif kind == "list":
        text = "non-empty list of " + ", ".join(str(v) for v in spec["allowed"])
    elif "allowed" in spec:
        text = "one of " + ", ".join(str(v) for v in spec["allowed"])
    else:
        text = f"text matching `{spec.get('pattern', '')}`"
    return text + (", or null" if spec.get("nullable") else "")


def read_seeds(seeds_dir: Path) -> list[ConfigItem]:
    """Seeds under seeds/ with the description from their yml file."""
    descriptions: dict[str, str] = {}
    for yml in sorted(seeds_dir.rglob("*.yml")):
        for seed in (yaml.safe_load(yml.read_text()) or {}).get("seeds", []) or []:
            descriptions[seed["name"]] = " ".join(str(seed.get("description", "")).split())
    items = []
    for csv in sorted(seeds_dir.rglob("*.csv")):
        rows = csv.read_text().strip().splitlines()
        default = f"{max(len(rows) - 1, 0)} rows in `{csv.relative_to(PROJECT_DIR)}`"
        items.append(ConfigItem(name=csv.stem, default=default, description=descriptions.get(csv.stem, "")))
    return items


def _show(value: object) -> str:
    if value is None:
        return "null"
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    return str(value)


def _scanned_files() -> list[Path]:
    files: list[Path] = []
    for folder in SCANNED_DIRS:
        base = PROJECT_DIR / folder
        if base.exists():
            files.extend(p for p in sorted(base.rglob("*")) if p.suffix in {".sql", ".py", ".yml"})
    return files


def attach_usage(vars_: list[ConfigItem], seeds: list[ConfigItem]) -> None:
    """Fill used_in with the project files that read each var or seed."""
    texts = {path: path.read_text() for path in _scanned_files()}
    for item in vars_:
        pattern = re.compile(r"var\(\s*['\"]" + re.escape(item.name) + r"['\"]")
        item.used_in = [str(p.relative_to(PROJECT_DIR)) for p, t in texts.items() if pattern.search(t)]
    for item in seeds:
        pattern = re.compile(r"ref\(\s*['\"]" + re.escape(item.name) + r"['\"]\s*\)")
        item.used_in = [str(p.relative_to(PROJECT_DIR)) for p, t in texts.items() if pattern.search(t)]
    # Macros that read a var are used by the models that call them; list the macro, which is where the rule lives.


def render(vars_: list[ConfigItem], seeds: list[ConfigItem]) -> str:
    lines = [
        "# Configuration reference",
        "",
        "Generated by `python -m supplyseg.config_reference` from `dbt_project.yml` and `seeds/`;",
        "a test fails when it is out of date. Change behaviour here, never in a model's SQL.",
        "",
        "## Vars (`dbt_project.yml`, override with `dbt build --vars '{name: value}'`)",
        "",
        "Every var is checked against its spec (`macros/vars/var_specs.sql`, column \"allowed\") before",
        "anything runs; a bad value stops the run naming the var, the value and what is allowed.",
        "",
        "| var | default | allowed | what it changes | used in |",
        "|---|---|---|---|---|",
    ]
    for item in vars_:
        used = "<br>".join(f"`{u}`" for u in item.used_in) or "(not used)"
        allowed = item.allowed.replace("|", "\\|")
        lines.append(f"| `{item.name}` | `{item.default}` | {allowed} | {item.description} | {used} |")
    lines += [
        "",
        "## Seeds (`seeds/`, loaded by `dbt build` into schema `config`)",
        "",
        "| seed | default | what it holds | used in |",
        "|---|---|---|---|",
    ]
    for item in seeds:
        used = "<br>".join(f"`{u}`" for u in item.used_in) or "(not used)"
        lines.append(f"| `{item.name}` | {item.default} | {item.description} | {used} |")
    return "\n".join(lines) + "\n"


def build_reference() -> str:
    vars_ = read_vars(PROJECT_DIR / "dbt_project.yml")
    specs = read_var_specs()
    for item in vars_:
        item.allowed = describe_spec(specs[item.name]) if item.name in specs else "(no spec)"
    seeds = read_seeds(PROJECT_DIR / "seeds")
    attach_usage(vars_, seeds)
    return render(vars_, seeds)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--check", action="store_true", help="fail when docs/configuration.md is out of date")
    args = parser.parse_args(argv)
    text = build_reference()
    if args.check:
        if not OUTPUT.exists() or OUTPUT.read_text() != text:
            print(f"{OUTPUT} is out of date: run python -m supplyseg.config_reference", file=sys.stderr)
            return 1
        return 0
    OUTPUT.write_text(text)
    print(f"wrote {OUTPUT}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
