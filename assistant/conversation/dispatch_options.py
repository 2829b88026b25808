"""Options of the handoff dispatcher; composed into `assistant.config.Settings` as `handoff`
(env: `LOBBY_HANDOFF__<NAME>`). Kept apart from `dispatch.py` so the settings do not import the store."""

from pydantic import BaseModel, ConfigDict, Field


class DispatchOptions(BaseModel):
    """How handoffs are offered to experts and when they fall back to the branch's tellers."""

    model_config = ConfigDict(frozen=True)

    offer_timeout_s: float = Field(60.0, gt=0, description="An offer not accepted by then goes to the next expert.")
    max_offers: int = Field(2, ge=0, description="Offers to experts before the handoff falls back to the tellers.")
    aging_s: float = Field(60.0, gt=0, description="One priority point per this many seconds of waiting.")
    poll_s: float = Field(1.0, gt=0, description="How often the dispatcher looks at the queue.")
    fairness_window_h: float = Field(24.0, gt=0, description="Handoffs counted for the least-loaded expert.")
    awaiting_window_s: float = Field(
        3600.0, gt=0, description="Sessions waiting for an authorisation this recently get a handoff."
    )
    escalate_after_s: float = Field(
        300.0, gt=0, description="A handoff queued this long is escalated: flagged, ranked up, offered again."
    )
    authorization_timeout_s: float = Field(
        180.0, gt=0, description="A kiosk waiting this long for an authorisation tells the customer their options."
    )
