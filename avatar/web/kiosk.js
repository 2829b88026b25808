// The kiosk page: state, the session WebSocket and what each server message does on screen.
// Touch and typing always work; the microphone and camera are extras the page does without when the
// browser has no device or permission. Protocol: contracts.md / docs/kiosk-protocol.md.

import { Avatar } from "./avatar.js";
import { Camera } from "./camera.js";
import { dedupeSuggestions, renderCards, renderJourney, renderSuggestions } from "./cards.js";
import { Conversation } from "./conversation.js";
import { ExpertCall } from "./expert-call.js";
import { asksYesNo } from "./format.js";
import { describeScreen, Guidance } from "./guidance.js";
import { applyI18n, language, pick, setLanguage, t } from "./i18n.js";
import { Microphone } from "./mic.js";
import { setupMicButton } from "./mic-button.js";
import { setupCitation, setupConsent, setupDevices, setupPrivacy } from "./panels.js";
import { SpeechPlayer } from "./player.js";
import { KioskSocket } from "./socket.js";
import { setupVisit } from "./visit.js";

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
  actionTurn: null, // the last turn that put cards or actions on screen (kept while replies bring none)
  pendingGreeting: null, // a fresh session's greeting that arrived while the attract screen was up
  visits: 1,
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
    window.history.replaceState(null, "", `${location.pathname}${params.size ? `?${params}` : ""}`);
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
  onState: (s) => {
    avatar.setExpression(s === "started" ? expressionFor(state.lastTurn) : "neutral");
    visit.speaking(s === "started");
    // The written reply stays in the conversation panel; the spoken subtitle goes once speech is over.
    clearTimeout(subtitleTimer);
    if (s !== "started") subtitleTimer = setTimeout(() => showAssistant(""), 4000);
  },
});
let subtitleTimer = null;
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
const citation = setupCitation();
const devices = setupDevices(boot.cast || [], sendEvent, notice);
const history = new Conversation($("history"));
const visit = setupVisit({ onEnd: visitEnded, onStart: visitStarted });
const call = new ExpertCall({ send: (msg) => send(msg), token: deviceToken, onLive: expertLive });
const guidance = new Guidance({ container: $("cards"), openDocument: (item) => citation.open(item) });
const micButton = setupMicButton({ mic, player, send, state, notice, listening: () => avatar.setExpression("listening") });

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
  history.add("customer", clean);
  avatar.setExpression("thinking");
  send({ type: "text", text: clean }, true);
}

function touch(text, value) {
  player.stop("customer_touched");
  showCustomer(text, true);
  history.add("customer", text);
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
    state.sessionId = msg.session_id;
    sessionStorage.setItem("lobby-session", msg.session_id);
    state.sessions += 1;
    if (msg.resumed) state.resumed += 1;
    socket.flush();
    if (msg.resumed) return;
    if (!visit.active) {
      // Nobody is at the kiosk yet (a reconnect on the attract screen): the greeting waits for them.
      state.pendingGreeting = msg.greeting || { text: "" };
      return;
    }
    consent.show(); // once per visit
    if (msg.greeting) showGreeting(msg.greeting);
  },
  asr(msg) {
    if (msg.final && msg.text && !visit.active) visit.start("voice");
    if (msg.final) keepLast(state.finals, msg.text || "");
    if (msg.final) history.add("customer", msg.text || "");
    showCustomer(msg.text || "", Boolean(msg.final));
    avatar.setExpression(msg.final ? "thinking" : "listening");
    visit.activity();
  },
  reply(msg) {
    if (!visit.active) visit.start("server");
    showTurn(msg.turn || {});
  },
  turn(msg) {
    if (!visit.active) visit.start("server");
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
    visit.speaking(false);
  },
  barge_in() {
    if (player.stop("barge_in")) metrics.bargeIn.server += 1;
    avatar.setExpression("listening");
  },
  vision(msg) {
    keepLast(state.vision, msg.event);
    if (msg.event === "arrived" && !visit.active) visit.start("arrived");
    if (msg.event === "arrived" && !state.greeted) greet();
    else if (msg.event === "gaze") avatar.lookAt(msg.yaw, msg.pitch);
    else if (msg.event === "extra_face") privacy.show();
    else if (msg.event === "left") visit.end("customer_left");
  },
  expert_message(msg) {
    // A person wrote this: shown under their name, never as the digital human's subtitle.
    history.add("expert", msg.text, { name: msg.from || t("expert.from") });
    visit.activity();
  },
  handoff(msg) {
    call.onHandoff(msg);
    if (msg.resumed) return; // the page reconnected: the customer was already told
    notice(msg.status === "accepted" ? t("handoff.accepted", { expert: msg.expert || t("expert.from") }) : t("handoff.finished"));
  },
  rtc(msg) {
    call.onRtc(msg);
    visit.activity();
  },
  guide(msg) {
    guidance.apply(msg);
    visit.activity();
  },
  screen_request() {
    if (call.live) describeToColleague();
  },
  still_request(msg) {
    // A consented visit's recording keeps one camera still at this moment (identification, confirmation,
    // authorisation, risk); without a camera picture the answer says so (jpeg null) and nothing is kept.
    send({ type: "still", request_id: msg.request_id, jpeg: camera.still() });
  },
  session_ended(msg) {
    // The server ended the visit (idle, staff, customer left): back to the attract screen, nothing kept.
    // The server starts the next session itself when the next customer speaks, types or taps.
    visit.end(msg.reason || "server");
    forgetSession();
  },
  error(msg) {
    console.warn("kiosk server error", msg.code, msg.message);
    // the server's database is away for a moment: tell the customer to wait, then they try again
    if (msg.code === "unavailable") notice(t("busy.wait"));
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
  if (state.micOpen) micButton.close();
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

/** The session's greeting: the first entry of the visit's conversation, with the quick actions. */
function showGreeting(reply) {
  if (reply.language && reply.language !== language()) switchLanguage(reply.language, false);
  history.add("assistant", reply.text, { greeting: true });
  showAssistant(reply.text || "");
  const turn = { reply };
  state.lastTurn = turn;
  state.actionTurn = turn;
  renderTurn(turn);
}

function showTurn(turn) {
  if (turn.intent === "to_expert") return; // said to the colleague serving the customer: no bot reply
  const reply = turn.reply || { text: "" };
  state.lastTurn = turn;
  if (reply.language && reply.language !== language()) switchLanguage(reply.language, false);
  showAssistant(reply.text || "");
  history.add("assistant", reply.text || "");
  // A reply with nothing to act on (the answer to consent, a short aside) keeps the actions on screen.
  const acts = (reply.cards || []).length || (reply.suggestions || []).length || (reply.citations || []).length;
  if (acts || turn.journey || asksYesNo(reply.text) || !state.actionTurn) {
    state.actionTurn = turn;
    renderTurn(turn);
  }
  avatar.setExpression(expressionFor(turn));
  visit.activity();
}

/** Whether "back" is still possible: not once the journey has carried out an irreversible step. */
function canGoBack(turn, flow) {
  if (!turn.journey || !flow) return true;
  if (String(turn.journey.status).startsWith("completed")) return false;
  const step = flow.steps.find((s) => s.id === turn.journey.step);
  return !(step && step.after_write);
}

function renderTurn(turn) {
  const reply = turn.reply || {};
  const journey = turn.journey && boot.journeys ? boot.journeys[turn.journey.name] : null;
  const back = canGoBack(turn, journey);
  const first = renderCards($("cards"), reply, {
    touch,
    sendText,
    printed: (_card, paper) => devices.printed(paper),
    concern: () => avatar.setExpression("concern"),
    openCitation: (item) => citation.open(item),
    slotLabels: journey ? journey.slots : {},
    slotTypes: journey ? journey.slot_types || {} : {},
    canGoBack: back,
    sendEvent, // the PIN pad's pin_entered and the face card's face_captured (cards.js)
    still: () => camera.still(),
  });
  renderSuggestions($("suggestions"), dedupeSuggestions(reply.suggestions, $("cards"), { canGoBack: back }), touch);
  renderJourney($("journey"), $("journey-title"), $("journey-steps"), turn.journey, boot.journeys || {});
  if (first) avatar.gesture(first);
  showAction();
  if (call.live) describeToColleague();
}

/** The colleague serving the customer sees the kiosk's cards as parts they can point at. */
function describeToColleague() {
  send({ type: "screen", cards: describeScreen($("cards")) });
}

/** A colleague took the visit over (or gave it back): the avatar steps aside, their tile shows. */
function expertLive(live) {
  document.body.classList.toggle("expert-live", live);
  visit.hold(live);
  if (live) {
    player.stop("expert_live");
    showAssistant(""); // the avatar's last subtitle goes: a person speaks now
    describeToColleague();
  } else {
    guidance.clear();
  }
}

/** The card to act on is always in view (the panel scrolls, the page does not): after each reply, a change
 * of text size and a resize. */
function showAction() {
  requestAnimationFrame(() => {
    const card = document.querySelector("#cards .card:not(.card-citations)");
    if (card) card.scrollIntoView({ block: "nearest" });
  });
}

function greet() {
  state.greeted = true;
  avatar.setExpression("smile");
  avatar.gesture(null);
  setTimeout(() => {
    if (!$("sub-assistant").textContent) showAssistant(t("greeting"));
  }, 1500);
}

/** Privacy: nothing of the last customer stays on screen (conversation, cards, consent, inputs, modes). */
function clearScreen() {
  player.stop("visit_ended");
  call.reset();
  guidance.clearMarks();
  document.body.classList.remove("expert-live");
  visit.hold(false);
  clearTimeout(subtitleTimer);
  for (const id of ["sub-assistant", "sub-customer"]) $(id).textContent = "";
  history.clear();
  $("cards").replaceChildren();
  $("suggestions").replaceChildren();
  $("journey").hidden = true;
  $("text").value = "";
  for (const input of document.querySelectorAll("input[type=text], input:not([type])")) input.value = "";
  privacy.hide();
  citation.close();
  consent.reset();
  devices.clear();
  state.lastTurn = null;
  state.actionTurn = null;
  state.greeted = false;
  setMode("elderly", false);
  setMode("highContrast", false);
  if (language() !== "zh") switchLanguage("zh", false);
  avatar.setExpression("neutral");
}

function forgetSession() {
  state.sessionId = null;
  state.pendingGreeting = null;
  sessionStorage.removeItem("lobby-session");
}

/** The visit is over (the customer's button, no answer to "还在吗？", the server, the customer left). */
function visitEnded(reason) {
  const sessionId = state.sessionId;
  if (state.micOpen) micButton.close();
  clearScreen();
  forgetSession();
  notice(t("visit.ended"));
  // Ended here: the server closes the session too (its own idle sweep would, much later).
  if (sessionId && (reason === "customer" || reason === "idle")) {
    fetch(`/api/v1/sessions/${encodeURIComponent(sessionId)}/end`, {
      method: "POST",
      headers: { Authorization: `Bearer ${deviceToken()}` },
      keepalive: true,
    }).catch(() => {});
  }
}

/** A new visit: a session that is not the last customer's, consent asked again. */
function visitStarted(how) {
  state.visits += 1;
  if (state.sessionId && state.pendingGreeting) {
    const greeting = state.pendingGreeting;
    state.pendingGreeting = null;
    consent.show();
    if (greeting.text) showGreeting(greeting);
  } else if (how !== "server") {
    send({ type: "hello", language: language(), elderly: state.elderly });
  }
}

function switchLanguage(lang, tell = true) {
  setLanguage(lang);
  $("lang-toggle").textContent = language() === "zh" ? "English" : "中文";
  if (devices.relabel) devices.relabel();
  visit.relabel();
  const welcome = (boot.welcome || {})[language()];
  if (welcome && history.onlyGreeting() && $("history").children.length) {
    // Nothing said yet: greet and offer the quick actions in the new language (one language at a time).
    history.regreet(welcome.text);
    state.lastTurn = state.actionTurn = { reply: { ...welcome, language: language() } };
  }
  if (state.actionTurn) renderTurn(state.actionTurn);
  if (tell) sendSettings();
}

function setMode(name, on) {
  state[name] = on;
  const cls = name === "elderly" ? "elderly" : "high-contrast";
  // On the root too: every size is in rem, so elderly mode scales all of the page.
  document.documentElement.classList.toggle(cls, on);
  document.body.classList.toggle(cls, on);
  $(name === "elderly" ? "elderly-toggle" : "contrast-toggle").setAttribute("aria-pressed", String(on));
  showAction();
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
    setMode("elderly", !state.elderly);
    sendSettings();
  });
  $("contrast-toggle").addEventListener("click", () => {
    setMode("highContrast", !state.highContrast);
    sendSettings();
  });
  document.addEventListener("pointerdown", () => player.unlock(), { once: true });
  window.addEventListener("resize", showAction);
}

applyI18n();
setupControls();
socket.connect();
setInterval(() => send({ type: "ping" }), 20000);
camera.start().then((ok) => {
  state.cameraAvailable = ok;
});
window.lobbyKiosk = { state, avatar, player, mic, camera, socket, pick, visit };
