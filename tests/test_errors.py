"""Every "cannot proceed" error is a CatalogueError with a stable, documented code an API client can act on."""
import importlib
import pkgutil
import re
from pathlib import Path

import catalogue
import harvesters
from catalogue.errors import CatalogueError
from catalogue.publishing.drafts import DraftError

README = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")


def _all_subclasses(cls) -> list[type]:
    for package in (catalogue, harvesters):
        for mod in pkgutil.walk_packages(package.__path__, package.__name__ + "."):
            importlib.import_module(mod.name)
    found, todo = [], [cls]
    while todo:
        for sub in todo.pop().__subclasses__():
            found.append(sub)
            todo.append(sub)
    return found


def test_every_domain_error_has_its_own_stable_code():
    classes = [c for c in _all_subclasses(CatalogueError)  # not the ones tests make up
               if c.__module__.split(".")[0] in ("catalogue", "harvesters", "web")]
    assert len(classes) >= 10
    for cls in classes:
        assert cls.code != CatalogueError.code, f"{cls.__module__}.{cls.__name__} has no code of its own"
        assert re.fullmatch(r"[a-z]+(-[a-z]+)*", cls.code), cls.code
        assert f"`{cls.code}`" in README, f"{cls.code} ({cls.__name__}) is not in the README's table of codes"


def test_a_raise_site_can_give_a_more_precise_code():
    assert DraftError("held").code == "draft-conflict"
    assert DraftError("held", code="not-your-organisation").code == "not-your-organisation"
    assert str(DraftError("held", code="x")) == "held"
