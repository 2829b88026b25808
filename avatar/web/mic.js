// The page side of the microphone: asks for the device with echo cancellation on, loads the capture
// worklet (mic-worklet.js) and relays its frames and voice-activity events. Without permission or a
// device `start()` resolves to false and the kiosk stays usable by touch and typing.

export class Microphone {
  /** @param {{onFrame: (pcm: ArrayBuffer) => void, onSpeechStart?: () => void, onSpeechEnd?: () => void,
   *           onLevel?: (rms: number) => void, frameMs?: number}} handlers */
  constructor({ onFrame, onSpeechStart = () => {}, onSpeechEnd = () => {}, onLevel = () => {}, frameMs = 20 }) {
    this.handlers = { onFrame, onSpeechStart, onSpeechEnd, onLevel };
    this.frameMs = frameMs;
    this.node = null;
    this.starting = null;
    this.frames = 0;
  }

  get ready() {
    return this.node !== null;
  }

  start() {
    if (!this.starting) this.starting = this.open().catch((error) => {
      console.warn("microphone unavailable, touch and typing only:", String(error && error.name ? error.name : error));
      this.starting = null;
      return false;
    });
    return this.starting;
  }

  async open() {
    if (!navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) return false;
    const stream = await navigator.mediaDevices.getUserMedia({
      audio: { echoCancellation: true, noiseSuppression: true, autoGainControl: true, channelCount: 1 },
    });
    const ctx = new AudioContext({ latencyHint: "interactive" });
    await ctx.audioWorklet.addModule("/kiosk/static/mic-worklet.js");
    const node = new AudioWorkletNode(ctx, "lobby-mic", { processorOptions: { targetRate: 16000, frameMs: this.frameMs } });
    node.port.onmessage = (event) => this.receive(event.data);
    const silent = ctx.createGain();
    silent.gain.value = 0;
    ctx.createMediaStreamSource(stream).connect(node);
    node.connect(silent).connect(ctx.destination); // keeps the worklet pulled by the graph
    if (ctx.state === "suspended") await ctx.resume().catch(() => {});
    this.ctx = ctx;
    this.stream = stream;
    this.node = node;
    return true;
  }

  receive(msg) {
    if (!msg) return;
    if (msg.type === "frame") {
      this.frames += 1;
      this.handlers.onFrame(msg.pcm);
    } else if (msg.type === "speech_start") this.handlers.onSpeechStart(msg);
    else if (msg.type === "speech_end") this.handlers.onSpeechEnd(msg);
    else if (msg.type === "level") this.handlers.onLevel(msg.rms);
  }

  /** Stream frames to the server (mic open) or not (mic closed); voice activity is checked either way. */
  setSending(on) {
    if (this.node) this.node.port.postMessage({ type: "send", on });
    if (on && this.ctx && this.ctx.state === "suspended") this.ctx.resume().catch(() => {});
  }

  /** The avatar's current output level: the echo gate of the voice-activity check. */
  setEchoLevel(level) {
    if (this.node) this.node.port.postMessage({ type: "echo", level });
  }
}
