"""Lineage, documentation and access rules, checked on dbt's own artifacts.

Auditors read lineage from the dbt docs site; these tests hold the project to
what that site promises. On the manifest and catalog of ``dbt docs generate``
(run on a copy of the session build's database):

- every mart reaches a source, and no model is an orphan;
- every model, seed, snapshot, source and column is described (and every
  built column declared); every model is tested; models, seeds and snapshots
  carry ``meta.owner`` and ``meta.data_classification``;
- no column classified ``personal`` (or named like a personal source column)
  reaches a BI-facing mart (``docs/access_control.md``);
- the exposures name the consumers of every mart, with owners.

The rule functions take a manifest as a dict, so the first tests check the
rules themselves on small hand-written manifests before they judge the project.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

import pytest

from supplyseg.dbt_runner import run_dbt

CLASSIFICATIONS = ("public", "internal", "confidential", "personal")
MART_PATH_PREFIX = "models/marts/"


# --- Rules, on a manifest dict ------------------------------------------------


def node_meta(node: Mapping) -> dict:
    """A node's or column's meta, wherever dbt put it (``config.meta`` or top-level ``meta``)."""
    meta = dict(node.get("meta") or {})
    meta.update((node.get("config") or {}).get("meta") or {})
    return meta


def project_nodes(manifest: Mapping, resource_types: tuple[str, ...]) -> dict[str, dict]:
    """The project's own nodes of the given types (not packages'), by unique id."""
    project = manifest["metadata"].get("project_name")
    return {
        uid: node
        for uid, node in manifest["nodes"].items()
        if node["resource_type"] in resource_types and (project is None or node["package_name"] == project)
    }


def project_models(manifest: Mapping) -> dict[str, dict]:
    """The project's models (SQL and Python), by unique id."""
    return project_nodes(manifest, ("model",))


def mart_models(manifest: Mapping) -> dict[str, dict]:
    """The BI-facing marts: models defined under models/marts/."""
    return {
        uid: node
        for uid, node in project_models(manifest).items()
        if node["original_file_path"].replace("\\", "/").startswith(MART_PATH_PREFIX)
    }


def parents(manifest: Mapping, uid: str) -> list[str]:
    node = manifest["nodes"].get(uid) or manifest.get("sources", {}).get(uid) or {}
    return list((node.get("depends_on") or {}).get("nodes") or [])


def reaches_source(manifest: Mapping, uid: str) -> bool:
    """Whether some chain of parents (models, seeds, snapshots) from ``uid`` ends in a source."""
    seen: set[str] = set()
    stack = parents(manifest, uid)
    while stack:
        current = stack.pop()
        if current in seen:
            continue
        seen.add(current)
        if current.startswith("source."):
            return True
        stack.extend(parents(manifest, current))
    return False


def models_without_source(manifest: Mapping, models: Mapping[str, dict]) -> list[str]:
    return sorted(node["name"] for uid, node in models.items() if not reaches_source(manifest, uid))


def missing_descriptions(nodes: Iterable[Mapping]) -> list[str]:
    """'<node>' for a node without description, '<node>.<column>' for an undescribed column."""
    missing: list[str] = []
    for node in nodes:
        label = f"{node['source_name']}.{node['name']}" if node.get("source_name") else node["name"]
        if not (node.get("description") or "").strip():
            missing.append(label)
        for column in (node.get("columns") or {}).values():
            if not (column.get("description") or "").strip():
                missing.append(f"{label}.{column['name']}")
    return sorted(missing)


def models_with_tests(manifest: Mapping) -> set[str]:
    """Models with at least one data test or unit test."""
    tested: set[str] = set()
    for node in manifest["nodes"].values():
        if node["resource_type"] != "test":
            continue
        if node.get("attached_node"):
            tested.add(node["attached_node"])
        else:  # singular tests: every model they select from is under test
            tested.update(dep for dep in node["depends_on"]["nodes"] if dep.startswith("model."))
    for unit_test in (manifest.get("unit_tests") or {}).values():
        tested.update(dep for dep in unit_test["depends_on"]["nodes"] if dep.startswith("model."))
    return tested


def governance_meta_problems(models: Mapping[str, dict]) -> list[str]:
    problems: list[str] = []
    for node in models.values():
        meta = node_meta(node)
        if not meta.get("owner"):
            problems.append(f"{node['name']}: no meta.owner")
        if meta.get("data_classification") not in CLASSIFICATIONS:
            problems.append(f"{node['name']}: meta.data_classification is {meta.get('data_classification')!r}")
    return sorted(problems)


@dataclass(frozen=True)
class PersonalColumn:
    node: str
    column: str


def personal_columns(manifest: Mapping) -> list[PersonalColumn]:
    """Columns classified personal, in sources and in models."""
    found: list[PersonalColumn] = []
    nodes = list(manifest.get("sources", {}).values()) + list(project_models(manifest).values())
    for node in nodes:
        for column in (node.get("columns") or {}).values():
            if node_meta(column).get("data_classification") == "personal":
                found.append(PersonalColumn(node["unique_id"], column["name"].lower()))
    return found


def personal_data_in_marts(
    manifest: Mapping, mart_columns: Mapping[str, Iterable[str]] | None = None
) -> list[str]:
    """Mart columns that are personal: classified so, or named like a personal source column.

    ``mart_columns`` (unique id -> column names, from the catalog) adds the columns the
    relation really has to the ones its yml declares.
    """
    personal = personal_columns(manifest)
    source_names = {item.column for item in personal if item.node.startswith("source.")}
    problems: list[str] = []
    for uid, node in mart_models(manifest).items():
        if node_meta(node).get("data_classification") == "personal":
            problems.append(f"{node['name']}: the mart itself is classified personal")
        declared = {name.lower(): column for name, column in (node.get("columns") or {}).items()}
        names = set(declared) | {name.lower() for name in (mart_columns or {}).get(uid, [])}
        for name in sorted(names):
            if name in declared and node_meta(declared[name]).get("data_classification") == "personal":
                problems.append(f"{node['name']}.{name}: classified personal")
            elif name in source_names:
                problems.append(f"{node['name']}.{name}: named like a personal source column")
    return problems


# --- The rules on hand-written manifests --------------------------------------


def _node(uid: str, path: str, deps: list[str], columns: dict | None = None, meta: dict | None = None) -> dict:
    resource_type, package = uid.split(".")[:2]
    return {
        "unique_id": uid,
        "name": uid.split(".")[-1],
        "resource_type": resource_type,
        "package_name": package,
        "original_file_path": path,
        "depends_on": {"nodes": deps},
        "description": "described",
        "columns": {
            column: {"name": column, "description": "described", "config": {"meta": column_meta}}
            for column, column_meta in (columns or {}).items()
        },
        "config": {"meta": meta or {}},
    }


def _manifest(*nodes: dict) -> dict:
    source = {
        "unique_id": "source.p.erp.customers",
        "name": "customers",
        "source_name": "erp",
        "resource_type": "source",
        "description": "described",
        "columns": {
            "customer_id": {"name": "customer_id", "description": "id", "config": {"meta": {}}},
            "contact_email": {
                "name": "contact_email",
                "description": "mail",
                "config": {"meta": {"data_classification": "personal"}},
            },
        },
        "config": {"meta": {}},
    }
    return {
        "metadata": {"project_name": "p"},
        "nodes": {node["unique_id"]: node for node in nodes},
        "sources": {source["unique_id"]: source},
        "unit_tests": {},
    }


def test_rules_find_orphans_and_marts_cut_off_from_sources() -> None:
    manifest = _manifest(
        _node("model.p.stg_customers", "models/staging/stg_customers.sql", ["source.p.erp.customers"]),
        _node("seed.p.weights", "seeds/weights.csv", []),
        _node(
            "model.p.int_scored",
            "models/intermediate/int_scored.sql",
            ["model.p.stg_customers", "seed.p.weights"],  # a seed as an extra parent is fine
        ),
        _node("model.p.dim_good", "models/marts/dim_good.sql", ["model.p.int_scored"]),
        _node("model.p.int_from_seed_only", "models/intermediate/int_from_seed_only.sql", ["seed.p.weights"]),
        _node("model.p.dim_orphan", "models/marts/dim_orphan.sql", ["model.p.int_from_seed_only"]),
    )
    assert sorted(node["name"] for node in mart_models(manifest).values()) == ["dim_good", "dim_orphan"]
    assert models_without_source(manifest, mart_models(manifest)) == ["dim_orphan"]
    assert models_without_source(manifest, project_models(manifest)) == ["dim_orphan", "int_from_seed_only"]


def test_rules_find_personal_columns_in_marts() -> None:
    manifest = _manifest(
        _node(
            "model.p.stg_customers",
            "models/staging/stg_customers.sql",
            ["source.p.erp.customers"],
            columns={"contact_email": {"data_classification": "personal"}, "customer_id": {}},
        ),
        _node(
            "model.p.dim_customers",
            "models/marts/dim_customers.sql",
            ["model.p.stg_customers"],
            columns={"customer_id": {}, "contact_phone": {"data_classification": "personal"}},
        ),
    )
    assert [(item.node, item.column) for item in personal_columns(manifest)] == [
        ("source.p.erp.customers", "contact_email"),
        ("model.p.stg_customers", "contact_email"),
        ("model.p.dim_customers", "contact_phone"),
    ]
    # Declared and classified personal in the mart's yml:
    assert personal_data_in_marts(manifest) == ["dim_customers.contact_phone: classified personal"]
    # Present in the relation (catalog) but undeclared, under a personal source column's name:
    found = personal_data_in_marts(manifest, {"model.p.dim_customers": ["customer_id", "CONTACT_EMAIL"]})
    assert "dim_customers.contact_email: named like a personal source column" in found


def test_rules_find_missing_descriptions_tests_and_meta() -> None:
    described = _node("model.p.a", "models/a.sql", [], {"x": {}}, {"owner": "t", "data_classification": "internal"})
    bare = _node("model.p.b", "models/b.sql", [], {"y": {}}, {"owner": "t", "data_classification": "secret"})
    bare["description"] = " "
    bare["columns"]["y"]["description"] = ""
    test = _node("test.p.not_null_a_x", "models/a.yml", ["model.p.a"])
    test["attached_node"] = "model.p.a"
    manifest = _manifest(described, bare, test)
    assert missing_descriptions([described, bare]) == ["b", "b.y"]
    assert models_with_tests(manifest) == {"model.p.a"}
    assert governance_meta_problems(project_models(manifest)) == ["b: meta.data_classification is 'secret'"]


# --- The rules on the project -------------------------------------------------


@dataclass(frozen=True)
class Artifacts:
    manifest: dict
    catalog: dict

    def catalog_columns(self, uid: str) -> list[str]:
        entry = self.catalog["nodes"].get(uid) or {}
        return [column["name"] for column in (entry.get("columns") or {}).values()]


@pytest.fixture(scope="module")
def artifacts(small_build, tmp_path_factory: pytest.TempPathFactory) -> Artifacts:
    """``dbt docs generate`` on a copy of the session build (DuckDB allows one writer per file)."""
    work = tmp_path_factory.mktemp("docs_generate")
    db_copy = work / small_build.db_path.name
    shutil.copyfile(small_build.db_path, db_copy)
    wal = small_build.db_path.with_name(small_build.db_path.name + ".wal")
    if wal.exists():
        shutil.copyfile(wal, db_copy.with_name(db_copy.name + ".wal"))
    target = work / "target"
    run_dbt(["docs", "generate"], db_path=db_copy, raw_path=small_build.data_dir, target="ci", target_path=target)
    return Artifacts(
        manifest=json.loads((target / "manifest.json").read_text()),
        catalog=json.loads((target / "catalog.json").read_text()),
    )


@pytest.mark.e2e
def test_every_mart_reaches_a_source(artifacts: Artifacts) -> None:
    marts = mart_models(artifacts.manifest)
    assert marts, "no models under models/marts/ in the manifest"
    cut_off = models_without_source(artifacts.manifest, marts)
    assert cut_off == [], f"marts whose lineage does not reach any source: {cut_off}"


# Models allowed to have no lineage to a source, with the reason (also waived in tests_py/test_dag_rules.py).
ORPHAN_WAIVERS = {
    "int_segment_assignments_previous": (
        "reads the previous published marts.fct_segment_assignments by relation, since a ref to the mart built "
        "from it would be a cycle (doc block segment_previous_state)"
    ),
    "int_cluster_centroids_previous": (
        "reads the previous published marts.fct_cluster_profiles by relation, since a ref to the mart built "
        "from it would be a cycle (doc block cluster_previous_state)"
    ),
    "int_cluster_feature_bins_previous": (
        "reads the previous published marts.fct_cluster_feature_bins by relation, since a ref to the mart built "
        "from it would be a cycle (doc block cluster_drift)"
    ),
}


@pytest.mark.e2e
def test_no_model_is_an_orphan(artifacts: Artifacts) -> None:
    orphans = models_without_source(artifacts.manifest, project_models(artifacts.manifest))
    unwaived = [name for name in orphans if name not in ORPHAN_WAIVERS]
    assert unwaived == [], f"models whose parents never lead to a source (seeds alone do not count): {unwaived}"
    stale = sorted(set(ORPHAN_WAIVERS) - set(orphans))
    assert stale == [], f"orphan waivers that are no longer orphans, drop them: {stale}"


@pytest.mark.e2e
def test_every_model_source_seed_and_column_is_described(artifacts: Artifacts) -> None:
    manifest = artifacts.manifest
    nodes = list(project_nodes(manifest, ("model", "seed", "snapshot")).values()) + list(manifest["sources"].values())
    missing = missing_descriptions(nodes)
    assert missing == [], f"models, seeds, snapshots, sources and columns without a description: {missing}"


@pytest.mark.e2e
def test_every_built_column_is_declared(artifacts: Artifacts) -> None:
    """Columns the relations really have (catalog) are all in the yml, so none goes undescribed."""
    undeclared: list[str] = []
    for uid, node in project_models(artifacts.manifest).items():
        declared = {name.lower() for name in node["columns"]}
        undeclared += [
            f"{node['name']}.{name}" for name in artifacts.catalog_columns(uid) if name.lower() not in declared
        ]
    assert undeclared == [], f"columns built but not declared (so not described) in the models' yml: {undeclared}"


@pytest.mark.e2e
def test_every_model_has_a_test(artifacts: Artifacts) -> None:
    models = project_models(artifacts.manifest)
    tested = models_with_tests(artifacts.manifest)
    untested = sorted(node["name"] for uid, node in models.items() if uid not in tested)
    assert untested == [], f"models with neither a data test nor a unit test: {untested}"


@pytest.mark.e2e
def test_every_model_seed_and_snapshot_has_owner_and_classification(artifacts: Artifacts) -> None:
    problems = governance_meta_problems(project_nodes(artifacts.manifest, ("model", "seed", "snapshot")))
    assert problems == [], f"set config.meta owner and data_classification {CLASSIFICATIONS}: {problems}"


@pytest.mark.e2e
def test_personal_columns_are_classified_at_the_source(artifacts: Artifacts) -> None:
    """The check below is only as good as the classification: the contact columns must carry it."""
    personal = {(item.node, item.column) for item in personal_columns(artifacts.manifest)}
    source_uid = next(uid for uid in artifacts.manifest["sources"] if uid.endswith(".erp.customers"))
    assert {(source_uid, "contact_name"), (source_uid, "contact_email")} <= personal


@pytest.mark.e2e
def test_no_personal_data_reaches_a_mart(artifacts: Artifacts) -> None:
    marts = mart_models(artifacts.manifest)
    built = {uid: artifacts.catalog_columns(uid) for uid in marts}
    unbuilt = [uid for uid, columns in built.items() if not columns]
    assert unbuilt == [], f"marts missing from the catalog (not built?): {unbuilt}"
    leaks = personal_data_in_marts(artifacts.manifest, built)
    assert leaks == [], f"personal data in BI-facing marts (see docs/access_control.md): {leaks}"


@pytest.mark.e2e
def test_marts_are_public_and_the_rest_is_not(artifacts: Artifacts) -> None:
    wrong: list[str] = []
    marts = mart_models(artifacts.manifest)
    for uid, node in project_models(artifacts.manifest).items():
        if (uid in marts) != (node.get("access") == "public"):
            wrong.append(f"{node['name']}: access {node.get('access')}")
    assert wrong == [], f"marts must be access: public, other models protected or private: {wrong}"


@pytest.mark.e2e
def test_exposures_name_an_owner_and_cover_every_mart(artifacts: Artifacts) -> None:
    manifest = artifacts.manifest
    exposures = list(manifest["exposures"].values())
    assert exposures, "models/exposures.yml declares no exposure"
    marts = mart_models(manifest)
    problems = [
        f"{exposure['name']}: no owner e-mail"
        for exposure in exposures
        if not (exposure.get("owner") or {}).get("email")
    ]
    for exposure in exposures:
        problems += [
            f"{exposure['name']} reads {dep}, which is not a mart"
            for dep in exposure["depends_on"]["nodes"]
            if dep not in marts
        ]
    consumed = {dep for exposure in exposures for dep in exposure["depends_on"]["nodes"]}
    problems += [f"{node['name']} has no consumer (exposure)" for uid, node in marts.items() if uid not in consumed]
    assert problems == [], f"exposures (models/exposures.yml) to fix: {problems}"
