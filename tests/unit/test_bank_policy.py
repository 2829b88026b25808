"""The clients' failure policy over a scripted transport: retries only for idempotent calls, typed
errors, a breaker that opens and recovers, and masked log lines."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

import httpx
import pytest
from structlog.testing import capture_logs

from integrations.config import BankOptions
from integrations.errors import BankUnavailable, InvalidRequest, NotFound, Rejected
from integrations.http import BankHttp

pytestmark = pytest.mark.unit

FAST = BankOptions(
    connect_timeout_s=0.2,
    read_timeout_s=0.2,
    max_attempts=3,
    backoff_initial_s=0.001,
    backoff_max_s=0.002,
    breaker_threshold=4,
    breaker_reset_s=0.3,
)


class Script:
    """A transport that answers from a function and counts the calls (the fake only forces failures)."""

    def __init__(self, answer: Callable[[httpx.Request], httpx.Response]) -> None:
        self.answer = answer
        self.calls: list[httpx.Request] = []

    async def __call__(self, request: httpx.Request) -> httpx.Response:
        self.calls.append(request)
        return self.answer(request)


def make(answer: Callable[[httpx.Request], httpx.Response], options: BankOptions = FAST) -> tuple[BankHttp, Script]:
    script = Script(answer)
    return BankHttp("http://bank.test", options, transport=httpx.MockTransport(script)), script


def status(code: int, body: dict | None = None) -> Callable[[httpx.Request], httpx.Response]:
    return lambda _request: httpx.Response(code, json=body or {"code": f"http_{code}", "message": "scripted"})


async def test_get_is_retried_then_raises_unavailable():
    http, script = make(status(503))
    with pytest.raises(BankUnavailable) as err:
        await http.request("customers", "GET", "/v1/x")
    assert len(script.calls) == FAST.max_attempts
    assert err.value.status == 503 and not err.value.circuit_open


async def test_write_without_key_is_tried_once():
    http, script = make(status(503))
    with pytest.raises(BankUnavailable):
        await http.request("transactions", "POST", "/v1/transfers", json={"a": 1})
    assert len(script.calls) == 1


async def test_write_with_key_is_retried_with_the_same_key():
    http, script = make(status(502))
    with pytest.raises(BankUnavailable):
        await http.request("transactions", "POST", "/v1/transfers", json={"a": 1}, idempotency_key="key-123456")
    assert len(script.calls) == FAST.max_attempts
    assert {c.headers["Idempotency-Key"] for c in script.calls} == {"key-123456"}


async def test_a_retry_that_succeeds_returns_the_answer():
    answers = iter([httpx.Response(503), httpx.Response(200, json={"ok": True})])
    http, script = make(lambda _r: next(answers))
    response = await http.request("customers", "GET", "/v1/x")
    assert response.json() == {"ok": True} and len(script.calls) == 2


@pytest.mark.parametrize(
    ("code", "error"), [(404, NotFound), (409, Rejected), (422, InvalidRequest), (400, InvalidRequest)]
)
async def test_caller_errors_are_typed_and_never_retried(code: int, error: type[Exception]):
    http, script = make(status(code, {"code": "some_rule", "message": "no", "detail": {"limit": "1"}}))
    with pytest.raises(error) as err:
        await http.request("transactions", "GET", "/v1/x")
    assert len(script.calls) == 1
    assert err.value.code == "some_rule" and err.value.detail == {"limit": "1"}  # type: ignore[attr-defined]


async def test_transport_errors_and_timeouts_are_unavailable():
    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("refused", request=request)

    http, script = make(refuse)
    with pytest.raises(BankUnavailable) as err:
        await http.request("customers", "GET", "/v1/x")
    assert err.value.code == "transport" and len(script.calls) == 3

    async def hang(_request: httpx.Request) -> httpx.Response:
        await asyncio.sleep(5)
        return httpx.Response(200)

    slow = BankHttp(
        "http://bank.test", FAST.model_copy(update={"max_attempts": 2}), transport=httpx.MockTransport(hang)
    )
    with pytest.raises(BankUnavailable) as err:
        await slow.request("customers", "GET", "/v1/x")
    assert err.value.code == "timeout"


async def test_breaker_opens_after_threshold_and_recovers():
    healthy = False
    http, script = make(lambda _r: httpx.Response(200, json={}) if healthy else httpx.Response(500))
    with pytest.raises(BankUnavailable):
        await http.request("risk", "GET", "/v1/x")  # 3 failed tries
    with pytest.raises(BankUnavailable):
        await http.request("risk", "GET", "/v1/x")  # the 4th failure opens it; no retry once open
    assert await http.breaker_state("risk") == "opened"
    calls = len(script.calls)
    with pytest.raises(BankUnavailable) as err:
        await http.request("risk", "GET", "/v1/x")
    assert err.value.circuit_open and len(script.calls) == calls  # refused without calling the back-end
    # other back-ends have their own breakers
    healthy = True
    await http.request("customers", "GET", "/v1/x")
    await asyncio.sleep(FAST.breaker_reset_s + 0.05)
    await http.request("risk", "GET", "/v1/x")  # the trial call succeeds and closes it
    assert await http.breaker_state("risk") == "closed"


async def test_caller_errors_do_not_open_the_breaker():
    http, _ = make(status(404))
    for _ in range(FAST.breaker_threshold + 2):
        with pytest.raises(NotFound):
            await http.request("customers", "GET", "/v1/customers/x/profile")
    assert await http.breaker_state("customers") == "closed"


async def test_log_lines_mask_personal_data():
    http, _ = make(status(404, {"code": "not_found", "message": "no customer with phone 13911260451"}))
    with capture_logs() as logs, pytest.raises(NotFound) as err:
        await http.request("customers", "GET", "/v1/customers/lookup", params={"id_number": "110105198103150319"})
    text = repr(logs) + str(err.value)
    assert "110105198103150319" not in text and "13911260451" not in text
    assert "110***********0319" in text and "139****0451" in text
