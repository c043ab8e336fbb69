"""scripts/services.sh refuses to start the test S3 server when a port its parts need is taken
(another checkout's server a few ports away), at once and naming the port, instead of
waiting minutes for a server that cannot start."""

from __future__ import annotations

import os
import socket
import subprocess

import pytest

from tests.worker import ROOT, needs_services

pytestmark = pytest.mark.integration


def _free(port: int) -> bool:
    with socket.socket() as probe:
        return probe.connect_ex(("127.0.0.1", port)) != 0


def _held_port_with_a_free_base() -> tuple[socket.socket, int]:
    """A listening socket on some port X where X-3 (the base) and the base's other parts are free."""
    for _ in range(50):
        held = socket.socket()
        held.bind(("127.0.0.1", 0))
        held.listen()
        port = held.getsockname()[1]
        base = port - 3
        others = [base, base + 1, base + 2, base + 4] + [base + 10000 + k for k in range(5)]
        if base + 10004 <= 65535 and all(_free(p) for p in others):
            return held, base
        held.close()
    pytest.skip("no free run of ports for the check")


def test_a_taken_part_port_is_refused_at_once_and_named() -> None:
    needs_services()
    if not os.environ.get("BT_REDIS_PORT"):
        pytest.skip("needs the suite's own PostgreSQL and Redis (scripts/services.sh)")
    held, base = _held_port_with_a_free_base()
    with held:
        result = subprocess.run(
            ["bash", str(ROOT / "scripts" / "services.sh"), "up"], capture_output=True, text=True, timeout=120,
            env={**os.environ, "CI": "true", "BT_S3_PORT": str(base)}, cwd=ROOT,
        )
    assert result.returncode != 0
    assert f"port {base + 3}, which the S3 server on {base} needs" in result.stderr
    assert _free(base), "no server was started on the base port"
    assert not (ROOT / "var" / "services" / f"s3-{base}.pid").exists()
