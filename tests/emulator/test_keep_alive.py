"""Connection handling of the emulator's API (tools/local_aws/speed.py, docs/emulator.md "Request overheads").

By default every response says ``Connection: close`` and the server closes the connection, as werkzeug
does: with keep-alive, Terraform's provider now and then sent a non-idempotent call twice. With
``SLIPWAY_EMULATOR_KEEP_ALIVE=1`` two requests are answered on one connection, the second one whole.
"""

from __future__ import annotations

import socket
from collections.abc import Iterator
from pathlib import Path

import pytest

from .conftest import Emulator

REQUEST = (
    b"GET /ka-bucket?versioning= HTTP/1.1\r\nHost: 127.0.0.1\r\n"
    b"Authorization: AWS4-HMAC-SHA256 Credential=testing/20260101/us-east-1/s3/aws4_request, SignedHeaders=host, Signature=0\r\n"
    b"\r\n"
)


def read_response(sock: socket.socket) -> tuple[bytes, bytes, bool]:
    """One HTTP response with a Content-Length: (head, body, whether the server closed right after it)."""
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(65536)
        assert chunk, f"the server closed before a whole response head: {data!r}"
        data += chunk
    head, body = data.split(b"\r\n\r\n", 1)
    length = next(int(line.split(b":", 1)[1]) for line in head.split(b"\r\n") if line.lower().startswith(b"content-length:"))
    while len(body) < length:
        chunk = sock.recv(65536)
        assert chunk, "the server closed inside the body"
        body += chunk
    assert len(body) == length, f"bytes past the declared length: {body[length:]!r}"
    sock.settimeout(0.5)
    try:
        closed = sock.recv(1) == b""
    except TimeoutError:
        closed = False
    return head, body, closed


def started(tmp: Path, **extra: str) -> Emulator:
    emu = Emulator(tmp)
    emu.env.update(extra)
    emu.cli("up")
    emu.client("s3").create_bucket(Bucket="ka-bucket")
    return emu


@pytest.fixture(scope="module")
def default_emulator(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Emulator]:
    emu = started(tmp_path_factory.mktemp("ka-default"))
    try:
        yield emu
    finally:
        emu.cli("down", check=False)


def test_by_default_every_response_closes_its_connection(default_emulator: Emulator) -> None:
    with socket.create_connection(("127.0.0.1", default_emulator.port), timeout=10) as sock:
        sock.sendall(REQUEST)
        head, body, closed = read_response(sock)
    assert head.startswith(b"HTTP/1.1 200")
    assert b"GetBucketVersioningResponse" in body
    assert b"connection: close" in head.lower()
    assert closed, "the server kept the connection open without keep-alive turned on"


def test_keep_alive_answers_two_requests_on_one_connection(tmp_path: Path) -> None:
    emu = started(tmp_path, SLIPWAY_EMULATOR_KEEP_ALIVE="1")
    try:
        with socket.create_connection(("127.0.0.1", emu.port), timeout=10) as sock:
            answers = []
            for _ in range(2):
                sock.settimeout(10)
                sock.sendall(REQUEST)
                answers.append(read_response(sock))
    finally:
        emu.cli("down", check=False)
    for head, body, closed in answers:
        assert head.startswith(b"HTTP/1.1 200")
        assert b"GetBucketVersioningResponse" in body
        assert b"connection: close" not in head.lower()
        assert not closed
