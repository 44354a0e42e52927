"""Paginated lists: ``?page=&per_page=`` → ``{"items", "total", "page", "per_page"}``."""

from __future__ import annotations

import marshmallow as ma
from marshmallow import fields, validate
from sqlalchemy import func, select

from ..extensions import db

MAX_PER_PAGE = 100


class PageArgs(ma.Schema):
    page = fields.Integer(load_default=1, validate=validate.Range(min=1, max=1_000_000))
    per_page = fields.Integer(load_default=20, validate=validate.Range(min=1, max=MAX_PER_PAGE))


_page_schemas: dict[type, type] = {}


def page_schema(item_schema: type[ma.Schema]) -> type[ma.Schema]:
    """The schema of a page of ``item_schema`` objects (one class per item schema)."""
    if item_schema not in _page_schemas:
        name = item_schema.__name__.removesuffix("Schema") + "PageSchema"
        _page_schemas[item_schema] = type(
            name,
            (ma.Schema,),
            {
                "items": fields.List(fields.Nested(item_schema)),
                "total": fields.Integer(),
                "page": fields.Integer(),
                "per_page": fields.Integer(),
            },
        )
    return _page_schemas[item_schema]


def paginate(stmt, page: int, per_page: int) -> dict:
    """Run ``stmt`` (an ordered ``select``) for one page, and count the whole."""
    total = db.session.execute(select(func.count()).select_from(stmt.order_by(None).subquery())).scalar_one()
    items = db.session.execute(stmt.limit(per_page).offset((page - 1) * per_page)).scalars().all()
    return {"items": items, "total": total, "page": page, "per_page": per_page}


def paginate_list(items: list, page: int, per_page: int) -> dict:
    """The same page shape for a list already in memory (a short, fixed list)."""
    start = (page - 1) * per_page
    return {"items": items[start : start + per_page], "total": len(items), "page": page, "per_page": per_page}


class HtmlPage:
    """A page of a list for an HTML view, with what the pager needs."""

    def __init__(self, items: list, total: int, page: int, per_page: int, args):
        self.items, self.total, self.page, self.per_page = items, total, page, per_page
        self.pages = max(1, -(-total // per_page))
        self._args = {k: v for k, v in args.items() if k != "page"}

    def url_args(self, page: int) -> dict:
        return {**self._args, "page": page}


def paginate_html(stmt, args, per_page: int = 20) -> HtmlPage:
    """``?page=`` from the query string (a bad or absent one means the first page)."""
    try:
        page = max(1, min(int(args.get("page", 1)), 1_000_000))
    except (TypeError, ValueError):
        page = 1
    data = paginate(stmt, page, per_page)
    return HtmlPage(data["items"], data["total"], page, per_page, args)
