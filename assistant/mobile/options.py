"""`data/mobile.yaml` read once and checked against the shipped journeys (a typo fails at start-up)."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import Any

import yaml

from assistant.journeys.spec import Flow, IdentifyStep

Text = dict[str, str]

MESSAGES: dict[str, Text] = {
    "required": {"zh": "请填写{label}。", "en": "Please fill in: {label}."},
    "invalid": {"zh": "{label}的格式不正确，请核对后重新填写。", "en": "{label} does not look right; please check it."},
}


@dataclass(frozen=True)
class MobileOptions:
    prepare: tuple[str, ...]
    form_hours: int
    token_minutes: int
    documents: dict[str, dict[str, Any]]
    messages: dict[str, Text]
    written: dict[str, dict[str, str]]  # per language: spoken phrase -> written phrase

    def as_written(self, text: Text) -> Text:
        """A journey's spoken text as it reads beside a form field on the phone."""
        out = dict(text)
        for lang, swaps in self.written.items():
            for spoken, written in swaps.items():
                out[lang] = out.get(lang, "").replace(spoken, written)
        return out


@lru_cache(maxsize=1)
def mobile_options() -> MobileOptions:
    text = resources.files("assistant.mobile").joinpath("data/mobile.yaml").read_text(encoding="utf-8")
    data: dict[str, Any] = yaml.safe_load(text)
    return MobileOptions(
        prepare=tuple(data["prepare"]),
        form_hours=int(data["form_hours"]),
        token_minutes=int(data["token_minutes"]),
        documents=dict(data["documents"]),
        messages=MESSAGES,
        written={lang: dict(swaps) for lang, swaps in (data.get("spoken_to_written") or {}).items()},
    )


def check_preparable(options: MobileOptions, flows: dict[str, Flow]) -> None:
    """Every preparable journey exists and can identify by QR (the code the phone shows)."""
    for name in options.prepare:
        flow = flows.get(name)
        if flow is None:
            raise ValueError(f"mobile.yaml: prepare names unknown journey {name!r}")
        if not any(isinstance(s, IdentifyStep) and "qr" in s.methods for s in flow.steps):
            raise ValueError(f"mobile.yaml: journey {name!r} cannot identify by QR, so it cannot be prepared at home")
