// AudioWorklet: microphone capture for the kiosk. Runs on the audio thread: low-passes and resamples the
// device rate (usually 48 kHz) to 16 kHz, packs 16-bit little-endian PCM frames (20 ms by default) and
// posts them to the page, which sends them as binary WebSocket messages (contracts.md). It also runs a
// small voice-activity check so the page can stop the avatar the instant the customer speaks over it:
// the threshold follows the room's noise floor and, while the avatar talks, the level of its own voice
// (what residual echo survives the browser's echo cancellation must not count as the customer).

const SPEECH_FRAMES = 3; // consecutive voiced frames before "speech_start" (60 ms at 20 ms frames)
const SILENCE_FRAMES = 15; // unvoiced frames before "speech_end"
const ECHO_RATIO = 0.6; // the customer must be this loud relative to the avatar's output level
const MIN_LEVEL = 0.006; // RMS below this is never speech (about -44 dBFS)

class LobbyMicProcessor extends AudioWorkletProcessor {
  constructor(options) {
    super();
    const opts = (options && options.processorOptions) || {};
    this.rate = opts.targetRate || 16000;
    this.frameMs = opts.frameMs || 20;
    this.frameSamples = Math.round((this.rate * this.frameMs) / 1000);
    this.step = sampleRate / this.rate;
    // One-pole low-pass at ~7 kHz against aliasing before decimation.
    this.alpha = 1 - Math.exp((-2 * Math.PI * Math.min(7000, this.rate * 0.45)) / sampleRate);
    this.lp = 0;
    this.t = 0;
    this.prev = 0;
    this.scratch = new Float32Array(128);
    this.frame = new Int16Array(this.frameSamples);
    this.fill = 0;
    this.energy = 0;
    // Start state may come with the options: messages reach the audio thread asynchronously, so an
    // offline render (the tests) could otherwise start before "send"/"echo" arrive.
    this.sending = Boolean(opts.send);
    this.noise = 0.003;
    this.echo = Number(opts.echo) || 0;
    this.voiced = 0;
    this.unvoiced = 0;
    this.inSpeech = false;
    this.frames = 0;
    this.port.onmessage = (event) => {
      const msg = event.data || {};
      if (msg.type === "send") this.sending = Boolean(msg.on);
      if (msg.type === "echo") this.echo = Number(msg.level) || 0;
    };
  }

  process(inputs) {
    const input = inputs[0] && inputs[0][0];
    if (!input || !input.length) return true;
    if (this.scratch.length < input.length) this.scratch = new Float32Array(input.length);
    const x = this.scratch;
    for (let i = 0; i < input.length; i += 1) {
      this.lp += this.alpha * (input[i] - this.lp);
      x[i] = this.lp;
    }
    const last = input.length - 1;
    while (this.t < last) {
      const i = Math.floor(this.t);
      const frac = this.t - i;
      const a = i < 0 ? this.prev : x[i];
      const b = x[i + 1];
      this.push(a + (b - a) * frac);
      this.t += this.step;
    }
    this.t -= input.length;
    this.prev = x[last];
    return true;
  }

  push(sample) {
    const s = Math.max(-1, Math.min(1, sample));
    this.frame[this.fill] = s < 0 ? s * 0x8000 : s * 0x7fff;
    this.energy += s * s;
    this.fill += 1;
    if (this.fill < this.frameSamples) return;
    const rms = Math.sqrt(this.energy / this.frameSamples);
    this.detect(rms);
    if (this.sending) {
      const out = this.frame.buffer;
      this.port.postMessage({ type: "frame", pcm: out, rms }, [out]);
      this.frame = new Int16Array(this.frameSamples);
    }
    this.fill = 0;
    this.energy = 0;
  }

  detect(rms) {
    const threshold = Math.max(this.noise * 3.2, MIN_LEVEL, this.echo * ECHO_RATIO);
    if (rms > threshold) {
      this.voiced += 1;
      this.unvoiced = 0;
    } else {
      this.voiced = 0;
      this.unvoiced += 1;
      this.noise = rms < this.noise ? this.noise * 0.9 + rms * 0.1 : this.noise * 0.995 + rms * 0.005;
    }
    if (!this.inSpeech && this.voiced >= SPEECH_FRAMES) {
      this.inSpeech = true;
      // at_ms: the end of the frame that confirmed speech, on the capture's own clock (audio time)
      this.port.postMessage({ type: "speech_start", rms, threshold, at_ms: (this.frames + 1) * this.frameMs });
    } else if (this.inSpeech && this.unvoiced >= SILENCE_FRAMES) {
      this.inSpeech = false;
      this.port.postMessage({ type: "speech_end" });
    }
    this.frames += 1;
    if (this.frames % 5 === 0) this.port.postMessage({ type: "level", rms });
  }
}

registerProcessor("lobby-mic", LobbyMicProcessor);
