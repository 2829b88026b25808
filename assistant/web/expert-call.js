/* The expert console's side of a call with the kiosk and of screen guidance.
 *
 * ConsoleCall.start(sessionId, send) opens a WebRTC call: ICE servers from /api/v1/rtc/ice-servers (fresh
 * TURN credentials each call), the best local media (camera and microphone, else microphone, else receive
 * only), an offer sent as `rtc` over the staff socket; the kiosk answers through its own socket, possibly
 * on another replica (the server relays through the event bus). A connection that drops is restarted
 * (ICE restart, a new offer) a few times before it is given up. ConsoleGuide renders the kiosk's screen as
 * the kiosk describes it (`screen` messages) with buttons to point at a part, mark it, push a document.
 * An ES module: it shares the browser media helpers with the kiosk page (/kiosk/static/rtc-media.js).
 */
import { localMedia, mediaStats as statsOf } from "/kiosk/static/rtc-media.js";

const ConsoleCall = (() => {
  const $ = (id) => document.getElementById(id);
  const RESTARTS = 3;
  const DISCONNECT_GRACE_MS = 3000;
  const stats = (window.lobbyConsoleCall = { state: "idle", mode: null, restarts: 0, answers: 0, media: () => mediaStats() });
  let pc = null;
  let local = null;
  let callId = null;
  let sessionId = null;
  let send = null;
  let name = "";
  let pending = [];
  let graceTimer = null;

  const mediaStats = () => statsOf(pc);

  function setState(state, text) {
    stats.state = state;
    $("call").dataset.state = state;
    $("call-state").textContent = text || LABELS[state] || state;
    $("call-start").hidden = Boolean(pc);
    $("call-end").hidden = !pc;
  }

  const LABELS = {
    idle: "未通话 No call",
    connecting: "正在接通… Connecting",
    connected: "通话中 In call",
    reconnecting: "网络波动，重连中… Reconnecting",
    failed: "通话失败 Call failed",
    ended: "已挂断 Call ended",
  };

  async function offer(restart) {
    const description = await pc.createOffer(restart ? { iceRestart: true } : {});
    await pc.setLocalDescription(description);
    send({ type: "rtc", session_id: sessionId, kind: "offer", call_id: callId, sdp: description.sdp, name });
  }

  async function start(session, sendFn, who) {
    if (pc) return;
    sessionId = session;
    send = sendFn;
    name = who || "";
    callId = `call-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`;
    stats.restarts = 0;
    const servers = await Lobby.api("/api/v1/rtc/ice-servers").catch(() => ({ ice_servers: [] }));
    const config = { iceServers: servers.ice_servers || [] };
    if (servers.ice_transport_policy === "relay") config.iceTransportPolicy = "relay";
    pc = new RTCPeerConnection(config);
    setState("connecting");
    const got = await localMedia();
    local = got.stream;
    stats.mode = got.mode === "none" ? "receive-only" : got.mode;
    $("call-mode").textContent = { video: "视频 Video", audio: "仅语音 Audio only (no camera)", "receive-only": "仅接收 Receive only (no microphone)" }[stats.mode];
    if (local) for (const track of local.getTracks()) pc.addTrack(track, local);
    if (!local || !local.getAudioTracks().length) pc.addTransceiver("audio", { direction: "recvonly" });
    if (!local || !local.getVideoTracks().length) pc.addTransceiver("video", { direction: "recvonly" });
    $("call-self").srcObject = local;
    pc.onicecandidate = (e) => {
      if (e.candidate) send({ type: "rtc", session_id: sessionId, kind: "candidate", call_id: callId, candidate: e.candidate.toJSON() });
    };
    pc.ontrack = (e) => {
      $("call-remote").srcObject = e.streams[0] || new MediaStream([e.track]);
      $("call-remote").play().catch(() => null);
    };
    pc.onconnectionstatechange = () => onConnection(pc);
    await offer(false);
  }

  /** Connected, or dropped: a dropped call gets a few ICE restarts before it is given up. */
  function onConnection(peer) {
    if (peer !== pc) return;
    const s = pc.connectionState;
    clearTimeout(graceTimer);
    if (s === "connected") setState("connected");
    else if (s === "disconnected") {
      setState("reconnecting");
      graceTimer = setTimeout(() => pc && pc.connectionState !== "connected" && restart(), DISCONNECT_GRACE_MS);
    } else if (s === "failed") restart();
  }

  function restart() {
    if (!pc) return;
    if (stats.restarts >= RESTARTS) {
      hangUp(true);
      setState("failed");
      return;
    }
    stats.restarts += 1;
    setState("reconnecting");
    offer(true).catch((e) => console.warn("ICE restart failed", e));
  }

  async function onRtc(msg) {
    if (!pc || msg.call_id !== callId || msg.session_id !== sessionId) return;
    if (msg.kind === "answer") {
      stats.answers += 1;
      await pc.setRemoteDescription({ type: "answer", sdp: msg.sdp });
      for (const c of pending.splice(0)) await pc.addIceCandidate(c).catch(() => null);
      const kiosk = { video: "视频 video", audio: "仅语音 audio only", chat: "无摄像头和麦克风 no camera or microphone" }[msg.mode];
      if (kiosk) $("call-kiosk-mode").textContent = `客户端 Kiosk: ${kiosk}`;
    } else if (msg.kind === "candidate" && msg.candidate) {
      if (!pc.remoteDescription) pending.push(msg.candidate);
      else await pc.addIceCandidate(msg.candidate).catch(() => null);
    } else if (msg.kind === "hangup") {
      hangUp(false);
      setState("ended", "客户已挂断 The customer hung up");
    }
  }

  function hangUp(tell) {
    clearTimeout(graceTimer);
    if (tell && pc && send) send({ type: "rtc", session_id: sessionId, kind: "hangup", call_id: callId });
    if (pc) pc.close();
    if (local) for (const track of local.getTracks()) track.stop();
    pc = null;
    local = null;
    pending = [];
    $("call-remote").srcObject = null;
    $("call-self").srcObject = null;
    setState("ended");
  }

  return { start, onRtc, hangUp, get active() { return Boolean(pc); }, get session() { return sessionId; } };
})();

const ConsoleGuide = (() => {
  const $ = (id) => document.getElementById(id);
  const KINDS = { row: "行", input: "输入框", button: "按钮" };

  /** The kiosk's cards as a list of parts, each with 指示 Point and 标注 Mark. */
  function render(screen, guide) {
    const cards = screen.cards || [];
    $("screen-empty").hidden = cards.length > 0;
    $("screen").replaceChildren(
      ...cards.map((card) =>
        Lobby.el(
          "li",
          { class: "screen-card" },
          Lobby.el("b", {}, card.title || card.type || "卡片 Card"),
          Lobby.el(
            "ul",
            { class: "list" },
            ...(card.parts || []).map((part) =>
              Lobby.el(
                "li",
                { class: "row screen-part", dataset: { target: part.id } },
                Lobby.el("span", { class: "grow" }, `${KINDS[part.kind] || part.kind} · ${part.label}${part.value ? `：${part.value}` : ""}`),
                Lobby.el("button", { type: "button", class: "secondary point", onclick: () => guide({ action: "highlight", target: part.id }) }, "指示 Point"),
                Lobby.el("button", { type: "button", class: "secondary mark", onclick: () => guide({ action: "mark", target: part.id, text: $("guide-text").value.trim() }) }, "标注 Mark"),
              ),
            ),
          ),
        ),
      ),
    );
  }

  return { render };
})();

// expert.js (a classic deferred script, run after this module) finds them here
window.ConsoleCall = ConsoleCall;
window.ConsoleGuide = ConsoleGuide;
