"""The unchanging parts of every page (skip link, phase banner, footer): their markup depends only on the address
the app is served under, so each is rendered once per such address and app, not on every page (about 0.4 ms of CPU
a page together)."""
from __future__ import annotations

from flask import Blueprint, current_app, request
from markupsafe import Markup

bp = Blueprint("frame", __name__)
PARTS = {"skip_link": "layout/_skip_link.html", "phase_banner": "layout/_phase_banner.html",
         "footer": "layout/_footer.html"}
MAX_ROOTS = 8  # script roots kept; a deployment has one, and a header-set root cannot grow this without bound


@bp.app_template_global()
def frame_part(name: str) -> Markup:
    """The rendered part `name` (a key of PARTS) for this request's script root."""
    by_root = current_app.extensions.setdefault("frame_parts", {})
    root = request.script_root
    parts = by_root.get(root)
    if parts is None:
        parts = {}
        if len(by_root) < MAX_ROOTS:
            by_root[root] = parts
    if name not in parts:
        parts[name] = Markup(current_app.jinja_env.get_template(PARTS[name]).render())
    return parts[name]
