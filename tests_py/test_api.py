"""The read-only HTTP API over real HTTP (docs/serving.md).

uvicorn runs ``supplyseg serve`` in a subprocess on 127.0.0.1 with a free port, against a copy of the
session's published small build (``small_published``), so the version-switch test can publish and
roll back without touching the shared serving folder. Expected values are read from the published
version file itself (what the API must serve), from the seeds (the new-entity rule oracle,
tests_py/reference/new_entity_rule.py) or written by hand (the change feed on a tiny history).
"""

from __future__ import annotations

import json
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import duckdb
import pytest

from supplyseg.publish import current_version, publish, rollback
from supplyseg.serve import data
from tests_py.reference.new_entity_rule import matched_policy, provisional

INJECTIONS = (
    "x' or '1'='1",
    "'; drop table marts.fct_segment_assignments; --",
    '" union select * from publish.version --',
    "%",
    "_",
)


@dataclass(frozen=True)
class Server:
    base_url: str
    serving_dir: Path
    process: subprocess.Popen

    def get(self, path: str, params: dict[str, Any] | list[tuple[str, Any]] | None = None) -> tuple[int, Any]:
        query = "?" + urllib.parse.urlencode(params, doseq=True) if params else ""
        try:
            with urllib.request.urlopen(self.base_url + path + query, timeout=60) as response:
                body = response.read().decode()
                status = response.status
                content_type = response.headers.get("content-type", "")
        except urllib.error.HTTPError as error:
            body = error.read().decode()
            status = error.code
            content_type = error.headers.get("content-type", "")
        return status, json.loads(body) if "json" in content_type else body

    def ok(self, path: str, params: Any = None) -> dict[str, Any]:
        status, body = self.get(path, params)
        assert status == 200, (path, params, status, body)
        return body


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="module")
def server(small_published, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    serving_dir = tmp_path_factory.mktemp("api") / "serving"
    shutil.copytree(small_published.serving_dir, serving_dir)
    port = _free_port()
    log = (serving_dir.parent / "uvicorn.log").open("w")
    process = subprocess.Popen(
        [sys.executable, "-m", "supplyseg.cli", "serve", "--host", "127.0.0.1", "--port", str(port),
         "--serving-dir", str(serving_dir), "--governance-path", str(serving_dir.parent / "governance")],
        stdout=log, stderr=subprocess.STDOUT,
    )
    running = Server(f"http://127.0.0.1:{port}", serving_dir, process)
    try:
        for _ in range(600):  # readiness: up to about a minute on a loaded machine
            if process.poll() is not None:
                raise AssertionError(f"uvicorn exited: {(serving_dir.parent / 'uvicorn.log').read_text()}")
            try:
                if running.get("/health")[0] == 200:
                    break
            except OSError:
                time.sleep(0.1)
        else:
            raise AssertionError("uvicorn did not answer /health")
        yield running
    finally:
        process.terminate()
        process.wait(timeout=30)
        log.close()


@pytest.fixture(scope="module")
def published(small_published) -> Iterator[duckdb.DuckDBPyConnection]:
    """The published version file, read directly: what the API must serve."""
    version = current_version(small_published.serving_dir)
    con = duckdb.connect(str(version.path(small_published.serving_dir)), read_only=True)
    yield con
    con.close()


def _assert_served(body: dict[str, Any], small_published) -> None:
    assert body["served"]["version_id"] == small_published.version_id
    assert body["served"]["run_id"] == small_published.run_id


# ---------------------------------------------------------------------------------------------------
# Endpoints


def test_versions_and_docs(server: Server, small_published) -> None:
    body = server.ok("/api/v1/versions")
    _assert_served(body, small_published)
    assert [(v["version_id"], v["run_id"], v["is_current"]) for v in body["versions"]] == [
        (small_published.version_id, small_published.run_id, True)
    ]
    status, page = server.get("/docs")
    assert status == 200 and "swagger" in page.lower()
    status, page = server.get("/")  # the front door redirects to the planner page
    assert status == 200 and "<form" in page and "planner" in page.lower()
    paths = server.ok("/openapi.json")["paths"]
    for path in ("/api/v1/versions", "/api/v1/entities/{grain}/{entity_id}", "/api/v1/entities/{grain}/{entity_id}/history",
                 "/api/v1/segments/{grain}/{segment_code}/entities", "/api/v1/items/{product_id}/plants/{plant_id}/policy",
                 "/api/v1/changes", "/api/v1/new-entities/{grain}", "/api/v1/search"):
        assert path in paths, path


@pytest.mark.parametrize("grain", ["customer", "product", "customer_product"])
def test_entity(server: Server, published, small_published, grain: str) -> None:
    expected = published.execute(
        "select entity_id, final_segment_code, final_service_tier, cluster_id, cluster_name, reason_codes"
        " from marts.fct_segment_assignments where grain = ? order by abc_measure_value desc, entity_id limit 1",
        [grain],
    ).fetchone()
    body = server.ok(f"/api/v1/entities/{grain}/{urllib.parse.quote(expected[0], safe='')}")
    _assert_served(body, small_published)
    entity = body["entity"]
    assert (entity["entity_id"], entity["final_segment_code"], entity["final_service_tier"], entity["cluster_id"],
            entity["cluster_name"], entity["reason_codes"]) == expected
    assert "; ".join(entity["reason_code_list"]) == expected[5]
    if grain == "product":
        plants = published.execute(
            "select plant_id, policy_id, safety_stock_quantity from marts.fct_item_policy_parameters"
            " where product_id = ? order by plant_id", [expected[0]]
        ).fetchall()
        assert plants
        assert [(p["plant_id"], p["policy_id"], p["safety_stock_quantity"]) for p in body["policies"]] == plants
    if grain == "customer":
        customers = published.execute(
            "select business_unit_id, customer_id, service_tier from marts.erp_customer_master"
            " where global_account_id = ? or customer_id = ?", [expected[0], expected[0]]
        ).fetchall()
        assert sorted((p["business_unit_id"], p["customer_id"], p["service_tier"]) for p in body["policies"]) == sorted(customers)
    history = server.ok(f"/api/v1/entities/{grain}/{urllib.parse.quote(expected[0], safe='')}/history")["history"]
    assert [(h["final_segment_code"], h["final_service_tier"], h["dbt_valid_to"]) for h in history] == [
        (expected[1], expected[2], None)
    ]


def test_search(server: Server, published) -> None:
    product_id, product_name = published.execute(
        "select product_id, product_name from marts.dim_product_segments order by product_id limit 1"
    ).fetchone()
    items = server.ok("/api/v1/search", {"q": product_id.lower(), "limit": 1000})["items"]
    assert items[0]["entity_id"] == product_id and items[0]["grain"] == "product"
    expected = published.execute(
        "select count(*) from marts.fct_segment_assignments as a left join marts.dim_product_segments as p"
        " on a.grain = 'product' and a.entity_id = p.product_id where a.grain in ('customer', 'product')"
        " and (a.entity_id ilike '%' || ? || '%' or coalesce(p.product_name, '') ilike '%' || ? || '%')",
        [product_name, product_name],
    ).fetchone()[0]
    by_name = server.ok("/api/v1/search", {"q": product_name.upper(), "limit": 1000})["items"]
    assert len(by_name) == expected and product_id in {item["entity_id"] for item in by_name}


def test_segment_entities_paginated(server: Server, published, small_published) -> None:
    grain, segment_code, total = published.execute(
        "select grain, final_segment_code, count(*) from marts.fct_segment_assignments"
        " group by all order by count(*) desc, grain, final_segment_code limit 1"
    ).fetchone()
    expected = [row[0] for row in published.execute(
        "select entity_id from marts.fct_segment_assignments where grain = ? and final_segment_code = ?",
        [grain, segment_code],
    ).fetchall()]
    limit = max(total // 5, 3)
    seen: list[str] = []
    offset: int | None = 0
    pages = 0
    while offset is not None:
        body = server.ok(f"/api/v1/segments/{grain}/{segment_code}/entities", {"limit": limit, "offset": offset})
        _assert_served(body, small_published)
        assert body["total"] == total and len(body["items"]) <= limit
        assert all(item["final_segment_code"] == segment_code for item in body["items"])
        seen += [item["entity_id"] for item in body["items"]]
        offset = body["next_offset"]
        pages += 1
    assert pages >= 5
    assert len(seen) == len(set(seen)), "an entity on two pages"
    assert set(seen) == set(expected), "an entity on no page"
    assert seen == sorted(seen), "pages not in entity id order"
    again = server.ok(f"/api/v1/segments/{grain}/{segment_code}/entities", {"limit": limit, "offset": limit})
    assert [item["entity_id"] for item in again["items"]] == seen[limit:2 * limit]
    past_end = server.ok(f"/api/v1/segments/{grain}/{segment_code}/entities", {"limit": limit, "offset": total})
    assert past_end["items"] == [] and past_end["next_offset"] is None


def test_item_policy(server: Server, published, small_published) -> None:
    row = published.execute(
        "select product_id, plant_id, policy_id, target_cycle_service_level, reorder_point_quantity"
        " from marts.fct_item_policy_parameters order by safety_stock_quantity desc, product_id, plant_id limit 1"
    ).fetchone()
    body = server.ok(f"/api/v1/items/{row[0]}/plants/{row[1]}/policy")
    _assert_served(body, small_published)
    policy = body["item_policy"]
    assert (policy["product_id"], policy["plant_id"], policy["policy_id"], policy["target_cycle_service_level"],
            policy["reorder_point_quantity"]) == row
    status, error = server.get(f"/api/v1/items/{row[0]}/plants/NO-SUCH-PLANT/policy")
    assert status == 404 and "NO-SUCH-PLANT" in error["detail"]


def test_changes_feed(server: Server, published, small_published) -> None:
    entities = published.execute("select count(*) from marts.fct_segment_assignments").fetchone()[0]
    everything = server.ok("/api/v1/changes", {"since": "2000-01-01T00:00:00Z", "limit": 1000})
    _assert_served(everything, small_published)
    assert everything["total"] == entities  # one run: every entity is new
    assert {item["change_type"] for item in everything["items"]} == {"new"}
    assert {item["run_id"] for item in everything["items"]} == {small_published.run_id}
    seen: list[tuple[str, str]] = []
    offset: int | None = 0
    while offset is not None:
        body = server.ok("/api/v1/changes", {"since": "2000-01-01", "limit": 1000, "offset": offset})
        seen += [(item["grain"], item["entity_id"]) for item in body["items"]]
        offset = body["next_offset"]
    assert len(seen) == len(set(seen)) == entities
    since_run = server.ok("/api/v1/changes", {"since_run_id": small_published.run_id})
    assert since_run["total"] == 0 and since_run["since_run_id"] == small_published.run_id
    products = server.ok("/api/v1/changes", {"since": "2000-01-01", "grain": "product", "limit": 1})
    assert products["total"] == published.execute(
        "select count(*) from marts.fct_segment_assignments where grain = 'product'").fetchone()[0]


def test_new_customer_first_order(server: Server, published, small_published) -> None:
    known_product, known_segment = published.execute(
        "select entity_id, final_segment_code from marts.fct_segment_assignments where grain = 'product'"
        " order by abc_measure_value desc, entity_id limit 1"
    ).fetchone()
    body = server.ok("/api/v1/new-entities/customer",
                     [("entity_id", "NEW-CUSTOMER-1"), ("product_id", known_product), ("product_id", "NEW-PRODUCT-9")])
    _assert_served(body, small_published)
    customer = provisional("customer")
    assert (body["abc_class"], body["provisional_segment_code"], body["provisional_service_tier"]) == (
        customer.abc_class, customer.segment_code, customer.service_tier)
    assert body["is_rule_abc_class"] is True and "NEW:provisional" in body["reason_codes"]
    known_line, new_line = body["policies"]
    expected = matched_policy(known_segment, customer.service_tier)
    assert (known_line["product_id"], known_line["counterpart_is_new"], known_line["counterpart_segment_code"]) == (
        known_product, False, known_segment)
    assert known_line["policy_id"] == expected["policy_id"]
    assert known_line["target_cycle_service_level"] == pytest.approx(float(expected["target_cycle_service_level"]))
    new_product = provisional("product")
    assert (new_line["counterpart_is_new"], new_line["counterpart_segment_code"]) == (True, new_product.segment_code)
    assert new_line["policy_id"] == matched_policy(new_product.segment_code, customer.service_tier)["policy_id"]
    # A planner expecting a large customer: class A.
    expected_a = provisional("customer", "A")
    body_a = server.ok("/api/v1/new-entities/customer", {"product_id": known_product, "abc_class": "A"})
    assert (body_a["provisional_segment_code"], body_a["provisional_service_tier"]) == (
        expected_a.segment_code, expected_a.service_tier)
    assert body_a["policies"][0]["policy_id"] == matched_policy(known_segment, expected_a.service_tier)["policy_id"]


def test_new_product_and_every_counterpart(server: Server, published) -> None:
    customer_id, tier = published.execute(
        "select entity_id, final_service_tier from marts.fct_segment_assignments where grain = 'customer'"
        " order by final_service_tier, entity_id limit 1"
    ).fetchone()
    product = provisional("product")
    body = server.ok("/api/v1/new-entities/product", {"customer_id": customer_id})
    assert body["provisional_segment_code"] == product.segment_code
    assert body["policies"][0]["counterpart_service_tier"] == tier
    assert body["policies"][0]["policy_id"] == matched_policy(product.segment_code, tier)["policy_id"]
    every = server.ok("/api/v1/new-entities/product")["policies"]
    tiers = sorted(int(t) for t in published.execute(
        "select distinct customer_service_tier from marts.fct_new_entity_policies where grain = 'product'").fetchall()
        for t in t)
    assert [line["customer_service_tier"] for line in every] == tiers == [1, 2, 3, 4]
    assert [line["policy_id"] for line in every] == [matched_policy(product.segment_code, t)["policy_id"] for t in tiers]


# ---------------------------------------------------------------------------------------------------
# Bad input


@pytest.mark.parametrize(
    ("path", "params", "status", "says"),
    [
        ("/api/v1/entities/supplier/X", None, 400, "unknown grain 'supplier'"),
        ("/api/v1/entities/customer/NO-SUCH-CUSTOMER", None, 404, "no customer 'NO-SUCH-CUSTOMER'"),
        ("/api/v1/entities/customer/NO-SUCH-CUSTOMER/history", None, 404, "no customer"),
        ("/api/v1/segments/product/AX/entities", {"limit": 0}, 400, "limit=0"),
        ("/api/v1/segments/product/AX/entities", {"limit": 1001}, 400, "limit=1001"),
        ("/api/v1/segments/product/AX/entities", {"offset": -1}, 400, "offset=-1"),
        ("/api/v1/segments/product/AX/entities", {"limit": "ten"}, 422, "limit"),
        ("/api/v1/segments/product/NOSUCH/entities", None, 404, "segments of this grain"),
        ("/api/v1/segments/bad_grain/AX/entities", None, 400, "unknown grain"),
        ("/api/v1/changes", None, 400, "exactly one of since_run_id"),
        ("/api/v1/changes", {"since": "2026-01-01", "since_run_id": "abc"}, 400, "exactly one"),
        ("/api/v1/changes", {"since": "yesterday"}, 400, "not an ISO 8601 time"),
        ("/api/v1/changes", {"since_run_id": "no-such-run"}, 404, "not in the published history"),
        ("/api/v1/changes", {"since_run_id": "a b"}, 400, "is not a run id"),
        ("/api/v1/changes", {"since": "2026-01-01", "grain": "planet"}, 400, "unknown grain"),
        ("/api/v1/new-entities/channel", None, 400, "unknown grain 'channel'"),
        ("/api/v1/new-entities/customer", {"abc_class": "Q"}, 400, "not an ABC class of customer"),
        ("/api/v1/new-entities/customer", {"abc_class": "AA"}, 400, "one capital letter"),
        ("/api/v1/new-entities/customer", {"customer_id": "C1"}, 400, "takes product_id"),
        ("/api/v1/search", None, 422, "q"),
    ],
)
def test_bad_parameters(server: Server, path: str, params: Any, status: int, says: str) -> None:
    got, body = server.get(path, params)
    assert got == status, body
    assert says in json.dumps(body["detail"]), body


def test_new_entity_that_is_not_new(server: Server, published) -> None:
    customer_id = published.execute(
        "select min(entity_id) from marts.fct_segment_assignments where grain = 'customer'").fetchone()[0]
    status, body = server.get("/api/v1/new-entities/customer", {"entity_id": customer_id})
    assert status == 409 and f"/api/v1/entities/customer/{customer_id}" in body["detail"]


@pytest.mark.parametrize("text", INJECTIONS)
def test_injection_looking_input_is_only_data(server: Server, published, text: str) -> None:
    quoted = urllib.parse.quote(text, safe="")
    assert server.get(f"/api/v1/entities/customer/{quoted}")[0] == 404
    assert server.get(f"/api/v1/entities/{quoted}/C1")[0] == 400
    assert server.get(f"/api/v1/segments/product/{quoted}/entities")[0] in (400, 404)
    assert server.get(f"/api/v1/items/{quoted}/plants/{quoted}/policy")[0] == 404
    assert server.get("/api/v1/changes", {"since_run_id": text})[0] in (400, 404)
    assert server.get("/api/v1/changes", {"since": text})[0] == 400
    assert server.get("/api/v1/new-entities/customer", {"abc_class": text})[0] == 400
    status, body = server.get("/api/v1/new-entities/customer", {"product_id": text, "entity_id": text})
    assert status == 200 and body["policies"][0]["counterpart_is_new"] is True
    found = server.ok("/api/v1/search", {"q": text})["items"]
    assert all(text.lower() in (item["entity_id"] + (item["product_name"] or "")).lower() for item in found)
    # Nothing broke: the data is all there.
    assert server.ok("/api/v1/changes", {"since": "2000-01-01", "limit": 1})["total"] == published.execute(
        "select count(*) from marts.fct_segment_assignments").fetchone()[0]


# ---------------------------------------------------------------------------------------------------
# A new publish and a rollback are served on the next request


def test_publish_and_rollback_are_served_next_request(server: Server, small_published) -> None:
    before = server.ok("/health")["served"]
    assert before["version_id"] == small_published.version_id
    build = small_published.build
    version = publish(build.db_path, server.serving_dir, target_dir=build.db_path.parent / "target")
    assert version.version_id != before["version_id"]
    after = server.ok("/api/v1/versions")
    assert after["served"]["version_id"] == version.version_id
    assert after["served"]["published_at"] != before["published_at"]
    assert [v["version_id"] for v in after["versions"] if v["is_current"]] == [version.version_id]
    customer = server.ok("/api/v1/search", {"q": "C", "grain": "customer", "limit": 1})
    assert customer["served"]["version_id"] == version.version_id
    rolled = rollback(server.serving_dir)
    assert rolled.version_id == before["version_id"]
    back = server.ok("/api/v1/changes", {"since": "2000-01-01", "limit": 1})
    assert back["served"] == before


# ---------------------------------------------------------------------------------------------------
# The change feed's logic on a hand-made history (no server)


def _history_connection() -> duckdb.DuckDBPyConnection:
    """Runs R1 (t1), R2 (t2), R3 (t3) of a tiny history, with every kind of change; R4 changed nothing."""
    con = duckdb.connect()
    con.execute("create schema history; create schema marts")
    con.execute(
        "create table history.segment_assignments (grain varchar, entity_id varchar, final_segment_code varchar,"
        " final_service_tier integer, run_id varchar, dbt_valid_from timestamp, dbt_valid_to timestamp)"
    )
    t1, t2, t3 = "2026-01-01 02:00:00", "2026-02-01 02:00:00", "2026-03-01 02:00:00"
    rows = [
        # P1: AX in R1, BX in R2 (segment changed), unchanged in R3
        ("product", "P1", "AX", 1, "R1", t1, t2), ("product", "P1", "BX", 2, "R2", t2, None),
        # P2: in R1, gone in R2 (exited), back in R3 (re-entered)
        ("product", "P2", "CZ", 4, "R1", t1, t2), ("product", "P2", "CN", 4, "R3", t3, None),
        # C1: tier only changed in R3
        ("customer", "C1", "AY", 1, "R1", t1, t3), ("customer", "C1", "AY", 2, "R3", t3, None),
        # C2: new in R2
        ("customer", "C2", "BN", 3, "R2", t2, None),
    ]
    con.executemany("insert into history.segment_assignments values (?, ?, ?, ?, ?, ?, ?)", rows)
    con.execute(
        "create table marts.fct_segment_churn as select * from (values ('R2', timestamp '2026-02-01 02:00:00'),"
        " ('R3', timestamp '2026-03-01 02:00:00')) as runs(to_run_id, to_snapshot_at)"
    )
    con.execute(
        "create table marts.fct_load_summary as select * from (values"
        " ('R1', timestamp '2026-01-01 01:50:00'), ('R2', timestamp '2026-02-01 01:50:00'),"
        " ('R3', timestamp '2026-03-01 01:50:00'), ('R4', timestamp '2026-04-01 01:50:00'))"
        " as runs(run_id, run_started_at)"
    )
    return con


def _changes(con: duckdb.DuckDBPyConnection, **kwargs: Any) -> list[tuple]:
    feed = data.changes_since(con, **kwargs)
    return [(i["grain"], i["entity_id"], i["change_type"], i["run_id"], i["previous_segment_code"],
             i["previous_service_tier"], i["segment_code"], i["service_tier"]) for i in feed["items"]]


def test_change_feed_logic_on_a_hand_made_history() -> None:
    con = _history_connection()
    assert _changes(con, since_run_id="R1") == [
        ("customer", "C2", "new", "R2", None, None, "BN", 3),
        ("product", "P1", "changed", "R2", "AX", 1, "BX", 2),
        ("product", "P2", "exited", "R2", "CZ", 4, None, None),
        ("customer", "C1", "changed", "R3", "AY", 1, "AY", 2),
        ("product", "P2", "re_entered", "R3", None, None, "CN", 4),
    ]
    assert _changes(con, since_run_id="R2") == [
        ("customer", "C1", "changed", "R3", "AY", 1, "AY", 2),
        ("product", "P2", "re_entered", "R3", None, None, "CN", 4),
    ]
    assert _changes(con, since_run_id="R3") == []
    assert _changes(con, since_run_id="R4") == []  # known from the load summary only
    assert [run["run_id"] for run in data.published_runs(con)] == ["R1", "R2", "R3", "R4"]
    # A time between runs counts from there; a time with an offset is converted to UTC (01:30 UTC is
    # before R2's snapshot at 02:00, although 02:30 read as UTC would be after it).
    assert _changes(con, since="2026-02-01T02:30:00+01:00") == _changes(con, since_run_id="R1")
    assert _changes(con, since="2026-02-01T02:00:00Z") == _changes(con, since_run_id="R2")
    assert len(_changes(con, since="2025-12-31")) == 7 + 1  # 7 versions opened, 1 exit
    assert [c[1] for c in _changes(con, since_run_id="R1", grain="product", limit=2, offset=1)] == ["P2", "P2"]
    with pytest.raises(data.NotFound, match="R1, R2, R3, R4"):
        data.changes_since(con, since_run_id="R9")
    assert data.parse_timestamp("2026-02-01T03:00:00+01:00") == datetime(2026, 2, 1, 2, 0)
