"""The read-only HTTP API over the published data (docs/serving.md), and the app the planner page joins.

``create_app`` builds the FastAPI app; ``supplyseg serve`` runs it with uvicorn. Each request opens the
version the ``current`` pointer names at that moment (``data.open_served``), reads only it, and names
it in the response (``served``: version id, run id, model version, publish time), so a publish or a
rollback is served from the next request on, and no response mixes two versions.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, FastAPI, Query, Request
from fastapi.responses import JSONResponse, RedirectResponse

from supplyseg.publish import ServingError, serving_dir_from_env
from supplyseg.serve import data

API_PREFIX = "/api/v1"
DEFAULT_GOVERNANCE_PATH = Path(__file__).resolve().parents[2] / "build" / "governance"

router = APIRouter(prefix=API_PREFIX, tags=["segments"])

Limit = Annotated[int, Query(description=f"page size, 1 to {data.MAX_LIMIT}")]
Offset = Annotated[int, Query(description="rows to skip (0 = first page); use next_offset of the previous page")]


def _serving_dir(request: Request) -> Path:
    return request.app.state.serving_dir


def _page(items: list[dict[str, Any]], total: int, limit: int, offset: int) -> dict[str, Any]:
    next_offset = offset + len(items) if offset + len(items) < total else None
    return {"total": total, "limit": limit, "offset": offset, "next_offset": next_offset, "items": items}


@router.get("/versions", summary="The kept published versions")
def get_versions(request: Request) -> dict[str, Any]:
    """The kept published versions, newest first, with run id, publish time and row counts."""
    with data.open_served(_serving_dir(request)) as (_, served):
        listed = data.versions(_serving_dir(request))
    return {"served": served.as_dict(), "versions": listed}


@router.get("/entities/{grain}/{entity_id}", summary="An entity's current segment, cluster, tier, policy")
def get_entity(request: Request, grain: str, entity_id: str) -> dict[str, Any]:
    """Current final segment, cluster, service tier, reason codes and the policies that follow from them.

    `grain`: customer, product, channel, customer_product or account_plant. Policies: per plant for a
    product (item policy parameters), per business-unit customer for a customer (delivery priority).
    """
    with data.open_served(_serving_dir(request)) as (con, served):
        entity = data.get_entity(con, grain, entity_id)
        policies = data.entity_policies(con, grain, entity_id)
    return {"served": served.as_dict(), "entity": entity, "policies": policies}


@router.get("/entities/{grain}/{entity_id}/history", summary="An entity's segment history")
def get_entity_history(request: Request, grain: str, entity_id: str) -> dict[str, Any]:
    """Every published version of the entity's segment and tier, oldest first (snapshot history)."""
    with data.open_served(_serving_dir(request)) as (con, served):
        history = data.segment_history(con, grain, entity_id)
        if not history:
            data.get_entity(con, grain, entity_id)  # raises NotFound for an unknown entity
    return {"served": served.as_dict(), "grain": grain, "entity_id": entity_id, "history": history}


@router.get("/search", summary="Find customers and products by id or product name")
def get_search(
    request: Request,
    q: Annotated[str, Query(description="text contained in the id (or product name), case-insensitive")],
    grain: Annotated[str | None, Query(description="customer or product; both when left out")] = None,
    limit: Limit = 20,
) -> dict[str, Any]:
    with data.open_served(_serving_dir(request)) as (con, served):
        found = data.search_entities(con, q, grain, limit)
    return {"served": served.as_dict(), "items": found}


@router.get("/segments/{grain}/{segment_code}/entities", summary="All entities of a segment, paginated")
def get_segment_entities(
    request: Request, grain: str, segment_code: str, limit: Limit = data.DEFAULT_LIMIT, offset: Offset = 0
) -> dict[str, Any]:
    """Entities whose final segment is `segment_code`, ordered by entity id (stable across pages)."""
    with data.open_served(_serving_dir(request)) as (con, served):
        items, total = data.segment_entities(con, grain, segment_code, limit, offset)
    return {"served": served.as_dict(), "grain": grain, "segment_code": segment_code, **_page(items, total, limit, offset)}


@router.get("/items/{product_id}/plants/{plant_id}/policy", summary="An item's policy parameters")
def get_item_policy(request: Request, product_id: str, plant_id: str) -> dict[str, Any]:
    """Policy id, service level, safety stock, reorder point, lot sizes of one product at one plant."""
    with data.open_served(_serving_dir(request)) as (con, served):
        policy = data.item_policy(con, product_id, plant_id)
    return {"served": served.as_dict(), "item_policy": policy}


@router.get("/changes", summary="Segment changes since a run or a time (change feed)")
def get_changes(
    request: Request,
    since_run_id: Annotated[str | None, Query(description="a published run id: changes by the runs after it")] = None,
    since: Annotated[str | None, Query(description="ISO 8601 time (UTC unless an offset is given)")] = None,
    grain: Annotated[str | None, Query(description="only this grain")] = None,
    limit: Limit = data.DEFAULT_LIMIT,
    offset: Offset = 0,
) -> dict[str, Any]:
    """Entities whose final segment or tier changed, that were segmented for the first time (`new`) or
    again (`re_entered`), or that left (`exited`), published after `since_run_id` or `since` (give one).
    Read from the snapshot history `history.segment_assignments`; ordered by time, grain, entity id."""
    with data.open_served(_serving_dir(request)) as (con, served):
        feed = data.changes_since(con, since_run_id, since, grain, limit, offset)
    items, total = feed.pop("items"), feed.pop("total")
    return {"served": served.as_dict(), **feed, **_page(items, total, limit, offset)}


@router.get("/new-entities/{grain}", summary="Provisional segment and policy of a new customer or product")
def get_new_entity(
    request: Request,
    grain: str,
    entity_id: Annotated[str | None, Query(description="id of the new entity (409 if it is already segmented)")] = None,
    product_id: Annotated[list[str] | None, Query(description="new customer: the products of its first order")] = None,
    customer_id: Annotated[list[str] | None, Query(description="new product: the customers ordering it")] = None,
    abc_class: Annotated[str | None, Query(description="assume this ABC class instead of the rule's (last) one")] = None,
) -> dict[str, Any]:
    """The new-entity rule (docs/serving.md): a customer or product not in the published segmentation
    gets the provisional segment (ABC class without history + XYZ N), its default tier and, per order
    line, the policy of the policy matrix for the product segment and customer tier. Looked up in
    `marts.fct_new_entity_policies`; fulfilment does not wait for the next build."""
    data.check_grain(grain, data.NEW_ENTITY_GRAINS)
    counterparts, wrong = (product_id, customer_id) if grain == "customer" else (customer_id, product_id)
    if wrong:
        takes, not_taken = ("product_id", "customer_id") if grain == "customer" else ("customer_id", "product_id")
        raise data.BadParameter(f"a new {grain} takes {takes} (its counterparts), not {not_taken}")
    with data.open_served(_serving_dir(request)) as (con, served):
        answer = data.new_entity_policy(con, grain, entity_id, counterparts, abc_class)
    return {"served": served.as_dict(), **answer}


# ---------------------------------------------------------------------------------------------------
# The app


def _bad_parameter(_: Request, error: Exception) -> JSONResponse:
    return JSONResponse(status_code=400, content={"detail": str(error)})


def _not_found(_: Request, error: Exception) -> JSONResponse:
    return JSONResponse(status_code=404, content={"detail": str(error)})


def _conflict(_: Request, error: Exception) -> JSONResponse:
    return JSONResponse(status_code=409, content={"detail": str(error)})


def _not_served(_: Request, error: Exception) -> JSONResponse:
    return JSONResponse(status_code=503, content={"detail": str(error)})


def create_app(serving_dir: Path | str | None = None, governance_path: Path | str | None = None) -> Any:
    """The FastAPI app over the published versions in ``serving_dir`` (default env SUPPLYSEG_SERVING_DIR,
    else build/serving). ``governance_path`` is where the planner page writes challenges."""
    app = FastAPI(
        title="Supply segmentation API",
        version="1",
        description=(
            "Read-only access to the published segmentation (docs/serving.md). Every response names the "
            "published version and run it was read from (`served`)."
        ),
    )
    app.state.serving_dir = serving_dir_from_env(serving_dir)
    app.state.governance_path = Path(governance_path) if governance_path else DEFAULT_GOVERNANCE_PATH
    app.add_exception_handler(data.BadParameter, _bad_parameter)
    app.add_exception_handler(data.NotFound, _not_found)
    app.add_exception_handler(data.AlreadySegmented, _conflict)
    app.add_exception_handler(ServingError, _not_served)

    @app.get("/", include_in_schema=False)
    def root() -> RedirectResponse:
        """The planner page is the front door; the API lives under /api/v1 and its docs at /docs."""
        return RedirectResponse("/planner", status_code=307)

    @app.get("/health", tags=["operations"], summary="Readiness: the version that would be served")
    def health(request: Request) -> dict[str, Any]:
        with data.open_served(_serving_dir(request)) as (_, served):
            return {"status": "ok", "served": served.as_dict()}

    app.include_router(router)

    # --- Planner page (h-planner): include its router here -------------------------------------
    from supplyseg.serve import planner

    app.include_router(planner.router)
    # --- end of planner page ----------------------------------------------------------------------
    return app
