// The customer's phone: sign in with a texted code, book a visit, fill in a journey's form at home and get
// its QR code, and watch bookings, forms and receipts update live. Plain ES module, no build step.

import { ApiError, call, follow, keep, token } from "./api.js";
import { drawForm, el, readForm } from "./form.js";
import { language, pick, setLanguage, t } from "./i18n.js";

const $ = (id) => document.getElementById(id);
const state = { me: null, status: null, catalogue: null, view: "signin", book: {}, schema: null, values: {}, stop: null, shownCode: null };

// -- views and texts ---------------------------------------------------------------------------------

function show(view) {
  state.view = view;
  for (const section of document.querySelectorAll(".view")) section.hidden = section.id !== `view-${view}`;
  window.scrollTo(0, 0);
}

function texts() {
  for (const node of document.querySelectorAll("[data-t]")) node.textContent = t(node.dataset.t);
  $("lang").textContent = t("lang");
  document.title = `${t("bank")} · ${t("home.book")} / ${t("home.prepare")}`;
  if (state.me) $("hello").textContent = t("home.hello", { name: language() === "en" ? state.me.name_en : state.me.name });
  if (state.view === "book") $("book-title").textContent = t(state.book.change ? "book.change_title" : "book.title");
  if (state.view === "book") $("book-submit").textContent = t(state.book.change ? "book.change_submit" : "book.submit");
  for (const node of document.querySelectorAll("[data-key]")) node.textContent = t(node.dataset.key, JSON.parse(node.dataset.values || "{}"));
  if (state.live) $("live-text").textContent = t(state.live === "live" ? "home.live" : "home.offline");
  if (state.status) drawStatus();
  if (state.view === "book" && state.catalogue) drawBook();
  if (state.view === "prepare" && state.catalogue) drawJourneys();
  if (state.schema && state.view === "prepare") drawForm($("form-sections"), state.schema, state.values, state.errors || {});
  if (state.view === "code" && state.shownCode) drawCode(state.shownCode);
}

function problem(err) {
  if (err instanceof ApiError) {
    if (err.code === "session") return t("err.session");
    if (err.code === "rate_limited") return t("err.rate_limited", { s: err.retryAfter || 60 });
    const key = `err.${err.code}`;
    if (t(key) !== key) return t(key);
  }
  return t("err.other");
}

function say(id, text) {
  const node = $(id);
  node.textContent = text || "";
  node.hidden = !text;
  delete node.dataset.key;
}

/** Like `say`, for the page's own texts: kept as a key so a language switch redraws it. */
function sayKey(id, key, values = {}) {
  say(id, t(key, values));
  $(id).dataset.key = key;
  $(id).dataset.values = JSON.stringify(values);
}

async function guarded(work, errorId) {
  try {
    say(errorId, "");
    return await work();
  } catch (err) {
    if (err instanceof ApiError && err.code === "session") return signOut(t("err.session"));
    say(errorId, problem(err));
    return null;
  }
}

// -- sign in ------------------------------------------------------------------------------------------

let countdown = null;

function startCountdown(seconds) {
  const button = $("send-code");
  let left = seconds;
  clearInterval(countdown);
  button.disabled = true;
  const tick = () => {
    button.textContent = t("signin.resend", { s: left });
    if (left-- <= 0) {
      clearInterval(countdown);
      button.disabled = false;
      button.textContent = t("signin.send");
    }
  };
  tick();
  countdown = setInterval(tick, 1000);
}

async function sendCode() {
  const phone = $("phone").value.replace(/\D/g, "");
  if (!/^1[3-9]\d{9}$/.test(phone)) return say("signin-error", t("err.phone"));
  const sent = await guarded(() => call("POST", "/code", { phone }), "signin-error");
  if (sent) {
    sayKey("signin-note", "signin.sent");
    startCountdown(sent.retry_after || 60);
    $("code").focus();
  }
}

async function signIn(event) {
  event.preventDefault();
  const phone = $("phone").value.replace(/\D/g, "");
  const code = $("code").value.replace(/\D/g, "");
  if (!/^1[3-9]\d{9}$/.test(phone)) return say("signin-error", t("err.phone"));
  if (!/^\d{6}$/.test(code)) return say("signin-error", t("err.code"));
  const signed = await guarded(() => call("POST", "/sign-in", { phone, code }), "signin-error");
  if (!signed) return;
  keep(signed.token);
  $("code").value = "";
  await enter(signed.me);
}

async function enter(me) {
  state.me = me || (await call("GET", "/me"));
  state.catalogue = await call("GET", "/catalogue");
  show("home");
  texts();
  if (state.stop) state.stop();
  state.stop = follow(
    (status) => {
      const before = state.status;
      state.status = status;
      announceCompleted(before, status);
      drawStatus();
    },
    (how) => {
      if (how === "expired") return signOut(t("err.session"));
      state.live = how;
      $("live-dot").className = how === "live" ? "dot on" : "dot";
      $("live-text").textContent = t(how === "live" ? "home.live" : "home.offline");
    },
  );
}

function signOut(message) {
  if (state.stop) state.stop();
  Object.assign(state, { me: null, status: null, stop: null, schema: null, values: {} });
  keep(null);
  show("signin");
  texts();
  if (message) say("signin-error", message);
}

// -- home: live status --------------------------------------------------------------------------------

function announceCompleted(before, after) {
  if (!before) return;
  const was = Object.fromEntries(before.forms.map((f) => [f.id, f.status]));
  const done = after.forms.find((f) => f.status === "completed" && was[f.id] && was[f.id] !== "completed");
  if (done) {
    sayKey("home-message", "home.completed", { title: done.title });
    if (state.view === "code" && state.shownCode && state.shownCode.id === done.id) show("home");
  }
}

function statusChip(kind) {
  return el("span", { class: `chip chip-${kind}`, text: t(`status.${kind}`) });
}

function businessName(type) {
  const found = (state.catalogue?.businesses || []).find((b) => b.business_type === type);
  return found ? (language() === "en" ? found.name_en : found.name) : type;
}

function branchName(id) {
  const found = (state.catalogue?.branches || []).find((b) => b.branch_id === id);
  return found ? (language() === "en" ? found.name_en : found.name) : id;
}

function dayLabel(iso) {
  const day = new Date(`${iso}T00:00:00`);
  const today = new Date();
  today.setHours(0, 0, 0, 0);
  const diff = Math.round((day - today) / 86400000);
  const name = diff === 0 ? t("today") : diff === 1 ? t("tomorrow") : t("weekday")[day.getDay()];
  const date = language() === "en" ? day.toLocaleDateString("en-GB", { day: "numeric", month: "short" }) : `${day.getMonth() + 1}月${day.getDate()}日`;
  return { name, date };
}

function receiptView(receipt) {
  const rows = el("dl", { class: "facts" });
  const result = receipt.result || {};
  for (const key of ["status", "amount", "fee", "to_name", "to_account_number", "to_bank", "pickup_code", "id"]) {
    if (result[key] === undefined) continue;
    let value = String(result[key]);
    if (key === "status") value = t(`result.${value}`) !== `result.${value}` ? t(`result.${value}`) : value;
    if (key === "amount" || key === "fee") value = `¥${Number(value).toLocaleString("zh-CN", { minimumFractionDigits: 2 })}`;
    rows.append(el("dt", { text: t(`receipt.${key}`) }), el("dd", { text: value }));
  }
  rows.append(el("dt", { text: t("receipt.at") }), el("dd", { text: new Date(receipt.at).toLocaleString(language() === "en" ? "en-GB" : "zh-CN") }));
  return el("div", { class: "receipt" }, el("h3", { text: `✓ ${t("receipt.title")}` }), rows);
}

function when(iso) {
  return new Date(iso.endsWith("Z") || iso.includes("+") ? iso : `${iso}Z`).toLocaleString(language() === "en" ? "en-GB" : "zh-CN", {
    month: "short", day: "numeric", hour: "2-digit", minute: "2-digit",
  });
}

function orderSteps(order) {
  const list = el("ol", { class: "steps" });
  const closed = order.status === "cancelled" || order.status === "expired";
  for (const step of order.steps) {
    const done = Boolean(step.at);
    const current = !closed && step.status === order.status;
    const item = el("li", { class: `step${done ? " done" : ""}${current ? " current" : ""}` });
    item.append(el("span", { class: "step-name", text: t(`order.step.${step.status}`) }));
    if (step.at) item.append(el("span", { class: "step-at", text: when(step.at) }));
    list.append(item);
  }
  return list;
}

function drawOrders(orders) {
  const list = $("orders");
  list.replaceChildren();
  if (!orders.length) list.append(el("p", { class: "empty", text: t("home.noorders") }));
  for (const order of orders) {
    const card = el("article", { class: `card item order-${order.status}`, "data-order": order.id });
    card.append(el("div", { class: "item-head" }, el("strong", { text: pick(order.name) }), statusChip(order.status)));
    card.append(orderSteps(order));
    card.append(el("p", { class: "where", text: branchName(order.branch_id) }));
    if (order.status === "cancelled" || order.status === "expired") {
      if (order.closed_at) card.append(el("p", { class: "due", text: t("order.closed", { state: t(`status.${order.status}`), when: when(order.closed_at) }) }));
    } else if (order.status !== "picked_up") {
      card.append(el("p", { class: order.overdue ? "due overdue" : "due", text: order.overdue ? t("order.overdue") : t("order.due", { when: when(order.due_at) }) }));
      if (order.status === "ready") card.append(el("p", { class: "fine", text: t("order.how") }));
    }
    list.append(card);
  }
}

function drawStatus() {
  const { forms, bookings } = state.status;
  drawOrders(state.status.orders || []);
  const formList = $("forms");
  formList.replaceChildren();
  if (!forms.length) formList.append(el("p", { class: "empty", text: t("home.noforms") }));
  for (const form of forms.filter((f) => f.status !== "cancelled")) {
    const card = el("article", { class: `card item form-${form.status}`, "data-form": form.id });
    card.append(el("div", { class: "item-head" }, el("strong", { text: pick(form.title) }), statusChip(form.status)));
    const facts = el("dl", { class: "facts" });
    for (const row of form.summary) facts.append(el("dt", { text: pick(row.label) }), el("dd", { text: pick(row.value) }));
    card.append(facts);
    if (form.receipt) card.append(receiptView(form.receipt));
    if (form.status === "open" || form.status === "loaded") {
      const buttons = el("div", { class: "row" });
      const showButton = el("button", { type: "button", class: "primary small", text: t("form.show") });
      showButton.addEventListener("click", () => drawCode(form, true));
      buttons.append(showButton);
      if (form.status === "open") {
        const cancel = el("button", { type: "button", class: "secondary small", text: t("form.cancel") });
        cancel.addEventListener("click", () => cancelForm(form));
        buttons.append(cancel);
      }
      card.append(buttons);
    }
    formList.append(card);
  }
  const list = $("bookings");
  list.replaceChildren();
  if (!bookings.length) list.append(el("p", { class: "empty", text: t("home.nobookings") }));
  for (const booking of bookings) {
    const day = dayLabel(booking.date);
    const card = el("article", { class: `card item booking-${booking.status}`, "data-booking": booking.code });
    card.append(el("div", { class: "item-head" }, el("strong", { text: businessName(booking.business_type) }), statusChip(booking.status)));
    card.append(el("p", { class: "when", text: `${day.name} ${day.date} ${booking.time}` }));
    card.append(el("p", { class: "where", text: branchName(booking.branch_id) }));
    card.append(el("p", { class: "code-line" }, el("span", { text: `${t("booking.code")} ` }), el("b", { text: booking.code })));
    if (booking.status === "booked") {
      const buttons = el("div", { class: "row" });
      const change = el("button", { type: "button", class: "secondary small", text: t("booking.change") });
      change.addEventListener("click", () => openBook(booking));
      const cancel = el("button", { type: "button", class: "danger small", text: t("booking.cancel") });
      cancel.addEventListener("click", () => cancelBooking(booking));
      buttons.append(change, cancel);
      card.append(buttons);
    }
    list.append(card);
  }
}

async function refresh() {
  state.status = await call("GET", "/status");
  drawStatus();
}

async function cancelBooking(booking) {
  if (!window.confirm(t("booking.confirm_cancel"))) return;
  const done = await guarded(() => call("POST", `/bookings/${encodeURIComponent(booking.code)}/cancel`), "home-message");
  if (done) {
    sayKey("home-message", "home.cancelled");
    await refresh();
  }
}

async function cancelForm(form) {
  if (!window.confirm(t("form.confirm_cancel"))) return;
  const done = await guarded(() => call("POST", `/prepared/${encodeURIComponent(form.id)}/cancel`), "home-message");
  if (done) {
    sayKey("home-message", "home.form_cancelled");
    await refresh();
  }
}

// -- book -----------------------------------------------------------------------------------------------

function openBook(changing) {
  const home = state.me?.home_branch || state.catalogue.branches[0].branch_id;
  state.book = changing
    ? { change: changing.code, branch: changing.branch_id, business: changing.business_type, day: null, time: null }
    : { change: null, branch: home, business: null, day: null, time: null };
  say("book-error", "");
  show("book");
  texts();
  if (state.book.business) loadSlots();
}

function chooser(container, items, selected, onPick, disabled) {
  container.replaceChildren();
  for (const item of items) {
    const button = el("button", { type: "button", class: item.value === selected ? "choice on" : "choice", "aria-pressed": String(item.value === selected), disabled });
    button.append(el("span", { text: item.label }));
    if (item.sub) button.append(el("small", { text: item.sub }));
    button.addEventListener("click", () => onPick(item.value));
    container.append(button);
  }
}

function drawBook() {
  const b = state.book;
  const fixed = Boolean(b.change);
  chooser($("branches"), state.catalogue.branches.map((x) => ({ value: x.branch_id, label: language() === "en" ? x.name_en : x.name })), b.branch, (v) => { b.branch = v; b.day = b.time = null; loadSlots(); }, fixed);
  chooser($("businesses"), state.catalogue.businesses.map((x) => ({ value: x.business_type, label: language() === "en" ? x.name_en : x.name })), b.business, (v) => { b.business = v; b.day = b.time = null; loadSlots(); }, fixed);
  const days = b.availability ? b.availability.days : [];
  chooser($("days"), days.map((d) => { const l = dayLabel(d.date); const left = d.slots.reduce((n, s) => n + s.remaining, 0); return { value: d.date, label: l.name, sub: left ? l.date : t(d.slots.length ? "book.full" : "book.closed") }; }), b.day, (v) => { b.day = v; b.time = null; drawBook(); });
  const slotBox = $("slots");
  slotBox.replaceChildren();
  const day = days.find((d) => d.date === b.day);
  if (day && !day.slots.some((s) => s.remaining > 0)) slotBox.append(el("p", { class: "empty", text: t("book.none") }));
  for (const slot of day ? day.slots : []) {
    const full = slot.remaining <= 0;
    const button = el("button", { type: "button", class: slot.time === b.time ? "slot on" : "slot", disabled: full, "aria-pressed": String(slot.time === b.time), "data-time": slot.time });
    button.append(el("span", { text: slot.time }), el("small", { text: full ? t("book.full") : t("book.left", { n: slot.remaining }) }));
    button.addEventListener("click", () => { b.time = slot.time; drawBook(); });
    slotBox.append(button);
  }
  drawDocuments();
  $("book-submit").disabled = !(b.branch && b.business && b.day && b.time);
}

function drawDocuments() {
  const box = $("documents");
  const docs = state.book.availability?.documents?.[language()] || [];
  box.replaceChildren();
  box.hidden = !docs.length;
  if (!docs.length) return;
  box.append(el("h2", { text: t("book.bring") }));
  for (const doc of docs) {
    const text = (doc.excerpt || "").trim();
    box.append(el("blockquote", { class: "doc" }, el("p", { text }), el("cite", { text: t("book.source", { title: doc.title }) })));
  }
}

async function loadSlots() {
  const b = state.book;
  b.availability = null;
  drawBook();
  if (!b.branch || !b.business) return;
  const query = `?branch_id=${encodeURIComponent(b.branch)}&business_type=${encodeURIComponent(b.business)}`;
  const found = await guarded(() => call("GET", `/availability${query}`), "book-error");
  if (!found) return;
  b.availability = found;
  b.day = b.day || (found.days.find((d) => d.slots.some((s) => s.remaining > 0)) || found.days[0] || {}).date || null;
  drawBook();
}

async function submitBooking() {
  const b = state.book;
  const path = b.change ? `/bookings/${encodeURIComponent(b.change)}/change` : "/bookings";
  const body = b.change ? { date: b.day, time: b.time } : { branch_id: b.branch, business_type: b.business, date: b.day, time: b.time };
  const done = await guarded(() => call("POST", path, body), "book-error");
  if (!done) return loadSlots();
  show("home");
  texts();
  if (b.change) sayKey("home-message", "home.changed", { date: done.date, time: done.time });
  else sayKey("home-message", "home.booked", { code: done.code });
  await refresh();
}

// -- prepare at home -----------------------------------------------------------------------------------

function drawJourneys() {
  chooser($("journeys"), state.catalogue.prepare.map((j) => ({ value: j.journey, label: pick(j.title) })), state.schema?.journey, openForm);
}

async function openForm(journey) {
  const schema = await guarded(() => call("GET", `/forms/${encodeURIComponent(journey)}`), "prepare-error");
  if (!schema) return;
  Object.assign(state, { schema, values: {}, errors: {} });
  $("prepare-form").hidden = false;
  drawJourneys();
  drawForm($("form-sections"), schema, {}, {});
}

async function submitForm(event) {
  event.preventDefault();
  state.values = readForm($("prepare-form"), state.schema);
  try {
    say("prepare-error", "");
    const form = await call("POST", `/forms/${encodeURIComponent(state.schema.journey)}`, { values: state.values });
    Object.assign(state, { schema: null, values: {}, errors: {} });
    $("prepare-form").hidden = true;
    drawCode(form, true);
    refresh().catch(() => {});
  } catch (err) {
    if (err instanceof ApiError && err.code === "form_refused") {
      state.errors = err.body.errors || {};
      drawForm($("form-sections"), state.schema, state.values, state.errors);
      say("prepare-error", t("err.form"));
      const first = document.querySelector(".field.invalid");
      if (first) first.scrollIntoView({ block: "center" });
    } else if (err instanceof ApiError && err.code === "session") {
      signOut(t("err.session"));
    } else {
      say("prepare-error", problem(err));
    }
  }
}

function drawCode(form, open = false) {
  state.shownCode = form;
  const card = $("code-card");
  card.replaceChildren(
    el("strong", { class: "qr-title", text: pick(form.title) }),
    el("img", { class: "qr", src: form.qr, alt: `${t("code.number")} ${form.token}`, width: 240, height: 240 }),
    el("p", { class: "token" }, el("span", { text: `${t("code.number")} ` }), el("b", { text: form.token })),
  );
  const facts = el("dl", { class: "facts" });
  for (const row of form.summary) facts.append(el("dt", { text: pick(row.label) }), el("dd", { text: pick(row.value) }));
  card.append(facts);
  if (form.expires_at) card.append(el("p", { class: "fine", text: t("form.expires", { at: new Date(form.expires_at).toLocaleString(language() === "en" ? "en-GB" : "zh-CN") }) }));
  if (open) show("code");
}

// -- start ----------------------------------------------------------------------------------------------

function start() {
  setLanguage(language());
  $("lang").addEventListener("click", () => { setLanguage(language() === "zh" ? "en" : "zh"); texts(); });
  $("send-code").addEventListener("click", sendCode);
  $("signin-form").addEventListener("submit", signIn);
  $("go-book").addEventListener("click", () => openBook(null));
  $("go-prepare").addEventListener("click", () => { Object.assign(state, { schema: null, values: {}, errors: {} }); $("prepare-form").hidden = true; say("prepare-error", ""); show("prepare"); texts(); });
  $("prepare-form").addEventListener("submit", submitForm);
  $("book-submit").addEventListener("click", submitBooking);
  $("sign-out").addEventListener("click", () => signOut());
  for (const back of document.querySelectorAll("[data-back]")) back.addEventListener("click", () => { say("home-message", ""); show("home"); texts(); });
  show("signin");
  texts();
  if (token()) enter(null).catch(() => signOut());
}

start();
