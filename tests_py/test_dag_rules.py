"""DAG rules, checked on dbt's manifest (the rules of dbt-project-evaluator that we hold to).

``dbt parse`` writes ``manifest.json`` into a temporary target path; no database is built. The rules:

1. **No mart reads staging or sources.** A model under ``models/marts/`` has no direct parent that is a
   source or a model under ``models/staging/``.
2. **No rejoining of upstream concepts.** A model M rejoins when two of its direct parents X and Y are
   models (or snapshots) and X is an ancestor of Y (through any chain of parents): M could have read
   X's columns through Y, so either Y should carry them forward or M reads a concept twice. Seeds are
   configuration read where a rule applies and do not count as X; sources are rule 1's business.
3. **At most 7 direct parents per model** (models, seeds, sources and snapshots all count).
4. **Every public model has an enforced contract** (``access: public`` implies ``contract: {enforced: true}``).
5. **Every model has a primary-key test:** ``unique`` and ``not_null`` on the same column, or one of our key
   tests on a column combination (``unique_combination_of_columns``, ``unique_where_usable``).
6. **No hidden dependencies.** A model does not read a relation outside ``ref``/``source`` (``adapter.get_relation``,
   ``api.Relation``, ``graph.nodes``): the lineage would not show it.

A rule broken on purpose is waived in ``WAIVERS`` below with the model and the reason (the README lists them).
A waiver that no longer matches a violation fails the test too, so waivers are dropped once fixed.
The rule functions take a manifest dict; the first tests check each rule on small hand-written manifests.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from pathlib import Path

import pytest

from supplyseg.dbt_runner import run_dbt

MAX_PARENTS = 7
MART_PREFIX = "models/marts/"
STAGING_PREFIX = "models/staging/"
KEY_COMBINATION_TESTS = ("unique_combination_of_columns", "unique_where_usable")
HIDDEN_READ = re.compile(r"adapter\.get_relation|api\.Relation|graph\.nodes")

MASTERS = "being moved by helper 'masters' (issue 14 section 4: masters layer, registry of staged entities)"
# rule -> model -> reason. Listed in the README, section "DAG rules and their waivers".
WAIVERS: dict[str, dict[str, str]] = {
    "mart_reads_staging": {
        "fct_quarantined_rows": f"reads the nine staging models for their rejected rows; {MASTERS}",
    },
    "rejoin": {
        "fct_quarantined_rows": f"staging models and int_order_lines_validated / the gate results; {MASTERS}",
        "int_load_rows_counted": f"staging models and int_order_lines_validated; {MASTERS}",
        "int_data_capabilities_assessed": f"staging models and the order-line models; {MASTERS}",
        "int_completeness_gate_results": (
            f"stg_erp__business_units beside int_order_lines_validated and int_fiscal_periods; {MASTERS}"
        ),
        "int_order_lines_consolidated": (
            "validated lines beside the outlier flags, ship-tos and gate results built from them, and the "
            f"product and customer masters; the usable-lines filter and masters are {MASTERS}"
        ),
        "int_customer_hierarchy": (
            "customers beside ship-tos reconciled against them; customers and ship-tos move to the masters "
            f"folder, {MASTERS}"
        ),
        "int_customer_hierarchy_conflicts": f"as int_customer_hierarchy; {MASTERS}",
        "int_segment_entity_service_profiles": (
            "side branch of the segmentation spine: looks up the customer and product attributes (key account, "
            "country, service clause, names) that the consolidated order lines do not carry; to be read from the "
            f"customer and product masters, {MASTERS}"
        ),
        "int_demand_by_period_filled": (
            "reads int_analysis_periods beside int_demand_by_period to fill the periods without demand (it needs "
            "every period, not only those with sales); the model is being reworked by helper 'patterns' "
            "(issue 14 section 1: ADI conventions, period lengths)"
        ),
        "int_segment_entities_variability_classified": (
            "reads int_analysis_periods for the window length beside int_demand_by_period_filled, which could "
            "carry it; left while helper 'patterns' reworks this model and its unit tests (issue 14 section 1)"
        ),
    },
    "too_many_parents": {
        "fct_quarantined_rows": f"one parent per staged entity; {MASTERS}",
        "int_load_rows_counted": f"one parent per staged entity; {MASTERS}",
        "int_data_capabilities_assessed": f"one parent per staged entity; {MASTERS}",
    },
    "no_contract": {},
    "no_primary_key_test": {},
    "hidden_dependency": {
        "int_segment_assignments_previous": (
            "reads the previous published marts.fct_segment_assignments by relation: the mart is built from "
            "this model, so a ref would be a cycle, and the snapshot lacks the review state of runs that changed "
            "nothing (doc block segment_previous_state)"
        ),
    },
}


# --- Rules, on a manifest dict ------------------------------------------------


def project_models(manifest: Mapping) -> dict[str, dict]:
    project = manifest["metadata"].get("project_name")
    return {
        uid: node
        for uid, node in manifest["nodes"].items()
        if node["resource_type"] == "model" and (project is None or node["package_name"] == project)
    }


def node_of(manifest: Mapping, uid: str) -> Mapping:
    return manifest["nodes"].get(uid) or manifest.get("sources", {}).get(uid) or {}


def direct_parents(manifest: Mapping, uid: str) -> list[str]:
    return list(dict.fromkeys((node_of(manifest, uid).get("depends_on") or {}).get("nodes") or []))


def ancestors(manifest: Mapping, uid: str, cache: dict[str, frozenset[str]] | None = None) -> frozenset[str]:
    """Every node reachable from ``uid`` through parents (the DAG has no cycles)."""
    cache = {} if cache is None else cache
    if uid not in cache:
        found: set[str] = set()
        for parent in direct_parents(manifest, uid):
            found.add(parent)
            found |= ancestors(manifest, parent, cache)
        cache[uid] = frozenset(found)
    return cache[uid]


def path_of(manifest: Mapping, uid: str) -> str:
    return (node_of(manifest, uid).get("original_file_path") or "").replace("\\", "/")


def name_of(manifest: Mapping, uid: str) -> str:
    return node_of(manifest, uid).get("name") or uid


def marts_reading_staging(manifest: Mapping) -> dict[str, str]:
    """Rule 1: mart -> the staging models and sources it reads."""
    found = {}
    for uid, node in project_models(manifest).items():
        if not path_of(manifest, uid).startswith(MART_PREFIX):
            continue
        bad = [
            name_of(manifest, parent)
            for parent in direct_parents(manifest, uid)
            if parent.startswith("source.") or path_of(manifest, parent).startswith(STAGING_PREFIX)
        ]
        if bad:
            found[node["name"]] = ", ".join(sorted(bad))
    return found


def rejoins(manifest: Mapping) -> dict[str, str]:
    """Rule 2: model -> 'X (ancestor of Y)' for each pair of model parents where X is an ancestor of Y."""
    cache: dict[str, frozenset[str]] = {}
    found = {}
    for uid, node in project_models(manifest).items():
        parents = [p for p in direct_parents(manifest, uid) if p.split(".")[0] in ("model", "snapshot")]
        pairs = sorted(
            f"{name_of(manifest, upstream)} (ancestor of {name_of(manifest, parent)})"
            for upstream in parents
            for parent in parents
            if upstream != parent and upstream in ancestors(manifest, parent, cache)
        )
        if pairs:
            found[node["name"]] = "; ".join(pairs)
    return found


def too_many_parents(manifest: Mapping) -> dict[str, str]:
    """Rule 3: model -> its parent count, when above MAX_PARENTS."""
    return {
        node["name"]: f"{len(direct_parents(manifest, uid))} parents"
        for uid, node in project_models(manifest).items()
        if len(direct_parents(manifest, uid)) > MAX_PARENTS
    }


def public_without_contract(manifest: Mapping) -> dict[str, str]:
    """Rule 4: public model -> 'no enforced contract'."""
    found = {}
    for node in project_models(manifest).values():
        contract = (node.get("config") or {}).get("contract") or node.get("contract") or {}
        if node.get("access") == "public" and not contract.get("enforced"):
            found[node["name"]] = "access public without contract: {enforced: true}"
    return found


def data_tests_by_model(manifest: Mapping) -> dict[str, list[Mapping]]:
    """Generic data tests grouped by the model they are attached to."""
    by_model: dict[str, list[Mapping]] = {}
    for node in manifest["nodes"].values():
        if node["resource_type"] != "test" or not node.get("test_metadata"):
            continue
        attached = node.get("attached_node")
        if attached:
            by_model.setdefault(attached, []).append(node)
    return by_model


def models_without_primary_key_test(manifest: Mapping) -> dict[str, str]:
    """Rule 5: model -> 'no primary-key test'."""
    tests = data_tests_by_model(manifest)
    found = {}
    for uid, node in project_models(manifest).items():
        unique_columns: set[str] = set()
        not_null_columns: set[str] = set()
        has_key_combination = False
        for test in tests.get(uid, []):
            test_name = test["test_metadata"]["name"]
            column = (test.get("column_name") or "").lower()
            if test_name == "unique" and column:
                unique_columns.add(column)
            elif test_name == "not_null" and column:
                not_null_columns.add(column)
            elif test_name in KEY_COMBINATION_TESTS:
                has_key_combination = True
        if not (has_key_combination or unique_columns & not_null_columns):
            found[node["name"]] = "no unique + not_null column and no key combination test"
    return found


def hidden_dependencies(manifest: Mapping) -> dict[str, str]:
    """Rule 6: model -> the relation lookup it uses outside ref/source."""
    found = {}
    for node in project_models(manifest).values():
        match = HIDDEN_READ.search(node.get("raw_code") or "")
        if match:
            found[node["name"]] = f"reads a relation through {match.group(0)}"
    return found


RULES = {
    "mart_reads_staging": marts_reading_staging,
    "rejoin": rejoins,
    "too_many_parents": too_many_parents,
    "no_contract": public_without_contract,
    "no_primary_key_test": models_without_primary_key_test,
    "hidden_dependency": hidden_dependencies,
}


# --- The rules on hand-written manifests ----------------------------------------


def _model(name: str, parents: list[str], folder: str = "intermediate", **extra) -> tuple[str, dict]:
    uid = f"model.p.{name}"
    node = {
        "resource_type": "model",
        "package_name": "p",
        "name": name,
        "original_file_path": f"models/{folder}/{name}.sql",
        "depends_on": {"nodes": parents},
        "raw_code": "select 1",
        "config": {},
        **extra,
    }
    return uid, node


def _test(name: str, model_uid: str, column: str | None) -> tuple[str, dict]:
    return f"test.p.{name}_{model_uid}_{column}", {
        "resource_type": "test",
        "package_name": "p",
        "name": name,
        "test_metadata": {"name": name},
        "column_name": column,
        "attached_node": model_uid,
        "depends_on": {"nodes": [model_uid]},
    }


def _manifest(*nodes: tuple[str, dict], sources: dict | None = None) -> dict:
    return {"metadata": {"project_name": "p"}, "nodes": dict(nodes), "sources": sources or {}}


SOURCE = "source.p.raw.orders"
SEED = "seed.p.thresholds"


def test_rule_marts_do_not_read_staging_or_sources() -> None:
    manifest = _manifest(
        _model("stg_orders", [SOURCE], "staging/erp"),
        _model("int_orders", ["model.p.stg_orders"]),
        _model("fct_good", ["model.p.int_orders"], "marts/sales"),
        _model("fct_reads_staging", ["model.p.stg_orders", "model.p.int_orders"], "marts/sales"),
        _model("fct_reads_source", [SOURCE], "marts/sales"),
        sources={SOURCE: {"name": "orders", "resource_type": "source"}},
    )
    assert marts_reading_staging(manifest) == {"fct_reads_staging": "stg_orders", "fct_reads_source": "orders"}


def test_rule_rejoin_is_a_parent_that_is_an_ancestor_of_another_parent() -> None:
    manifest = _manifest(
        _model("a", []),
        _model("b", ["model.p.a"]),
        _model("c", ["model.p.b"]),
        _model("side", []),
        _model("rejoins_two_steps_back", ["model.p.c", "model.p.a", SEED]),
        _model("joins_a_side_branch", ["model.p.c", "model.p.side", SEED]),
        _model("reads_a_seed_its_parent_reads", ["model.p.b", SEED]),
    )
    manifest["nodes"]["model.p.b"]["depends_on"]["nodes"].append(SEED)
    assert rejoins(manifest) == {"rejoins_two_steps_back": "a (ancestor of c)"}


def test_rule_at_most_seven_parents() -> None:
    parents = [f"seed.p.s{i}" for i in range(MAX_PARENTS)]
    manifest = _manifest(_model("seven", parents), _model("eight", [*parents, "model.p.seven"]))
    assert too_many_parents(manifest) == {"eight": "8 parents"}


def test_rule_public_models_have_an_enforced_contract() -> None:
    manifest = _manifest(
        _model("dim_ok", [], "marts/x", access="public", config={"contract": {"enforced": True}}),
        _model("dim_bare", [], "marts/x", access="public", config={"contract": {"enforced": False}}),
        _model("int_protected", [], access="protected"),
    )
    assert list(public_without_contract(manifest)) == ["dim_bare"]


def test_rule_every_model_has_a_primary_key_test() -> None:
    keyed, keyed_node = _model("keyed", [])
    combined, combined_node = _model("combined", [])
    split, split_node = _model("split", [])
    bare, bare_node = _model("bare", [])
    manifest = _manifest(
        (keyed, keyed_node),
        (combined, combined_node),
        (split, split_node),
        (bare, bare_node),
        _test("unique", keyed, "id"),
        _test("not_null", keyed, "id"),
        _test("unique_combination_of_columns", combined, None),
        _test("unique", split, "id"),
        _test("not_null", split, "other_id"),
    )
    assert sorted(models_without_primary_key_test(manifest)) == ["bare", "split"]


def test_rule_hidden_dependencies() -> None:
    manifest = _manifest(
        _model("plain", [], raw_code="select * from {{ ref('x') }}"),
        _model("sneaky", [], raw_code="{% set r = adapter.get_relation(database=d, schema=s, identifier=i) %}"),
    )
    assert list(hidden_dependencies(manifest)) == ["sneaky"]


# --- The rules on the project -------------------------------------------------------


@pytest.fixture(scope="module")
def manifest(tmp_path_factory: pytest.TempPathFactory) -> dict:
    """``dbt parse`` into a temporary target path: the manifest without a database build."""
    work = tmp_path_factory.mktemp("dag_rules")
    run_dbt(["parse"], db_path=work / "parse.duckdb", target="ci", target_path=work / "target")
    return json.loads((work / "target" / "manifest.json").read_text())


def test_the_project_manifest_has_the_segmentation_spine(manifest: dict) -> None:
    """Guards the fixture: the rules below judge the real project, flat spine included."""
    models = {node["name"]: uid for uid, node in project_models(manifest).items()}
    spine = [
        "int_segment_entity_measures",
        "int_segment_entities_abc_classified",
        "int_segment_entities_scored",
        "int_segment_assignments_algorithmic",
        "int_segment_assignments_guardrailed",
        "int_segment_assignments_overrides_matched",
        "int_segment_assignments_final",
    ]
    for step, previous in zip(spine[1:], spine[:-1]):
        assert models[previous] in direct_parents(manifest, models[step]), f"{step} does not read {previous}"
    for dim in ("dim_customer_segments", "dim_product_segments", "fct_segment_assignments"):
        assert direct_parents(manifest, models[dim]) == [models["int_segment_assignments_final"]], dim


@pytest.mark.parametrize("rule", list(RULES))
def test_dag_rule_holds_or_is_waived(manifest: dict, rule: str) -> None:
    violations = RULES[rule](manifest)
    waived = WAIVERS[rule]
    unwaived = {model: detail for model, detail in violations.items() if model not in waived}
    stale = sorted(set(waived) - set(violations))
    assert unwaived == {}, f"rule {rule} broken (fix it, or waive it with a reason in WAIVERS): {unwaived}"
    assert stale == [], f"rule {rule}: waivers that no longer match a violation, drop them: {stale}"


def test_waivers_are_listed_in_the_readme() -> None:
    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text()
    section = readme.split("## DAG rules and their waivers", 1)
    assert len(section) == 2, "README lacks the section '## DAG rules and their waivers'"
    body = section[1].split("\n## ", 1)[0]
    missing = [f"{rule}: {model}" for rule, models in WAIVERS.items() for model in models if model not in body]
    assert missing == [], f"waivers not listed in the README section: {missing}"
