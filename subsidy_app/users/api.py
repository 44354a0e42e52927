"""JSON endpoints for authentication and users (thin: parse, call one operation, dump)."""

from flask.views import MethodView
from flask_limiter import RateLimitExceeded

from ..core.api import PUBLIC, Blueprint
from ..core.errors import TooManyRequests, handle_app_error
from ..core.pagination import PageArgs, page_schema, paginate
from . import limits, operations
from .auth import current_actor
from .schemas import TokenRequestSchema, TokenSchema, UserCreateSchema, UserSchema

blp = Blueprint("users_api", __name__, description="Authentication and users")


@blp.errorhandler(RateLimitExceeded)
def too_many_failed_logins(_exc):
    """Past a limit on failed logins (limits.py): 429 in the contract's error shape."""
    return handle_app_error(TooManyRequests(limits.message()))


@blp.route("/auth/token")
class Token(MethodView):
    decorators = [limits.per_name, limits.per_address]

    @blp.doc(**PUBLIC)
    @blp.arguments(TokenRequestSchema)
    @blp.response(200, TokenSchema)
    @blp.alt_response(401, description="Wrong user name or password")
    @blp.alt_response(
        429,
        description="Too many failed logins for this user name or from this "
        "address, or the account is locked",
    )
    def post(self, data):
        """Exchange a user name and password for a bearer token that expires."""
        user = operations.authenticate(data["username"], data["password"])
        token, row = operations.issue_token(user)
        return {
            "token": token,
            "role": user.role.value,
            "expires_at": row.expires_at,
            "username": user.username,
        }


@blp.route("/users")
class Users(MethodView):
    @blp.arguments(PageArgs, location="query")
    @blp.response(200, page_schema(UserSchema))
    def get(self, args):
        """List users (administrators and auditors)."""
        return paginate(operations.list_users_query(current_actor()), args["page"], args["per_page"])

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
