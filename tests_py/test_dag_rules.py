"""DAG rules, checked on dbt's manifest (the rules of dbt-project-evaluator that we hold to).

``dbt parse`` writes ``manifest.json`` into a temporary target path; no database is built. The rules:

1. **No mart reads staging or sources.** A model under ``models/marts/`` has no direct parent that is a
   source or a model under ``models/staging/``.
2. **No rejoining of upstream concepts** (dbt-project-evaluator's definition): a model M reads a parent P and a
   model B that itself reads P directly, where B has no other model child than M. B is then a step that
   only exists for M and P's concept is joined twice: B should carry P's columns forward, or be folded
   into M. Seeds are configuration read where a rule applies and do not count as P; a B with other
   children is a shared building block (a master, a gate) and reading it beside P is a lookup, not a rejoin.
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

# rule -> model -> reason. Listed in the README, section "DAG rules and their waivers".
WAIVERS: dict[str, dict[str, str]] = {
    "mart_reads_staging": {},
    "rejoin": {
        "int_order_lines_consolidated": (
            "reads the usable lines beside int_order_line_outliers_flagged, which holds only the flagged lines of "
            "them (a few hundred rows); carrying every usable line through the outlier step would copy the "
            "largest table once more to add two flags"
        ),
        "int_segment_entities_variability_classified": (
            "reads the length of each analysis period from int_analysis_periods beside the zero-filled series "
            "(int_demand_by_period_filled): the series is the largest table of the project (every entity x "
            "period), and repeating the period attributes on each of its rows costs more than the lookup of N rows"
        ),
        "int_item_policy_parameters": (
            "publishes the scipy quantiles of the Python model int_item_demand_quantiles beside the inputs they were "
            "computed from: the Python model returns only the few items with a count or empirical method, and "
            "carrying every item's inputs through pandas to avoid the second read would slow the build"
        ),
        "int_item_policy_inputs": (
            "the assembly point of an item's inputs: it reads the window's order lines and segments once for the "
            "item's dominant customer tier and unit value, beside int_policy_combinations_matched and "
            "int_item_lead_times, which aggregate the same lines to other grains (segment x tier, lead times)"
        ),
    },
    "too_many_parents": {
        "int_staged_rows_unioned": (
            "the union of every staged entity's rows for quarantine and the load summary: one parent per entity "
            "of the input contract, generated from the registry staged_entities()"
        ),
        "int_data_capabilities_assessed": (
            "states for each capability whether its input is present: reads the staged optional entities "
            "(deliveries, forecasts, inventory) and the masters beside the load counts"
        ),
        "int_item_policy_inputs": (
            "the assembly point of an item's inputs (policy, demand and lead-time statistics, segments, order "
            "lines for tier and unit value, pack sizes); splitting it would add a model per lookup"
        ),
    },
    "no_contract": {},
    "no_primary_key_test": {
        "int_demand_by_period_filled": (
            "a view of the zero-filled entity x period grid (13M rows at 1M order lines), read once by the "
            "variability model; a key test would build the grid again. Its key is unique by construction "
            "(series starts x int_analysis_periods, left join int_demand_by_period, both key-tested) and its "
            "unit tests guard the fill (docs/performance.md)"
        ),
    },
    "hidden_dependency": {
        "int_segment_assignments_previous": (
            "reads the previous published marts.fct_segment_assignments by relation: the mart is built from "
            "this model, so a ref would be a cycle, and the snapshot lacks the review state of runs that changed "
            "nothing (doc block segment_previous_state)"
        ),
        "int_cluster_centroids_previous": (
            "reads the previous published marts.fct_cluster_profiles by relation: the mart is built from the fitted "
            "clusters, which match their ids to these centroids, so a ref would be a cycle (doc block "
            "cluster_previous_state)"
        ),
        "int_cluster_feature_bins_previous": (
            "reads the previous published marts.fct_cluster_feature_bins by relation: the drift of this run is "
            "measured in the bins the previous run published, and the mart is rebuilt from this run, so a ref "
            "would be a cycle (doc block cluster_drift)"
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


def model_children(manifest: Mapping) -> dict[str, set[str]]:
    """Every node -> the project models that read it directly."""
    children: dict[str, set[str]] = {}
    for uid in project_models(manifest):
        for parent in direct_parents(manifest, uid):
            children.setdefault(parent, set()).add(uid)
    return children


def rejoins(manifest: Mapping) -> dict[str, str]:
    """Rule 2: model M -> 'P (read again through B)' for each parent P of M that is also a direct parent of
    another parent B of M, where B's only model child is M (dbt-project-evaluator's rejoin)."""
    children = model_children(manifest)
    found = {}
    for uid, node in project_models(manifest).items():
        parents = [p for p in direct_parents(manifest, uid) if p.split(".")[0] in ("model", "snapshot", "source")]
        pairs = sorted(
            f"{name_of(manifest, upstream)} (read again through {name_of(manifest, between)})"
            for between in parents
            if children.get(between, set()) == {uid}
            for upstream in parents
            if upstream != between and upstream in direct_parents(manifest, between)
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


def test_rule_rejoin_is_a_parent_read_again_through_a_single_use_step() -> None:
    manifest = _manifest(
        _model("a", []),
        _model("only_for_rejoiner", ["model.p.a"]),
        _model("rejoiner", ["model.p.only_for_rejoiner", "model.p.a", SEED]),
        _model("shared", ["model.p.a"]),
        _model("looks_up_a_beside_shared", ["model.p.shared", "model.p.a"]),
        _model("also_reads_shared", ["model.p.shared"]),
        _model("b", ["model.p.a"]),
        _model("c", ["model.p.b"]),
        _model("two_steps_back", ["model.p.c", "model.p.a"]),
        _model("reads_a_seed_its_parent_reads", ["model.p.b", SEED]),
    )
    manifest["nodes"]["model.p.b"]["depends_on"]["nodes"].append(SEED)
    # Only a direct parent read again through a step that exists for this model alone is a rejoin.
    assert rejoins(manifest) == {"rejoiner": "a (read again through only_for_rejoiner)"}


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
