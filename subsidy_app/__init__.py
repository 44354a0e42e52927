"""The subsidy system of the Shanxi foreign-talent plan."""

from __future__ import annotations

import logging
import os
from pathlib import Path

from flask import Flask

from .config import build_config

log = logging.getLogger(__name__)


class SubsidyFlask(Flask):
    from .core.requests import SafeJSONProvider as json_provider_class

    def dispatch_request(self):
        """The request boundary commits once, inside dispatch, so that a conflict found at
        commit time is answered like any other error (409), never as a 500."""
        from .core.idempotency import remember
        from .extensions import db
        from .jobs import engine

        response = self.make_response(super().dispatch_request())
        if response.status_code < 400:
            remember(response)
            db.session.commit()
            engine.committed()  # e-mail and long work go off the request path, once committed
        else:
            db.session.rollback()
        return response


def create_app(test_config: dict | None = None) -> Flask:
    instance_path = os.environ.get("SUBSIDY_INSTANCE_PATH")
    app = SubsidyFlask(__name__, instance_path=str(Path(instance_path).resolve()) if instance_path else None)
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    app.config.update(build_config(Path(app.instance_path)))
    if test_config:
        app.config.update(test_config)
    if app.config.get("TRUSTED_PROXIES"):
        from werkzeug.middleware.proxy_fix import ProxyFix

        proxies = app.config["TRUSTED_PROXIES"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies)
    app.json.ensure_ascii = False  # Chinese stays readable in responses
    app.json.sort_keys = False
    _init_extensions(app)
    _register_blueprints(app)
    _register_cli(app)
    _subscribe()
    _register_jobs(app)
    return app


def _register_jobs(app: Flask) -> None:
    """The kinds of long work (each domain's jobs.py), and Celery bound to this app."""
    from .claims import jobs as _claims_jobs  # noqa: F401
    from .inspections import jobs as _inspections_jobs  # noqa: F401
    from .jobs.tasks import make_celery
    from .ledger import jobs as _ledger_jobs  # noqa: F401
    from .payments import jobs as _payments_jobs  # noqa: F401
    from .reports import jobs as _reports_jobs  # noqa: F401

    make_celery(app)


def _subscribe() -> None:
    """Side effects listen to what happens (claims' moves → notices)."""
    from .notifications import operations as notifications

    notifications.subscribe()


def _init_extensions(app: Flask) -> None:
    from . import models  # noqa: F401  (every model, for SQLAlchemy and Alembic)
    from .core import (
        requests,
        sqlite,  # noqa: F401  (engine hooks)
    )
    from .core.errors import register_error_handlers
    from .core.i18n import select_locale
    from .extensions import api, babel, csrf, db, limiter, login_manager, migrate
    from .users import auth

    requests.init_app(app)  # first: the int converter, and the JSON depth check before any hook
    db.init_app(app)
    migrate.init_app(
        app,
        db,
        directory=str(Path(__file__).resolve().parent.parent / "migrations"),
        render_as_batch=True,
        compare_type=True,
    )
    babel.init_app(
        app,
        locale_selector=select_locale,
        default_translation_directories=str(Path(__file__).parent / "translations"),
    )
    csrf.init_app(app)
    login_manager.init_app(app)
    limiter.init_app(app)
    api.init_app(app)
    auth.init_app(app)
    from .core.idempotency import claim_or_replay

    app.before_request(claim_or_replay)  # after authentication (registered first)
    register_error_handlers(app)
    from .core import security

    security.init_app(app)

    @app.teardown_request
    def _rollback_leftovers(_exc):
        db.session.rollback()


def _register_blueprints(app: Flask) -> None:
    from .awards import api as awards_api
    from .awards import views as awards_views
    from .bankaccounts import api as bankaccounts_api
    from .bankaccounts import views as bankaccounts_views
    from .budgets import api as budgets_api
    from .budgets import views as budgets_views
    from .claims import api as claims_api
    from .claims import views as claims_views
    from .conflicts import api as conflicts_api
    from .conflicts import views as conflicts_views
    from .core import audit_views
    from .credit import api as credit_api
    from .credit import views as credit_views
    from .deadlines import api as deadlines_api
    from .deadlines import views as deadlines_views
    from .extensions import api, csrf
    from .home import views as home_views
    from .inspections import api as inspections_api
    from .inspections import views as inspections_views
    from .jobs import api as jobs_api
    from .jobs import views as jobs_views
    from .ledger import api as ledger_api
    from .ledger import views as ledger_views
    from .notifications import api as notifications_api
    from .notifications import views as notifications_views
    from .organizations import api as organizations_api
    from .organizations import views as organizations_views
    from .payments import api as payments_api
    from .payments import views as payments_views
    from .programs import api as programs_api
    from .programs import views as programs_views
    from .projects import api as projects_api
    from .projects import views as projects_views
    from .recoveries import api as recoveries_api
    from .recoveries import views as recoveries_views
    from .reports import api as reports_api
    from .reports import views as reports_views
    from .talents import api as talents_api
    from .talents import views as talents_views
    from .users import admin as users_admin
    from .users import api as users_api
    from .users import views as users_views

    for module in (
        users_api,
        organizations_api,
        talents_api,
        programs_api,
        projects_api,
        claims_api,
        credit_api,
        conflicts_api,
        deadlines_api,
        notifications_api,
        budgets_api,
        payments_api,
        ledger_api,
        recoveries_api,
        reports_api,
        awards_api,
        inspections_api,
        bankaccounts_api,
        jobs_api,
    ):
        csrf.exempt(module.blp)  # bearer tokens, no cookies: nothing to forge
        api.register_blueprint(module.blp)
    app.register_blueprint(users_views.bp)
    app.register_blueprint(home_views.bp)
    app.register_blueprint(programs_views.bp)
    app.register_blueprint(reports_views.bp)
    app.register_blueprint(claims_views.bp)
    app.register_blueprint(payments_views.bp)
    app.register_blueprint(budgets_views.bp)
    app.register_blueprint(ledger_views.bp)
    app.register_blueprint(talents_views.bp)
    app.register_blueprint(organizations_views.bp)
    app.register_blueprint(bankaccounts_views.bp)
    app.register_blueprint(credit_views.bp)
    app.register_blueprint(awards_views.bp)
    app.register_blueprint(inspections_views.bp)
    app.register_blueprint(conflicts_views.bp)
    app.register_blueprint(recoveries_views.bp)
    app.register_blueprint(projects_views.bp)
    app.register_blueprint(notifications_views.bp)
    app.register_blueprint(users_admin.bp)
    app.register_blueprint(deadlines_views.bp)
    app.register_blueprint(audit_views.bp)
    app.register_blueprint(jobs_views.bp)
    from .core import templating

    templating.init_app(app)


def _register_cli(app: Flask) -> None:
    from .cli import register_commands

    register_commands(app)
