"""The moderation console: a Flask app for moderating peer-support services and their rotas."""

import logging

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

from console import access_log, errors, schema, security, task_queue
from console.config import load_config
from console.extensions import csrf, db, limiter, login_manager, migrate
from console.links import RecordIdConverter
from console.permissions import Role, undeclared_endpoints
from escalation_pathways import vault


def create_app(config: dict | None = None) -> Flask:
    """Build the console app; `config` overrides settings (tests pass their own)."""
    app = Flask(__name__, instance_relative_config=True)
    load_config(app, config)
    app.url_map.converters["int"] = RecordIdConverter
    if app.config["PROXY_HOPS"]:
        hops = app.config["PROXY_HOPS"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")

    from console import models  # noqa: F401  (every model registered before the mappers configure)
    from console.accounts import sign_in
    from console.accounts.routes import ask_to_sign_in

    db.init_app(app)
    migrate.init_app(app, db, directory=str(schema.MIGRATIONS_DIR), render_as_batch=True)
    csrf.init_app(app)
    limiter.init_app(app)
    login_manager.init_app(app)
    login_manager.session_protection = "strong"
    login_manager.user_loader(sign_in.load_session_user)
    login_manager.unauthorized_handler(ask_to_sign_in)

    task_queue.init_app(app)
    vault.init_app(app)
    errors.init_app(app)
    access_log.init_app(app)
    security.init_app(app)
    schema.init_app(app, lambda: db.engine)
    _register_blueprints(app)
    _register_template_helpers(app)

    from console import cli
    cli.init_app(app)

    missing = undeclared_endpoints(app)
    if missing:
        raise RuntimeError(f"every route must declare its capability; these do not: {', '.join(missing)}")
    return app


def _register_blueprints(app: Flask) -> None:
    from console.accounts.routes import bp as auth_bp
    from console.alerts.routes import bp as alerts_bp
    from console.admin.routes import bp as admin_bp
    from console.dashboard.routes import bp as dashboard_bp
    from console.health.routes import bp as health_bp
    from console import outbox
    from console.notifications import service as notifications
    from console.notifications.routes import bp as notifications_bp
    from console.platform import service as platform
    from console.platform import routes as platform_routes
    from console.platform.api_routes import api as api_bp
    from console.queue.routes import bp as queue_bp
    from console.rotas import flows as rota_flows
    from console.rotas import mine_routes
    from console.rotas.routes import bp as rotas_bp
    from console.staffing.routes import bp as staffing_bp
    from escalation_pathways import routes as escalation_routes
    from escalation_pathways.routes import bp as escalation_bp
    from scheduler.routes import bp as scheduler_bp

    for blueprint in (auth_bp, admin_bp, dashboard_bp, alerts_bp, health_bp, rotas_bp, staffing_bp, queue_bp,
                      platform_routes.bp, api_bp, escalation_bp, scheduler_bp, notifications_bp):
        app.register_blueprint(blueprint)
    mine_routes.init_app(app)
    rota_flows.init_app(app)
    outbox.init_app(app, notifications.EMAIL, platform.EVENTS)
    platform_routes.init_app(app)
    escalation_routes.init_app(app)


def _register_template_helpers(app: Flask) -> None:
    from console.database import utcnow
    from console import navigation
    from console.identifiers import marked, show_invisible
    from console.words import counted, days_span, duration, duration_seconds, hours, local_time, period
    from console.forms import ActionForm

    app.jinja_env.filters["local_time"] = local_time
    app.jinja_env.filters["show_invisible"] = show_invisible
    app.jinja_env.filters["pseudonym"] = marked
    app.jinja_env.filters["duration"] = duration
    app.jinja_env.filters["duration_seconds"] = duration_seconds
    app.jinja_env.filters["hours"] = hours
    app.jinja_env.filters["period"] = period
    app.jinja_env.filters["counted"] = counted
    app.jinja_env.globals["days_span"] = days_span
    app.jinja_env.globals["Role"] = Role
    # Only the CSRF token of a button's form is needed on a page: never read the request's own form for it (an
    # error page for an oversized POST would read the refused body again).
    app.jinja_env.globals["ActionForm"] = lambda: ActionForm(formdata=None)
    app.context_processor(lambda: {"now": utcnow()})
    app.jinja_env.globals["navigation"] = navigation.sections_for
