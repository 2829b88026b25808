// Camera frames for the server's vision pipeline (presence, face count, gaze): a few JPEG frames a
// second, base64 in `frame` messages. Frames are never stored, here or on the server. Without
// permission or a camera `start()` resolves to false and nothing else changes.

export class Camera {
  /** @param {{send: (msg: object) => boolean, sensitive?: () => boolean, fps?: number, width?: number,
   *           height?: number, quality?: number}} options */
  constructor({ send, sensitive = () => false, fps = 3, width = 640, height = 480, quality = 0.7 }) {
    this.send = send;
    this.sensitive = sensitive;
    this.interval = 1000 / Math.max(2, Math.min(5, fps));
    this.width = width;
    this.height = height;
    this.quality = quality;
    this.timer = null;
    this.sent = 0;
  }

  async start() {
    try {
      if (!navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) return false;
      const stream = await navigator.mediaDevices.getUserMedia({ video: { width: this.width, height: this.height, facingMode: "user" } });
      this.video = document.createElement("video");
      this.video.muted = true;
      this.video.playsInline = true;
      this.video.srcObject = stream;
      await this.video.play();
      this.canvas = document.createElement("canvas");
      this.timer = setInterval(() => this.capture(), this.interval);
      return true;
    } catch (error) {
      console.warn("camera unavailable, presence from touch only:", String(error && error.name ? error.name : error));
      return false;
    }
  }

  /** One still for a face match at the bank (base64 JPEG at full quality), or null without a camera picture.
   * Sent once in a `face_captured` event, never kept. */
  still() {
    const video = this.video;
    if (!video || video.readyState < 2 || !video.videoWidth) return null;
    const canvas = document.createElement("canvas");
    canvas.width = video.videoWidth;
    canvas.height = video.videoHeight;
    canvas.getContext("2d").drawImage(video, 0, 0);
    const url = canvas.toDataURL("image/jpeg", 0.9);
    return url.slice(url.indexOf(",") + 1);
  }

  capture() {
    const video = this.video;
    if (!video || video.readyState < 2 || !video.videoWidth) return;
    const scale = Math.min(1, this.width / video.videoWidth, this.height / video.videoHeight);
    const w = Math.round(video.videoWidth * scale);
    const h = Math.round(video.videoHeight * scale);
    if (this.canvas.width !== w || this.canvas.height !== h) {
      this.canvas.width = w;
      this.canvas.height = h;
    }
    this.canvas.getContext("2d").drawImage(video, 0, 0, w, h);
    const url = this.canvas.toDataURL("image/jpeg", this.quality);
    const jpeg = url.slice(url.indexOf(",") + 1);
    const frame = { type: "frame", jpeg, width: w, height: h };
    if (this.sensitive()) frame.sensitive = true; // otherwise the server infers it from the reply's cards
    if (this.send(frame)) this.sent += 1;
  }
}
