from marshmallow import fields

from ..core.pagination import PageArgs
from ..core.schemas import BaseSchema
from .messages import render


class NotificationSchema(BaseSchema):
    id = fields.Integer()
    claim_id = fields.Integer(allow_none=True)
    kind = fields.String()
    message = fields.Function(lambda n: render(n.kind, n.params))
    params = fields.Dict()
    created_at = fields.DateTime()
    read_at = fields.DateTime(allow_none=True)


class InboxArgs(PageArgs):
    unread = fields.Boolean(load_default=None)
