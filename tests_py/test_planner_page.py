"""The planner page (issue 18 section 3): search, entity page, challenges into the governance input.

Two parts:
- the challenge writer (``supplyseg.serve.challenges``) on small files: quoting, ids, validation,
  concurrent writers, and the written file checked against the rules of source
  ``governance.segment_challenges`` and its staging model, read from their YAML (not from the module);
- the page itself, served by ``supplyseg serve`` (uvicorn in a subprocess, 127.0.0.1, a free port) on the
  session's published small build (``small_published``) and a temporary governance folder: bad requests
  over plain HTTP, and a planner's session in Debian's Chromium driven by Playwright (search, open a
  customer and a product, check segment / policy / history against the published version read
  directly, raise a challenge, find it in the governance input), with no console errors.
"""

from __future__ import annotations

import csv
import json
import multiprocessing
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path

import duckdb
import pytest
import yaml

from supplyseg.dbt_runner import PROJECT_DIR
from supplyseg.publish import open_current
from supplyseg.serve import challenges

CHROMIUM = Path("/usr/bin/chromium")
SOURCES_YML = PROJECT_DIR / "models" / "staging" / "governance" / "_governance__sources.yml"
STAGING_YML = PROJECT_DIR / "models" / "staging" / "governance" / "_governance__models.yml"
SEGMENTS_SEED = PROJECT_DIR / "seeds" / "segmentation" / "abc_xyz_segments.csv"


# --- What source and staging accept, read from their YAML ------------------------------------------


@dataclass(frozen=True)
class InputRules:
    columns: dict[str, str]          # column -> data type of the source
    required: set[str]
    accepted: dict[str, list[str]]   # column -> accepted values of the staging tests (as text)
    segment_codes: set[str]


def input_rules() -> InputRules:
    source = yaml.safe_load(SOURCES_YML.read_text())
    table = next(t for s in source["sources"] if s["name"] == "governance" for t in s["tables"]
                 if t["name"] == "segment_challenges")
    columns = {c["name"]: c["data_type"] for c in table["columns"]}
    required = {c["name"] for c in table["columns"] if c.get("config", {}).get("meta", {}).get("required")}
    staging = yaml.safe_load(STAGING_YML.read_text())
    model = next(m for m in staging["models"] if m["name"] == "stg_governance__segment_challenges")
    accepted = {}
    for column in model["columns"]:
        for test in column.get("data_tests", []):
            if isinstance(test, dict) and "accepted_values" in test:
                accepted[column["name"]] = [str(v) for v in test["accepted_values"]["arguments"]["values"]]
    with SEGMENTS_SEED.open(newline="") as handle:
        codes = {row["segment_code"] for row in csv.DictReader(handle)}
    return InputRules(columns=columns, required=required, accepted=accepted, segment_codes=codes)


def check_like_the_build(path: Path) -> list[dict[str, str | None]]:
    """Read the file as the input contract does and apply the source and staging rules; returns the rows."""
    rules = input_rules()
    with duckdb.connect() as con:
        described = con.execute("describe select * from read_csv(?, header = true, all_varchar = true)",
                                [str(path)]).fetchall()
        names = [row[0] for row in described]
        assert set(rules.columns) <= set(names), f"columns missing: {set(rules.columns) - set(names)}"
        select = ", ".join(f"nullif(trim({name}), '') as {name}" for name in rules.columns)
        cursor = con.execute(f"select {select} from read_csv(?, header = true, all_varchar = true)", [str(path)])
        header = [d[0] for d in cursor.description]
        rows = [dict(zip(header, row, strict=True)) for row in cursor.fetchall()]
        for number, row in enumerate(rows, start=1):
            for column in rules.required:
                assert row[column] is not None, f"row {number}: required {column} is empty"
            for column, data_type in rules.columns.items():
                if data_type != "varchar" and row[column] is not None:
                    parsed = con.execute(f"select try_cast(? as {data_type})", [row[column]]).fetchone()[0]
                    assert parsed is not None, f"row {number}: {column}={row[column]!r} is not {data_type}"
            checks = {"grain": row["grain"], "status": (row["status"] or "").lower(),
                      "requested_service_tier": row["requested_service_tier"]}
            for column, value in checks.items():
                if value is not None and column in rules.accepted:
                    assert value in rules.accepted[column], f"row {number}: {column}={value!r} not accepted"
            assert (row["requested_segment_code"] or "").upper() in rules.segment_codes
    ids = [row["challenge_id"] for row in rows]
    assert len(ids) == len(set(ids)), f"duplicate challenge ids: {ids}"
    return rows


# --- The challenge writer ----------------------------------------------------------------------------


EXISTING = [
    {"challenge_id": "DSP-0007", "grain": "customer", "entity_id": "GA-000003", "raised_by": "Sales",
     "raised_date": "2025-10-01", "reason": "Contract, with a comma", "requested_segment_code": "AX",
     "requested_service_tier": "1", "status": "open"},
    {"challenge_id": "DSP-OVERDUE", "grain": "product", "entity_id": "SKU-100100", "raised_by": "Planning",
     "raised_date": "2025-06-01", "reason": "Seasonal", "requested_segment_code": "BY",
     "requested_service_tier": "", "status": "rejected", "decision": "Data supports it",
     "decided_by": "Lead", "decided_date": "2025-07-01"},
]


def write_existing(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "segment_challenges.csv"
    header = ["challenge_id", "grain", "entity_id", "raised_by", "raised_date", "reason", "requested_segment_code",
              "requested_service_tier", "status", "decision", "decided_by", "decided_date"]  # no validity columns
    with path.open("w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=header)
        writer.writeheader()
        writer.writerows(EXISTING)
    return path


def test_a_challenge_is_appended_quoted_with_the_next_id_and_status_open(tmp_path) -> None:
    path = write_existing(tmp_path / "governance")
    reason = 'Framework contract, signed "last week";\nserve it as AY from now on'
    row = challenges.raise_challenge(tmp_path / "governance", "customer", "GA-000009", " Ann Planner ", reason,
                                     "ay", "2", today=date(2026, 1, 15))
    assert row["challenge_id"] == "DSP-0008"  # one above DSP-0007; DSP-OVERDUE is not numbered
    rows = check_like_the_build(path)
    assert len(rows) == 3
    for before, after in zip(EXISTING, rows[:2], strict=True):  # the rows already there are kept as they were
        assert {k: v or None for k, v in before.items()} == {k: after[k] for k in before}
    new = rows[2]
    assert new == {
        "challenge_id": "DSP-0008", "grain": "customer", "entity_id": "GA-000009", "raised_by": "Ann Planner",
        "raised_date": "2026-01-15", "reason": 'Framework contract, signed "last week"; serve it as AY from now on',
        "requested_segment_code": "AY", "requested_service_tier": "2", "status": "open", "decision": None,
        "decided_by": None, "decided_date": None, "override_valid_from": None, "override_valid_to": None,
    }
    assert not [p.name for p in path.parent.iterdir() if p.name.startswith(challenges.TEMP_PREFIX)]


def test_the_first_challenge_creates_the_file_with_every_source_column(tmp_path) -> None:
    folder = tmp_path / "new_folder"
    challenges.raise_challenge(folder, "product", "SKU-100200", "Bo", "Launch", "AN", None)
    challenges.raise_challenge(folder, "product", "SKU-100201", "Bo", "Launch", "BN", "")
    rows = check_like_the_build(folder / "segment_challenges.csv")
    assert [r["challenge_id"] for r in rows] == ["DSP-0001", "DSP-0002"]
    assert rows[0]["raised_date"] == datetime.now(UTC).date().isoformat()
    assert rows[1]["requested_service_tier"] is None
    with (folder / "segment_challenges.csv").open() as handle:
        assert next(csv.reader(handle)) == list(input_rules().columns)


@pytest.mark.parametrize(("grain", "fields", "message"), [
    ("customer", {"requested_segment_code": "QQ"}, "Requested segment 'QQ' is not a segment of grain customer"),
    ("customer", {"requested_segment_code": ""}, "Requested segment is required"),
    ("product", {"reason": "   \n "}, "Reason is required"),
    ("product", {"raised_by": ""}, "Raised by is required"),
    ("product", {"requested_service_tier": "5"}, "Requested service tier '5' is not a tier of grain product"),
    ("product", {"requested_service_tier": "one"}, "Requested service tier 'one' is not a tier"),
    ("product", {"reason": "=HYPERLINK(\"http://x\")"}, "Reason must not start with"),
    ("product", {"reason": "x" * 2001}, "shorten it to 2000"),
    ("region", {}, "Grain 'region' is not segmented"),
])
def test_an_invalid_challenge_is_refused_with_a_message_and_nothing_is_written(tmp_path, grain, fields,
                                                                                message) -> None:
    values = {"raised_by": "Ann", "reason": "Volume rising", "requested_segment_code": "AX",
              "requested_service_tier": "1", **fields}
    with pytest.raises(challenges.ChallengeRejected, match=re.escape(message)):
        challenges.raise_challenge(tmp_path, grain, "E-1", values["raised_by"], values["reason"],
                                   values["requested_segment_code"], values["requested_service_tier"])
    assert not (tmp_path / "segment_challenges.csv").exists()


def test_a_challenge_that_requests_the_published_segment_and_tier_is_refused(tmp_path) -> None:
    for tier in ("", "2"):
        with pytest.raises(challenges.ChallengeRejected, match="already published in segment BY, tier 2"):
            challenges.raise_challenge(tmp_path, "product", "SKU-1", "Ann", "Why", "by", tier, published=("BY", 2))
    assert not (tmp_path / "segment_challenges.csv").exists()
    challenges.raise_challenge(tmp_path, "product", "SKU-1", "Ann", "Higher tier", "BY", "1", published=("BY", 2))
    challenges.raise_challenge(tmp_path, "product", "SKU-1", "Ann", "Other segment", "AY", "", published=("BY", 2))
    assert len(check_like_the_build(tmp_path / "segment_challenges.csv")) == 2


def test_the_segments_a_grain_allows_follow_its_abc_classes_in_the_seeds(tmp_path) -> None:
    project = tmp_path / "project"
    shutil.copytree(PROJECT_DIR / "seeds", project / "seeds")
    thresholds = project / "seeds" / "segmentation" / "abc_thresholds.csv"
    lines = thresholds.read_text().splitlines()
    thresholds.write_text("\n".join(line for line in lines if not line.startswith("product,C")) + "\n")
    catalogue = challenges.load_catalogue(project)
    with SEGMENTS_SEED.open(newline="") as handle:
        seed = list(csv.DictReader(handle))
    assert catalogue.segment_codes("customer") == [r["segment_code"] for r in seed]
    assert catalogue.segment_codes("product") == [r["segment_code"] for r in seed if r["abc_class"] != "C"]
    with pytest.raises(challenges.ChallengeRejected, match="'CX' is not a segment of grain product"):
        challenges.validate_challenge(catalogue, "product", "SKU-1", "Ann", "Why", "CX")
    challenges.validate_challenge(catalogue, "customer", "GA-1", "Ann", "Why", "CX")


def test_a_parquet_governance_input_is_not_appended_to(tmp_path) -> None:
    (tmp_path / "segment_challenges.parquet").write_bytes(b"PAR1")
    with pytest.raises(challenges.GovernanceInputError, match="Convert it to CSV"):
        challenges.raise_challenge(tmp_path, "customer", "GA-1", "Ann", "Why", "AX")
    assert not (tmp_path / "segment_challenges.csv").exists()


@pytest.mark.parametrize(("content", "message"), [
    (b"challenge_id,grain\nDSP-0001,customer,extra\n", "more fields than the header"),
    ("challenge_id,grain,reason\nDSP-0001,customer,Gr\u00f6\u00dfe\n".encode("latin-1"), "not UTF-8 encoded"),
    (b"challenge_id,Grain,grain\n", "duplicate column names"),
    (b"customer,product\nA,B\n", "no column challenge_id"),
])
def test_a_broken_governance_file_is_left_as_it_is(tmp_path, content, message) -> None:
    path = tmp_path / "segment_challenges.csv"
    path.write_bytes(content)
    with pytest.raises(challenges.GovernanceInputError, match=message):
        challenges.raise_challenge(tmp_path, "customer", "GA-1", "Ann", "Why", "AX")
    assert path.read_bytes() == content


def _raise_many(folder: str, worker: int, count: int) -> None:
    catalogue = challenges.load_catalogue()
    for number in range(count):
        challenges.raise_challenge(folder, "customer", f"GA-{worker:03d}{number:03d}", f"worker {worker}",
                                   f"challenge {number}, from worker {worker}", "BY", None, catalogue=catalogue)


def test_concurrent_writers_lose_no_challenge_and_never_share_an_id(tmp_path) -> None:
    workers, each = 4, 15
    context = multiprocessing.get_context("spawn")
    processes = [context.Process(target=_raise_many, args=(str(tmp_path), w, each)) for w in range(workers)]
    for process in processes:
        process.start()
    for process in processes:
        process.join()
        assert process.exitcode == 0
    rows = check_like_the_build(tmp_path / "segment_challenges.csv")
    assert sorted(r["entity_id"] for r in rows) == sorted(
        f"GA-{w:03d}{n:03d}" for w in range(workers) for n in range(each))
    assert sorted(r["challenge_id"] for r in rows) == [f"DSP-{n:04d}" for n in range(1, workers * each + 1)]


# --- The page, served by uvicorn ---------------------------------------------------------------------


@dataclass(frozen=True)
class Server:
    url: str
    serving_dir: Path
    governance_dir: Path


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def server(small_published, tmp_path_factory) -> Iterator[Server]:
    governance_dir = tmp_path_factory.mktemp("planner_governance")
    port = free_port()
    log = tmp_path_factory.mktemp("planner_server") / "uvicorn.log"
    with log.open("w") as output:
        process = subprocess.Popen(
            [sys.executable, "-m", "supplyseg.cli", "serve", "--host", "127.0.0.1", "--port", str(port),
             "--serving-dir", str(small_published.serving_dir), "--governance-path", str(governance_dir)],
            stdout=output, stderr=subprocess.STDOUT, cwd=PROJECT_DIR,
        )
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(300):  # wait until it answers (or has died); not a timing assertion
            if process.poll() is not None:
                pytest.fail(f"supplyseg serve exited with {process.returncode}:\n{log.read_text()}")
            try:
                with urllib.request.urlopen(f"{url}/health", timeout=2) as response:
                    if response.status == 200:
                        break
            except OSError:
                time.sleep(0.2)
        else:
            pytest.fail(f"supplyseg serve did not answer on {url}:\n{log.read_text()}")
        yield Server(url=url, serving_dir=small_published.serving_dir, governance_dir=governance_dir)
    finally:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def published(serving_dir: Path, sql: str, params: list) -> list[tuple]:
    con = open_current(serving_dir)
    try:
        return con.execute(sql, params).fetchall()
    finally:
        con.close()


def http(method: str, url: str, body: bytes | None = None,
         content_type: str = "application/x-www-form-urlencoded") -> tuple[int, str]:
    request = urllib.request.Request(url, data=body, method=method, headers={"Content-Type": content_type})
    opener = urllib.request.build_opener(NoRedirect)
    try:
        with opener.open(request, timeout=30) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):  # noqa: ANN002, ANN003 - urllib's signature
        return None


def form(**fields: str) -> bytes:
    return urllib.parse.urlencode(fields).encode()


@pytest.mark.e2e
def test_bad_requests_get_a_4xx_with_a_message_and_write_nothing(server: Server) -> None:
    entity, segment, tier = published(
        server.serving_dir, "select entity_id, final_segment_code, final_service_tier from marts.fct_segment_assignments"
        " where grain = 'customer' order by entity_id limit 1", [])[0]
    base = f"{server.url}/planner/customer/{entity}/challenges"
    good = {"requested_segment_code": "BY", "reason": "Volume rising", "raised_by": "Ann"}
    cases = [
        ("POST", base, form(**{**good, "requested_segment_code": "ZZ"}), 422, "is not a segment of grain customer"),
        ("POST", base, form(**{**good, "reason": ""}), 422, "Reason is required"),
        ("POST", base, form(**{**good, "requested_service_tier": "9"}), 422, "is not a tier of grain customer"),
        ("POST", base, form(**{**good, "requested_segment_code": segment, "requested_service_tier": str(tier)}), 422,
         f"already published in segment {segment}, tier {tier}"),
        ("POST", base, json.dumps(good).encode(), 415, "application/x-www-form-urlencoded"),
        ("POST", base, form(**{**good, "reason": "x" * 20_000}), 413, "at most 16384"),
        ("POST", f"{server.url}/planner/customer/NO-SUCH-ID/challenges", form(**good), 404, "NO-SUCH-ID"),
        ("POST", f"{server.url}/planner/region/X/challenges", form(**good), 404, "customers and products"),
        ("GET", f"{server.url}/planner/product/NO-SUCH-SKU", None, 404, "NO-SUCH-SKU"),
        ("GET", f"{server.url}/planner?q=GA&grain=region", None, 400, "not &#39;region&#39;"),
        ("GET", f"{server.url}/planner/static/../app.py", None, 404, ""),
    ]
    for method, url, body, status, message in cases:
        content_type = "application/json" if status == 415 else "application/x-www-form-urlencoded"
        got, text = http(method, url, body, content_type)
        assert (got, message in text) == (status, True), f"{method} {url}: {got}\n{text[:2000]}"
    assert not (server.governance_dir / "segment_challenges.csv").exists()
    # The page escapes what it shows: a reason with markup comes back as text, not as an element.
    got, text = http("POST", base, form(**{**good, "reason": "<script>alert(1)</script>", "requested_service_tier": "7"}))
    assert got == 422 and "&lt;script&gt;alert(1)&lt;/script&gt;" in text and "<script>alert(1)" not in text


def launch_chromium(playwright):  # noqa: ANN001, ANN201 - Playwright's own types
    if not CHROMIUM.exists():
        pytest.fail(f"Chromium is missing at {CHROMIUM}: install it with `apt-get install -y chromium` "
                    "(Debian package) and run the browser tests again.")
    return playwright.chromium.launch(executable_path=str(CHROMIUM), args=["--no-sandbox"])


@pytest.mark.e2e
def test_a_planner_searches_opens_entities_and_raises_a_challenge_in_chromium(server: Server) -> None:
    from playwright.sync_api import expect, sync_playwright

    customer, segment, tier, cluster = published(
        server.serving_dir,
        "select entity_id, final_segment_code, final_service_tier, cluster_name from marts.fct_segment_assignments"
        " where grain = 'customer' and override_id is null order by entity_id limit 1", [])[0]
    history = published(server.serving_dir, "select count(*) from history.segment_assignments"
                        " where grain = 'customer' and entity_id = ?", [customer])[0][0]
    has_atp = published(server.serving_dir, "select count(*) from information_schema.tables"
                        " where table_schema = 'marts' and table_name = 'fct_atp_promises'", [])[0][0] == 1
    atp_rows = published(server.serving_dir, "select count(*) from marts.fct_atp_promises"
                         " where segment_customer_id = ?", [customer])[0][0] if has_atp else 0
    business_units = published(server.serving_dir, "select count(*) from marts.erp_customer_master"
                               " where global_account_id = ?", [customer])[0][0]
    product, product_name, product_segment = published(
        server.serving_dir,
        "select assignments.entity_id, products.product_name, assignments.final_segment_code"
        " from marts.fct_segment_assignments as assignments"
        " inner join marts.dim_product_segments as products on assignments.entity_id = products.product_id"
        " where assignments.grain = 'product' order by assignments.entity_id limit 1", [])[0]
    plants = published(server.serving_dir, "select count(*) from marts.fct_item_policy_parameters"
                       " where product_id = ?", [product])[0][0]
    product_history = published(server.serving_dir, "select count(*) from history.segment_assignments"
                                " where grain = 'product' and entity_id = ?", [product])[0][0]
    requested = "BY" if segment != "BY" else "AX"
    errors: list[str] = []

    with sync_playwright() as playwright:
        browser = launch_chromium(playwright)
        try:
            page = browser.new_page()
            page.on("console", lambda m: errors.append(f"console {m.type}: {m.text}") if m.type == "error" else None)
            page.on("pageerror", lambda e: errors.append(f"page error: {e}"))
            page.on("response", lambda r: errors.append(f"HTTP {r.status} {r.url}") if r.status >= 400 else None)

            # Search a customer by part of its id and open it from the results.
            page.goto(f"{server.url}/planner")
            page.fill("#search-q", customer[:-1])
            page.click("form.search-page button[type=submit]")
            link = page.locator("#results").get_by_role("link", name=customer, exact=True)
            expect(link).to_have_count(1)
            link.click()
            expect(page.locator("#entity-id")).to_have_text(customer)
            expect(page.locator("#segment-code strong")).to_have_text(segment)
            expect(page.locator("#service-tier")).to_have_text(str(tier))
            expect(page.locator("#cluster")).to_contain_text(cluster or "not clustered")
            expect(page.locator("#reason-codes li").first).to_be_visible()
            expect(page.locator("#policy-table tbody tr")).to_have_count(business_units)
            expect(page.locator("#history-table tbody tr")).to_have_count(history)
            if has_atp:  # published from the fulfilment marts on; at most 100 rows are shown
                expect(page.locator("#atp-table tbody tr")).to_have_count(min(atp_rows, 100))
            else:
                expect(page.locator("#atp-table")).to_contain_text("has no ATP promises")
            expect(page.locator("#served")).to_contain_text("v000001")

            # Raise a challenge; the page comes back with the id, and the row is in the governance input.
            page.select_option("#requested_segment_code", requested)
            page.select_option("#requested_service_tier", "2")
            page.fill("#reason", 'New framework contract, "tier 2" agreed')
            page.fill("#raised_by", "Ann Planner")
            page.click("#challenge-submit")
            expect(page.locator("#raised-notice")).to_contain_text("DSP-0001")
            expect(page.locator("#raised-challenges tbody tr")).to_have_count(1)

            # A product found by its name shows its item policy per plant.
            page.fill("#q", product_name)
            page.press("#q", "Enter")
            page.locator("#results").get_by_role("link", name=product, exact=True).click()
            expect(page.locator("#segment-code strong")).to_have_text(product_segment)
            expect(page.locator("#policy-table tbody tr")).to_have_count(plants)
            expect(page.locator("#history-table tbody tr")).to_have_count(product_history)
        finally:
            browser.close()

    assert errors == []
    rows = check_like_the_build(server.governance_dir / "segment_challenges.csv")
    assert rows == [{
        "challenge_id": "DSP-0001", "grain": "customer", "entity_id": customer, "raised_by": "Ann Planner",
        "raised_date": datetime.now(UTC).date().isoformat(), "reason": 'New framework contract, "tier 2" agreed',
        "requested_segment_code": requested, "requested_service_tier": "2", "status": "open", "decision": None,
        "decided_by": None, "decided_date": None, "override_valid_from": None, "override_valid_to": None,
    }]
    assert os.stat(server.governance_dir / "segment_challenges.csv").st_size > 0
