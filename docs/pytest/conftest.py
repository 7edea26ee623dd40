"""pytest fixtures for the client-certificate-api local service (docs/local-service.md, "From pytest").

Copy this file beside your tests. One service per test session (per xdist worker, with
pytest-xdist: each worker's session is its own), started by the command's machine-readable start
and stopped by its own PID; one namespace per test (its own 12-digit access key id), so no test
sees another's certificates, quota or fault rules. `namespace.reset()`, `.seed()`, `.add_fault()`
act on that namespace only: they are signed with its key, as boto3 signs (botocore's SigV4Auth).

CLIENT_CERTIFICATE_API_COMMAND overrides the command (default: npx --no -- client-certificate-api,
which finds it in the nearest node_modules).
"""

import itertools
import json
import os
import shlex
import signal
import subprocess
import urllib.error
import urllib.request

import boto3
import pytest
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.config import Config
from botocore.credentials import Credentials

COMMAND = shlex.split(os.environ.get("CLIENT_CERTIFICATE_API_COMMAND", "npx --no -- client-certificate-api"))
REGION = "us-east-1"


class ControlCallError(Exception):
    """A /_local/ call refused: the status, and the error type and message the service sent."""

    def __init__(self, status, error_type, message):
        super().__init__(f"{status} {error_type}: {message}")
        self.status, self.error_type = status, error_type


class Namespace:
    """One account in one region of the service: a test's own."""

    def __init__(self, endpoint, access_key_id):
        self.endpoint = endpoint
        self.access_key_id = access_key_id
        self._credentials = Credentials(access_key_id, "local")

    def client(self, max_attempts=3):
        """boto3's API Gateway client in this namespace; `max_attempts` as botocore's retry setting (1: no retry)."""
        return boto3.client(
            "apigateway",
            endpoint_url=self.endpoint,
            region_name=REGION,
            aws_access_key_id=self.access_key_id,
            aws_secret_access_key="local",
            config=Config(retries={"mode": "standard", "max_attempts": max_attempts}),
        )

    def reset(self):
        """Empties this namespace; returns its name, `<account>#<region>`, as a state document files it."""
        return self._call("POST", "reset")["reset"]

    def state(self):
        """This namespace's part of GET /_local/state: {"certificates": [...], "quotaSlots": [...]}."""
        return self._call("GET", "state")["namespaces"].get(f"{self.access_key_id}#{REGION}", {"certificates": [], "quotaSlots": []})

    def seed(self, part):
        """Replaces this namespace with `part`, as `state()` gave it."""
        self._call("PUT", "state", {"namespaces": {f"{self.access_key_id}#{REGION}": part}})

    def add_fault(self, rule):
        """Adds a fault rule in this namespace (docs/local-service.md, "Fault rules"); returns its id."""
        return self._call("POST", "faults", rule)["id"]

    def remove_faults(self):
        self._call("DELETE", "faults")

    def _call(self, method, path, body=None):
        data = None if body is None else json.dumps(body).encode()
        request = AWSRequest(method, f"{self.endpoint}/_local/{path}", data=data, headers={"Content-Type": "application/json"})
        SigV4Auth(self._credentials, "apigateway", REGION).add_auth(request)
        prepared = request.prepare()
        try:
            with urllib.request.urlopen(urllib.request.Request(prepared.url, data, dict(prepared.headers), method=method)) as answer:
                return json.loads(answer.read())
        except urllib.error.HTTPError as refused:
            message = json.loads(refused.read() or b"{}").get("message")
            raise ControlCallError(refused.code, refused.headers.get("x-amzn-ErrorType"), message) from None


@pytest.fixture(scope="session")
def client_certificate_api():
    """The service for this session: its ready line, {"url", "port", "pid", "dataDir", "version"}."""
    flags = ["--port", "0", "--data-dir", "memory", "--ready-file", "-", "--access-log", "off"]
    process = subprocess.Popen([*COMMAND, *flags], stdout=subprocess.PIPE, text=True)
    line = process.stdout.readline()
    if not line:
        raise RuntimeError(f"client-certificate-api exited ({process.wait()}) before it was ready: its stderr, above, says why")
    ready = json.loads(line)
    yield ready
    os.kill(ready["pid"], signal.SIGTERM)  # its own PID: npx passes no signal on
    process.wait(timeout=10)


_tests = itertools.count(1)


@pytest.fixture
def namespace(client_certificate_api):
    """A namespace of this test's own: a 12-digit key id, the xdist worker's number then a count of tests."""
    worker = os.environ.get("PYTEST_XDIST_WORKER", "gw0").removeprefix("gw")
    yours = Namespace(client_certificate_api["url"], f"{int(worker):03d}{next(_tests):09d}")
    yours.reset()
    yield yours
    yours.remove_faults()
