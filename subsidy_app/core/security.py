"""Security headers on every response: HTML pages, API answers, files and static files.

* ``Content-Security-Policy``: everything from this origin only, no inline script, no inline
  style, no ``eval``; evidence previews (``<object>`` for PDF, ``<img>``) come from this
  origin too; forms post only here; nobody frames the pages (``frame-ancestors 'none'``).
* ``X-Frame-Options: DENY``: the same for browsers that ignore ``frame-ancestors``.
* ``X-Content-Type-Options: nosniff``: a file is what its ``Content-Type`` says (evidence is
  typed by its bytes on upload, and must not be re-guessed as HTML or script).
* ``Referrer-Policy: same-origin``: claim and talent URLs (ids, codes) never leave the site.
* ``Strict-Transport-Security``: only over HTTPS, or when the deployment says it is behind
  HTTPS (``SESSION_COOKIE_SECURE``); ``HSTS_MAX_AGE`` 0 never sends it.

A view whose response may be shown inside this site's own pages (the evidence preview)
calls :func:`allow_same_origin_framing`; its own CSP and X-Frame-Options are then kept.
"""

from __future__ import annotations

from flask import current_app, request

#: The policy of every response. Pages load their CSS, fonts and images from ``/static`` and
#: evidence files from ``/claims/…/documents/…``; there is no script today, and a script
#: added later must be a file under ``static/`` (``'self'``), never inline.
CONTENT_SECURITY_POLICY = "; ".join(
    (
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self'",
        "font-src 'self'",
        "connect-src 'self'",
        "object-src 'self'",  # the PDF preview on the claim page
        "frame-src 'self'",
        "form-action 'self'",
        "base-uri 'none'",
        "frame-ancestors 'none'",
    )
)

#: An evidence file shown in the claim page's preview: it may be embedded by this site only,
#: and loads nothing itself (Chromium's PDF viewer is not subject to it).
EMBEDDABLE_FILE_POLICY = "; ".join(
    (
        "default-src 'none'",
        "object-src 'self'",
        "img-src 'self'",
        "base-uri 'none'",
        "frame-ancestors 'self'",
    )
)


def allow_same_origin_framing(response):
    """Let this site's own pages embed the response (``<object>``), and nobody else."""
    response.headers["Content-Security-Policy"] = EMBEDDABLE_FILE_POLICY
    response.headers["X-Frame-Options"] = "SAMEORIGIN"
    return response


def _behind_https() -> bool:
    return request.is_secure or bool(current_app.config.get("SESSION_COOKIE_SECURE"))


def add_security_headers(response):
    headers = response.headers
    headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
    headers.setdefault("X-Frame-Options", "DENY")
    headers["X-Content-Type-Options"] = "nosniff"
    headers.setdefault("Referrer-Policy", "same-origin")
    max_age = int(current_app.config.get("HSTS_MAX_AGE", 0))
    if max_age > 0 and _behind_https():
        headers["Strict-Transport-Security"] = f"max-age={max_age}"
    return response


def init_app(app) -> None:
    app.after_request(add_security_headers)
