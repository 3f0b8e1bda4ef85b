"""The public catalogue (no login): search, facets, record pages, browse, new acquisitions, exports."""

from datetime import UTC

from flask import Blueprint, Response, abort, current_app, render_template, request, url_for
from flask_babel import get_locale
from sqlalchemy import select

from catalog.db import get_session
from catalog.indexing import get_index
from catalog.models import Record
from catalog.opac import labels
from catalog.opac.services import (
    EXPORTS,
    MAX_EXPORT,
    PUBLIC_STATUSES,
    export_records,
    load_public,
    public_records,
    search_query,
    view_record,
)
from marc import udc

bp = Blueprint("opac", __name__, url_prefix="/opac")


@bp.app_context_processor
def opac_helpers():
    return {"facet_label": lambda facet, value: labels.facet_label(facet, value, str(get_locale())),
            "facet_titles": labels.FACET_TITLES, "material_types": labels.MATERIAL_TYPES, "languages": labels.LANGUAGES}


def _page_url(**changes) -> str:
    args = request.args.to_dict(flat=False)
    for key, value in changes.items():
        args[key] = [value] if value is not None else []
    return url_for(request.endpoint, **{k: v for k, v in args.items() if v})


def _facet_url(facet: str, value: str, remove: bool = False) -> str:
    args = request.args.to_dict(flat=False)
    chosen = [f for f in args.get("f", []) if f != f"{facet}:{value}"]
    if not remove:
        chosen.append(f"{facet}:{value}")
    args["f"] = chosen
    args.pop("page", None)
    return url_for("opac.search", **{k: v for k, v in args.items() if v})


@bp.route("/")
def search():
    query = search_query(request.args, current_app.config["RECORDS_PER_PAGE"])
    searched = bool(query.text or query.fields or query.filters or query.year_from or query.year_to)
    hits, records = None, []
    if searched:
        hits = get_index().search(query)
        records = public_records(get_session(), hits.ids)
    pages = (hits.total + query.per_page - 1) // query.per_page if hits else 0
    return render_template("opac/search.html", query=query, hits=hits, records=records, pages=pages,
                           searched=searched, page_url=_page_url, facet_url=_facet_url,
                           chosen=set(request.args.getlist("f")))


@bp.route("/advanced")
def advanced():
    return render_template("opac/advanced.html")


@bp.route("/record/<int:record_id>")
def record(record_id: int):
    session = get_session()
    found = load_public(session, record_id)
    if found is None:
        abort(404, description=f"Record {record_id} is not in the public catalogue")
    return render_template("opac/record.html", view=view_record(session, found), exports=EXPORTS)


def _download(records, fmt: str, name: str):
    if fmt not in EXPORTS:
        abort(400, description=f"Unknown export format '{fmt}': choose one of {', '.join(EXPORTS)}")
    mimetype, suffix = EXPORTS[fmt]
    return Response(export_records(records, fmt), mimetype=mimetype,
                    headers={"Content-Disposition": f'attachment; filename="{name}.{suffix}"'})


@bp.route("/record/<int:record_id>/export/<fmt>")
def export_record(record_id: int, fmt: str):
    found = load_public(get_session(), record_id)
    if found is None:
        abort(404, description=f"Record {record_id} is not in the public catalogue")
    return _download([found], fmt, f"kataloh-{record_id}")


@bp.route("/export/<fmt>")
def export_results(fmt: str):
    """Export the records of a result list (at most MAX_EXPORT)."""
    query = search_query(request.args, MAX_EXPORT)
    query.page, query.facets, query.suggest = 1, [], False
    hits = get_index().search(query)
    return _download(public_records(get_session(), hits.ids), fmt, "kataloh-results")


@bp.route("/browse/udc")
@bp.route("/browse/udc/<code>")
def browse_udc(code: str | None = None):
    from search.query import Query

    node = udc.find(code) if code else None
    if code and node is None:
        abort(404, description=f"UDC class {code} is not in the browse tree")
    classes = node.children if node else udc.main_classes()
    counts = dict(get_index().search(Query(facets=["udc_class"], per_page=0, suggest=False)).facets.get("udc_class", []))
    return render_template("opac/browse_udc.html", node=node, classes=classes, counts=counts,
                           trail=udc.path(code) if code else [], lang=str(get_locale()))


@bp.route("/browse/subjects")
def browse_subjects():
    start = request.args.get("from", "")
    terms = get_index().scan("subject", start, position=1, count=40)
    return render_template("opac/browse_subjects.html", terms=terms, start=start)


def _new_records(limit: int) -> list[Record]:
    return get_session().scalars(
        select(Record).where(Record.status.in_(PUBLIC_STATUSES), Record.kind == "bibliographic")
        .order_by(Record.created_at.desc(), Record.id.desc()).limit(limit)
    ).all()


@bp.route("/new")
def new_acquisitions():
    return render_template("opac/new.html", records=_new_records(50))


@bp.route("/new.atom")
def new_acquisitions_feed():
    records = _new_records(50)
    updated = max((r.created_at for r in records), default=None)
    xml = render_template("opac/new.atom.xml", records=records,
                          updated=(updated.replace(tzinfo=UTC) if updated else None))
    return Response(xml, mimetype="application/atom+xml")
