FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1 \
    WMS_BIND=0.0.0.0:8000
WORKDIR /app
COPY setup.cfg pyproject.toml README.md gunicorn.conf.py ./
COPY requirements/run.txt ./requirements/run.txt
COPY wms_service ./wms_service
RUN pip install -r requirements/run.txt && pip install --no-deps . && useradd --create-home --uid 10001 wms && mkdir -p /app/instance && chown wms /app/instance

USER wms
EXPOSE 8000
HEALTHCHECK --interval=15s --timeout=3s --start-period=10s \
  CMD python -c "import urllib.request,sys; sys.exit(urllib.request.urlopen('http://127.0.0.1:8000/health').status != 200)"
# Migrations first, then the server. Set WMS_DATABASE_URL for PostgreSQL; without it, SQLite in /app/instance.
CMD ["sh", "-c", "wms-service db upgrade && exec gunicorn --config /app/gunicorn.conf.py 'wms_service:create_app()'"]
# The outbox's delivery process runs from the same image beside it (README, "Events out"):
#   docker run -e WMS_DATABASE_URL=... IMAGE wms-service outbox run
# It stops cleanly on SIGTERM (docker stop).
