// A remote colleague on the kiosk: who is serving the customer, their video or voice, and what they point at.
//
// The colleague's console starts the call (offer) and the kiosk answers; both trickle ICE candidates. All
// signalling goes through the kiosk's session socket as `rtc` messages ({kind: offer|answer|candidate|hangup,
// call_id}), which the server relays through the event bus, so kiosk and console may sit on different
// replicas. ICE servers (STUN/TURN with short-lived credentials) come from /api/v1/rtc/ice-servers just
// before each call. A refused camera falls back to voice, a refused microphone to text chat, and the
// customer is told which. Network blips: the console restarts ICE; the kiosk shows "reconnecting" meanwhile.

import { t } from "./i18n.js";
import { localMedia, mediaStats } from "./rtc-media.js";

const $ = (id) => document.getElementById(id);

export class ExpertCall {
  /** @param {{send: (msg: object) => void, token: () => string, onLive: (live: boolean) => void}} options */
  constructor({ send, token, onLive }) {
    this.send = send;
    this.token = token;
    this.onLive = onLive;
    this.expert = null; // the colleague's name while one serves this visit
    this.pc = null;
    this.callId = null;
    this.local = null;
    this.pending = []; // candidates that came before the offer was applied
    this.stats = { state: "idle", mode: null, offers: 0, media: () => mediaStats(this.pc) };
    window.lobbyCall = this.stats; // for tests and the support page: what the call is doing
    $("expert-hangup").addEventListener("click", () => this.hangUp(true));
  }

  /** `handoff` messages: a colleague took the visit over, or finished. */
  onHandoff(msg) {
    if (msg.status === "accepted") {
      this.expert = msg.expert || this.expert || t("expert.from"); // a resumed visit does not repeat the name
      this.show("text");
      this.onLive(true);
    } else if (msg.status === "finished" || msg.status === "released") {
      this.hangUp(false);
      this.expert = null;
      $("expert-tile").hidden = true;
      this.onLive(false);
    }
  }

  get live() {
    return Boolean(this.expert);
  }

  /** `rtc` messages from the colleague's console. */
  async onRtc(msg) {
    try {
      if (msg.kind === "offer") await this.answer(msg);
      else if (msg.kind === "candidate") await this.candidate(msg);
      else if (msg.kind === "hangup") this.hangUp(false);
    } catch (error) {
      console.warn("call signalling failed", error);
      this.setState("failed");
    }
  }

  async answer(msg) {
    if (!this.expert) this.onHandoff({ status: "accepted", expert: msg.name });
    if (this.pc && msg.call_id !== this.callId) this.hangUp(false); // a new call replaces an old one
    if (!this.pc) await this.open(msg.call_id);
    this.stats.offers += 1;
    await this.pc.setRemoteDescription({ type: "offer", sdp: msg.sdp });
    for (const candidate of this.pending.splice(0)) await this.pc.addIceCandidate(candidate).catch(() => null);
    const answer = await this.pc.createAnswer();
    await this.pc.setLocalDescription(answer);
    this.send({ type: "rtc", kind: "answer", call_id: this.callId, sdp: answer.sdp, mode: this.stats.mode });
  }

  async candidate(msg) {
    if (msg.call_id !== this.callId || !msg.candidate) return;
    if (!this.pc || !this.pc.remoteDescription) this.pending.push(msg.candidate);
    else await this.pc.addIceCandidate(msg.candidate).catch(() => null);
  }

  async open(callId) {
    this.callId = callId;
    const servers = await fetch("/api/v1/rtc/ice-servers", { headers: { Authorization: `Bearer ${this.token()}` } })
      .then((r) => (r.ok ? r.json() : { ice_servers: [] }))
      .catch(() => ({ ice_servers: [] }));
    const config = { iceServers: servers.ice_servers || [] };
    if (servers.ice_transport_policy === "relay") config.iceTransportPolicy = "relay";
    const pc = (this.pc = new RTCPeerConnection(config));
    const got = await localMedia();
    const stream = got.stream;
    const mode = got.mode === "none" ? "chat" : got.mode; // no devices: the customer listens and types
    this.local = stream;
    this.stats.mode = mode;
    if (stream) for (const track of stream.getTracks()) pc.addTrack(track, stream);
    // Whatever the kiosk may send, it always receives the colleague's voice and picture.
    if (!stream || !stream.getAudioTracks().length) pc.addTransceiver("audio", { direction: "recvonly" });
    if (!stream || !stream.getVideoTracks().length) pc.addTransceiver("video", { direction: "recvonly" });
    $("expert-self").srcObject = stream && stream.getVideoTracks().length ? stream : null;
    $("expert-self").hidden = !(stream && stream.getVideoTracks().length);
    pc.onicecandidate = (e) => {
      if (e.candidate) this.send({ type: "rtc", kind: "candidate", call_id: callId, candidate: e.candidate.toJSON() });
    };
    pc.ontrack = (e) => {
      const video = $("expert-video");
      if (video.srcObject !== e.streams[0]) video.srcObject = e.streams[0] || new MediaStream([e.track]);
      video.play().catch(() => null);
    };
    pc.onconnectionstatechange = () => {
      const s = pc.connectionState;
      if (s === "connected") this.show(mode);
      this.setState(s === "disconnected" || s === "failed" ? "reconnecting" : s);
    };
    this.show(mode, true);
  }

  /** Hang up (the customer's button tells the colleague; a hang-up from them or the end of the handoff not). */
  hangUp(tell) {
    if (tell && this.callId) this.send({ type: "rtc", kind: "hangup", call_id: this.callId });
    if (this.pc) this.pc.close();
    if (this.local) for (const track of this.local.getTracks()) track.stop();
    this.pc = null;
    this.local = null;
    this.callId = null;
    this.pending = [];
    $("expert-video").srcObject = null;
    $("expert-self").srcObject = null;
    $("expert-hangup").hidden = true;
    this.setState("idle");
    if (this.expert) this.show("text");
  }

  setState(state) {
    this.stats.state = state;
    $("expert-tile").dataset.call = state;
    if (state === "reconnecting") $("expert-status").textContent = t("expert.reconnecting");
  }

  /** The tile: the colleague's name and how the customer is in touch with them. */
  show(mode, connecting = false) {
    const tile = $("expert-tile");
    tile.hidden = false;
    tile.dataset.mode = mode;
    $("expert-name").textContent = t("expert.live", { expert: this.expert || t("expert.from") });
    const key = connecting ? "expert.connecting" : `expert.mode.${mode}`;
    $("expert-status").textContent = t(key);
    $("expert-video").hidden = !this.pc;
    $("expert-hangup").hidden = !this.pc;
  }

  /** The visit ended: nothing of the call stays, and the colleague's console is told. */
  reset() {
    this.hangUp(true);
    this.expert = null;
    $("expert-tile").hidden = true;
  }
}
