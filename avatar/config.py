"""Options of the avatar package; composed into `assistant.config.Settings` as `avatar`."""

from pydantic import BaseModel, Field

from avatar.vision.options import VisionOptions


class AvatarOptions(BaseModel):
    """Kiosk and camera options (env: `LOBBY_AVATAR__<NAME>`)."""

    left_after_s: float = Field(8.0, gt=0, description="Seconds without a face before the visit ends.")
    vision: VisionOptions = Field(
        default_factory=VisionOptions, description="Camera pipeline (env: `LOBBY_AVATAR__VISION__<NAME>`)."
    )
