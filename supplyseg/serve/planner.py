"""The planner page: search a customer or product, see its segment and policies, raise a challenge.

Server-rendered HTML (Jinja2 templates in ``templates/``, autoescaped) plus one small CSS and one small
JS file (``static/``); no front-end build step. The page reads the published version only, through the
queries of ``supplyseg.serve.data`` (one version per request, named on the page), and writes one thing:
a challenge, appended to the governance input by ``supplyseg.serve.challenges`` (docs/serving.md,
section "Planner page").

Routes (prefix ``/planner``):

- ``GET /planner?q=...&grain=...``: search by id (or product name) and list the matches;
- ``GET /planner/{grain}/{entity_id}``: segment, cluster, service tier, reason codes, policies, history,
  the challenges already raised in the governance input, and the challenge form;
- ``POST /planner/{grain}/{entity_id}/challenges``: the form (``application/x-www-form-urlencoded``);
  a valid challenge is appended and the browser is sent back to the entity page (303); an invalid one
  gets the page again with the message and status 422.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, quote

import duckdb
import jinja2
from fastapi import APIRouter, Request
from fastapi.responses import FileResponse, HTMLResponse, RedirectResponse, Response

from supplyseg.publish import ServingError
from supplyseg.serve import challenges, data

PREFIX = "/planner"
GRAINS = ("customer", "product")
MAX_FORM_BYTES = 16_384
SEARCH_LIMIT = 50
HERE = Path(__file__).resolve().parent
STATIC_FILES = {"planner.css": "text/css", "planner.js": "text/javascript"}

# What the page shows of an entity's policies, in this order (columns data.entity_policies returns).
POLICY_COLUMNS = {
    "product": (
        ("plant_id", "Plant"), ("policy_id", "Policy"), ("stocking_strategy", "Stocking"),
        ("customer_service_tier", "Customer tier"), ("target_cycle_service_level", "Target cycle service level"),
        ("review_period_days", "Review period (days)"), ("lead_time_days_mean", "Lead time (days)"),
        ("safety_stock_method", "Safety stock method"), ("safety_stock_quantity", "Safety stock"),
        ("reorder_point_quantity", "Reorder point"), ("order_up_to_quantity", "Order-up-to"),
        ("lot_size_quantity", "Lot size"), ("moq_quantity", "MOQ"), ("forecast_method_family", "Forecast method"),
    ),
    "customer": (
        ("business_unit_id", "Business unit"), ("customer_id", "Customer"), ("segment_code", "Segment"),
        ("service_tier", "Service tier"), ("delivery_priority", "Delivery priority"),
        ("delivery_priority_basis", "Priority basis"), ("atp_lead_time_days", "ATP promise (days)"),
        ("pick_priority", "Pick priority"), ("transport_priority", "Transport priority"),
    ),
}
# ATP promises of a customer (marts.fct_atp_promises, one row per customer and product), when published.
ATP_COLUMNS = (
    ("product_id", "Product"), ("product_segment_code", "Product segment"),
    ("customer_service_tier", "Customer tier"), ("policy_id", "Policy"),
    ("promised_lead_time_days", "Promised lead time (days)"), ("promise_basis", "Basis"),
    ("pick_priority", "Pick priority"), ("transport_priority", "Transport priority"),
    ("order_line_count", "Order lines in the window"),
)
ATP_LIMIT = 100
HISTORY_COLUMNS = (
    ("dbt_valid_from", "From"), ("dbt_valid_to", "To"), ("final_segment_code", "Segment"),
    ("final_service_tier", "Tier"), ("abc_class", "ABC"), ("xyz_class", "XYZ"), ("run_id", "Run"),
    ("reference_date", "Reference date"),
)

router = APIRouter(prefix=PREFIX, tags=["planner page"], include_in_schema=False)

_templates = jinja2.Environment(
    loader=jinja2.FileSystemLoader(HERE / "templates"),
    autoescape=True,
    undefined=jinja2.StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)
_templates.filters["path"] = lambda value: quote(str(value), safe="")


def _render(name: str, status_code: int = 200, **context: Any) -> HTMLResponse:
    return HTMLResponse(_templates.get_template(name).render(prefix=PREFIX, **context), status_code=status_code)


def _problem(status_code: int, title: str, message: str) -> HTMLResponse:
    return _render("problem.html", status_code=status_code, title=title, message=message)


def _governance_dir(request: Request) -> Path | None:
    return getattr(request.app.state, "governance_path", None)


def _policy_table(grain: str, policies: list[dict[str, Any]]) -> tuple[list[tuple[str, str]], list[dict[str, Any]]]:
    """The columns to show (those of the preferred list the rows have, else all) and the rows."""
    if not policies:
        return [], []
    present = [(name, label) for name, label in POLICY_COLUMNS.get(grain, ()) if name in policies[0]]
    return present or [(name, name.replace("_", " ")) for name in policies[0]], policies


def _entity_page(
    request: Request,
    grain: str,
    entity_id: str,
    status_code: int = 200,
    error: str | None = None,
    form: dict[str, str] | None = None,
    raised: str | None = None,
) -> HTMLResponse:
    with data.open_served(request.app.state.serving_dir) as (con, served):
        entity = data.get_entity(con, grain, entity_id)
        policies = data.entity_policies(con, grain, entity_id)
        history = data.segment_history(con, grain, entity_id)
        promises = atp_promises(con, entity_id) if grain == "customer" else None
    catalogue = challenges.load_catalogue()
    governance_dir = _governance_dir(request)
    raised_rows = challenges.challenges_of(governance_dir, grain, entity_id) if governance_dir else []
    columns, rows = _policy_table(grain, policies)
    return _render(
        "entity.html",
        status_code=status_code,
        served=served,
        grain=grain,
        entity=entity,
        policy_columns=columns,
        policies=rows,
        atp=promises,
        history_columns=HISTORY_COLUMNS,
        history=history,
        segment_names=catalogue.segment_names.get(grain, {}),
        service_tiers=catalogue.service_tiers.get(grain, []),
        governance_configured=governance_dir is not None,
        raised_challenges=raised_rows,
        raised=raised if any(row["challenge_id"] == raised for row in raised_rows) else None,
        error=error,
        form=form or {},
    )


@dataclass(frozen=True)
class AtpPromises:
    """A customer's ATP promises: the first rows (most order lines first) and how many there are."""

    columns: tuple[tuple[str, str], ...]
    rows: list[dict[str, Any]]
    total: int


def atp_promises(con: duckdb.DuckDBPyConnection, customer_id: str) -> AtpPromises | None:
    """The ATP promise per product of one customer, or None when the version has no fct_atp_promises.

    Not in ``data`` (the API serves no ATP promises yet); a version published before the mart existed
    is served without the section.
    """
    published = con.execute(
        "select count(*) from information_schema.tables where table_schema = 'marts' and table_name = ?",
        ["fct_atp_promises"],
    ).fetchone()[0]
    if not published:
        return None
    total = con.execute(
        "select count(*) from marts.fct_atp_promises where segment_customer_id = ?", [customer_id]
    ).fetchone()[0]
    names = [name for name, _ in ATP_COLUMNS]
    cursor = con.execute(
        f"select {', '.join(names)} from marts.fct_atp_promises where segment_customer_id = ?"
        " order by order_line_count desc, product_id limit ?",
        [customer_id, ATP_LIMIT],
    )
    rows = [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]
    return AtpPromises(columns=ATP_COLUMNS, rows=rows, total=total)


def _check_grain(grain: str) -> HTMLResponse | None:
    if grain not in GRAINS:
        return _problem(404, "No such page", f"The planner page shows customers and products, not {grain!r}.")
    return None


@router.get("", response_class=HTMLResponse)
def search_page(request: Request, q: str = "", grain: str = "") -> HTMLResponse:
    """The search form and, for a query, the matching customers and products."""
    query = q.strip()
    if grain and grain not in GRAINS:
        return _render("search.html", status_code=400, q=query, grain="", results=None, served=None,
                       error=f"Search customers or products, not {grain!r}.")
    if not query:
        return _render("search.html", q="", grain=grain, results=None, served=None, error=None)
    try:
        with data.open_served(request.app.state.serving_dir) as (con, served):
            results = data.search_entities(con, query, grain or None, SEARCH_LIMIT)
    except data.BadParameter as error:
        return _render("search.html", status_code=400, q=query, grain=grain, results=None, served=None,
                       error=f"Cannot search for that text: {error}.")
    except ServingError as error:
        return _problem(503, "Nothing published", str(error))
    return _render("search.html", q=query, grain=grain, results=results, served=served, error=None,
                   limit=SEARCH_LIMIT)


@router.get("/static/{name}")
def static_file(name: str) -> Response:
    """The page's CSS and JS (two fixed files)."""
    if name not in STATIC_FILES:
        return _problem(404, "No such file", f"There is no static file {name!r}.")
    return FileResponse(HERE / "static" / name, media_type=STATIC_FILES[name])


@router.get("/{grain}/{entity_id}", response_class=HTMLResponse)
def entity_page(request: Request, grain: str, entity_id: str, raised: str | None = None) -> HTMLResponse:
    """Segment, cluster, tier, reason codes, policies, history and the challenge form of one entity."""
    if (problem := _check_grain(grain)) is not None:
        return problem
    try:
        return _entity_page(request, grain, entity_id, raised=raised)
    except data.NotFound as error:
        return _problem(404, "Not found", f"{error}. Search again: the entity may not be segmented in this run.")
    except data.BadParameter as error:
        return _problem(400, "Bad address", str(error))
    except ServingError as error:
        return _problem(503, "Nothing published", str(error))


async def _form(request: Request) -> dict[str, str] | HTMLResponse:
    """The urlencoded form fields (last value wins), or a 4xx page for another body."""
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type != "application/x-www-form-urlencoded":
        return _problem(415, "Unsupported form", "Send the challenge form as application/x-www-form-urlencoded.")
    body = await request.body()
    if len(body) > MAX_FORM_BYTES:
        return _problem(413, "Form too large", f"The form is {len(body)} bytes; at most {MAX_FORM_BYTES} are taken.")
    try:
        fields = parse_qs(body.decode("utf-8"), keep_blank_values=True, strict_parsing=False)
    except UnicodeDecodeError:
        return _problem(400, "Unreadable form", "The form is not UTF-8 encoded.")
    return {name: values[-1] for name, values in fields.items()}


@router.post("/{grain}/{entity_id}/challenges", response_class=HTMLResponse)
async def raise_challenge(request: Request, grain: str, entity_id: str) -> Response:
    """Append a challenge of the entity's published segment to the governance input (status open)."""
    if (problem := _check_grain(grain)) is not None:
        return problem
    form = await _form(request)
    if isinstance(form, HTMLResponse):
        return form
    try:
        with data.open_served(request.app.state.serving_dir) as (con, _):
            entity = data.get_entity(con, grain, entity_id)  # only a published entity can be challenged
        row = challenges.raise_challenge(
            _governance_dir(request), grain, entity_id, form.get("raised_by"), form.get("reason"),
            form.get("requested_segment_code"), form.get("requested_service_tier"),
            published=(entity["final_segment_code"], int(entity["final_service_tier"])),
        )
    except data.NotFound as error:
        return _problem(404, "Not found", f"{error}; only a published entity can be challenged.")
    except data.BadParameter as error:
        return _problem(400, "Bad address", str(error))
    except ServingError as error:
        return _problem(503, "Nothing published", str(error))
    except challenges.ChallengeRejected as error:
        return _entity_page(request, grain, entity_id, status_code=422, error=str(error), form=form)
    except challenges.GovernanceInputError as error:
        return _entity_page(request, grain, entity_id, status_code=409, error=str(error), form=form)
    target = f"{PREFIX}/{quote(grain, safe='')}/{quote(entity_id, safe='')}?raised={quote(row['challenge_id'])}"
    return RedirectResponse(target, status_code=303)
