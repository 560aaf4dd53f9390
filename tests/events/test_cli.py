"""The operators' commands: webhook add/list/remove, outbox status, and outbox run stopped by SIGTERM."""

import re
import time

from ..conftest import make_tenant
from .conftest import cli
from .test_processes import emit_many, start, stop


def test_webhook_add_makes_and_prints_a_secret_once_and_list_never_shows_it(app):
    _tid, code, _uid = make_tenant(app)
    result = app.test_cli_runner().invoke(
        args=["webhook", "add", "--tenant", code, "https://erp.example/hook", "--event", "Order.Sync"]
    )
    assert result.exit_code == 0, result.output
    webhook_id, secret = re.match(
        r"webhook (\d+) tenant=\S+ url=https://erp.example/hook events=order.sync\nsecret: ([0-9a-f]{64})\n",
        result.output,
    ).groups()
    listed = cli(app, "webhook", "list", "--tenant", code)
    assert listed == f"{webhook_id}\ttenant={code}\thttps://erp.example/hook\tevents=order.sync\tpending=0\tfailed=0\n"
    assert secret not in cli(app, "webhook", "list")
    assert (
        cli(app, "webhook", "remove", webhook_id)
        == f"webhook {webhook_id} removed (0 undelivered event(s) dropped for it)\n"
    )
    assert cli(app, "webhook", "list", "--tenant", code) == ""


def test_webhook_add_refuses_what_cannot_work(app):
    _tid, code, _uid = make_tenant(app)
    for args, message in (
        (["ftp://erp.example/hook"], "The URL must be an http:// or https:// URL"),
        (["https://erp.example/hook", "--secret", "short"], "A secret has 16 to 200 characters."),
        (["https://erp.example/hook", "--event", "everything"], "Not an event type: everything"),
    ):
        result = app.test_cli_runner().invoke(args=["webhook", "add", "--tenant", code, *args])
        assert result.exit_code == 1 and message in result.output, result.output
    missing = app.test_cli_runner().invoke(args=["webhook", "add", "--tenant", "nobody-here", "https://x.example/"])
    assert missing.exit_code == 1 and "Unknown tenant 'nobody-here'." in missing.output
    assert app.test_cli_runner().invoke(args=["webhook", "remove", "999999999"]).exit_code == 1


def test_outbox_status_counts_pending_and_the_oldest_age(app, database_url):
    _tid, code, _uid = make_tenant(app)
    before = cli(app, "outbox", "status")
    pending_before = int(re.search(r"pending=(\d+)", before).group(1))
    cli(app, "webhook", "add", "--tenant", code, "http://127.0.0.1:9/never", "--secret", "x" * 16)
    emit_many(app, code, documents=2, per_document=2)
    time.sleep(0.2)
    status = cli(app, "outbox", "status")
    pending, age = re.match(r"pending=(\d+) failed=\d+ oldest_pending_age=([\d.]+)s\n", status).groups()
    assert int(pending) == pending_before + 4 and float(age) >= 0.2
    webhook_id = re.search(r"^(\d+)\ttenant=" + code, cli(app, "webhook", "list"), re.M).group(1)
    assert "(4 undelivered event(s) dropped for it)" in cli(app, "webhook", "remove", webhook_id)


def test_outbox_run_stops_cleanly_on_sigterm(database_url):
    process = start(database_url, "--lease", "6")
    time.sleep(1.5)
    assert process.poll() is None  # it keeps running until told
    assert stop(process) == 0  # SIGTERM: exit 0 with its summary (nothing was due)


def test_outbox_run_refuses_settings_that_cannot_work(app):
    for options, message in (
        (["--timeout", "10", "--lease", "20"], "at least three times the request timeout"),
        (["--threads", "0"], "threads and attempts at least 1"),
        (["--timeout", "0"], "must be positive"),
    ):
        result = app.test_cli_runner().invoke(args=["outbox", "run", "--once", *options])
        assert result.exit_code == 2 and message in result.output, result.output
