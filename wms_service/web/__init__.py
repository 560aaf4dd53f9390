"""What both API faces share: the request's session, Idempotency-Key, and the error handlers that answer in
each face's shape.

The domain never imports from here; the faces (``erply/``, ``planograma/``) do.
"""

from . import errors, session


def init_app(app) -> None:
    session.init_app(app)
    errors.init_app(app)
