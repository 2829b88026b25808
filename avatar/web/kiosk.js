// The kiosk page: state, the session WebSocket and what each server message does on screen.
// Touch and typing always work; the microphone and camera are extras the page does without when the
// browser has no device or permission. Protocol: contracts.md / docs/kiosk-protocol.md.

import { Avatar } from "./avatar.js";
import { Camera } from "./camera.js";
import { renderCards, renderJourney, renderSuggestions } from "./cards.js";
import { applyI18n, language, pick, setLanguage, t } from "./i18n.js";
import { Microphone } from "./mic.js";
import { setupConsent, setupDevices, setupPrivacy } from "./panels.js";
import { SpeechPlayer } from "./player.js";
import { KioskSocket } from "./socket.js";

const $ = (id) => document.getElementById(id);
const boot = JSON.parse(($("lobby-boot") || {}).textContent || "{}");
const metrics = (window.lobbyMetrics = { avatarFps: 0, avatarFrames: 0, bargeIn: { local: 0, server: 0 } });
const state = (window.lobbyState = {
  sessionId: sessionStorage.getItem("lobby-session"),
  connected: false,
  sessions: 0,
  resumed: 0,
  elderly: false,
  highContrast: false,
  micOpen: false,
  micAvailable: null,
  cameraAvailable: null,
  greeted: false,
  lastTurn: null,
  received: [],
  finals: [],
  vision: [],
});

function deviceToken() {
  const params = new URLSearchParams(location.search);
  const given = params.get("token");
  if (given) {
    localStorage.setItem("lobby-device-token", given);
    params.delete("token");
    history.replaceState(null, "", `${location.pathname}${params.size ? `?${params}` : ""}`);
  }
  const meta = document.querySelector('meta[name="lobby-device-token"]');
  return (meta && meta.content) || localStorage.getItem("lobby-device-token") || "";
}

const avatar = new Avatar($("avatar"));
avatar.onFrame(() => {
  metrics.avatarFps = avatar.fps;
  metrics.avatarFrames = avatar.frames;
});
const wsUrl = `${location.protocol === "https:" ? "wss" : "ws"}://${location.host}/api/v1/kiosk/ws?token=${encodeURIComponent(deviceToken())}`;
const socket = new KioskSocket(wsUrl, { onOpen: hello, onMessage: receive, onClose: disconnected });
const send = (msg, keep = false) => socket.send(msg, keep);
const player = new SpeechPlayer({
  avatar,
  send,
  metrics,
  onSentence: (text) => text && showAssistant(text),
  onState: (s) => avatar.setExpression(s === "started" ? expressionFor(state.lastTurn) : "neutral"),
});
const mic = new Microphone({
  onFrame: (pcm) => socket.sendBinary(pcm),
  onSpeechStart: () => {
    if (state.micOpen && player.stop("barge_in_local")) {
      metrics.bargeIn.local += 1;
      avatar.setExpression("listening");
    }
  },
});
// Frames say whether a PIN, amount or ID is on screen: only then is someone close behind a privacy risk.
const camera = new Camera({ send: (msg) => send(msg), sensitive: () => Boolean(document.querySelector('#cards [data-sensitive="true"]')) });
const consent = setupConsent((answer) => sendEvent("consent", answer));
const privacy = setupPrivacy();
const devices = setupDevices(boot.cast || [], sendEvent, notice);

// ---- outgoing -------------------------------------------------------------------------------------

function hello() {
  state.connected = true;
  setConnection("online");
  const msg = { type: "hello", language: language(), elderly: state.elderly };
  if (state.sessionId) msg.session_id = state.sessionId;
  send(msg);
}

function sendText(text) {
  const clean = String(text).trim();
  if (!clean) return;
  player.stop("customer_typed");
  showCustomer(clean, true);
  avatar.setExpression("thinking");
  send({ type: "text", text: clean }, true);
}

function touch(text, value) {
  player.stop("customer_touched");
  showCustomer(text, true);
  avatar.setExpression("thinking");
  send({ type: "touch", text, value }, true);
}

function sendEvent(type, data) {
  send({ type: "event", event: { type, data } }, true);
}

function sendSettings() {
  send({ type: "settings", language: language(), elderly: state.elderly, high_contrast: state.highContrast }, true);
}

// ---- incoming -------------------------------------------------------------------------------------

const HANDLERS = {
  session(msg) {
    const fresh = msg.session_id !== state.sessionId || !msg.resumed;
    state.sessionId = msg.session_id;
    sessionStorage.setItem("lobby-session", msg.session_id);
    state.sessions += 1;
    if (msg.resumed) state.resumed += 1;
    if (fresh && !msg.resumed) consent.show();
    if (msg.greeting) showReply(msg.greeting);
    socket.flush();
  },
  asr(msg) {
    if (msg.final) keepLast(state.finals, msg.text || "");
    showCustomer(msg.text || "", Boolean(msg.final));
    avatar.setExpression(msg.final ? "thinking" : "listening");
  },
  reply(msg) {
    showTurn(msg.turn || {});
  },
  turn(msg) {
    showTurn(msg.turn || {});
  },
  speech(msg) {
    player.speech(msg);
  },
  speech_end(msg) {
    player.end(msg.reply_id);
  },
  speech_unavailable() {
    notice(t("speech.unavailable"));
  },
  barge_in() {
    if (player.stop("barge_in")) metrics.bargeIn.server += 1;
    avatar.setExpression("listening");
  },
  vision(msg) {
    keepLast(state.vision, msg.event);
    if (msg.event === "arrived" && !state.greeted) greet();
    else if (msg.event === "gaze") avatar.lookAt(msg.yaw, msg.pitch);
    else if (msg.event === "extra_face") privacy.show();
    else if (msg.event === "left") clearScreen();
  },
  expert_message(msg) {
    showAssistant(`${msg.from || t("expert.from")}：${msg.text || ""}`);
  },
  handoff(msg) {
    notice(msg.status === "accepted" ? t("handoff.accepted", { expert: msg.expert || t("expert.from") }) : t("handoff.finished"));
  },
  session_ended() {
    // The server starts the next session itself when the next customer speaks, types or taps.
    clearScreen();
    notice(t("session.ended"));
    state.sessionId = null;
    sessionStorage.removeItem("lobby-session");
  },
  error(msg) {
    console.warn("kiosk server error", msg.code, msg.message);
  },
  pong() {},
};

function keepLast(list, item, size = 50) {
  list.push(item);
  if (list.length > size) list.shift();
}

function receive(msg) {
  keepLast(state.received, msg.type, 200);
  const handler = HANDLERS[msg.type];
  if (handler) handler(msg);
}

function disconnected() {
  state.connected = false;
  setConnection("reconnecting");
  if (state.micOpen) closeMic();
}

// ---- screen ---------------------------------------------------------------------------------------

function setConnection(kind) {
  $("connection").dataset.state = kind;
  $("connection-text").dataset.i18n = kind === "online" ? "conn.online" : "conn.reconnecting";
  $("connection-text").textContent = t($("connection-text").dataset.i18n);
}

function showCustomer(text, final) {
  const line = $("sub-customer");
  line.textContent = text;
  line.classList.toggle("interim", !final);
}

function showAssistant(text) {
  $("sub-assistant").textContent = text;
}

let noticeTimer = null;
function notice(text) {
  const box = $("notice");
  box.textContent = text;
  box.hidden = false;
  clearTimeout(noticeTimer);
  noticeTimer = setTimeout(() => (box.hidden = true), 5000);
}

function expressionFor(turn) {
  if (!turn) return "neutral";
  const risky = (turn.risk || []).some((r) => ["warn", "hold", "block"].includes(r.action));
  if (risky || (turn.reply?.cards || []).some((c) => c.type === "warning")) return "concern";
  if (turn.journey && turn.journey.status === "completed") return "smile";
  return "neutral";
}

function showReply(reply) {
  showTurn({ reply });
}

function showTurn(turn) {
  const reply = turn.reply || { text: "" };
  state.lastTurn = turn;
  if (reply.language && reply.language !== language()) switchLanguage(reply.language, false);
  showAssistant(reply.text || "");
  renderTurn(turn);
  avatar.setExpression(expressionFor(turn));
}

function renderTurn(turn) {
  const reply = turn.reply || {};
  const journey = turn.journey && boot.journeys ? boot.journeys[turn.journey.name] : null;
  const first = renderCards($("cards"), reply, {
    touch,
    sendText,
    printed: (_card, paper) => devices.printed(paper),
    concern: () => avatar.setExpression("concern"),
    slotLabels: journey ? journey.slots : {},
  });
  renderSuggestions($("suggestions"), reply.suggestions, touch);
  renderJourney($("journey"), $("journey-title"), $("journey-steps"), turn.journey, boot.journeys || {});
  if (first) avatar.gesture(first);
}

function greet() {
  state.greeted = true;
  avatar.setExpression("smile");
  avatar.gesture(null);
  setTimeout(() => {
    if (!$("sub-assistant").textContent) showAssistant(t("greeting"));
  }, 1500);
}

/** Privacy: nothing of the last customer stays on screen. */
function clearScreen() {
  player.stop("visit_ended");
  for (const id of ["sub-assistant", "sub-customer"]) $(id).textContent = "";
  $("cards").replaceChildren();
  $("suggestions").replaceChildren();
  $("journey").hidden = true;
  $("text").value = "";
  privacy.hide();
  consent.hide();
  devices.clear();
  state.lastTurn = null;
  state.greeted = false;
  avatar.setExpression("neutral");
}

function switchLanguage(lang, tell = true) {
  setLanguage(lang);
  $("lang-toggle").textContent = language() === "zh" ? "English" : "中文";
  if (devices.relabel) devices.relabel();
  if (state.lastTurn) renderTurn(state.lastTurn);
  if (tell) sendSettings();
}

// ---- microphone -----------------------------------------------------------------------------------

async function openMic() {
  player.unlock();
  const ok = await mic.start();
  state.micAvailable = ok;
  if (!ok) {
    $("mic").disabled = true;
    notice(t("mic.unavailable"));
    return;
  }
  player.stop("customer_talks");
  mic.setSending(true);
  send({ type: "mic", state: "open" });
  state.micOpen = true;
  $("mic").setAttribute("aria-pressed", "true");
  $("mic-text").textContent = t("mic.open");
  avatar.setExpression("listening");
}

function closeMic() {
  mic.setSending(false);
  send({ type: "mic", state: "closed" });
  state.micOpen = false;
  $("mic").setAttribute("aria-pressed", "false");
  $("mic-text").textContent = t("mic.idle");
}

function setupMicButton() {
  const button = $("mic");
  let pressedAt = 0;
  let wasOpen = false;
  button.addEventListener("pointerdown", (event) => {
    event.preventDefault();
    pressedAt = performance.now();
    wasOpen = state.micOpen;
    if (!wasOpen) openMic();
  });
  // Held longer than half a second: push-to-talk (release closes). A short tap: hands-free until the next tap.
  button.addEventListener("pointerup", () => {
    if (wasOpen || performance.now() - pressedAt > 500) closeMic();
  });
  button.addEventListener("click", (event) => {
    if (event.detail !== 0) return; // keyboard activation only; pointers are handled above
    if (state.micOpen) closeMic();
    else openMic();
  });
  setInterval(() => mic.setEchoLevel(player.playing ? player.outputLevel() : 0), 50);
}

// ---- start ----------------------------------------------------------------------------------------

function setupControls() {
  $("composer").addEventListener("submit", (event) => {
    event.preventDefault();
    player.unlock();
    sendText($("text").value);
    $("text").value = "";
  });
  $("lang-toggle").addEventListener("click", () => switchLanguage(language() === "zh" ? "en" : "zh"));
  $("elderly-toggle").addEventListener("click", () => {
    state.elderly = !state.elderly;
    document.body.classList.toggle("elderly", state.elderly);
    $("elderly-toggle").setAttribute("aria-pressed", String(state.elderly));
    sendSettings();
  });
  $("contrast-toggle").addEventListener("click", () => {
    state.highContrast = !state.highContrast;
    document.body.classList.toggle("high-contrast", state.highContrast);
    $("contrast-toggle").setAttribute("aria-pressed", String(state.highContrast));
    sendSettings();
  });
  document.addEventListener("pointerdown", () => player.unlock(), { once: true });
  setupMicButton();
}

applyI18n();
setupControls();
socket.connect();
setInterval(() => send({ type: "ping" }), 20000);
camera.start().then((ok) => {
  state.cameraAvailable = ok;
});
window.lobbyKiosk = { state, avatar, player, mic, camera, socket, pick };
