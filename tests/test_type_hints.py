"""Every public service function of the domain says what it takes and what it answers (issue 8, "Habits")."""

import ast
from pathlib import Path

import pytest

import wms_service

PACKAGE = Path(wms_service.__file__).parent
SERVICES = ("stock", "documents", "catalog", "auth", "events")


def _modules(part: str) -> list[Path]:
    # The models are tables, not services: their columns are typed by Mapped[...].
    return [path for path in sorted((PACKAGE / part).rglob("*.py")) if path.name != "models.py"]


def _missing(function: ast.FunctionDef | ast.AsyncFunctionDef) -> list[str]:
    """The parameters without an annotation, and "return" if the return has none."""
    args = function.args
    params = [*args.posonlyargs, *args.args, *args.kwonlyargs, *filter(None, (args.vararg, args.kwarg))]
    missing = [param.arg for param in params if param.annotation is None]
    return missing + (["return"] if function.returns is None else [])


def _unhinted(source: str) -> dict[str, list[str]]:
    """Public module-level functions of ``source`` that lack a parameter or return annotation, with what they lack."""
    return {
        node.name: _missing(node)
        for node in ast.parse(source).body
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and not node.name.startswith("_") and _missing(node)
    }


@pytest.mark.parametrize("part", SERVICES)
def test_every_public_service_function_is_type_hinted(part):
    modules = _modules(part)
    assert modules, f"wms_service/{part} has no modules"
    offending = {
        f"{path.relative_to(PACKAGE)}:{name}": missing
        for path in modules
        for name, missing in _unhinted(path.read_text()).items()
    }
    assert offending == {}


def test_the_check_sees_a_missing_hint():
    # The walk above must be able to fail: a parameter or a return without a hint is named, private helpers,
    # methods and fully hinted functions are not.
    source = """
def bare(db, *, tenant: int) -> None: ...
def no_return(db: int): ...
async def star(*args, **kwargs: int) -> None: ...
def hinted(db: int, /, x: int = 0, *rest: int, y: int, **more: int) -> int: ...
def _private(db): ...
class Service:
    def method(self, db): ...
"""
    assert _unhinted(source) == {"bare": ["db"], "no_return": ["return"], "star": ["args"]}
