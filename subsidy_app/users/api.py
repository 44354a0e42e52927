"""JSON endpoints for authentication and users (thin: parse, call one operation, dump)."""
from flask import current_app, request
from flask.views import MethodView

from ..core.api import PUBLIC, Blueprint
from ..core.pagination import PageArgs, page_schema, paginate
from ..extensions import limiter
from . import operations
from .auth import current_actor
from .schemas import TokenRequestSchema, TokenSchema, UserCreateSchema, UserSchema

blp = Blueprint("users_api", __name__, description="Authentication and users")


def _login_limit_key() -> str:
    """Failed logins are counted per client address and user name."""
    body = request.get_json(silent=True) or {}
    username = body.get("username") if isinstance(body, dict) else None
    return f"login:{request.remote_addr}:{str(username or '')[:64].lower()}"


@blp.route("/auth/token")
class Token(MethodView):
    decorators = [limiter.limit(lambda: current_app.config["LOGIN_FAILURE_RATE"],
                                key_func=_login_limit_key,
                                deduct_when=lambda response: response.status_code == 401)]

    @blp.doc(**PUBLIC)
    @blp.arguments(TokenRequestSchema)
    @blp.response(200, TokenSchema)
    @blp.alt_response(401, description="Wrong user name or password")
    def post(self, data):
        """Exchange a user name and password for a bearer token that expires."""
        user = operations.authenticate(data["username"], data["password"])
        token, row = operations.issue_token(user)
        return {"token": token, "role": user.role.value, "expires_at": row.expires_at,
                "username": user.username}


@blp.route("/users")
class Users(MethodView):
    @blp.arguments(PageArgs, location="query")
    @blp.response(200, page_schema(UserSchema))
    def get(self, args):
        """List users (administrators and auditors)."""
        return paginate(operations.list_users_query(current_actor()), args["page"],
                        args["per_page"])

    @blp.arguments(UserCreateSchema)
    @blp.response(201, UserSchema)
    def post(self, data):
        """Create a user (administrators)."""
        return operations.create_user(current_actor(), **data)


@blp.route("/me")
class Me(MethodView):
    @blp.response(200, UserSchema)
    def get(self):
        """The user the token belongs to."""
        return current_actor()
