"""The kiosk protocol's parser for the messages of a remote colleague's visit: call signalling keeps its
fields, the screen's description is bounded, and malformed frames say what is wrong."""

from __future__ import annotations

import json

import pytest

from assistant.kiosk import protocol as p

pytestmark = pytest.mark.unit


def test_rtc_keeps_its_signalling_fields() -> None:
    msg = p.parse(json.dumps({"type": "rtc", "kind": "answer", "call_id": "c1", "sdp": "v=0", "mode": "audio"}))
    assert isinstance(msg, p.Rtc)
    assert msg.model_dump() == {"type": "rtc", "kind": "answer", "call_id": "c1", "sdp": "v=0", "mode": "audio"}


def test_screen_is_parsed_and_bounded() -> None:
    card = {"id": "c0", "type": "form", "parts": [{"id": "c0-input0", "kind": "input", "label": "收款人"}]}
    msg = p.parse(json.dumps({"type": "screen", "cards": [card]}))
    assert isinstance(msg, p.Screen) and msg.cards == [card]
    with pytest.raises(p.ProtocolError) as too_many:
        p.parse(json.dumps({"type": "screen", "cards": [card] * 13}))
    assert too_many.value.code == "invalid"
    with pytest.raises(p.ProtocolError) as not_a_list:
        p.parse(json.dumps({"type": "screen", "cards": "everything"}))
    assert not_a_list.value.code == "invalid"


def test_unknown_types_name_the_known_ones() -> None:
    with pytest.raises(p.ProtocolError) as unknown:
        p.parse(json.dumps({"type": "guide", "action": "highlight"}))  # guidance goes the other way only
    assert unknown.value.code == "unknown_type" and "screen" in str(unknown.value)
