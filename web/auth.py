"""Sign-in, sessions, API tokens and role checks."""
from __future__ import annotations

from functools import wraps
from urllib.parse import urlparse

from flask import Blueprint, abort, g, redirect, render_template, request, session, url_for

from catalogue.publishing.accounts import WINDOW, Accounts, Principal

from web.common import wants_json
from web.services import services

bp = Blueprint("auth", __name__)


def accounts() -> Accounts:
    return services().accounts


def current_user() -> Principal | None:
    """The signed-in user (web) or the bearer of a valid API token."""
    if "principal" not in g:
        g.principal = _load_principal()
    return g.principal


def _load_principal() -> Principal | None:
    header = request.headers.get("Authorization", "")
    if header:
        scheme, _, token = header.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            return None
        return accounts().verify_token(token.strip())
    if request.path.startswith("/api/"):
        return None  # the API takes bearer tokens only, so cookies cannot be used against it (no CSRF)
    return accounts().session_principal(session.get("sid"))  # the cookie holds a revocable session id only


def role_required(*roles: str):
    """Allow only signed-in users (or tokens) with one of these roles."""
    def decorator(view):
        @wraps(view)
        def wrapper(*args, **kwargs):
            user = current_user()
            if user is None:
                if wants_json() or request.method != "GET":  # the API and JSON twins: no sign-in page
                    abort(401, description="Sign in, or send an API token as 'Authorization: Bearer <token>'.")
                return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))
            if roles and user.role not in roles:
                abort(403, description=f"This needs the {' or '.join(roles)} role; you are signed in as "
                                       f"{user.role}.")
            return view(*args, **kwargs)
        return wrapper
    return decorator


def _safe_next(target: str | None) -> str:
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target \
            and not urlparse(target).netloc:
        return target
    return url_for("search.home")


@bp.route("/login", methods=["GET", "POST"])
def login():
    error, status = "", 200
    if request.method == "POST":
        email, client = request.form.get("email", ""), request.remote_addr or ""
        attempt = accounts().begin_attempt(email, client)
        if attempt is None:
            minutes = int(WINDOW.total_seconds() // 60)
            error, status = f"Too many failed attempts to sign in. Wait {minutes} minutes and try again.", 429
        else:
            user = accounts().authenticate(email, request.form.get("password", ""))
            if user is not None:
                accounts().end_attempt(attempt, succeeded_for=(user.email, client))
                accounts().end_session(session.get("sid"))
                session.clear()
                session["sid"] = accounts().start_session(user.email)
                session.permanent = True
                return redirect(_safe_next(request.args.get("next")))
            error, status = "The email address or password is not right, or the account is disabled.", 401
    return render_template("publish/login.html", error=error, email=request.form.get("email", ""),
                           next=request.args.get("next", "")), status


@bp.route("/logout", methods=["POST"])
def logout():
    accounts().end_session(session.get("sid"))  # a copy of the cookie no longer works
    session.clear()
    return redirect(url_for("search.home"))


@bp.app_context_processor
def inject_user():
    return {"current_user": current_user()}
