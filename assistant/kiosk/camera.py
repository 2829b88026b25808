"""The camera side of a kiosk connection: frames in, analysis in a worker thread, `vision` messages to
the page, and what the visit does about them: greet once on arrival, end the session when the
customer has left (privacy), and pass privacy, phone-at-ear and person-change events to the session
(risk), speaking any reply the conversation gives.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from functools import partial
from typing import TYPE_CHECKING, Any

from assistant.conversation import replies
from assistant.conversation.guard import InputRejected
from assistant.conversation.schemas import EventIn, Reply, TurnOut
from assistant.conversation.service import SessionEnded
from assistant.kiosk import protocol as p
from assistant.kiosk.vision_link import VisionLink, decode_jpeg, page_message
from assistant.store.sessions import SessionNotFound, StaleSession

if TYPE_CHECKING:
    from assistant.kiosk.connection import KioskConnection

log = logging.getLogger(__name__)


class KioskCamera:
    def __init__(self, host: KioskConnection) -> None:
        self.host = host
        self.link: VisionLink | None = None
        self._loading = False

    def tick(self) -> None:
        """Called every second: a visit still ends when frames stop coming (camera off)."""
        if self.link is not None:
            self.on_events(self.link.tick())

    def screen_update(self, turn: dict[str, Any]) -> None:
        if self.link is not None:
            self.link.screen.update(turn)

    async def aclose(self) -> None:
        if self.link is not None:
            await self.link.aclose()

    def on_frame(self, msg: p.Frame) -> None:
        options = self.host.services.settings.avatar.vision
        jpeg = decode_jpeg(msg.jpeg, options.max_frame_bytes)
        if self.link is None:
            if not self._loading:
                self._loading = True
                self.host.spawn(self._start())
            return  # frames during the model load are dropped
        self.link.screen.page_sensitive = msg.sensitive
        task = self.link.submit(jpeg)
        if task is not None:
            self.host.spawn(self._analysed(task))

    async def _start(self) -> None:
        analyzer = await self.host.services.analyzer()
        if analyzer is None:
            reason = f"camera analysis is unavailable: {self.host.services.vision_error}"
            await self.host.send(p.error("vision_unavailable", reason))
            return
        from avatar.vision.session import KioskVisionFeed

        feed = KioskVisionFeed(
            analyzer, self.host.services.settings.avatar.left_after_s, kiosk=self.host.device_id or ""
        )
        self.link = VisionLink(feed, self.host.services.settings.avatar.vision.max_frame_bytes)

    async def _analysed(self, task: asyncio.Task[Any]) -> None:
        assert self.link is not None
        rejected = self.link.feed.stats.rejected
        events = await task
        if self.link.feed.stats.rejected > rejected:
            await self.host.send(p.error("bad_frame", self.link.feed.stats.last_error))
        self.on_events(events)

    def on_events(self, events: list[Any]) -> None:
        for event in events:
            message = page_message(event, self.host.language)
            self.host.spawn(self.host.send(message))
            name = message["event"]
            if name == "arrived":
                self.host.queue(partial(self._arrived, message))
            elif name == "left":
                self.host.queue(partial(self._left, message))
            elif name != "gaze":
                self.host.queue(partial(self._vision_event, name, dict(event.data)))

    async def _arrived(self, message: dict[str, Any]) -> None:
        """A customer stepped up: the avatar greets once per session."""
        sid = await self.host.session()
        await self._post_vision(sid, "arrived", {"faces": message.get("faces")})
        if sid in self.host.greeted:
            return
        self.host.greeted.add(sid)
        greeting = Reply(
            text=replies.render("welcome", self.host.language),
            language=replies.reply_language(self.host.language),
            suggestions=replies.options("welcome_suggestions", self.host.language),
        )
        await self.host.deliver(TurnOut(reply=greeting, intent="greeting").model_dump(mode="json"))

    async def _left(self, message: dict[str, Any]) -> None:
        """The customer walked away: end the session and clear the screen (privacy)."""
        sid = self.host.session_id
        self.host.stop_speech()
        if sid is None:
            return
        await self._post_vision(sid, "left", {"visit_s": message.get("visit_s")})
        with contextlib.suppress(SessionNotFound, SessionEnded):
            await self.host.conversation.end(sid)
        await self.host.leave_session()
        await self.host.send({"type": "session_ended", "reason": "customer_left"})

    async def _vision_event(self, name: str, data: dict[str, Any]) -> None:
        if self.host.session_id is None:
            return
        out = await self._post_vision(self.host.session_id, name, data)
        if out is not None and out.reply.text:
            await self.host.deliver(out.model_dump(mode="json"))

    async def _post_vision(self, sid: str, name: str, data: dict[str, Any]) -> TurnOut | None:
        """The event into the session (risk and transcript); a service that does not take it is fine."""
        try:
            return await self.host.conversation.event(sid, EventIn(type="vision", data={"event": name, **data}))
        except InputRejected:
            return None
        except (SessionEnded, SessionNotFound, StaleSession) as exc:
            log.info("vision event %s not recorded: %r", name, exc)
            return None
