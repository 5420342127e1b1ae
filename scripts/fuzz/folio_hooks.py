"""Schemathesis hooks for Folio: every generated request is made as a signed-in user.

Signing out, changing the password and deleting the account end the session they are sent
with, so the case after one of them gets a new account's session; otherwise one session serves
the whole run. The server's address comes from FOLIO_FUZZ_BASE.
"""

import json
import os
import urllib.request
import uuid

import schemathesis

ENDS_SESSION = {"POST /api/v1/auth/sign-out", "POST /api/v1/auth/password", "DELETE /api/v1/auth/me"}


def _post(path, body):
    request = urllib.request.Request(
        os.environ["FOLIO_FUZZ_BASE"] + path,
        data=json.dumps(body).encode(),
        headers={"content-type": "application/json"},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.loads(response.read() or b"{}")


@schemathesis.auth(refresh_interval=None)
class FreshSessionWhenTheLastOneEnded:
    token = None
    ended = False

    def get(self, case, ctx):
        if self.token is None or self.ended:
            credentials = {"email": f"fuzz-{uuid.uuid4().hex}@example.com", "password": "correct horse battery"}
            _post("/api/v1/auth/sign-up", credentials)
            self.token = _post("/api/v1/auth/sign-in", credentials)["token"]
        self.ended = case.operation.label in ENDS_SESSION
        return self.token

    def set(self, case, data, ctx):
        case.headers = case.headers or {}
        case.headers["Authorization"] = f"Bearer {data}"
