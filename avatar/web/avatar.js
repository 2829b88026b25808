// The digital human, drawn by us in SVG and animated in the browser from tiny cues (visemes, gaze,
// expression): no video per session, so one server serves many kiosks. One requestAnimationFrame loop
// moves everything; each frame only sets a handful of attributes, which keeps it well above 50 fps.

const NS = "http://www.w3.org/2000/svg";

// Mouth shape per viseme of contracts.md: jaw opening, width, rounding, teeth and tongue showing.
export const VISEMES = {
  rest: { open: 0.0, width: 0.5, round: 0.0, teeth: 0.0, tongue: 0.0, press: 0.0 },
  A: { open: 0.9, width: 0.6, round: 0.0, teeth: 0.3, tongue: 0.0, press: 0.0 },
  E: { open: 0.45, width: 0.9, round: 0.0, teeth: 0.7, tongue: 0.0, press: 0.0 },
  I: { open: 0.25, width: 1.0, round: 0.0, teeth: 0.8, tongue: 0.0, press: 0.0 },
  O: { open: 0.65, width: 0.3, round: 0.8, teeth: 0.0, tongue: 0.0, press: 0.0 },
  U: { open: 0.3, width: 0.15, round: 1.0, teeth: 0.0, tongue: 0.0, press: 0.0 },
  M: { open: 0.0, width: 0.45, round: 0.0, teeth: 0.0, tongue: 0.0, press: 1.0 },
  F: { open: 0.12, width: 0.55, round: 0.0, teeth: 0.9, tongue: 0.0, press: 0.3 },
  L: { open: 0.4, width: 0.55, round: 0.0, teeth: 0.4, tongue: 1.0, press: 0.0 },
  S: { open: 0.12, width: 0.8, round: 0.0, teeth: 1.0, tongue: 0.0, press: 0.0 },
  R: { open: 0.35, width: 0.4, round: 0.5, teeth: 0.3, tongue: 0.5, press: 0.0 },
};

// Face settings per expression: brow lift and inner tilt, smile (mouth corners), lid opening, blush, head tilt.
export const EXPRESSIONS = {
  neutral: { brow: 0, browTilt: 0, smile: 0.15, lids: 1.0, blush: 0.1, tilt: 0, look: null },
  smile: { brow: -3, browTilt: 0, smile: 1.0, lids: 0.85, blush: 0.55, tilt: -2, look: null },
  concern: { brow: -2, browTilt: 9, smile: -0.45, lids: 1.0, blush: 0.0, tilt: 3, look: null },
  listening: { brow: -4, browTilt: -2, smile: 0.25, lids: 1.05, blush: 0.1, tilt: 4, look: null },
  thinking: { brow: -5, browTilt: 4, smile: 0.0, lids: 0.9, blush: 0.0, tilt: -3, look: { x: -0.6, y: -0.7 } },
};

const KEYS = ["open", "width", "round", "teeth", "tongue", "press"];
const FACE_KEYS = ["brow", "browTilt", "smile", "lids", "blush", "tilt"];
const MOUTH = { x: 200, y: 262 };
const SHOULDER = { x: 280, y: 405 };
const ARM_REST = 100; // degrees: hanging down beside the body

function el(name, attrs = {}, parent = null) {
  const node = document.createElementNS(NS, name);
  for (const [key, value] of Object.entries(attrs)) node.setAttribute(key, String(value));
  if (parent) parent.appendChild(node);
  return node;
}

function approach(current, target, dt, tau) {
  return current + (target - current) * (1 - Math.exp(-dt / tau));
}

export class Avatar {
  constructor(container) {
    this.container = container;
    this.mouth = { ...VISEMES.rest };
    this.mouthTarget = { ...VISEMES.rest };
    this.viseme = "rest";
    this.expression = "neutral";
    this.face = { ...EXPRESSIONS.neutral };
    this.gaze = { x: 0, y: 0 };
    this.gazeTarget = { x: 0, y: 0 };
    this.gazeUntil = 0;
    this.nextBlink = performance.now() + 2000;
    this.blinkStart = -1;
    this.arm = ARM_REST;
    this.armTarget = ARM_REST;
    this.gestureUntil = 0;
    this.frames = 0;
    this.fps = 0;
    this.fpsWindow = [];
    this.tickers = new Set();
    this.last = performance.now();
    this.build();
    this.loop = this.loop.bind(this);
    requestAnimationFrame(this.loop);
  }

  build() {
    const svg = el("svg", { viewBox: "0 0 400 500", class: "avatar-svg", role: "img", "aria-label": "digital human" });
    const defs = el("defs", {}, svg);
    const skin = el("radialGradient", { id: "av-skin", cx: "50%", cy: "40%", r: "60%" }, defs);
    el("stop", { offset: "0%", "stop-color": "#ffe2cc" }, skin);
    el("stop", { offset: "100%", "stop-color": "#f2c4a4" }, skin);
    const suit = el("linearGradient", { id: "av-suit", x1: 0, y1: 0, x2: 0, y2: 1 }, defs);
    el("stop", { offset: "0%", "stop-color": "#23395d" }, suit);
    el("stop", { offset: "100%", "stop-color": "#15243d" }, suit);
    const clip = el("clipPath", { id: "av-mouth-clip" }, defs);
    this.mouthClip = el("path", {}, clip);

    this.body = el("g", { class: "av-body" }, svg);
    el("path", { d: "M60 500 C70 420 120 390 200 385 C280 390 330 420 340 500 Z", fill: "url(#av-suit)" }, this.body);
    el("path", { d: "M170 388 L200 450 L230 388 Z", fill: "#f7f7f5" }, this.body);
    el("path", { d: "M178 392 C190 410 210 410 222 392 L212 430 L200 440 L188 430 Z", fill: "#c8102e" }, this.body);
    el("circle", { cx: 200, cy: 470, r: 5, fill: "#d9b44a" }, this.body);

    this.armGroup = el("g", { class: "av-arm" }, this.body);
    el("path", { d: "M0 -16 C30 -17 60 -13 80 -11 L80 11 C60 13 30 17 0 16 Z", fill: "#1d3050" }, this.armGroup);
    el("rect", { x: 76, y: -12, width: 9, height: 24, rx: 3, fill: "#f7f7f5" }, this.armGroup);
    el("ellipse", { cx: 96, cy: 0, rx: 13, ry: 10, fill: "#f2c4a4" }, this.armGroup);
    el("rect", { x: 102, y: -6, width: 17, height: 7, rx: 3.5, fill: "#f2c4a4" }, this.armGroup);

    this.head = el("g", { class: "av-head" }, svg);
    el("rect", { x: 176, y: 300, width: 48, height: 90, rx: 20, fill: "#eab898" }, this.head);
    el("path", { d: "M112 170 C105 70 295 70 288 170 L292 260 C260 250 140 250 108 260 Z", fill: "#2b1d16" }, this.head);
    el("ellipse", { cx: 120, cy: 210, rx: 14, ry: 24, fill: "#eab898" }, this.head);
    el("ellipse", { cx: 280, cy: 210, rx: 14, ry: 24, fill: "#eab898" }, this.head);
    el("ellipse", { cx: 200, cy: 205, rx: 82, ry: 102, fill: "url(#av-skin)" }, this.head);
    el("path", { d: "M116 170 C120 95 200 80 250 105 C270 118 284 140 286 172 C255 130 200 120 150 140 C135 147 122 158 116 170 Z", fill: "#2b1d16" }, this.head);

    this.blushes = [165 - 28, 235 + 28].map((x) => el("ellipse", { cx: x, cy: 238, rx: 16, ry: 8, fill: "#f08a8a", opacity: 0.1 }, this.head));
    this.eyes = [160, 240].map((x) => this.buildEye(x, 200));
    this.brows = [
      el("path", { d: "M138 168 Q160 158 182 166", stroke: "#2b1d16", "stroke-width": 5, fill: "none", "stroke-linecap": "round" }, this.head),
      el("path", { d: "M218 166 Q240 158 262 168", stroke: "#2b1d16", "stroke-width": 5, fill: "none", "stroke-linecap": "round" }, this.head),
    ];
    el("path", { d: "M200 206 C196 222 192 232 198 236 C201 238 204 237 206 235", stroke: "#d59a7c", "stroke-width": 3, fill: "none", "stroke-linecap": "round" }, this.head);

    const mouth = el("g", { class: "av-mouth" }, this.head);
    this.cavity = el("path", { fill: "#5a1f24" }, mouth);
    const inner = el("g", { "clip-path": "url(#av-mouth-clip)" }, mouth);
    this.teeth = el("rect", { x: MOUTH.x - 24, y: MOUTH.y - 16, width: 48, height: 10, rx: 3, fill: "#fbfbf7" }, inner);
    this.tongue = el("ellipse", { cx: MOUTH.x, cy: MOUTH.y + 14, rx: 14, ry: 7, fill: "#d65a66" }, inner);
    this.lips = el("path", { fill: "none", stroke: "#c4626a", "stroke-width": 4, "stroke-linejoin": "round", "stroke-linecap": "round" }, mouth);

    this.container.replaceChildren(svg);
    this.svg = svg;
  }

  buildEye(cx, cy) {
    const group = el("g", {}, this.head);
    el("ellipse", { cx, cy, rx: 17, ry: 11, fill: "#ffffff" }, group);
    const iris = el("g", {}, group);
    el("circle", { cx, cy, r: 8, fill: "#4a3222" }, iris);
    el("circle", { cx, cy, r: 4, fill: "#120a06" }, iris);
    el("circle", { cx: cx + 3, cy: cy - 3, r: 2, fill: "#ffffff" }, iris);
    const lid = el("path", { fill: "#f2c4a4" }, group);
    el("path", { d: `M${cx - 18} ${cy - 2} Q${cx} ${cy - 16} ${cx + 18} ${cy - 2}`, stroke: "#2b1d16", "stroke-width": 2.5, fill: "none" }, group);
    return { cx, cy, iris, lid };
  }

  /** Show a viseme (contracts.md set) at a weight 0..1; unknown names fall back to rest. */
  setViseme(name, weight = 1) {
    const shape = VISEMES[name] ?? VISEMES.rest;
    const w = Math.max(0, Math.min(1, Number.isFinite(weight) ? weight : 1));
    for (const key of KEYS) this.mouthTarget[key] = VISEMES.rest[key] + (shape[key] - VISEMES.rest[key]) * w;
    const shown = VISEMES[name] ? name : "rest";
    if (shown !== this.viseme) {
      this.viseme = shown;
      this.container.dataset.viseme = shown;
    }
  }

  /** Mouth opening straight from an audio envelope (0..1) when the engine gave no viseme timings. */
  setOpenness(level) {
    const w = Math.max(0, Math.min(1, level));
    this.setViseme(w > 0.08 ? "A" : "rest", w);
  }

  setExpression(name) {
    if (!EXPRESSIONS[name] || name === this.expression) return;
    this.expression = name;
    this.container.dataset.expression = name;
  }

  /** Look towards the customer: yaw/pitch in degrees (positive yaw = to the avatar's right on screen). */
  lookAt(yaw, pitch) {
    const x = Math.max(-1, Math.min(1, (Number(yaw) || 0) / 30));
    const y = Math.max(-1, Math.min(1, (Number(pitch) || 0) / 20));
    this.gazeTarget = { x, y };
    this.gazeUntil = performance.now() + 3000;
  }

  /** Point at an element on screen (the card being talked about) for a couple of seconds. */
  gesture(target) {
    let angle = -25;
    if (target && this.svg.getScreenCTM()) {
      const rect = target.getBoundingClientRect();
      const point = this.svg.createSVGPoint();
      point.x = rect.left + rect.width / 2;
      point.y = rect.top + Math.min(rect.height / 2, 120);
      const local = point.matrixTransform(this.svg.getScreenCTM().inverse());
      angle = (Math.atan2(local.y - SHOULDER.y, local.x - SHOULDER.x) * 180) / Math.PI;
    }
    this.armTarget = Math.max(-60, Math.min(15, angle));
    this.gestureUntil = performance.now() + 2500;
    this.container.dataset.gesture = "point";
  }

  /** Call `fn(now)` on every animation frame before drawing (the speech player drives the mouth here). */
  onFrame(fn) {
    this.tickers.add(fn);
  }

  loop(now) {
    const dt = Math.min(100, Math.max(0, now - this.last));
    this.last = now;
    for (const fn of this.tickers) fn(now);
    this.update(now, dt);
    this.draw(now);
    this.countFrame(now);
    requestAnimationFrame(this.loop);
  }

  update(now, dt) {
    for (const key of KEYS) this.mouth[key] = approach(this.mouth[key], this.mouthTarget[key], dt, 28);
    const want = EXPRESSIONS[this.expression];
    for (const key of FACE_KEYS) this.face[key] = approach(this.face[key], want[key], dt, 120);
    let target = this.gazeTarget;
    if (want.look) target = want.look;
    else if (now > this.gazeUntil) {
      // No fresh gaze from the camera: small idle glances, mostly straight ahead.
      if (!this.idleGaze || now > this.idleGaze.until) {
        const away = Math.random() < 0.3;
        this.idleGaze = { x: away ? Math.random() * 0.8 - 0.4 : 0, y: away ? Math.random() * 0.4 - 0.2 : 0, until: now + 1500 + Math.random() * 2500 };
      }
      target = this.idleGaze;
    }
    this.gaze.x = approach(this.gaze.x, target.x, dt, 90);
    this.gaze.y = approach(this.gaze.y, target.y, dt, 90);
    if (now > this.gestureUntil && this.armTarget !== ARM_REST) {
      this.armTarget = ARM_REST;
      delete this.container.dataset.gesture;
    }
    this.arm = approach(this.arm, this.armTarget, dt, 140);
    if (this.blinkStart < 0 && now >= this.nextBlink) this.blinkStart = now;
  }

  blink(now) {
    if (this.blinkStart < 0) return 0;
    const t = (now - this.blinkStart) / 160;
    if (t >= 1) {
      this.blinkStart = -1;
      this.nextBlink = now + 2200 + Math.random() * 3800;
      return 0;
    }
    return 1 - Math.abs(2 * t - 1);
  }

  draw(now) {
    const breath = Math.sin((now / 4000) * 2 * Math.PI);
    this.body.setAttribute("transform", `translate(0 ${(breath * 1.6).toFixed(2)})`);
    const f = this.face;
    const headTurn = this.gaze.x * 4 + f.tilt;
    this.head.setAttribute("transform", `translate(0 ${(breath * 1.1).toFixed(2)}) rotate(${headTurn.toFixed(2)} 200 330)`);
    const closed = Math.max(this.blink(now), 1 - Math.min(1, f.lids));
    for (const eye of this.eyes) {
      eye.iris.setAttribute("transform", `translate(${(this.gaze.x * 7).toFixed(2)} ${(this.gaze.y * 4).toFixed(2)})`);
      const lidY = eye.cy - 12 + 24 * closed;
      eye.lid.setAttribute("d", `M${eye.cx - 19} ${eye.cy - 14} L${eye.cx + 19} ${eye.cy - 14} L${eye.cx + 19} ${eye.cy - 1} Q${eye.cx} ${lidY} ${eye.cx - 19} ${eye.cy - 1} Z`);
    }
    const [left, right] = this.brows;
    left.setAttribute("transform", `translate(0 ${f.brow.toFixed(2)}) rotate(${(-f.browTilt).toFixed(2)} 182 166)`);
    right.setAttribute("transform", `translate(0 ${f.brow.toFixed(2)}) rotate(${f.browTilt.toFixed(2)} 218 166)`);
    for (const blush of this.blushes) blush.setAttribute("opacity", f.blush.toFixed(2));
    this.drawMouth(f.smile);
    this.armGroup.setAttribute("transform", `translate(${SHOULDER.x} ${SHOULDER.y}) rotate(${this.arm.toFixed(2)})`);
  }

  drawMouth(smile) {
    const m = this.mouth;
    const half = 25 * (0.8 + 0.4 * m.width) * (1 - 0.35 * m.round);
    const open = 26 * m.open;
    const corner = MOUTH.y - 5 * smile * (1 - m.open);
    const upper = MOUTH.y - open * 0.3 + smile * 2 * (1 - m.open);
    const lower = MOUTH.y + open * 0.75 + smile * 3 * (1 - m.open);
    const c = 0.55 - 0.2 * m.round;
    const d =
      `M${(MOUTH.x - half).toFixed(1)} ${corner.toFixed(1)} ` +
      `C${(MOUTH.x - half * c).toFixed(1)} ${upper.toFixed(1)} ${(MOUTH.x + half * c).toFixed(1)} ${upper.toFixed(1)} ${(MOUTH.x + half).toFixed(1)} ${corner.toFixed(1)} ` +
      `C${(MOUTH.x + half * c).toFixed(1)} ${lower.toFixed(1)} ${(MOUTH.x - half * c).toFixed(1)} ${lower.toFixed(1)} ${(MOUTH.x - half).toFixed(1)} ${corner.toFixed(1)} Z`;
    this.cavity.setAttribute("d", d);
    this.mouthClip.setAttribute("d", d);
    this.lips.setAttribute("d", d);
    this.lips.setAttribute("stroke-width", (4 + 2 * m.press).toFixed(1));
    this.teeth.setAttribute("opacity", m.teeth.toFixed(2));
    this.teeth.setAttribute("y", (upper - 4).toFixed(1));
    this.tongue.setAttribute("opacity", m.tongue.toFixed(2));
    this.tongue.setAttribute("cy", (lower - 4).toFixed(1));
  }

  countFrame(now) {
    this.frames += 1;
    this.fpsWindow.push(now);
    while (this.fpsWindow.length && now - this.fpsWindow[0] > 1000) this.fpsWindow.shift();
    this.fps = this.fpsWindow.length;
  }
}
