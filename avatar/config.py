"""Options of the avatar package; composed into `assistant.config.Settings` as `avatar`."""

from pydantic import BaseModel, Field


class AvatarOptions(BaseModel):
    """Kiosk and camera options (env: `LOBBY_AVATAR__<NAME>`)."""

    left_after_s: float = Field(8.0, gt=0, description="Seconds without a face before the visit ends.")
