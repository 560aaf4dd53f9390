"""A chunked request body is held to the size limit like one with a Content-Length: over it, a 413.

Werkzeug checks ``MAX_CONTENT_LENGTH`` against the Content-Length header. A chunked body has none, and werkzeug
then reads it through a stream that simply stops at the limit: the body arrived cut to its first 2 MB and was
processed as if that were all of it. Here a chunked body is read up to one byte past the limit and handed on with
the Content-Length it turned out to have, so werkzeug's own check answers 413 for it (in each face's error shape),
exactly as for a body that declared its length. It costs no more memory than the request would have anyway.
"""

import io

CHUNK = 64 * 1024


class ChunkedBodyLimit:
    """WSGI middleware; ``config`` is the app's, read per request so a test may change the limit."""

    def __init__(self, wsgi_app, config):
        self.wsgi_app = wsgi_app
        self.config = config

    def __call__(self, environ, start_response):
        limit = self.config.get("MAX_CONTENT_LENGTH")
        chunked = "chunked" in environ.get("HTTP_TRANSFER_ENCODING", "").lower()
        # Only a server that ends the body itself (gunicorn does) may be read without a length.
        if limit is not None and chunked and environ.get("wsgi.input_terminated"):
            body = read_at_most(environ["wsgi.input"], limit + 1)
            environ["wsgi.input"] = io.BytesIO(body)
            environ["CONTENT_LENGTH"] = str(len(body))
            del environ["HTTP_TRANSFER_ENCODING"]
        return self.wsgi_app(environ, start_response)


def read_at_most(stream, size: int) -> bytes:
    """The stream's bytes up to ``size``, fewer if it ends first."""
    body = bytearray()
    while len(body) < size:
        chunk = stream.read(min(CHUNK, size - len(body)))
        if not chunk:
            break
        body += chunk
    return bytes(body)
