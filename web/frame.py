"""The page footer: the same markup on every page (its links depend only on the address the app is served
under), so it is rendered once per such address and app, not on every page (about 0.3 ms of CPU a page)."""
from __future__ import annotations

from flask import Blueprint, current_app, request
from markupsafe import Markup

bp = Blueprint("frame", __name__)
MAX_ROOTS = 8  # script roots kept; a deployment has one, and a header-set root cannot grow this without bound


@bp.app_template_global()
def page_footer() -> Markup:
    footers = current_app.extensions.setdefault("page_footers", {})
    root = request.script_root
    footer = footers.get(root)
    if footer is None:
        footer = Markup(current_app.jinja_env.get_template("layout/_footer.html").render())
        if len(footers) < MAX_ROOTS:
            footers[root] = footer
    return footer
