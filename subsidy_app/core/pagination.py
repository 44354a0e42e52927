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


#: The page sizes a person may choose on an HTML list (``?per_page=``).
PER_PAGE_CHOICES = (20, 50, 100)


def page_number(args) -> int:
    """``?page=`` (a bad or absent one means the first page)."""
    try:
        return max(1, min(int(args.get("page", 1)), 1_000_000))
    except (TypeError, ValueError):
        return 1


def per_page_from(args, default: int = 20) -> int:
    """``?per_page=`` if it is one of the offered sizes (or the list's own default)."""
    try:
        value = int(args.get("per_page", default))
    except (TypeError, ValueError):
        return default
    return value if value in PER_PAGE_CHOICES or value == default else default


def parse_sort(args, allowed, default: str | None, default_dir: str = "asc") -> tuple[str | None, str]:
    """``?sort=&direction=``: a key from the list's whitelist ``allowed`` (anything else means
    the list's default order) and ``asc``/``desc`` — ``direction``, as the API names it
    (``dir``, which the pages used first, is still read)."""
    key = (args.get("sort") or "").strip()
    if key not in allowed:
        return default, default_dir
    direction = (args.get("direction") or args.get("dir") or "").strip().lower()
    return key, direction if direction in ("asc", "desc") else "asc"


def order_by_sort(stmt, columns: dict, key: str | None, direction: str, tiebreak):
    """Order ``stmt`` by the whitelisted column ``columns[key]`` then ``tiebreak`` (the same
    direction: a stable order, so pages do not overlap)."""
    if key is None or key not in columns:
        return stmt
    if direction == "desc":
        return stmt.order_by(None).order_by(columns[key].desc(), tiebreak.desc())
    return stmt.order_by(None).order_by(columns[key].asc(), tiebreak.asc())


class HtmlPage:
    """A page of a list for an HTML view, with what the pager, the page-size links and the
    sortable column headers need."""

    def __init__(
        self,
        items: list,
        total: int,
        page: int,
        per_page: int,
        args,
        *,
        sort: str | None = None,
        direction: str = "asc",
        default_per_page: int = 20,
    ):
        self.items, self.total, self.page, self.per_page = items, total, page, per_page
        self.pages = max(1, -(-total // per_page))
        self.sort, self.direction = sort, direction
        self.default_per_page = default_per_page
        self._args = {k: v for k, v in args.items() if k != "page"}

    @property
    def per_page_choices(self) -> tuple[int, ...]:
        return tuple(sorted(set(PER_PAGE_CHOICES) | {self.default_per_page}))

    def url_args(self, page: int) -> dict:
        return {**self._args, "page": page}

    def size_args(self, per_page: int) -> dict:
        """The first page at another page size (same filters and order)."""
        return {**self._args, "per_page": per_page, "page": 1}

    def sort_args(self, key: str) -> dict:
        """Sort by ``key``; again on the same key turns the direction round."""
        direction = "desc" if self.sort == key and self.direction == "asc" else "asc"
        kept = {k: v for k, v in self._args.items() if k != "dir"}
        return {**kept, "sort": key, "direction": direction, "page": 1}

    def aria_sort(self, key: str) -> str | None:
        if self.sort != key:
            return None
        return "ascending" if self.direction == "asc" else "descending"

    def numbers(self, around: int = 2) -> list[int | None]:
        """Page numbers to link: the first, the last, and ``around`` each side of this one;
        ``None`` where numbers are left out."""
        shown = {1, self.pages} | set(
            range(max(1, self.page - around), min(self.pages, self.page + around) + 1)
        )
        out: list[int | None] = []
        for n in sorted(shown):
            if out and n - (out[-1] or 0) > 1:
                out.append(None)
            out.append(n)
        return out


def paginate_html(
    stmt, args, per_page: int = 20, *, sort: str | None = None, direction: str = "asc"
) -> HtmlPage:
    """``?page=`` and ``?per_page=`` (20, 50 or 100, else the list's default) from the query
    string (a bad or absent one means the first page)."""
    size = per_page_from(args, per_page)
    page = page_number(args)
    data = paginate(stmt, page, size)
    return HtmlPage(
        data["items"],
        data["total"],
        page,
        size,
        args,
        sort=sort,
        direction=direction,
        default_per_page=per_page,
    )
