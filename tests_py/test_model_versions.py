"""Public marts are versioned dbt models with enforced contracts (docs/model_versions.md).

Rules, checked on the manifest of ``dbt parse``:
- every model under models/marts/ is ``access: public``, has ``contract: {enforced: true}`` and is
  versioned (``versions`` with a ``latest_version``), new marts included;
- the latest version is built under the mart's plain name (alias = name), so readers, publish and
  tests that name ``marts.<mart>`` keep working when versions are added;
- an older version kept beside it has another relation name and a ``deprecation_date``.
The rule function is first checked on hand-written manifests, so it can fail.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path

import pytest

from supplyseg.dbt_runner import run_dbt

MART_PATH_PREFIX = "models/marts/"


def version_problems(manifest: Mapping) -> list[str]:
    """What breaks the versioning rules, one line per model version."""
    project = manifest["metadata"]["project_name"]
    problems: list[str] = []
    for node in manifest["nodes"].values():
        if node["resource_type"] != "model" or node["package_name"] != project:
            continue
        if not node["original_file_path"].replace("\\", "/").startswith(MART_PATH_PREFIX):
            continue
        label = node["name"] + (f" v{node['version']}" if node.get("version") is not None else "")
        if node.get("access") != "public":
            problems.append(f"{label}: access is {node.get('access')!r}, not public")
        if not (node["config"].get("contract") or {}).get("enforced"):
            problems.append(f"{label}: contract not enforced")
        if node.get("version") is None or node.get("latest_version") is None:
            problems.append(f"{label}: not versioned (add latest_version and versions, docs/model_versions.md)")
            continue
        is_latest = str(node["version"]) == str(node["latest_version"])
        if is_latest and node["alias"] != node["name"]:
            problems.append(f"{label}: the latest version is built as {node['alias']}, not as {node['name']}")
        if not is_latest and node["alias"] == node["name"]:
            problems.append(f"{label}: an older version must not take the plain name {node['name']}")
        if not is_latest and not node.get("deprecation_date"):
            problems.append(f"{label}: an older version kept without deprecation_date")
    return sorted(problems)


def _node(name: str, version: int | None = None, latest: int | None = None, alias: str | None = None,
          deprecation_date: str | None = None, access: str = "public", enforced: bool = True,
          path: str = "models/marts/area/x.sql") -> dict:
    suffix = f".v{version}" if version is not None else ""
    return {
        "unique_id": f"model.p.{name}{suffix}", "resource_type": "model", "package_name": "p", "name": name,
        "original_file_path": path, "access": access, "version": version, "latest_version": latest,
        "alias": alias or name, "deprecation_date": deprecation_date,
        "config": {"contract": {"enforced": enforced}},
    }


def _manifest(*nodes: dict) -> dict:
    return {"metadata": {"project_name": "p"}, "nodes": {node["unique_id"]: node for node in nodes}}


def test_rules_on_hand_written_manifests() -> None:
    good = _manifest(
        _node("fct_a", 1, 1),
        _node("fct_b", 2, 2), _node("fct_b", 1, 2, alias="fct_b_v1", deprecation_date="2027-03-31"),
        _node("int_x", path="models/intermediate/int_x.sql", access="protected", enforced=False),
    )
    assert version_problems(good) == []
    bad = _manifest(
        _node("fct_unversioned"),
        _node("fct_renamed", 1, 1, alias="fct_renamed_v1"),
        _node("fct_old", 2, 2), _node("fct_old", 1, 2, alias="fct_old_v1"),
        _node("fct_clash", 2, 2), _node("fct_clash", 1, 2, deprecation_date="2027-01-01"),
        _node("fct_loose", 1, 1, enforced=False, access="protected"),
    )
    assert version_problems(bad) == [
        "fct_clash v1: an older version must not take the plain name fct_clash",
        "fct_loose v1: access is 'protected', not public",
        "fct_loose v1: contract not enforced",
        "fct_old v1: an older version kept without deprecation_date",
        "fct_renamed v1: the latest version is built as fct_renamed_v1, not as fct_renamed",
        "fct_unversioned: not versioned (add latest_version and versions, docs/model_versions.md)",
    ]


@pytest.fixture(scope="module")
def manifest(tmp_path_factory: pytest.TempPathFactory) -> dict:
    """``dbt parse`` into a temporary target path (no database is built)."""
    work = tmp_path_factory.mktemp("versions_parse")
    run_dbt(["parse"], db_path=work / "parse.duckdb", target="ci", target_path=work / "target")
    return json.loads(Path(work / "target" / "manifest.json").read_text())


def test_every_public_mart_is_versioned_with_an_enforced_contract(manifest: dict) -> None:
    marts = [
        node for node in manifest["nodes"].values()
        if node["resource_type"] == "model" and node["original_file_path"].startswith(MART_PATH_PREFIX)
    ]
    assert len(marts) >= 20, "expected the project's marts in the manifest"
    assert version_problems(manifest) == []


def test_publish_serves_each_mart_under_its_plain_name(manifest: dict) -> None:
    """What publish reads: every version's relation, the latest under the name readers used before versioning."""
    from supplyseg.publish import public_tables

    names = sorted(table.name for table in public_tables(manifest) if table.target_schema == "marts")
    mart_nodes = [node for node in manifest["nodes"].values()
                  if node["resource_type"] == "model" and node["original_file_path"].startswith(MART_PATH_PREFIX)]
    assert names == sorted(node["alias"] for node in mart_nodes)
    assert {node["name"] for node in mart_nodes} <= set(names)
