import re

import pytest

from ..planograma.conftest import pg, shelf  # noqa: F401  (the Planograma client and a stocked bin)
from .receiver import Receiver

SECRET = "a-shared-secret-of-some-length"
# Fast delays for the suite: first retry after 25-50 ms, requests cut after half a second.
FAST = ["--timeout", "0.5", "--lease", "5", "--backoff-base", "0.05", "--backoff-cap", "0.2", "--poll", "0.05"]


def cli(app, *args):
    result = app.test_cli_runner().invoke(args=list(args))
    assert result.exit_code == 0, result.output
    return result.output


def deliver(app, *options):
    """``outbox run --once`` with the fast delays; answers its summary (delivered, to retry, failed)."""
    output = cli(app, "outbox", "run", "--once", *FAST, *options)
    found = re.search(r"outbox: (\d+) delivered, (\d+) to retry, (\d+) failed", output)
    return tuple(int(n) for n in found.groups())


@pytest.fixture
def receiver():
    r = Receiver().start()
    yield r
    r.close()


@pytest.fixture
def hook(app):
    """``hook(tenant_code, url, *events)`` registers a webhook (secret SECRET), removed when the test ends."""
    made = []

    def add(tenant_code, url, *events):
        options = [option for event in events for option in ("--event", event)]
        output = cli(app, "webhook", "add", "--tenant", tenant_code, url, "--secret", SECRET, *options)
        made.append(int(re.match(r"webhook (\d+) ", output).group(1)))
        return made[-1]

    yield add
    for webhook_id in made:
        app.test_cli_runner().invoke(args=["webhook", "remove", str(webhook_id)])
