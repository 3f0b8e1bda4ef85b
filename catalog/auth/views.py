"""Login and logout pages."""

from urllib.parse import urlsplit

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import LoginManager, login_required, login_user, logout_user

from catalog.audit import audit
from catalog.auth.forms import LoginForm
from catalog.auth.services import authenticate
from catalog.db import get_session
from catalog.models import User

bp = Blueprint("auth", __name__)
login_manager = LoginManager()
login_manager.login_view = "auth.login"
login_manager.login_message = None


@login_manager.user_loader
def load_user(user_id: str):
    user = get_session().get(User, int(user_id))
    return user if user is not None and user.active else None


def _safe_next(target: str | None) -> str:
    """Only follow a local ``next`` path, never another host."""
    if target and urlsplit(target).netloc == "" and target.startswith("/") and not target.startswith("//"):
        return target
    return url_for("staff.home")


@bp.route("/login", methods=["GET", "POST"])
def login():
    form = LoginForm()
    if form.validate_on_submit():
        session = get_session()
        user = authenticate(session, form.username.data, form.password.data)
        if user is None:
            audit(session, form.username.data, "login.failed", "user", "")
            session.commit()
            form.password.errors.append(_("Wrong user name or password"))
        else:
            login_user(user)
            audit(session, user, "login", "user", user.id)
            session.commit()
            return redirect(_safe_next(request.args.get("next")))
    return render_template("auth/login.html", form=form)


@bp.route("/logout", methods=["POST"])
@login_required
def logout():
    logout_user()
    flash(_("You have logged out"))
    return redirect(url_for("auth.login"))
