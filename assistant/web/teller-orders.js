/* Teller console, orders: what the branch owes its customers (new cards, products, certificates, held
 * receipts), each with its state and deadline, and the counter's three actions: mark ready (the card is
 * printed, the item is here), hand over after the bank checked the customer's pickup code, cancel.
 * The bank keeps the orders and counts wrong codes; this page only shows what it says. */
"use strict";

(() => {
  const { api, el } = Lobby;
  const $ = (id) => document.getElementById(id);
  const STATES = {
    reserved: "准备中 Reserved", ready: "待领取 Ready", picked_up: "已领取 Picked up",
    cancelled: "已取消 Cancelled", expired: "已过期 Expired",
  };
  const REFUSALS = {
    wrong_pickup_code: (d) => `取件码不符，还可尝试 ${d.tries_left} 次 Wrong pickup code, ${d.tries_left} tries left`,
    pickup_code_locked: () => "取件码已锁定：请核验身份证件后重新发码 Code locked: check the customer's ID and reissue",
    order_transition_invalid: (d) => `当前状态不能这样操作 Not possible while ${STATES[d.state] || d.state}`,
  };
  const ACTORS = {
    "kiosk visit": "自助机 Kiosk", seed: "系统 System", expiry: "到期 Expiry",
    "visit ended": "客户离开 Visit ended", "journey cancelled": "客户取消 Customer cancelled",
  };
  let showClosed = false;

  function say(id, text) { // an empty line takes no room
    $(id).textContent = text;
    $(id).hidden = !text;
  }

  function due(iso) {
    const d = new Date(iso.endsWith("Z") || iso.includes("+") ? iso : `${iso}Z`);
    return d.toLocaleString("zh-CN", { month: "2-digit", day: "2-digit", hour: "2-digit", minute: "2-digit", hour12: false });
  }

  function refusal(e) {
    let detail = null;
    try { detail = JSON.parse(e.message); } catch (_) { /* a plain message */ }
    if (detail && REFUSALS[detail.code]) return REFUSALS[detail.code](detail);
    return e.status === 503 ? "银行系统暂不可用，请重试 The bank is unavailable, try again" : (detail && detail.message) || e.message;
  }

  async function act(order, action, body, row) {
    const note = row.querySelector(".order-note");
    note.textContent = "";
    note.className = "order-note error";
    try {
      await api(`/api/v1/teller/orders/${encodeURIComponent(order.id)}/${action}`, { method: "POST", body });
      await refresh(action === "pickup" ? `${order.name} 已交付 handed over` : "");
    } catch (e) {
      note.textContent = refusal(e);
    }
  }

  function actions(order) {
    const cell = el("td", { class: "order-actions" });
    const row = () => cell.closest("tr");
    if (order.status === "reserved") {
      cell.append(el("button", { type: "button", class: "mark-ready", onclick: () => act(order, "ready", {}, row()) }, "已备妥 Ready"));
    }
    if (order.status === "ready") {
      const code = el("input", { class: "pickup-code", inputmode: "numeric", maxlength: "12", placeholder: "取件码", autocomplete: "off", "aria-label": "取件码 Pickup code" });
      const form = el("form", { class: "row handover" }, code, el("button", { type: "submit" }, "核验交付 Hand over"));
      form.addEventListener("submit", (event) => {
        event.preventDefault();
        if (code.value.trim()) act(order, "pickup", { pickup_code: code.value.trim() }, row());
      });
      cell.append(form);
    }
    if (order.status === "reserved" || order.status === "ready") {
      cell.append(el("button", {
        type: "button", class: "secondary cancel-order",
        onclick: () => { if (window.confirm(`取消 ${order.name}？ Cancel this order?`)) act(order, "cancel", { reason: "counter" }, row()); },
      }, "取消 Cancel"));
    }
    cell.append(el("div", { class: "order-note error", role: "alert" }));
    return cell;
  }

  function line(order) {
    const late = order.overdue ? el("span", { class: "badge risk" }, "逾期 Overdue") : null;
    const last = order.last ? `${ACTORS[order.last.by] || order.last.by} · ${due(order.last.at)}` : "";
    return el("tr", { class: `order order-${order.status}`, dataset: { order: order.id } },
      el("td", {}, el("b", {}, order.name), el("div", { class: "muted" }, order.name_en)),
      el("td", {}, order.customer || "—"),
      el("td", {}, el("span", { class: `state state-${order.status}` }, STATES[order.status] || order.status), el("div", { class: "muted last" }, last)),
      el("td", { class: "due" }, due(order.due_at), late ? el("div", {}, late) : null),
      actions(order));
  }

  async function refresh(flash = "") {
    if (document.activeElement && document.activeElement.classList.contains("pickup-code") && !flash) return; // typing a code
    try {
      const data = await api("/api/v1/teller/orders");
      const shown = data.orders.filter((o) => showClosed || o.status === "reserved" || o.status === "ready");
      const open = data.orders.filter((o) => o.status === "reserved" || o.status === "ready");
      $("orders-count").textContent = `${open.length} 待办 open · ${open.filter((o) => o.overdue).length} 逾期 overdue`;
      $("orders-body").replaceChildren(...shown.map(line));
      $("orders-empty").hidden = shown.length > 0;
      say("orders-error", "");
      say("orders-flash", flash);
    } catch (e) {
      say("orders-error", refusal(e));
    }
  }

  // started by teller.js once the teller is signed in (common.js keeps one sign-in callback per page)
  window.TellerOrders = {
    start() {
      $("orders-closed").addEventListener("change", (event) => { showClosed = event.target.checked; refresh(); });
      refresh();
      setInterval(refresh, 5000);
    },
  };
})();
