// Cards: the detail shown beside the short spoken reply. Forms with big controls, confirmations
// (payee, amount, fees) with big buttons, queue tickets, QR codes, citations ("依据：《...》"), receipts,
// warnings, and the journey's steps as a progress bar. Server text is only ever set as textContent.

import { asksYesNo, codeLabel, slotValue, tableValue } from "./format.js";
import { pick, t } from "./i18n.js";
import { keypad, NUMERIC_TYPES, pinPad } from "./keypad.js";
import { QRCode, QRErrorCorrectLevel } from "./vendor/qrcode.js";

function node(tag, className = "", text = null) {
  const el = document.createElement(tag);
  if (className) el.className = className;
  if (text !== null && text !== undefined) el.textContent = String(text);
  return el;
}

function bigButton(label, className, onClick) {
  const button = node("button", `big ${className}`.trim(), label);
  button.type = "button";
  button.addEventListener("click", onClick);
  return button;
}

/** Draw `text` as a QR code on a canvas (byte mode, UTF-8, error correction M). */
export function qrCanvas(text, scale = 6) {
  const qr = new QRCode(-1, QRErrorCorrectLevel.M);
  qr.addData(String.fromCharCode(...new TextEncoder().encode(String(text)))); // UTF-8 bytes as a byte string
  qr.make();
  const count = qr.getModuleCount();
  const quiet = 4;
  const canvas = node("canvas", "qr");
  canvas.width = canvas.height = (count + 2 * quiet) * scale;
  const ctx = canvas.getContext("2d");
  ctx.fillStyle = "#ffffff";
  ctx.fillRect(0, 0, canvas.width, canvas.height);
  ctx.fillStyle = "#000000";
  for (let r = 0; r < count; r += 1) {
    for (let c = 0; c < count; c += 1) {
      if (qr.isDark(r, c)) ctx.fillRect((c + quiet) * scale, (r + quiet) * scale, scale, scale);
    }
  }
  canvas.dataset.text = String(text);
  canvas.setAttribute("role", "img");
  canvas.setAttribute("aria-label", `QR ${text}`);
  return canvas;
}

function rows(pairs) {
  const list = node("dl", "rows");
  for (const [label, value] of pairs) {
    list.append(node("dt", "", label), node("dd", "", value));
  }
  return list;
}

/** Back and cancel as the card's own secondary actions ("back" only while nothing irreversible was done). */
function journeyActions(ctx) {
  const actions = node("div", "actions");
  if (ctx.canGoBack) actions.append(bigButton(t("card.back"), "", () => ctx.touch(t("card.back"), "back")));
  actions.append(bigButton(t("card.cancel"), "danger", () => ctx.touch(t("card.cancel"), "cancel")));
  return actions;
}

/** 是 / 否 as two big buttons: the answer to a yes/no question. */
export function yesNo(ctx) {
  const box = node("div", "actions yesno");
  box.append(
    bigButton(t("yes"), "primary yes", () => ctx.touch(t("yes"), "yes")),
    bigButton(t("no"), "no", () => ctx.touch(t("no"), "no")),
  );
  return box;
}

const RENDERERS = {
  form(card, ctx) {
    const box = node("div");
    const labels = ctx.slotLabels || {};
    const types = ctx.slotTypes || {};
    const filled = Object.entries(card.data.fields || {})
      .map(([name, value]) => [pick(labels[name]) || t("value.selected"), slotValue(value, types[name])])
      .filter(([, value]) => value !== "");
    if (filled.length) box.append(rows(filled));
    const asking = card.data.asking;
    const spec = types[asking] || {};
    if (asking && spec.type === "bool") {
      box.append(node("p", "ask-label", pick(labels[asking])), yesNo(ctx));
      ctx.answered.yesNo = true;
    } else if (asking && spec.type !== "choice" && spec.type !== "account") {
      const form = node("form", "ask");
      const label = node("label", "ask-label", pick(labels[asking]) || "");
      const input = node("input", "ask-input");
      input.name = asking;
      input.autocomplete = "off";
      const numeric = NUMERIC_TYPES.has(spec.type);
      if (numeric) {
        input.inputMode = "none"; // the on-screen keypad below types the digits
        input.maxLength = spec.type === "amount" ? 12 : 19;
      }
      label.append(input);
      form.append(label, bigButton(t("card.submit"), "primary", () => form.requestSubmit()));
      if (numeric) form.append(keypad(input, { decimal: spec.type === "amount" }));
      form.addEventListener("submit", (event) => {
        event.preventDefault();
        const value = input.value.trim();
        if (value) ctx.sendText(value);
      });
      box.append(form);
      box.dataset.sensitive = "true";
    }
    if (asking) box.append(journeyActions(ctx));
    return box;
  },
  confirmation(card, ctx) {
    const box = node("div");
    box.append(rows((card.data.fields || []).map((f) => [pick(f.label), tableValue(f.label, f.value)])));
    for (const text of card.data.disclosures || []) box.append(node("p", "disclosure", pick(text)));
    const actions = node("div", "actions");
    actions.append(bigButton(t("card.confirm"), "primary", () => ctx.touch(t("card.confirm"), "yes")));
    if (ctx.canGoBack) actions.append(bigButton(t("card.back"), "", () => ctx.touch(t("card.back"), "back")));
    actions.append(bigButton(t("card.cancel"), "danger", () => ctx.touch(t("card.cancel"), "cancel")));
    box.append(actions);
    box.dataset.sensitive = "true";
    ctx.answered.yesNo = true;
    return box;
  },
  pin_pad(card, ctx) {
    // The PIN goes straight to the server in one event (forwarded to the bank, never kept); the card's
    // data holds nothing secret, only how many digits and which account.
    const box = node("div");
    const account = pick(card.data.account);
    if (account) box.append(node("p", "ask-label", account));
    box.append(pinPad((pin) => ctx.sendEvent("pin_entered", { pin }), { digits: card.data.digits || 6 }));
    box.append(node("p", "hint", t("pin.hint")));
    box.dataset.sensitive = "true";
    box.append(journeyActions(ctx));
    ctx.answered.yesNo = true;
    return box;
  },
  face_capture(card, ctx) {
    const box = node("div");
    const note = node("p", "hint", t("face.hint"));
    const start = bigButton(t("face.start"), "primary", () => {
      const image = ctx.still ? ctx.still() : null;
      if (!image) {
        note.textContent = t("face.no_camera");
        return;
      }
      start.disabled = true;
      ctx.sendEvent("face_captured", { image });
    });
    box.append(note, start, journeyActions(ctx));
    ctx.answered.yesNo = true;
    return box;
  },
  ticket(card) {
    const box = node("div", "ticket");
    box.append(node("div", "ticket-label", t("card.ticket")), node("div", "ticket-number", card.data.number || "—"));
    const details = [];
    if (card.data.waiting_ahead !== undefined) details.push([t("card.waiting"), String(card.data.waiting_ahead)]);
    if (card.data.window) details.push([t("card.window"), String(card.data.window)]);
    if (details.length) box.append(rows(details));
    if (card.data.number) box.append(qrCanvas(`${card.data.branch_id || ""}:${card.data.number}`, 4));
    return box;
  },
  qr(card) {
    const text = card.data.text || card.data.url || card.data.payload || card.data.value || "";
    const box = node("div", "qr-box");
    if (text) box.append(qrCanvas(text));
    box.append(node("p", "hint", pick(card.data.hint) || t("card.scan")));
    return box;
  },
  citations(card, ctx) {
    const box = node("div", "citations");
    box.append(node("span", "cite-label", t("card.cited")));
    for (const item of card.data.items || []) {
      const chip = bigButton(`《${item.title || t("cite.title")}》`, "cite", () => ctx.openCitation(item));
      box.append(chip);
    }
    return box;
  },
  receipt(card, ctx) {
    const paper = node("pre", "receipt-paper", (card.data.lines || []).map(pick).join("\n"));
    ctx.printed(card, paper.cloneNode(true));
    const box = node("div");
    box.append(node("p", "hint", t("card.printed")), paper);
    return box;
  },
  warning(card, ctx) {
    const box = node("div", "warning-body");
    if (card.data.text) box.append(node("p", "", pick(card.data.text)));
    ctx.concern();
    return box;
  },
  authorization() {
    const box = node("div", "waiting");
    box.append(node("span", "spinner"), node("p", "", t("card.awaiting")));
    return box;
  },
  products(card, ctx) {
    const list = node("div", "products");
    for (const p of card.data.products || []) {
      const item = node("button", "product big");
      item.type = "button";
      item.append(node("strong", "", pick(p.name)), node("span", "", pick(p.pitch)));
      item.addEventListener("click", () => ctx.touch(pick(p.name), p.id || pick(p.name)));
      list.append(item);
    }
    return list;
  },
  lead(card) {
    const box = node("div");
    box.append(node("p", "", t("card.missing")));
    const list = node("ul");
    for (const doc of card.data.missing || []) list.append(node("li", "", codeLabel(pick(doc))));
    box.append(list);
    return box;
  },
};

function generic(card) {
  // Unknown card types: only values with a readable label; internal keys and ids are not shown.
  const pairs = Object.entries(card.data || {})
    .filter(([k, v]) => v !== null && typeof v !== "object" && !/(^|_)id$/.test(k))
    .map(([k, v]) => [t(`field.${k}`) === `field.${k}` ? "" : t(`field.${k}`), codeLabel(v)])
    .filter(([label]) => label);
  return pairs.length ? rows(pairs) : node("div");
}

/**
 * Render a turn's cards into `container` (replacing what was there); returns the first card element.
 * ctx: {touch, sendText, printed, concern, openCitation, slotLabels, slotTypes, canGoBack}
 */
export function renderCards(container, reply, ctx) {
  container.replaceChildren();
  ctx = { ...ctx, answered: { yesNo: false } };
  const cards = [...(reply.cards || [])];
  if ((reply.citations || []).length && !cards.some((c) => c.type === "citations")) {
    cards.push({ type: "citations", title: null, data: { items: reply.citations } });
  }
  for (const card of cards) {
    const render = RENDERERS[card.type] || generic;
    const el = node("article", `card card-${card.type}`);
    el.dataset.type = card.type;
    if (card.title) el.append(node("h3", "card-title", pick(card.title)));
    let body;
    try {
      body = render({ ...card, data: card.data || {} }, ctx);
    } catch (error) {
      console.warn("card not rendered", card.type, String(error));
      body = generic(card);
    }
    if (body.dataset && body.dataset.sensitive) el.dataset.sensitive = "true";
    el.append(body);
    container.append(el);
  }
  // A yes/no question without a card that answers it: 是 / 否 buttons first, where the eye goes.
  if (!ctx.answered.yesNo && asksYesNo(reply.text)) {
    const el = node("article", "card card-yesno");
    el.dataset.type = "yesno";
    el.append(yesNo(ctx));
    container.prepend(el);
  }
  return container.querySelector(".card:not(.card-citations)") || container.firstElementChild;
}

const BACK = ["返回上一步", "返回修改", "返回", "上一步", "Go back", "Change", "Back"];
const YES_NO = ["是", "否", "是的", "不是", "确认", "确定", "不用", "不要", "Yes", "No", "Confirm"];

/** Suggestions that repeat an action already on a card (or a "back" that is not possible) are dropped. */
export function dedupeSuggestions(suggestions, container, { canGoBack = true } = {}) {
  const onCards = new Set([...container.querySelectorAll("button")].map((b) => b.textContent.trim()));
  const hasYesNo = Boolean(container.querySelector(".yesno"));
  return (suggestions || []).filter((s) => {
    const label = pick(s).trim();
    if (!label || onCards.has(label)) return false;
    if (BACK.includes(label) && (!canGoBack || onCards.has(t("card.back")))) return false;
    if (hasYesNo && YES_NO.includes(label)) return false;
    if (onCards.has(t("card.cancel")) && ["取消", "Cancel"].includes(label)) return false;
    return true;
  });
}

/** Big buttons for the reply's suggestions; a tap is a `touch` message. */
export function renderSuggestions(container, suggestions, touch) {
  container.replaceChildren();
  for (const s of suggestions || []) {
    const label = pick(s);
    if (label) container.append(bigButton(label, "suggestion", () => touch(label, label)));
  }
}

/** The journey's steps as a progress bar; internal steps (no label) count as the next visible one. */
export function renderJourney(box, titleEl, list, journey, catalog) {
  const flow = journey && catalog[journey.name];
  if (!flow || !["active", "waiting", "awaiting", "completed"].some((s) => String(journey.status).startsWith(s))) {
    box.hidden = true;
    return;
  }
  const steps = flow.steps;
  let current = steps.findIndex((s) => s.id === journey.step);
  if (journey.status === "completed") current = steps.length;
  const visible = steps.map((s, i) => ({ ...s, i })).filter((s) => s.label);
  titleEl.textContent = `${t("journey.progress")} · ${pick(flow.title)}`;
  list.replaceChildren();
  let reachedCurrent = false;
  for (const step of visible) {
    const item = node("li", "step", pick(step.label));
    if (step.i < current) item.classList.add("done");
    else if (!reachedCurrent && current >= 0) {
      item.classList.add("current");
      item.setAttribute("aria-current", "step");
      reachedCurrent = true;
    }
    list.append(item);
  }
  box.hidden = false;
}
