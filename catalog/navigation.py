"""The main menu: an entry shows when its endpoint exists and the user has a role for it."""

from flask import current_app
from flask_babel import lazy_gettext as _l
from flask_login import current_user

# (endpoint, label, roles or None for everyone)
MENU = [
    ("opac.search", _l("Catalogue"), None),
    ("staff.home", _l("Staff home"), ("cataloguer", "acquisitions", "inventory", "reader-services")),
    ("cataloguing.index", _l("Cataloguing"), ("cataloguer",)),
    ("acquisitions.index", _l("Acquisitions"), ("acquisitions",)),
    ("inventory.index", _l("Reinventory"), ("inventory",)),
    ("plan.dashboard", _l("Plan"), ("cataloguer", "acquisitions", "inventory", "reader-services")),
    ("admin.index", _l("Administration"), ("admin",)),
]


def menu_items() -> list[tuple[str, str]]:
    items = []
    for endpoint, label, roles in MENU:
        if endpoint not in current_app.view_functions:
            continue
        if roles is not None and not (current_user.is_authenticated and current_user.has_role(*roles)):
            continue
        items.append((endpoint, label))
    return items


# Warnings for logged-in staff (e.g. "the last good backup is too old"): callables returning strings.
BANNERS: list = []


def staff_banners() -> list[str]:
    if not current_user.is_authenticated:
        return []
    return [text for provider in BANNERS for text in provider()]


def init_app(app) -> None:
    from flask_babel import get_locale

    app.context_processor(lambda: {"menu_items": menu_items, "staff_banners": staff_banners, "get_locale": get_locale})
