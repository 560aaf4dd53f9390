"""Settings from the environment, in one place."""

import os


def from_environment(instance_path):
    """The configuration the service runs with unless a test passes its own."""
    default_db = "sqlite:///" + os.path.join(instance_path, "wms.sqlite3")
    return {
        "DATABASE_URL": os.environ.get("WMS_DATABASE_URL", default_db),
        # A list of 1000 records is about 250 KB; anything far larger is a mistake or an attack.
        "MAX_CONTENT_LENGTH": int(os.environ.get("WMS_MAX_BODY_BYTES", 2 * 1024 * 1024)),
        "SESSION_DEFAULT_SECONDS": 3600,
        "SESSION_MAX_SECONDS": 86400,
        # How long a checked Planograma password skips scrypt on later requests (0 turns the cache off).
        "AUTH_CACHE_SECONDS": int(os.environ.get("WMS_AUTH_CACHE_SECONDS", 300)),
        # Login throttling (CONTRACT section 9): past this many failed logins of one tenant and username (3 to 10)
        # within the window, which starts at the first of them, that user's logins answer 429 until it ends.
        "LOGIN_MAX_FAILURES": int(os.environ.get("WMS_LOGIN_MAX_FAILURES", 10)),
        "LOGIN_WINDOW_SECONDS": int(os.environ.get("WMS_LOGIN_WINDOW_SECONDS", 300)),
        "IDEMPOTENCY_TTL_SECONDS": int(os.environ.get("WMS_IDEMPOTENCY_TTL_SECONDS", 48 * 3600)),
        # The outbox's delivery process (``wms-service outbox run``; its options override these): seconds a webhook
        # request may take (connect, send, each read), how long a process holds the deliveries it took, the first
        # retry's delay (later ones double, with jitter, up to the cap), how many attempts before failed.
        "OUTBOX_TIMEOUT": float(os.environ.get("WMS_OUTBOX_TIMEOUT", 10)),
        "OUTBOX_LEASE": float(os.environ.get("WMS_OUTBOX_LEASE", 60)),
        "OUTBOX_BACKOFF_BASE": float(os.environ.get("WMS_OUTBOX_BACKOFF_BASE", 10)),
        "OUTBOX_BACKOFF_CAP": float(os.environ.get("WMS_OUTBOX_BACKOFF_CAP", 3600)),
        "OUTBOX_MAX_ATTEMPTS": int(os.environ.get("WMS_OUTBOX_MAX_ATTEMPTS", 12)),
        "OUTBOX_POLL": float(os.environ.get("WMS_OUTBOX_POLL", 0.5)),
        "OUTBOX_THREADS": int(os.environ.get("WMS_OUTBOX_THREADS", 8)),
        "API_TITLE": "wms_service",
        "API_VERSION": "1.0.0",
        "OPENAPI_VERSION": "3.0.3",
        "OPENAPI_URL_PREFIX": "/",
        "OPENAPI_JSON_PATH": "openapi.json",
        "OPENAPI_SWAGGER_UI_PATH": "/docs",
        # Swagger UI's assets are served by the service (docs_assets.py), so /docs needs no internet.
        "OPENAPI_SWAGGER_UI_URL": "/docs/assets/",
    }
