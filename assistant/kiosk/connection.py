"""One kiosk's WebSocket session: the bridge between the page and the conversation, speech and camera.

Four tasks per connection, each with a bounded queue: the receive loop (parses frames, decides
barge-in, never waits on a model), the job worker (hello, turns, events and vision reactions one at a
time, in arrival order), the sender (one writer to the socket), and the listener (streaming ASR).
Speech for a reply runs in its own task so a barge-in or a newer reply can cancel it. The session
outlives the socket: a page that reconnects sends `hello {session_id}` and carries on.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from fastapi import WebSocket, WebSocketDisconnect
from pydantic import ValidationError
from sqlalchemy.exc import DBAPIError, OperationalError

from assistant.conversation.guard import InputRejected
from assistant.conversation.schemas import EventIn, SessionCreate, TurnIn, TurnOut
from assistant.conversation.service import ConversationService, SessionEnded
from assistant.conversation.speech_text import spoken
from assistant.events import EventBus, Subscription
from assistant.kiosk import protocol as p
from assistant.kiosk.camera import KioskCamera
from assistant.kiosk.echo import BargeInDetector, EchoReference
from assistant.kiosk.listener import Listener, MicGate
from assistant.kiosk.services import KioskServices
from assistant.kiosk.voice import ReplySpeaker
from assistant.recording import Recordings, VisitRecorder
from assistant.store.sessions import SessionNotFound, StaleSession
from integrations.pii import mask_data
from speech.asr.stream import Final, Interim, StreamEvent
from speech.audio import pcm16_to_float

log = logging.getLogger(__name__)

OUTBOX = 256
JOBS = 16
TICK_S = 1.0
Job = Callable[[], Awaitable[None]]


class KioskConnection:
    def __init__(
        self,
        websocket: WebSocket,
        services: KioskServices,
        conversation: ConversationService,
        events: EventBus,
        *,
        device_id: str | None = None,
        branch_id: str | None = None,
        recordings: Recordings | None = None,
    ) -> None:
        self.ws, self.services, self.conversation, self.events = websocket, services, conversation, events
        self.device_id, self.branch_id = device_id, branch_id
        self.session_id: str | None = None
        self.language, self.elderly, self.high_contrast = "zh", False, False
        self.greeted: set[str] = set()
        self._outbox: asyncio.Queue[dict[str, Any] | None] = asyncio.Queue(OUTBOX)
        self._jobs: asyncio.Queue[Job] = asyncio.Queue(JOBS)
        self._reference = EchoReference()
        self._barge = BargeInDetector(self._reference)
        self._gate = MicGate()
        self._listener: Listener | None = None
        self._speaker = ReplySpeaker(services.tts, self.send, self._reference.append, services.phonemize)
        self._speech: asyncio.Task[None] | None = None
        self.camera = KioskCamera(self)
        self._subscription: Subscription | None = None
        self._forwarder: asyncio.Task[None] | None = None
        self._reply_ids = itertools.count(1)
        self._tasks: set[asyncio.Task[Any]] = set()
        self._warned: set[str] = set()
        self.dropped_out = 0
        # keeps a consented visit (assistant/recording), asking the page for a still at moments that matter
        self.recording = VisitRecorder(recordings, ask=lambda message: self.spawn(self.send(message)))

    # -- the socket --------------------------------------------------------------------------------

    async def run(self) -> None:
        loops = [
            asyncio.create_task(self._send_loop(), name="kiosk-send"),
            asyncio.create_task(self._work_loop(), name="kiosk-jobs"),
            asyncio.create_task(self._tick_loop(), name="kiosk-tick"),
        ]
        try:
            while True:
                message = await self.ws.receive()
                if message["type"] == "websocket.disconnect":
                    break
                if message.get("bytes") is not None:
                    self._on_audio(message["bytes"])
                elif message.get("text") is not None:
                    self._on_text(message["text"])
        except (WebSocketDisconnect, RuntimeError) as exc:
            log.info("kiosk socket closed: %r", exc)
        finally:
            await self._close(loops)

    async def send(self, message: dict[str, Any]) -> None:
        """Queue a message for the page; when the socket cannot keep up, the newest is dropped (bounded)."""
        self.recording.observe(message)
        try:
            self._outbox.put_nowait(message)
        except asyncio.QueueFull:
            self.dropped_out += 1
            log.warning("kiosk outbox full: dropped a %s message", message.get("type"))

    def _error(self, code: str, message: str) -> None:
        log.info("kiosk input refused: %s: %s", code, message)
        self.spawn(self.send(p.error(code, message)))

    async def _send_loop(self) -> None:
        while (message := await self._outbox.get()) is not None:
            try:
                await self.ws.send_text(json.dumps(message, ensure_ascii=False))
            except Exception as exc:  # the socket went away; the receive loop ends the connection
                log.info("kiosk send failed: %r", exc)
                return

    async def _work_loop(self) -> None:
        while True:
            job = await self._jobs.get()
            try:
                await job()
            except DBAPIError as exc:
                if not (isinstance(exc, OperationalError) or exc.connection_invalidated):
                    log.exception("kiosk job failed")
                    await self.send(p.error("internal", "something went wrong; please try again"))
                    continue
                # the database is away (a restart, a failover): the page shows "please wait", nothing is lost
                log.warning("kiosk: database unavailable (%s)", type(exc.orig).__name__)
                await self.send({**p.error("unavailable", "briefly unavailable; please try again"), "retry_after_s": 5})
            except Exception:  # one failed job must not end the visit
                log.exception("kiosk job failed")
                await self.send(p.error("internal", "something went wrong; please try again"))

    async def _tick_loop(self) -> None:
        while True:
            await asyncio.sleep(TICK_S)
            self.camera.tick()

    def queue(self, job: Job) -> None:
        try:
            self._jobs.put_nowait(job)
        except asyncio.QueueFull:
            self._error("busy", "too many requests at once; please wait for the reply")

    def spawn(self, coro: Awaitable[Any]) -> None:
        task = asyncio.ensure_future(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _close(self, loops: list[asyncio.Task[Any]]) -> None:
        self.recording.finish()  # a consented visit is stored even if the closing is cut short
        await self._outbox.put(None) if not self._outbox.full() else None
        for task in [*loops, *self._tasks, self._speech, self._forwarder]:
            if task is not None:
                task.cancel()
        for task in [*loops, *self._tasks, self._speech, self._forwarder]:
            if task is not None:
                with contextlib.suppress(asyncio.CancelledError, Exception):
                    await task
        if self._listener is not None:
            await self._listener.aclose()
        await self.camera.aclose()
        await self.recording.aclose()
        if self._subscription is not None:
            await self.events.unsubscribe(self._subscription)

    # -- client messages ---------------------------------------------------------------------------

    def _on_text(self, raw: str) -> None:
        try:
            msg = p.parse(raw)
            self._dispatch(msg)
        except p.ProtocolError as exc:
            self._error(exc.code, str(exc))

    def _dispatch(self, msg: p.ClientMessage) -> None:
        if isinstance(msg, p.Hello):
            self.queue(lambda: self._hello(msg))
        elif isinstance(msg, p.Text):
            self.queue(lambda: self._turn(TurnIn(text=msg.text, source="typed")))
        elif isinstance(msg, p.Touch):
            extra = {k: v for k, v in (msg.model_extra or {}).items() if isinstance(v, str | int | float | bool)}
            event = EventIn(type="touch", data={**extra, "text": msg.label, "value": msg.value})
            self.queue(lambda: self._event(event))
        elif isinstance(msg, p.Event):
            try:
                device_event = EventIn(type=msg.event.type, data=msg.event.data)
            except ValidationError:
                raise p.ProtocolError("invalid", f"event type {msg.event.type!r} is not accepted") from None
            self.queue(lambda: self._event(device_event))
        elif isinstance(msg, p.Mic):
            self._on_mic(msg.state)
        elif isinstance(msg, p.Frame):
            self.camera.on_frame(msg)
        elif isinstance(msg, p.Still):
            self.recording.still(msg.request_id, msg.jpeg)
        elif isinstance(msg, p.Playback):
            self._on_playback(msg)
        elif isinstance(msg, p.Settings):
            self._on_settings(msg.language, msg.elderly, msg.high_contrast)
        elif isinstance(msg, p.Ping):
            self.spawn(self.send({"type": "pong"}))
        elif isinstance(msg, p.Rtc) and self.session_id is not None:  # call signalling, for the colleague
            self.spawn(self.events.publish(f"kiosk:{self.session_id}:up", msg.model_dump()))
        elif isinstance(msg, p.Screen) and self.session_id is not None:  # what the screen shows, masked
            self.spawn(self.events.publish(f"kiosk:{self.session_id}:up", mask_data(msg.model_dump())))

    def _on_settings(self, language: str | None, elderly: bool | None, high_contrast: bool | None) -> None:
        if language is not None and language != self.language:
            self.language = language
            if self._listener is not None:  # the next utterance is recognised in the new language
                listener, self._listener = self._listener, None
                self.spawn(listener.aclose())
        if elderly is not None:
            self.elderly = elderly
        if high_contrast is not None:
            self.high_contrast = high_contrast

    # -- sessions ----------------------------------------------------------------------------------

    async def _hello(self, msg: p.Hello) -> None:
        self._on_settings(msg.language, msg.elderly, None)
        if msg.session_id:
            try:
                view = await self.conversation.view(msg.session_id)
            except SessionNotFound:
                view = None
            mine = view is not None and (self.device_id is None or view.device_id in (None, self.device_id))
            if view is not None and view.status == "active" and mine:
                await self._adopt(view.session_id)
                if view.language in ("zh", "en") and msg.language is None:
                    self.language = view.language
                await self.send({"type": "session", "session_id": view.session_id, "resumed": True})
                if await self.conversation.live_expert(view.session_id):  # a colleague still serves this visit
                    await self.send({"type": "handoff", "status": "accepted", "expert": None, "resumed": True})
                return
        await self._new_session()

    async def _new_session(self) -> str:
        created = await self.conversation.create_session(
            SessionCreate(channel="kiosk", branch_id=self.branch_id, device_id=self.device_id, language=self.language)
        )
        await self._adopt(created.session_id)
        greeting = created.reply.model_dump(mode="json")
        reply_id = self._next_reply_id()
        await self.send(
            {
                "type": "session",
                "session_id": created.session_id,
                "resumed": False,
                "greeting": greeting,
                "reply_id": reply_id,  # the greeting is spoken too, in the visit's language
            }
        )
        language = str(greeting.get("language") or self.language)
        said = greeting.get("speech")
        self._start_speech(
            reply_id, said if isinstance(said, str) else spoken(str(greeting.get("text", "")), language), language
        )
        return created.session_id

    async def session(self) -> str:
        return self.session_id if self.session_id is not None else await self._new_session()

    async def _adopt(self, session_id: str) -> None:
        if session_id == self.session_id:
            return
        await self.leave_session()
        self.session_id = session_id
        self._subscription = await self.events.subscribe(f"session:{session_id}")
        self._forwarder = asyncio.create_task(self._forward(self._subscription), name="kiosk-forward")

    async def leave_session(self) -> None:
        self.session_id = None
        if self._forwarder is not None:
            self._forwarder.cancel()
            self._forwarder = None
        if self._subscription is not None:
            await self.events.unsubscribe(self._subscription)
            self._subscription = None

    async def _forward(self, subscription: Subscription) -> None:
        """Messages for this session from staff (expert replies, handoff status, session end)."""
        async for message in subscription:
            kind = message.get("type")
            if kind == "turn" and isinstance(message.get("turn"), dict):
                await self.deliver(message["turn"])
            elif kind == "expert_message":
                reply_id = self._next_reply_id() if message.get("speak") else None
                await self.send({**message, "reply_id": reply_id} if reply_id else message)
                if reply_id:
                    self._start_speech(reply_id, spoken(str(message.get("text", "")), self.language), self.language)
            elif kind == "session_ended":
                await self.send(message)
                self.stop_speech()
                self.session_id, self._forwarder, self._subscription = None, None, None
                await self.events.unsubscribe(subscription)
                return
            elif kind in ("handoff", "rtc", "guide", "screen_request"):
                await self.send(message)

    # -- turns -------------------------------------------------------------------------------------

    async def _turn(self, turn_in: TurnIn) -> None:
        await self._call(lambda sid: self.conversation.turn(sid, turn_in), upstream=turn_in.text)

    async def _event(self, event: EventIn) -> None:
        upstream = str(event.data.get("text") or "") if event.type == "touch" else None
        await self._call(lambda sid: self.conversation.event(sid, event), upstream=upstream)

    async def _call(self, action: Callable[[str], Awaitable[TurnOut]], upstream: str | None = None) -> None:
        """Run a turn on the current session (a new one if it ended), map errors to `error` messages."""
        for attempt in range(2):
            sid = await self.session()
            try:
                out = await action(sid)
            except InputRejected as exc:
                await self.send(p.error("rejected", str(exc)))
                return
            except (SessionEnded, SessionNotFound):
                await self.send({"type": "session_ended", "reason": "ended"})
                await self.leave_session()
                continue  # the customer keeps talking: carry on in a fresh session
            except StaleSession:
                if attempt:
                    await self.send(p.error("conflict", "the session changed elsewhere; please try again"))
                continue
            await self._tell_watchers(sid, upstream, out)
            await self.deliver(out.model_dump(mode="json"))
            return

    async def _tell_watchers(self, sid: str, upstream: str | None, out: TurnOut) -> None:
        """A colleague watching this visit sees it live: what the customer said with the risk it raised,
        and what the assistant answered (nothing while the colleague serves the customer themselves)."""
        up = f"kiosk:{sid}:up"
        flags = [f for f in out.risk if f.get("action") not in (None, "allow")]
        if upstream:
            await self.events.publish(up, {"type": "customer_message", "text": upstream, "risk": flags})
        if out.reply.text:
            await self.events.publish(up, {"type": "assistant_message", "text": out.reply.text})

    def _next_reply_id(self) -> str:
        return f"r{next(self._reply_ids)}"

    async def deliver(self, turn: dict[str, Any]) -> None:
        """A reply on screen (text, cards, citations) and then in the avatar's voice."""
        reply_id = self._next_reply_id()
        await self.send({"type": "reply", "reply_id": reply_id, "turn": turn})
        self.camera.screen_update(turn)
        reply = turn.get("reply") or {}
        language = str(reply.get("language") or self.language)
        said = reply.get("speech")  # the lobby-safe rendering; made here for replies built elsewhere
        if not reply.get("text"):  # nothing to say (the bot is quiet while a colleague serves): cut nothing
            return
        self._start_speech(
            reply_id, said if isinstance(said, str) else spoken(str(reply.get("text", "")), language), language
        )

    def _start_speech(self, reply_id: str, text: str, lang: str) -> None:
        self.stop_speech()
        self._reference.reset(reply_id)
        self._gate.restart()
        rate = self.services.rate(self.elderly)
        self._speech = asyncio.create_task(self._speaker.speak(reply_id, text, lang, rate), name="kiosk-speech")

    def stop_speech(self) -> None:
        if self._speech is not None and not self._speech.done():
            self._speech.cancel()
        self._speech = None

    # -- microphone --------------------------------------------------------------------------------

    def _on_mic(self, state: str) -> None:
        self.recording.mic_state(state)
        if state == "open":
            self._ensure_listener()
        elif self._listener is not None:
            self._listener.flush()

    def _ensure_listener(self) -> Listener | None:
        if self._listener is None:
            recognizer = self.services.recognizer
            if recognizer is None:
                if "asr" not in self._warned:
                    self._warned.add("asr")
                    self._error("asr_unavailable", "speech recognition is unavailable; please type or tap")
                return None
            options = self.services.stream_options(self.language)
            self._listener = Listener(recognizer, options, self.recording.tap(self._on_stream_event))
        return self._listener

    def _on_audio(self, frame: bytes) -> None:
        try:
            p.check_audio(frame)
        except p.ProtocolError as exc:
            self._error(exc.code, str(exc))
            return
        listener = self._ensure_listener()
        if self._barge.feed(pcm16_to_float(frame)):
            self._barge_in()
        playing = self._reference.playing(self._barge.mic_clock, self._barge.options.tail_ms)
        customer = self._barge.fired or self._barge.recent_customer
        for chunk in self._gate.push(frame, playing=playing, customer=customer):
            if listener is not None:
                listener.push(chunk)
        self.recording.mic(frame)

    def _barge_in(self) -> None:
        reply_id = self._reference.reply_id
        log.info("kiosk barge-in on %s (%s)", reply_id, self._barge.last_decision)
        self.stop_speech()
        self.spawn(self.send({"type": "barge_in", "reply_id": reply_id}))
        self._reference.ended(reply_id, self._barge.mic_clock)

    def _on_playback(self, msg: p.Playback) -> None:
        if msg.state == "started":
            self._reference.started(msg.reply_id, self._barge.mic_clock, msg.position_ms or 0)
        else:
            self._reference.ended(msg.reply_id, self._barge.mic_clock)

    async def _on_stream_event(self, event: StreamEvent) -> None:
        if isinstance(event, Interim):
            await self.send({"type": "asr", "text": event.text, "final": False})
        elif isinstance(event, Final):
            result = event.result
            await self.send({"type": "asr", "text": result.text, "final": True, "confidence": result.confidence})
            if result.text:
                confidence = min(max(result.confidence, 0.0), 1.0)
                self.queue(lambda: self._turn(TurnIn(text=result.text, source="speech", asr_confidence=confidence)))
