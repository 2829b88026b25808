"""A minimal TURN client (RFC 5766 Allocate over UDP, RFC 5389 long-term credentials) for the tests that
prove the ICE-server endpoint's TURN credentials work with a real coturn, and a fixture runner for coturn.

Written against the RFCs with the standard library only: an Allocate without credentials gets 401 with a
realm and nonce; the second Allocate carries USERNAME, REALM, NONCE and MESSAGE-INTEGRITY keyed with
MD5(username:realm:password), and coturn answers success with a relayed address, or 401 when wrong.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import shutil
import socket
import struct
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

MAGIC = 0x2112A442
BINDING, ALLOCATE = 0x0001, 0x0003
SUCCESS, ERROR = 0x0100, 0x0110
USERNAME, MESSAGE_INTEGRITY, ERROR_CODE, REALM, NONCE = 0x0006, 0x0008, 0x0009, 0x0014, 0x0015
REQUESTED_TRANSPORT, XOR_RELAYED_ADDRESS = 0x0019, 0x0016
UDP = 17


@dataclass
class Answer:
    kind: str  # "success" | "error"
    attrs: dict[int, bytes] = field(default_factory=dict)

    @property
    def error_code(self) -> int | None:
        raw = self.attrs.get(ERROR_CODE)
        return None if raw is None else raw[2] * 100 + raw[3]

    @property
    def relayed(self) -> tuple[str, int] | None:
        raw = self.attrs.get(XOR_RELAYED_ADDRESS)
        if raw is None or raw[1] != 0x01:  # IPv4 only here
            return None
        port = struct.unpack("!H", raw[2:4])[0] ^ (MAGIC >> 16)
        addr = struct.unpack("!I", raw[4:8])[0] ^ MAGIC
        return socket.inet_ntoa(struct.pack("!I", addr)), port


def _attr(kind: int, value: bytes) -> bytes:
    return struct.pack("!HH", kind, len(value)) + value + b"\0" * (-len(value) % 4)


def _message(method: int, attrs: bytes, key: bytes | None = None) -> bytes:
    tid = os.urandom(12)
    if key is None:
        return struct.pack("!HHI", method, len(attrs), MAGIC) + tid + attrs
    header = struct.pack("!HHI", method, len(attrs) + 24, MAGIC) + tid  # length counts the integrity attribute
    mac = hmac.new(key, header + attrs, hashlib.sha1).digest()
    return header + attrs + _attr(MESSAGE_INTEGRITY, mac)


def _parse(data: bytes) -> Answer:
    kind_bits, length, _magic = struct.unpack("!HHI", data[:8])
    attrs: dict[int, bytes] = {}
    at = 20
    while at < 20 + length:
        kind, size = struct.unpack("!HH", data[at : at + 4])
        attrs[kind] = data[at + 4 : at + 4 + size]
        at += 4 + size + (-size % 4)
    return Answer("error" if kind_bits & ERROR == ERROR else "success", attrs)


def _ask(sock: socket.socket, server: tuple[str, int], message: bytes) -> Answer:
    sock.sendto(message, server)
    data, _ = sock.recvfrom(2048)
    return _parse(data)


def binding(server: tuple[str, int], timeout: float = 0.5) -> Answer:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.settimeout(timeout)
        return _ask(sock, server, _message(BINDING, b""))


def allocate(server: tuple[str, int], username: str, password: str, timeout: float = 2.0) -> Answer:
    """Allocate a UDP relay with long-term credentials (the 401 challenge first). One socket for both
    requests: coturn ties the nonce to the client's address and port (438 Stale Nonce otherwise)."""
    transport = _attr(REQUESTED_TRANSPORT, bytes([UDP, 0, 0, 0]))
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.settimeout(timeout)
        challenge = _ask(sock, server, _message(ALLOCATE, transport))
        if challenge.kind == "success" or challenge.error_code != 401:
            return challenge
        realm, nonce = challenge.attrs[REALM], challenge.attrs[NONCE]
        key = hashlib.md5(f"{username}:{realm.decode()}:{password}".encode()).digest()  # noqa: S324 - RFC 5389
        attrs = transport + _attr(USERNAME, username.encode()) + _attr(REALM, realm) + _attr(NONCE, nonce)
        return _ask(sock, server, _message(ALLOCATE, attrs, key))


def free_udp_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def coturn(
    secret: str, workdir: Path, realm: str = "lobby.test", extra_args: list[str] | None = None
) -> Iterator[tuple[str, int]]:
    """A private `turnserver` on a free loopback port with the TURN REST scheme; yields (host, port).
    `extra_args`: e.g. `--allow-loopback-peers`, so browsers on this machine can relay to each other."""
    binary = shutil.which("turnserver")
    if binary is None:
        raise FileNotFoundError("turnserver")
    port = free_udp_port()
    relay_low = 49152 + port % 10000
    log_file = workdir / "turn.log"
    args = [
        binary, "-n", "--listening-ip=127.0.0.1", f"--listening-port={port}", "--relay-ip=127.0.0.1",
        f"--min-port={relay_low}", f"--max-port={relay_low + 50}", "--use-auth-secret",
        f"--static-auth-secret={secret}", f"--realm={realm}", "--no-tls", "--no-dtls", "--no-cli",
        "--no-tcp-relay", f"--pidfile={workdir / 'turn.pid'}", f"--userdb={workdir / 'turndb'}",
        f"--log-file={log_file}", "--simple-log", "--no-stdout-log", *(extra_args or []),
    ]  # fmt: skip
    proc = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    server = ("127.0.0.1", port)
    try:
        deadline = time.monotonic() + 10
        while True:
            if proc.poll() is not None:
                log = log_file.read_text(errors="replace") if log_file.exists() else ""
                raise RuntimeError(f"turnserver exited with {proc.returncode}: {log[-2000:]}")
            try:
                binding(server)
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise RuntimeError("turnserver did not answer a STUN binding request in 10 s") from None
        yield server
    finally:
        proc.terminate()
        try:
            proc.wait(5)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
