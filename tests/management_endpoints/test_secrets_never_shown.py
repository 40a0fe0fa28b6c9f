"""Secrets planted everywhere an answer could draw from never appear in any answer."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from flask_management_endpoints import Health
from tests.management_endpoints.apps import make_app

TOKEN = "tok-planted-9"
SECRETS = (
    "envsecret1",
    "urlsecret2",
    "urlat2",  # the same password goes on past an @, a : and a /
    "urlcolon2",
    "urlslash2",
    "connsecret3",
    "cfgsecret4",
    "cfgurl5",
    "argvsecret6",
    "depsecret7",
    "chksecret8",
    "infosecret10",
)
PATHS = (
    "/z",
    "/z/health",
    "/z/health/users",
    "/z/health/vault",
    "/z/health/readiness",
    "/z/info",
    "/z/version",
    "/z/loggers",
    "/z/loggers/ROOT",
    "/z/mappings",
    "/z/env",
    "/z/threaddump",
)
ACCEPTS = ("application/json", "application/health+json", "text/plain", "*/*")


@pytest.mark.parametrize("token", [False, True], ids=["anonymous", "token"])
def test_no_planted_secret_in_any_answer(
    token: bool, monkeypatch: pytest.MonkeyPatch, tmp_path: Path, closed_port_url: str
) -> None:
    monkeypatch.setenv("DB_PASSWORD", "envsecret1")
    monkeypatch.setenv(
        "DATABASE_URL", "postgresql://orders:urlsecret2@urlat2:urlcolon2/urlslash2@db:5432/orders"
    )
    monkeypatch.setenv("REPORTS_DSN", "host=db user=rep password=connsecret3 dbname=rep")
    monkeypatch.setattr(sys, "argv", [*sys.argv, "--db-password=argvsecret6"])
    host_port = closed_port_url.removeprefix("http://")
    app = make_app(
        {
            "auth_token": TOKEN,
            "exposure": {"include": ["*"]},
            "show_details": "when_authorized",
            "loggers_dir": str(tmp_path),
            "service_dependencies": {"users": f"http://svc:depsecret7@{host_port}/z"},
            "check_functions": {
                "health": {"vault": lambda: Health.up(dsn="Server=v;Password=chksecret8;")}
            },
            "info": {"app": {"store": "mongodb://shop:infosecret10@mongo/shop"}},
        },
        SECRET_KEY="cfgsecret4",
        WAREHOUSE_URI="mysql://wh:cfgurl5@warehouse/wh",
    )
    client = app.test_client()
    headers = {"Authorization": f"Bearer {TOKEN}"} if token else {}
    answered: set[str] = set()
    for path in PATHS:
        for accept in ACCEPTS:
            response = client.get(path, headers={**headers, "Accept": accept})
            body = response.get_data(as_text=True)
            if response.status_code not in (401, 404):
                answered.add(path)
            for secret in (*SECRETS, TOKEN):
                assert secret not in body, (path, accept, secret)
    # Every endpoint the caller may reach was scanned.
    assert answered == set(PATHS if token else PATHS[:7])
