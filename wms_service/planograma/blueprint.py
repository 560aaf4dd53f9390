"""The Planograma blueprint: authenticated, JSON bodies read leniently, documented with the envelope.

Every resource under /api is an ``ApiBlueprint``. Before a view runs, the request gets its user. A view reads
(its POST searches too) unless it writes inside ``web.transaction.unit_of_work``. Errors anywhere under /api are
answered in the envelope by the handler ``planograma.register`` installs.
"""

from flask_smorest import Blueprint

from ..web.permissions import reads_need, writes_need
from . import security
from .envelope import ERROR_STATUSES
from .requests import JsonBodyParser

SECURITY_SCHEME = "planogramaBearer"
ALWAYS = (400, 401, 413, 429, 500)  # 413: any body over the limit; 429: login throttling, before any view


def response_name(status: int) -> str:
    return f"Api{status}"


class ApiBlueprint(Blueprint):
    ARGUMENTS_PARSER = JsonBodyParser()

    def __init__(self, *args, writes: str | None = None, reads: str | None = None, **kwargs):
        """``writes``: the permission the blueprint's writes need; ``reads``: the one its reads need, when they
        are not open to every user (``web/permissions.py``)."""
        super().__init__(*args, **kwargs)
        self.before_request(security.authenticate)
        # Their checks run after authenticate: hooks run in the order registered.
        if writes is not None:
            writes_need(self, writes)
        if reads is not None:
            reads_need(self, reads)
        self._prepare_doc_cbks.append(_planograma_doc)

    def arguments(self, schema, *args, **kwargs):
        """flask-smorest's, with a schema class made once here: webargs would make it anew for every request (its
        nested schemas too), and a schema keeps no state between loads."""
        return super().arguments(schema() if isinstance(schema, type) else schema, *args, **kwargs)


def errors_doc(*statuses: int):
    """Document the error statuses a view answers besides 400, 401, 413, 429 and 500 (which every view may)."""

    def decorator(view):
        # Kept with flask-smorest's own doc info, which its decorators carry from function to wrapper.
        apidoc = dict(getattr(view, "_apidoc", {}))
        apidoc["error_statuses"] = (*apidoc.get("error_statuses", ()), *statuses)
        view._apidoc = apidoc
        return view

    return decorator


def _planograma_doc(doc, doc_info, **_kwargs):
    """Each operation: Bearer security, and its errors in the envelope instead of the native error shape."""
    doc["security"] = [{SECURITY_SCHEME: []}]
    responses = doc.setdefault("responses", {})
    for generated in (422, "422", "default"):  # webargs' 422 is a 400 here; "default" is the native error shape
        responses.pop(generated, None)
    for status in sorted({*ALWAYS, *doc_info.get("error_statuses", ())}):
        responses[str(status)] = response_name(status)
    return doc


def register_spec_components(spec) -> None:
    """The security scheme and one envelope response per error status, referenced by every /api operation."""
    from .envelope import ErrorApiResponse

    spec.components.security_scheme(
        SECURITY_SCHEME,
        {
            "type": "http",
            "scheme": "bearer",
            "description": "`Bearer <user>:<password>`; the tenant comes from the Host.",
        },
    )
    spec.components.schema("ErrorApiResponse", schema=ErrorApiResponse)
    for status, description in ERROR_STATUSES.items():
        spec.components.response(
            response_name(status),
            {"description": description, "content": {"application/json": {"schema": "ErrorApiResponse"}}},
        )
