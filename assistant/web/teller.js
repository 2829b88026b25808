/* Teller console: ask the knowledge assistant (staff documents, citations that open the document), the
 * branch queue with the tickets issued at the kiosk, call the next one, and that customer's context. */
"use strict";

(() => {
  const { api, el, when } = Lobby;
  const $ = (id) => document.getElementById(id);
  const SPEAKERS = { customer: "客户", assistant: "数字人", expert: "专家", staff: "工作人员" };
  let customer = null;

  function facts(target, pairs) {
    target.replaceChildren(
      ...pairs.filter(([, v]) => v !== null && v !== undefined && v !== "").flatMap(([k, v]) => [el("dt", {}, k), el("dd", {}, typeof v === "object" ? JSON.stringify(v) : String(v))]),
    );
  }

  async function ask(event) {
    event.preventDefault();
    $("ask-error").textContent = "";
    $("answer").textContent = "…";
    $("citations").replaceChildren();
    try {
      const answer = await api("/api/v1/teller/ask", { method: "POST", body: { question: $("question").value.trim() } });
      $("answer").textContent = answer.abstained ? "没有找到可靠的依据，请换个说法或查阅制度。 No reliable source found." : answer.answer;
      $("citations").replaceChildren(
        ...(answer.citations || []).map((c) =>
          el("div", { class: "citation", dataset: { doc: c.doc_id } },
            el("div", { class: "row" },
              el("b", { class: "grow" }, c.title, c.section ? ` · ${c.section}` : ""),
              c.audience === "staff" ? el("span", { class: "badge" }, "内部 staff") : null,
              el("button", { type: "button", class: "secondary open-doc", onclick: () => openDoc(c.doc_id) }, "打开 Open")),
            el("div", { class: "muted" }, c.snippet || "")),
        ),
      );
    } catch (e) {
      $("answer").textContent = "";
      $("ask-error").textContent = e.message;
    }
  }

  async function openDoc(docId) {
    try {
      const doc = await api(`/api/v1/teller/documents/${encodeURIComponent(docId)}`);
      $("document").hidden = false;
      $("doc-title").textContent = doc.title;
      $("doc-meta").textContent = `${doc.doc_id} · ${doc.audience}${doc.effective_from ? " · 生效 " + doc.effective_from : ""}`;
      $("doc-text").replaceChildren(...doc.sections.map((s) => el("div", {}, s.section ? el("h4", {}, s.section) : null, s.text)));
      $("document").scrollIntoView();
    } catch (e) {
      $("ask-error").textContent = e.message;
    }
  }

  async function refreshQueue() {
    try {
      const q = await api("/api/v1/teller/queue");
      const cats = (q.bank.categories || []).map((c) => `${c.category}: ${c.waiting} 人等待 / ${c.windows} 窗口`);
      $("queue-bank").textContent = `${q.branch_id} · ${cats.join(" · ")}`;
      $("tickets").replaceChildren(
        ...q.tickets.map((t) => el("li", { class: "ticket" }, el("b", {}, t.number), ` ${t.business_type || ""} · ${t.category || ""} · ${when(t.created_at)}`)),
      );
      const handoffs = await api("/api/v1/handoffs");
      $("handoffs").replaceChildren(
        ...handoffs.handoffs.map((h) =>
          el("li", {}, el("b", {}, h.customer_name || "客户"), ` ${h.reason} · 转自 ${h.fallback_from || h.skill} `,
            el("button", { type: "button", class: "secondary", onclick: () => takeHandoff(h.id) }, "接入 Accept")),
        ),
      );
    } catch (e) {
      $("queue-error").textContent = e.message;
    }
  }

  async function takeHandoff(id) {
    try {
      await api(`/api/v1/handoffs/${id}/accept`, { method: "POST" });
      location.href = "/expert";
    } catch (e) {
      $("queue-error").textContent = e.message;
    }
  }

  function showCustomer(ctx) {
    customer = ctx;
    $("customer").hidden = false;
    const ticket = (ctx.counter || {}).ticket;
    const p = ctx.profile || ctx.customer || {};
    $("customer-title").textContent = `当前客户 Current customer${ticket ? " · " + ticket : ""}`;
    facts($("profile"), [
      ["姓名 Name", p.name], ["客户号 ID", p.customer_id], ["年龄 Age", p.age], ["证件 ID type", p.id_type],
      ["手机 Phone", p.phone], ["账户 Accounts", (p.accounts || []).map((a) => a.number || a.id).join(", ")],
      ["在途 In flight", (p.in_flight || []).join("；")],
    ]);
    const j = ctx.journey || {};
    facts($("journey"), [["业务 Journey", j.name], ["步骤 Step", j.step], ["状态 Status", j.status], ["排队号 Tickets", (ctx.tickets || []).map((t) => t.number).join(", ")]]);
    facts($("form"), Object.entries(ctx.form || {}));
    $("authorization").hidden = !ctx.authorization;
    $("auth-id").textContent = ctx.authorization ? ctx.authorization.id : "";
    $("transcript").replaceChildren(
      ...(ctx.transcript || []).map((t) => el("div", { class: `turn ${t.speaker}` }, el("span", { class: "who" }, SPEAKERS[t.speaker] || t.speaker), t.text)),
    );
  }

  async function callNext() {
    $("queue-error").textContent = "";
    try {
      const called = await api("/api/v1/teller/queue/next", { method: "POST", body: { counter: $("counter").value || "1" } });
      showCustomer(called);
      if (called.bank_called === false) {
        // the customer is called here, but the bank's queue system missed it: its screens may not show it
        $("queue-error").textContent = `银行叫号系统未同步 The bank's queue was not updated: ${called.bank_call_error || ""}`;
      }
    } catch (e) {
      $("queue-error").textContent = e.status === 404 ? "没有等待的号 No ticket is waiting" : e.message;
    }
    refreshQueue();
  }

  async function decide(decision) {
    try {
      const out = await api(`/api/v1/teller/customer/authorizations/${customer.authorization.id}`, { method: "POST", body: { decision } });
      $("auth-result").textContent = out.turn.reply.text;
      showCustomer(await api("/api/v1/teller/customer"));
    } catch (e) {
      $("queue-error").textContent = e.message;
    }
  }

  const PREPARED_STATUS = { open: "待办理 To handle", loaded: "办理中 In progress (kiosk)" };
  // The customer's code from the phone, scanned (or typed) at the counter: the form as filled at home, masked.
  async function openPrepared(event) {
    event.preventDefault();
    $("prepared-error").textContent = "";
    const token = $("prepared-token").value.trim().toUpperCase();
    if (!token) return;
    try {
      const form = await api(`/api/v1/teller/prepared/${encodeURIComponent(token)}`);
      facts($("prepared"), [
        ["业务 Service", (form.title || {}).zh], ["客户 Customer", `${form.customer.name} (${form.customer.customer_id})`],
        ["状态 Status", PREPARED_STATUS[form.status] || form.status], ...form.rows.map((r) => [r.label.zh, r.value.zh]),
      ]);
    } catch (e) {
      $("prepared").replaceChildren();
      $("prepared-error").textContent = e.status === 404 ? "预填码无效、已使用或已过期 Unknown, used or expired code" : e.message;
    }
  }

  document.addEventListener("DOMContentLoaded", () => {
    $("ask").addEventListener("submit", ask);
    $("doc-close").addEventListener("click", () => ($("document").hidden = true));
    $("call-next").addEventListener("click", callNext);
    $("prepared-scan").addEventListener("submit", openPrepared);
    $("approve").addEventListener("click", () => decide("approve"));
    $("reject").addEventListener("click", () => decide("reject"));
    Lobby.start(["teller"], async () => {
      Lobby.socket(() => {}); // the staff socket: the branch manager's instructions (common.js shows them)
      refreshQueue();
      setInterval(refreshQueue, 5000);
      if (window.TellerOrders) window.TellerOrders.start(); // teller-orders.js: the branch's orders
      try {
        showCustomer(await api("/api/v1/teller/customer"));
      } catch (e) {
        /* nobody called yet */
      }
    });
  });
})();
