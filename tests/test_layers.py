"""The layers as the README draws them: the domain and the database never import the web."""

import ast
from pathlib import Path

import pytest

import wms_service

PACKAGE = Path(wms_service.__file__).parent
DOMAIN = ("stock", "catalog", "auth", "documents", "events", "errors.py", "db")
WEB = (
    "flask",
    "flask_smorest",
    "webargs",
    "werkzeug",
    "wms_service.web",
    "wms_service.erply",
    "wms_service.planograma",
)
# Password hashing, not the web: werkzeug's scrypt is what auth stores.
ALLOWED = ("werkzeug.security",)


def _modules(part):
    path = PACKAGE / part
    return [path] if path.suffix == ".py" else sorted(path.rglob("*.py"))


def _imports(path: Path):
    """Every module ``path`` imports, relative imports resolved."""
    package = ".".join(("wms_service", *path.relative_to(PACKAGE).with_suffix("").parts))
    if path.name != "__init__.py":
        package = package.rsplit(".", 1)[0]
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = package.split(".")
            if node.level:
                base = base[: len(base) - node.level + 1]
                module = ".".join([*base, node.module] if node.module else base)
            else:
                module = node.module
            yield module
            yield from (f"{module}.{alias.name}" for alias in node.names)


def _web(name: str) -> bool:
    if any(name == a or name.startswith(a + ".") for a in ALLOWED):
        return False
    return any(name == w or name.startswith(w + ".") for w in WEB)


@pytest.mark.parametrize("part", DOMAIN)
def test_the_domain_and_the_database_never_import_the_web(part):
    modules = _modules(part)
    if not modules:
        pytest.skip(f"wms_service/{part} does not exist yet")
    offending = {
        str(path.relative_to(PACKAGE)): sorted({n for n in _imports(path) if _web(n)})
        for path in modules
        if any(_web(n) for n in _imports(path))
    }
    assert offending == {}


def test_the_check_sees_a_web_import():
    # The walk above must be able to fail: this module's own imports resolve, and the face is seen as the web.
    assert _web("flask") and _web("wms_service.web.session") and not _web("werkzeug.security")
    assert "wms_service.web.errors" in set(_imports(PACKAGE / "erply" / "errors.py"))
