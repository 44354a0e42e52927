"""The JSON API: flask-smorest, with the contract's error body and bearer authentication."""
from __future__ import annotations

import marshmallow as ma
from flask_smorest import Api as _SmorestApi
from flask_smorest import Blueprint as _SmorestBlueprint


class ErrorDetailSchema(ma.Schema):
    code = ma.fields.String(metadata={"description": "Machine-readable error code"})
    message = ma.fields.String(metadata={"description": "Message in the user's language"})
    fields = ma.fields.Dict(keys=ma.fields.String(), values=ma.fields.List(ma.fields.String()),
                            metadata={"description": "Field-level messages"})


class ErrorSchema(ma.Schema):
    """The contract's error body (documentation only; responses are built in errors.py)."""

    error = ma.fields.Nested(ErrorDetailSchema)


class Api(_SmorestApi):
    ERROR_SCHEMA = ErrorSchema

    def _register_error_handlers(self):
        """Errors are handled app-wide in ``core.errors`` (JSON under /api, pages elsewhere)."""

    def init_app(self, app, *, spec_kwargs=None):
        super().init_app(app, spec_kwargs=spec_kwargs)
        self.spec.components.security_scheme(
            "bearerAuth", {"type": "http", "scheme": "bearer",
                           "description": "A token from POST /api/v1/auth/token"})
        self.spec.options["security"] = [{"bearerAuth": []}]


class Blueprint(_SmorestBlueprint):
    """Every API blueprint answers under the contract's prefix."""

    def __init__(self, name, import_name, *, url_prefix="", **kwargs):
        super().__init__(name, import_name, url_prefix="/api/v1" + url_prefix, **kwargs)


PUBLIC = {"security": []}
"""Pass as ``@blp.doc(**PUBLIC)`` on endpoints that need no token."""
