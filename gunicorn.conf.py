"""gunicorn settings for wms_service; each can be overridden from the environment."""

import multiprocessing
import os

bind = os.environ.get("WMS_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("WMS_WORKERS", min(multiprocessing.cpu_count() * 2 + 1, 8)))
worker_class = "sync"
timeout = int(os.environ.get("WMS_TIMEOUT", 30))
graceful_timeout = 10
accesslog = os.environ.get("WMS_ACCESS_LOG", "-")
errorlog = "-"
# Workers open their own database connections; nothing may be shared across the fork.
preload_app = False
# gunicorn 27 opens a control socket at a fixed path by default; several servers on one machine (tests,
# benchmarks, more than one service) would fight over it, and nothing here uses it.
control_socket_disable = True


def post_worker_init(worker):
    """Once a worker has loaded the app, move everything it holds so far (modules, the app, its schemas) out of
    the garbage collector's reach: those objects live as long as the worker, and every full collection would
    walk them again. A list of 1000 records allocates enough to trigger several collections (bench/README.md)."""
    import gc

    gc.freeze()
