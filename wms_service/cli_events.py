"""The operators' event commands of wms-service: ``webhook add/list/remove`` and ``outbox run/status/failed/retry``.

``outbox run`` is the delivery process (``events/worker.py``): run it beside gunicorn, as many as you like on
PostgreSQL (they share the work through leases), one on SQLite. It stops cleanly on SIGTERM or Ctrl-C, after
finishing the requests in flight (each bounded by the timeout).
"""

import signal
import threading
import time

import click
from flask import current_app
from flask.cli import AppGroup

from . import db as database
from .events import delivery, webhooks
from .events.delivery import Backoff
from .events.worker import Settings, Worker

webhook_cli = AppGroup("webhook", help="Where a tenant's events are POSTed.")
outbox_cli = AppGroup("outbox", help="The events waiting to be delivered, and the process that delivers them.")


def _run(work):
    from .cli import _run as run  # cli imports this module; the shared runner is looked up when a command runs

    return run(work)


def _tenant(session, code):
    from .cli_accounts import _tenant as tenant

    return tenant(session, code)


@webhook_cli.command("add")
@click.option("--tenant", "tenant_code", required=True, help="The tenant's code (clientCode).")
@click.argument("url")
@click.option("--secret", help="The HMAC secret (16 to 200 characters); without it one is made and printed once.")
@click.option("--event", "events", multiple=True, help="Only this event type (repeatable); without it, every event.")
def webhook_add(tenant_code, url, secret, events):
    """POST the tenant's events from now on to URL, signed with the secret."""
    webhook = _run(
        lambda s: webhooks.add(s, tenant=_tenant(s, tenant_code), url=url, secret=secret, events=list(events))
    )
    click.echo(f"webhook {webhook.id} tenant={tenant_code} url={webhook.url} events={webhook.events or '*'}")
    if secret is None:
        click.echo(f"secret: {webhook.secret}")
        click.echo("(shown once: keep it where the receiver checks X-WMS-Signature)", err=True)


@webhook_cli.command("list")
@click.option("--tenant", "tenant_code", help="Only this tenant's webhooks.")
def webhook_list(tenant_code):
    """Every webhook: id, tenant, URL, event types, pending and failed deliveries (never the secret)."""
    rows = _run(lambda s: webhooks.listed(s, tenant=_tenant(s, tenant_code) if tenant_code else None))
    for webhook, code, pending, failed in rows:
        click.echo(
            f"{webhook.id}\ttenant={code}\t{webhook.url}\tevents={webhook.events or '*'}\t"
            f"pending={pending}\tfailed={failed}"
        )


@webhook_cli.command("remove")
@click.argument("webhook_id", type=int)
def webhook_remove(webhook_id):
    """Remove webhook WEBHOOK_ID; its undelivered deliveries go with it (the events stay in the outbox)."""
    undelivered = _run(lambda s: webhooks.remove(s, webhook_id=webhook_id))
    click.echo(f"webhook {webhook_id} removed ({undelivered} undelivered event(s) dropped for it)")


@outbox_cli.command("run")
@click.option("--once", is_flag=True, help="Deliver what is due now, then exit.")
@click.option("--timeout", type=float, help="Seconds per request phase (WMS_OUTBOX_TIMEOUT, default 10).")
@click.option("--lease", type=float, help="Seconds a process holds what it took (WMS_OUTBOX_LEASE, default 60).")
@click.option("--backoff-base", type=float, help="First retry's delay, seconds (WMS_OUTBOX_BACKOFF_BASE, default 10).")
@click.option("--backoff-cap", type=float, help="Longest retry delay, seconds (WMS_OUTBOX_BACKOFF_CAP, default 3600).")
@click.option("--max-attempts", type=int, help="Attempts before failed (WMS_OUTBOX_MAX_ATTEMPTS, default 12).")
@click.option("--poll", type=float, help="Seconds between looks when idle (WMS_OUTBOX_POLL, default 0.5).")
@click.option("--threads", type=int, help="Webhooks served at once (WMS_OUTBOX_THREADS, default 8).")
def outbox_run(once, timeout, lease, backoff_base, backoff_cap, max_attempts, poll, threads):
    """Deliver the outbox's events to the webhooks until stopped (SIGTERM, Ctrl-C), or once with --once."""

    def given(value, name):
        return value if value is not None else current_app.config[f"OUTBOX_{name}"]

    settings = Settings(
        timeout=given(timeout, "TIMEOUT"),
        lease=given(lease, "LEASE"),
        backoff=Backoff(
            base=given(backoff_base, "BACKOFF_BASE"),
            cap=given(backoff_cap, "BACKOFF_CAP"),
            max_attempts=given(max_attempts, "MAX_ATTEMPTS"),
        ),
        poll=given(poll, "POLL"),
        threads=given(threads, "THREADS"),
    )
    try:
        app = current_app._get_current_object()  # the threads have no app context
        worker = Worker(lambda: database.new_session(app, write=True), settings)
    except ValueError as exc:
        raise click.UsageError(str(exc)) from exc
    stop = threading.Event()
    previous = {}
    if threading.current_thread() is threading.main_thread():
        for signum in (signal.SIGTERM, signal.SIGINT):
            previous[signum] = signal.signal(signum, lambda *_: stop.set())
    try:
        if not once:
            click.echo(f"outbox: delivering as {worker.name}")  # once its signal handlers are in place
        counts = worker.run(stop=stop, once=once)
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)
    click.echo(f"outbox: {counts['delivered']} delivered, {counts['retrying']} to retry, {counts['failed']} failed")


@outbox_cli.command("status")
def outbox_status():
    """Pending and failed deliveries, and the age of the oldest pending one."""
    state = _run(delivery.status)
    age = (
        "-"
        if state.oldest_pending_ms is None
        else f"{max(0, time.time() * 1000 - state.oldest_pending_ms) / 1000:.1f}s"
    )
    click.echo(f"pending={state.pending} failed={state.failed} oldest_pending_age={age}")


@outbox_cli.command("failed")
def outbox_failed():
    """The failed deliveries: event id, type, document, tenant, webhook, attempts, last error."""
    for row, code in _run(delivery.failed):
        click.echo(
            f"{row.event.event_id}\t{row.event.type}\t{row.document_type} {row.document_id}\ttenant={code}\t"
            f"webhook={row.webhook_id} {row.webhook.url}\tattempts={row.attempts}\t{row.last_error or ''}"
        )


@outbox_cli.command("retry")
@click.argument("event_id", required=False)
@click.option("--all", "everything", is_flag=True, help="Every failed delivery.")
def outbox_retry(event_id, everything):
    """Send EVENT_ID (as `outbox failed` lists it) again: its failed deliveries become due now."""
    if bool(event_id) == everything:
        raise click.UsageError("give an EVENT_ID or --all")
    count = _run(lambda s: delivery.retry(s, event_id=event_id))
    click.echo(f"outbox: {count} deliver{'y' if count == 1 else 'ies'} due again")
