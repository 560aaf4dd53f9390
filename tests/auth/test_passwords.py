"""The suite hashes passwords cheaply (conftest); the service, left to itself, uses scrypt at OWASP's minimum."""

import os
import subprocess
import sys

from werkzeug.security import check_password_hash

from wms_service.auth import service as auth


def test_without_the_setting_new_hashes_are_scrypt_at_owasps_minimum():
    env = {k: v for k, v in os.environ.items() if k != auth.PASSWORD_METHOD_ENV}
    code = (
        "from wms_service.auth import service as a; from werkzeug.security import generate_password_hash as g;"
        "print(a.password_method()); print(g('pw', method=a.password_method()))"
    )
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True).stdout
    method, stored = out.split()
    assert method == "scrypt:131072:8:1"  # N=2**17, r=8, p=1 (CONTRACT section 9)
    assert stored.startswith("scrypt:131072:8:1$")
    assert check_password_hash(stored, "pw")


def test_the_suite_runs_with_a_cheap_method():
    assert auth.password_method() == "pbkdf2:sha256:1"
