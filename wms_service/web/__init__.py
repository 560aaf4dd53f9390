"""What both API faces share: the error handlers that answer in each face's shape.

The domain never imports from here; the faces (``erply/``, ``planograma/``) do.
"""

from . import errors


def init_app(app) -> None:
    errors.init_app(app)
