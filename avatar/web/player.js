// Plays a reply's `speech` chunks in order with Web Audio and drives the avatar's mouth from their viseme
// timeline against the audio clock (the position being heard, from AudioContext.getOutputTimestamp), so
// the lips follow what the customer hears, not what was decoded. Without timings the mouth follows the
// audio envelope. It reports `playback` started/ended/stopped to the server and can stop at once
// (barge-in). The lip-sync offset (how late a viseme was applied after its time on the audio clock) is
// measured on every change and exposed through `metrics` (window.lobbyMetrics).

const MAX_SAMPLES = 2000;

export function base64ToBytes(text) {
  const raw = atob(text);
  const bytes = new Uint8Array(raw.length);
  for (let i = 0; i < raw.length; i += 1) bytes[i] = raw.charCodeAt(i);
  return bytes;
}

function percentile(sorted, q) {
  if (!sorted.length) return null;
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
}

export class SpeechPlayer {
  /**
   * @param {{avatar: any, send: (msg: object) => void, onSentence?: (text: string) => void,
   *          onState?: (state: string) => void, metrics: object}} options
   */
  constructor({ avatar, send, onSentence = () => {}, onState = () => {}, metrics }) {
    this.avatar = avatar;
    this.send = send;
    this.onSentence = onSentence;
    this.onState = onState;
    this.metrics = metrics;
    this.ctx = null;
    this.reply = null;
    this.stopped = new Set();
    this.offsets = [];
    this.levelData = null;
    metrics.lipsync = { samples: 0, mean_ms: null, p95_ms: null, max_ms: null, source: null };
    metrics.playback = { started: 0, ended: 0, stopped: 0, decode_errors: 0 };
    avatar.onFrame(() => this.tick());
  }

  context() {
    if (!this.ctx) {
      this.ctx = new AudioContext({ latencyHint: "interactive" });
      this.analyser = this.ctx.createAnalyser();
      this.analyser.fftSize = 512;
      this.analyser.connect(this.ctx.destination);
      this.levelData = new Float32Array(this.analyser.fftSize);
    }
    if (this.ctx.state === "suspended") this.ctx.resume().catch(() => {});
    return this.ctx;
  }

  /** Call from a user gesture: browsers only start audio after one (kiosks launch with autoplay allowed). */
  unlock() {
    this.context();
  }

  get playing() {
    return Boolean(this.reply && this.reply.startedAt !== null && !this.reply.done);
  }

  get replyId() {
    return this.reply ? this.reply.id : null;
  }

  speech(msg) {
    if (!msg || typeof msg.audio !== "string" || this.stopped.has(msg.reply_id)) return;
    if (!this.reply || this.reply.id !== msg.reply_id) {
      if (this.reply) this.stop("superseded");
      this.reply = { id: msg.reply_id, next: 0, pending: new Map(), chunks: [], chain: Promise.resolve(), endAt: 0, startedAt: null, final: false, done: false };
    }
    const reply = this.reply;
    reply.pending.set(Number(msg.seq) || 0, msg);
    while (reply.pending.has(reply.next)) {
      const chunk = reply.pending.get(reply.next);
      reply.pending.delete(reply.next);
      reply.next += 1;
      reply.chain = reply.chain.then(() => this.schedule(reply, chunk));
    }
  }

  end(replyId) {
    const reply = this.reply;
    if (!reply || reply.id !== replyId) return;
    reply.final = true;
    reply.chain = reply.chain.then(() => this.maybeFinish(reply));
  }

  async schedule(reply, msg) {
    if (reply.done) return;
    const ctx = this.context();
    let buffer;
    try {
      buffer = await ctx.decodeAudioData(base64ToBytes(msg.audio).buffer);
    } catch (error) {
      this.metrics.playback.decode_errors += 1;
      console.warn("speech chunk not decodable, shown as text only", reply.id, msg.seq, String(error));
      this.onSentence(msg.text || "");
      return;
    }
    if (reply.done) return;
    const source = ctx.createBufferSource();
    source.buffer = buffer;
    source.connect(this.analyser);
    const start = Math.max(ctx.currentTime + 0.03, reply.endAt);
    source.start(start);
    reply.endAt = start + buffer.duration;
    const visemes = Array.isArray(msg.visemes) ? msg.visemes.filter((v) => v && Number.isFinite(v.t)).sort((a, b) => a.t - b.t) : [];
    const chunk = { source, start, end: start + buffer.duration, visemes, index: -1, text: msg.text || "", shown: false, ended: false };
    reply.chunks.push(chunk);
    source.onended = () => {
      chunk.ended = true;
      this.maybeFinish(reply);
    };
    if (reply.startedAt === null) {
      reply.startedAt = start;
      const delay = Math.max(0, (start - ctx.currentTime) * 1000);
      setTimeout(() => {
        if (reply.done) return;
        this.metrics.playback.started += 1;
        this.send({ type: "playback", reply_id: reply.id, state: "started", position_ms: 0 });
        this.onState("started");
      }, delay);
    }
  }

  maybeFinish(reply) {
    if (reply.done || !reply.final || reply.pending.size) return;
    if (!reply.chunks.every((c) => c.ended)) return;
    reply.done = true;
    this.metrics.playback.ended += 1;
    this.send({ type: "playback", reply_id: reply.id, state: "ended", position_ms: this.positionMs(reply) });
    this.avatar.setViseme("rest");
    if (this.reply === reply) this.reply = null;
    this.onState("ended");
  }

  /** Stop now (barge-in, a new visit, the customer tapped): silence within one audio render quantum. */
  stop(reason = "stopped") {
    const reply = this.reply;
    if (!reply || reply.done) return false;
    reply.done = true;
    this.stopped.add(reply.id);
    for (const chunk of reply.chunks) {
      try {
        chunk.source.stop();
      } catch {
        // a source that has not started or already ended needs no stop
      }
    }
    this.metrics.playback.stopped += 1;
    this.metrics.lastStop = { reason, reply_id: reply.id, at: performance.now() };
    this.send({ type: "playback", reply_id: reply.id, state: "stopped", position_ms: this.positionMs(reply) });
    this.avatar.setViseme("rest");
    this.reply = null;
    this.onState("stopped");
    return true;
  }

  /** The context time being heard now (output latency taken out), in seconds. */
  audibleTime() {
    const ctx = this.ctx;
    if (ctx.getOutputTimestamp) {
      const stamp = ctx.getOutputTimestamp();
      if (stamp.contextTime > 0 && stamp.performanceTime > 0) {
        return stamp.contextTime + (performance.now() - stamp.performanceTime) / 1000;
      }
    }
    return ctx.currentTime - (ctx.outputLatency || ctx.baseLatency || 0);
  }

  positionMs(reply) {
    if (!this.ctx || reply.startedAt === null) return 0;
    return Math.max(0, Math.round((this.audibleTime() - reply.startedAt) * 1000));
  }

  /** Output level 0..1 (RMS) of what is playing: the microphone's echo gate compares against it. */
  outputLevel() {
    if (!this.playing || !this.analyser) return 0;
    this.analyser.getFloatTimeDomainData(this.levelData);
    let sum = 0;
    for (const x of this.levelData) sum += x * x;
    return Math.sqrt(sum / this.levelData.length);
  }

  tick() {
    const reply = this.reply;
    if (!reply || reply.done || reply.startedAt === null || !this.ctx) return;
    const now = this.audibleTime();
    const chunk = reply.chunks.find((c) => now >= c.start && now < c.end);
    if (!chunk) {
      this.avatar.setViseme("rest");
      return;
    }
    if (!chunk.shown) {
      chunk.shown = true;
      this.onSentence(chunk.text);
    }
    if (!chunk.visemes.length) {
      this.metrics.lipsync.source = "envelope";
      this.avatar.setOpenness(Math.min(1, this.outputLevel() * 4));
      return;
    }
    const local = (now - chunk.start) * 1000;
    let index = chunk.index;
    while (index + 1 < chunk.visemes.length && chunk.visemes[index + 1].t <= local) index += 1;
    if (index !== chunk.index && index >= 0) {
      chunk.index = index;
      const cue = chunk.visemes[index];
      this.avatar.setViseme(cue.v, cue.w ?? 1);
      this.record(local - cue.t);
    }
  }

  record(offsetMs) {
    this.offsets.push(offsetMs);
    if (this.offsets.length > MAX_SAMPLES) this.offsets.shift();
    const sorted = [...this.offsets].sort((a, b) => a - b);
    const mean = sorted.reduce((s, x) => s + x, 0) / sorted.length;
    Object.assign(this.metrics.lipsync, {
      samples: sorted.length,
      mean_ms: Math.round(mean * 10) / 10,
      p95_ms: Math.round(percentile(sorted, 0.95) * 10) / 10,
      max_ms: Math.round(sorted[sorted.length - 1] * 10) / 10,
      source: "visemes",
    });
  }
}
