"""The JSON API: flask-smorest, with the contract's error body and bearer authentication."""

from __future__ import annotations

import json

import marshmallow as ma
from flask_smorest import Api as _SmorestApi
from flask_smorest import Blueprint as _SmorestBlueprint
from webargs.flaskparser import FlaskParser


class CheckFailureSchema(ma.Schema):
    class Meta:
        unknown = ma.INCLUDE

    rule = ma.fields.String()
    passed = ma.fields.Boolean()
    reason = ma.fields.String()
    clause = ma.fields.String()


class ErrorDetailSchema(ma.Schema):
    """``code``, ``message`` and ``fields`` always; some errors say more (listed here), and
    further keys may be added (``additionalProperties``)."""

    class Meta:
        unknown = ma.INCLUDE

    code = ma.fields.String(required=True, metadata={"description": "Machine-readable error code"})
    message = ma.fields.String(required=True, metadata={"description": "Message in the user's language"})
    field_messages = ma.fields.Dict(
        keys=ma.fields.String(),
        values=ma.fields.List(ma.fields.String()),
        required=True,
        data_key="fields",  # (an attribute named ``fields`` would hide the schema's own)
        metadata={"description": "Field-level messages"},
    )
    checks = ma.fields.List(
        ma.fields.Nested(CheckFailureSchema),
        metadata={"description": "not_eligible: the eligibility rules that failed, with their clauses"},
    )
    missing = ma.fields.List(
        ma.fields.String(),
        metadata={"description": "missing_documents, documents_outstanding: the document kinds"},
    )
    claims = ma.fields.List(
        ma.fields.Raw(),
        metadata={"description": "not_payable: [{id, code, message}] per claim; recused: the claim ids"},
    )
    claim_status = ma.fields.String(metadata={"description": "invalid_status: the claim's status"})
    talent_code = ma.fields.String(metadata={"description": "duplicate_talent: the code already issued"})
    organization_id = ma.fields.Integer(
        metadata={"description": "duplicate credit code: the organisation already registered"}
    )
    claim_id = ma.fields.Integer(metadata={"description": "an award already recorded: its claim"})
    change_id = ma.fields.Integer(
        metadata={"description": "no_pending_change: the newer change that superseded the one named"}
    )


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
            "bearerAuth",
            {"type": "http", "scheme": "bearer", "description": "A token from POST /api/v1/auth/token"},
        )
        self.spec.options["security"] = [{"bearerAuth": []}]


#: The schema of a file in the OpenAPI document (CSV, XLSX, PDF, ZIP, images).
BINARY = {"type": "string", "format": "binary"}
CSV, PDF, ZIP = "text/csv", "application/pdf", "application/zip"


class Parser(FlaskParser):
    """webargs' parser, answering 400 for every JSON body Python cannot read, not only for
    syntax errors: an integer of more digits than Python converts (ValueError), nesting too
    deep for its parser (RecursionError; core.requests refuses it earlier)."""

    def _raw_load_json(self, req):
        try:
            return super()._raw_load_json(req)
        except json.JSONDecodeError:
            raise  # webargs' own handling (an empty body is no body)
        except (ValueError, RecursionError) as exc:
            self._handle_invalid_json_error(exc, req)  # type: ignore[arg-type]


class Blueprint(_SmorestBlueprint):
    """Every API blueprint answers under the contract's prefix."""

    ARGUMENTS_PARSER = Parser()

    def __init__(self, name, import_name, *, url_prefix="", **kwargs):
        super().__init__(name, import_name, url_prefix="/api/v1" + url_prefix, **kwargs)

    def alt_response(self, status_code, response=None, *, schema=None, **kwargs):
        """An error answer documented without a schema has the contract's error body."""
        if response is None and schema is None and int(status_code) >= 400:
            schema = ErrorSchema
        return super().alt_response(status_code, response, schema=schema, **kwargs)

    def file_response(self, *content_types, description: str, json_too: bool = False):
        """Document a 200 answer that is a file of one of ``content_types``. ``json_too``:
        the endpoint answers JSON by default (its ``@blp.response``), files on ``format=``."""
        decorators = [
            self.alt_response(
                200, schema=BINARY, content_type=content_type, description=description, success=True
            )
            for content_type in content_types[0 if json_too else 1 :]
        ]
        if not json_too:
            decorators.append(
                self.response(200, BINARY, content_type=content_types[0], description=description)
            )

        def decorate(func):
            for decorator in decorators:
                func = decorator(func)
            return func

        return decorate


PUBLIC: dict[str, list] = {"security": []}
"""Pass as ``@blp.doc(**PUBLIC)`` on endpoints that need no token."""
