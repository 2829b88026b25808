"""The ICE servers a browser is given, with TURN credentials in the TURN REST scheme coturn implements.

The scheme (draft-uberti-behave-turn-rest, coturn's `--use-auth-secret`): username = "<expiry unix time>:<id>",
password = base64(HMAC-SHA1(shared secret, username)). coturn recomputes the password from the username
and rejects it once the expiry has passed, so nothing is stored and a leaked credential dies on its own.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import time
from typing import Any

from assistant.rtc.options import RtcOptions


def turn_credential(secret: str, ident: str, ttl_s: int, now: float | None = None) -> tuple[str, str]:
    """(username, credential) valid for `ttl_s` seconds from `now`."""
    expiry = int((time.time() if now is None else now) + ttl_s)
    username = f"{expiry}:{ident.replace(':', '_')}"  # a ':' in the id would confuse the expiry parse
    digest = hmac.new(secret.encode("utf-8"), username.encode("utf-8"), hashlib.sha1).digest()
    return username, base64.b64encode(digest).decode("ascii")


def ice_servers(options: RtcOptions, ident: str, now: float | None = None) -> dict[str, Any]:
    """`{"ice_servers": [...], "ttl_s": N, "ice_transport_policy": "all"|"relay"}`, in the shape of
    RTCConfiguration (iceServers, iceTransportPolicy). TURN is offered
    only with a secret (a TURN URL without credentials would only fail); without any settings the list is
    empty and browsers on one LAN still connect with host candidates."""
    servers: list[dict[str, Any]] = []
    if options.stun_urls:
        servers.append({"urls": list(options.stun_urls)})
    if options.turn_urls and options.turn_secret is not None:
        username, credential = turn_credential(options.turn_secret.get_secret_value(), ident, options.turn_ttl_s, now)
        servers.append({"urls": list(options.turn_urls), "username": username, "credential": credential})
    return {"ice_servers": servers, "ttl_s": options.turn_ttl_s, "ice_transport_policy": options.ice_transport_policy}
