"""The domain vocabulary: terms that recognition should prefer, as a reviewable text file.

File format (UTF-8, one entry a line, `#` starts a comment):

    信用卡                 a term
    转账 | 转帐 | 轉賬      a term and written variants that must always become the term
    [prompt] 挂失          a term also used in whisper's initial prompt / hotwords

The business side edits the file; the code takes whatever vocabulary it is given.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

PROMPT_TAG = "[prompt]"


@dataclass(frozen=True)
class Vocabulary:
    """Terms, their always-replace variants, and the subset used to bias the decoder."""

    terms: tuple[str, ...]
    variants: dict[str, str] = field(default_factory=dict)  # variant -> term
    prompt_terms: tuple[str, ...] = ()

    def __len__(self) -> int:
        return len(self.terms)

    def prompt(self, max_chars: int = 160) -> str:
        """A Simplified-Chinese initial prompt naming the prompt terms (kept short: whisper's prompt
        window is 224 tokens and long prompts start to leak into the output)."""
        head = "以下是普通话的句子，"
        words: list[str] = []
        size = len(head)
        for term in self.prompt_terms:
            if size + len(term) + 1 > max_chars:
                break
            words.append(term)
            size += len(term) + 1
        return head + "、".join(words) + "。" if words else head

    def hotwords(self, max_terms: int = 30) -> str:
        return " ".join(self.prompt_terms[:max_terms])


def parse_vocabulary(text: str) -> Vocabulary:
    terms: list[str] = []
    variants: dict[str, str] = {}
    prompt_terms: list[str] = []
    seen: set[str] = set()
    for raw in text.splitlines():
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        in_prompt = line.startswith(PROMPT_TAG)
        if in_prompt:
            line = line[len(PROMPT_TAG) :].strip()
        names = [n.strip() for n in line.split("|") if n.strip()]
        if not names:
            continue
        term, *alts = names
        if term not in seen:
            seen.add(term)
            terms.append(term)
        for alt in alts:
            if alt != term:
                variants[alt] = term
        if in_prompt and term not in prompt_terms:
            prompt_terms.append(term)
    return Vocabulary(terms=tuple(terms), variants=variants, prompt_terms=tuple(prompt_terms))


def packaged_vocabulary_path() -> Path:
    return Path(str(resources.files("speech.vocabulary").joinpath("bank_zh.txt")))


def load_vocabulary(path: str | Path | None = None) -> Vocabulary:
    """Read a vocabulary file (the packaged one when `path` is empty)."""
    target = Path(path) if path else packaged_vocabulary_path()
    try:
        return parse_vocabulary(target.read_text(encoding="utf-8"))
    except OSError as exc:
        raise FileNotFoundError(f"vocabulary file {target}: {exc.strerror or exc}") from None
