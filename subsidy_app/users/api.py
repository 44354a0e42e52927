"""JSON endpoints for authentication and users (thin: parse, call one operation, dump)."""

from flask.views import MethodView
from flask_limiter import RateLimitExceeded

from ..core.api import PUBLIC, Blueprint
from ..core.errors import TooManyRequests, handle_app_error
from ..core.pagination import page_schema, paginate
from ..core.permissions import require
from . import administration, limits, operations
from .auth import current_actor
from .schemas import (
    OwnPasswordSchema,
    PasswordResetSchema,
    ReasonSchema,
    TokenRequestSchema,
    TokenSchema,
    UserCreateSchema,
    UserListArgs,
    UserSchema,
    UserUpdateSchema,
)

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
            "must_change_password": user.must_change_password,
        }


@blp.route("/users")
class Users(MethodView):
    @blp.arguments(UserListArgs, location="query")
    @blp.response(200, page_schema(UserSchema))
    def get(self, args):
        """List users (administrators and auditors): search in the user name, display name and
        organisation name (``q``), by role, active or disabled, locked; sorted."""
        page, per_page = args.pop("page"), args.pop("per_page")
        stmt = administration.users_query(
            current_actor(),
            search=args["q"],
            role=args["role"],
            active=args["active"],
            locked=args["locked"],
            sort=args["sort"],
            descending=(args["direction"] or args["dir"]) == "desc",
        )
        return paginate(stmt, page, per_page)

    @blp.arguments(UserCreateSchema)
    @blp.response(201, UserSchema)
    def post(self, data):
        """Create a user (administrators)."""
        return operations.create_user(current_actor(), **data)


@blp.route("/users/<int:user_id>")
class UserOne(MethodView):
    @blp.response(200, UserSchema)
    @blp.alt_response(404, description="No user has this id")
    def get(self, user_id):
        """One user (administrators and auditors)."""
        return administration.read_user(current_actor(), user_id)

    @blp.arguments(UserUpdateSchema)
    @blp.response(200, UserSchema)
    @blp.alt_response(409, description="Disabling or demoting yourself, or the last active administrator")
    def patch(self, data, user_id):
        """Disable or enable a user (``is_active``; a reason is required to disable), or change
        the role and organisation (administrators). Each change is on the audit trail."""
        actor = current_actor()
        reason = data.pop("reason", None)
        user = administration.read_user(actor, user_id)
        require(actor, "user.manage")
        if {"role", "organization_id", "is_senior"} & data.keys():
            role = data.get("role", user.role)
            organization_id = data.get(
                "organization_id", user.organization_id if "role" not in data else None
            )
            administration.change_role(
                actor,
                user_id,
                role=role,
                organization_id=organization_id,
                is_senior=data.get("is_senior"),
                reason=reason,
            )
        if "is_active" in data:
            administration.set_active(actor, user_id, data["is_active"], reason=reason)
        return user


@blp.route("/users/<int:user_id>/password-reset")
class PasswordReset(MethodView):
    @blp.arguments(ReasonSchema)
    @blp.response(200, PasswordResetSchema)
    def post(self, data, user_id):
        """Give the user a new random password, answered this once (administrators). The user
        must change it at next login; their tokens stop working."""
        user, password = administration.reset_password(current_actor(), user_id, reason=data["reason"])
        response = {"user": user, "password": password}
        return response, 200, {"Cache-Control": "no-store"}


@blp.route("/users/<int:user_id>/unlock")
class Unlock(MethodView):
    @blp.arguments(ReasonSchema)
    @blp.response(200, UserSchema)
    def post(self, data, user_id):
        """Lift the lock after failed logins, and forget the failures counted for the name."""
        user = administration.unlock(current_actor(), user_id, reason=data["reason"])
        limits.forget_failures(user.username)
        return user


@blp.route("/me")
class Me(MethodView):
    @blp.response(200, UserSchema)
    def get(self):
        """The user the token belongs to."""
        return current_actor()


@blp.route("/me/password")
class MyPassword(MethodView):
    @blp.arguments(OwnPasswordSchema)
    @blp.response(204)
    def post(self, data):
        """Change one's own password (the current one is asked again); clears
        ``must_change_password`` after an administrator's reset."""
        operations.change_own_password(current_actor(), data["current_password"], data["password"])
