/* Remote expert console: the queue (by skill, priority, wait), accept, the customer's context, chat with
 * the kiosk, authorisation decisions, finish. Live updates come over the staff socket; the queue is also
 * refreshed every few seconds so nothing is missed while the socket reconnects. */
"use strict";

(() => {
  const { api, el, when, seconds } = Lobby;
  const $ = (id) => document.getElementById(id);
  let me = null;
  let current = null; // the handoff shown in the context panel
  let line = null;

  const SPEAKERS = { customer: "客户", assistant: "数字人", expert: "专家", staff: "工作人员" };

  function badges(h) {
    return [
      h.risk ? el("span", { class: "badge risk" }, "风险 risk") : null,
      h.elderly ? el("span", { class: "badge elderly" }, "长者 elderly") : null,
      h.offered_to === me.username ? el("span", { class: "badge offer" }, "推荐给您 offered to you") : null,
      h.fallback_from ? el("span", { class: "badge" }, `转自 ${h.fallback_from}`) : null,
      h.escalated ? el("span", { class: "badge risk" }, "等待过久 escalated") : null,
    ];
  }

  function item(h, actions) {
    return el(
      "li",
      { class: "handoff", dataset: { id: h.id } },
      el("div", { class: "row" },
        el("b", { class: "grow" }, h.customer_name || "客户", " · ", h.reason),
        el("span", { class: "badge" }, h.skill),
        el("span", { class: "muted" }, `等待 ${seconds(h.wait_s)} · P${h.priority}`)),
      el("div", {}, badges(h)),
      el("div", { class: "row" }, actions),
    );
  }

  async function refresh() {
    try {
      const [queue, mine] = await Promise.all([api("/api/v1/handoffs"), api("/api/v1/handoffs/mine")]);
      $("queue").replaceChildren(
        ...queue.handoffs.map((h) =>
          item(h, [
            el("button", { type: "button", class: "secondary view", onclick: () => show(h.id) }, "查看 View"),
            el("button", { type: "button", class: "accept", onclick: () => accept(h.id) }, "接入 Accept"),
          ]),
        ),
      );
      $("queue-empty").hidden = queue.handoffs.length > 0;
      $("mine").replaceChildren(
        ...mine.handoffs.map((h) => item(h, [el("button", { type: "button", class: "open", onclick: () => show(h.id) }, "打开 Open")])),
      );
    } catch (e) {
      console.warn("queue refresh failed", e);
    }
  }

  function facts(target, pairs) {
    target.replaceChildren(
      ...pairs.filter(([, v]) => v !== null && v !== undefined && v !== "").flatMap(([k, v]) => [el("dt", {}, k), el("dd", {}, String(v))]),
    );
  }

  // What the authorisation is for: amount, payee, accounts, the balance check, purpose, risk reasons.
  function authFacts(pa) {
    if (!pa) return $("auth-facts").replaceChildren();
    const payee = pa.payee || {};
    const src = pa.source_account || {};
    const check = pa.balance_check || {};
    const enough = check.sufficient === true ? "足够 sufficient" : check.sufficient === false ? "不足 insufficient" : "未知 unknown";
    facts($("auth-facts"), [
      ["业务 Business", pa.business && `${pa.business.zh} ${pa.business.en}`],
      ["金额 Amount", pa.amount && `${money(pa.amount)} ${pa.currency || ""}`],
      ["收款人 Payee", [payee.name_masked, payee.account_masked, payee.bank].filter(Boolean).join(" · ")],
      ["户名核对 Name check", payee.name_matches === undefined || payee.name_matches === null ? null : payee.name_matches ? "一致 matches" : "不一致 differs"],
      ["转出账户 From", src.number_masked],
      ["余额 Balance", check.balance ? `${enough} (${money(check.balance)})` : enough],
      ["用途 Purpose", pa.purpose],
      ["关系 Relation", pa.relation && pa.relation.zh],
      ["风险 Risk", (pa.risk_reasons || []).join("；")],
    ]);
  }

  function render(ctx) {
    const h = ctx.handoff;
    const mine = h.status === "accepted" && h.assigned_to === me.username;
    $("context").hidden = false;
    $("context").dataset.id = h.id;
    $("context").dataset.status = h.status;
    $("ctx-title").textContent = `${h.customer_name || "客户"} · ${h.reason} · ${h.status}`;
    $("accept").hidden = h.status !== "queued";
    $("finish").hidden = !mine;
    $("chat").hidden = !mine;
    $("call").hidden = !mine;
    $("guide").hidden = !mine;
    if (!mine && ConsoleCall.active && ConsoleCall.session === ctx.session.id) ConsoleCall.hangUp(true);
    const s = ctx.summary || {};
    facts($("summary"), [["原因 Reason", s.reason], ["意图 Intent", s.intent], ["技能 Skill", h.skill], ["等待 Wait", seconds(h.wait_s)], ["网点 Branch", h.branch_id]]);
    const p = ctx.profile || ctx.customer || {};
    facts($("profile"), [
      ["姓名 Name", p.name], ["客户号 ID", p.customer_id], ["年龄 Age", p.age], ["分层 Segment", p.segment],
      ["风险承受 Risk tolerance", p.risk_tolerance], ["证件 ID type", p.id_type],
      ["账户 Accounts", (p.accounts || []).map((a) => a.number || a.id).join(", ")],
      ["在途 In flight", (p.in_flight || []).join("；")],
    ]);
    $("risk").replaceChildren(
      ...(ctx.risk || []).filter((r) => (r.action || r.decision) && (r.action || r.decision) !== "allow")
        .map((r) => el("li", {}, `#${r.seq} ${r.type}: ${r.action || r.decision} ${(r.reasons || r.patterns || []).join(", ")}`)),
    );
    const j = ctx.journey || {};
    facts($("journey"), [["业务 Journey", j.name], ["步骤 Step", j.step], ["状态 Status", j.status]]);
    const auth = ctx.authorization;
    $("authorization").hidden = !(auth && mine);
    $("auth-id").textContent = auth ? auth.id : "";
    authFacts(ctx.pending_authorization);
    $("transcript").replaceChildren(
      ...(ctx.transcript || []).map((t) =>
        el("div", { class: `turn ${t.speaker}` }, el("span", { class: "who" }, `${SPEAKERS[t.speaker] || t.speaker} ${when(t.created_at)}`), t.text),
      ),
    );
    $("transcript").scrollTop = $("transcript").scrollHeight;
    if (mine && line) line.send({ type: "watch", session_id: ctx.session.id });
  }

  async function show(id) {
    $("ctx-error").textContent = "";
    try {
      current = await api(`/api/v1/handoffs/${id}`);
      render(current);
    } catch (e) {
      $("ctx-error").textContent = e.message;
    }
  }

  async function accept(id) {
    $("ctx-error").textContent = "";
    try {
      await api(`/api/v1/handoffs/${id}/accept`, { method: "POST" });
      await show(id);
    } catch (e) {
      await show(id).catch(() => null);
      $("ctx-error").textContent =
        e.status === 409 ? `已被其他同事接入 Taken by a colleague: ${e.message}`
        : e.status === 410 ? `客户已离开 The customer has left: ${e.message}` : e.message;
    }
    refresh();
  }

  async function decide(decision) {
    const id = current.handoff.id;
    const authId = current.authorization.id;
    try {
      const out = await api(`/api/v1/handoffs/${id}/authorizations/${authId}`, {
        method: "POST",
        body: { decision, note: $("auth-note").value },
      });
      $("auth-result").textContent = `${decision === "approve" ? "已批准 Approved" : "已拒绝 Rejected"}: ${out.turn.reply.text}`;
      await show(id);
    } catch (e) {
      $("ctx-error").textContent = e.message;
    }
  }

  function live(speaker, text) {
    $("transcript").append(el("div", { class: `turn ${speaker}` }, el("span", { class: "who" }, SPEAKERS[speaker]), text));
    $("transcript").scrollTop = $("transcript").scrollHeight;
  }

  /** What the kiosk does while this colleague watches: said, answered, risk raised, shown, call signalling. */
  function onSocket(message) {
    if (message.type && message.type.startsWith("handoff_")) refresh();
    if (message.type === "error") $("ctx-error").textContent = message.message;
    if (message.type === "guide_sent") {
      $("guide-result").textContent = message.action === "document" ? `已推送 Pushed: 《${message.title}》` : `已发送 Sent: ${message.action}`;
    }
    if (!current || message.session_id !== current.session.id) return;
    if (message.type === "customer_message") {
      live("customer", message.text);
      for (const r of message.risk || []) {
        $("risk").append(el("li", { class: "fresh" }, `${r.type}: ${r.action} ${(r.reasons || r.patterns || []).join(", ")}`));
      }
    } else if (message.type === "assistant_message") live("assistant", message.text);
    else if (message.type === "screen") ConsoleGuide.render(message, guide);
    else if (message.type === "rtc") ConsoleCall.onRtc(message);
  }

  function guide(frame) {
    if (line && current) line.send({ type: "guide", session_id: current.session.id, ...frame });
  }

  function wire() {
    $("take-next").addEventListener("click", async () => {
      try {
        const h = await api("/api/v1/handoffs/next", { method: "POST" });
        await show(h.id);
      } catch (e) {
        $("ctx-error").textContent = e.message;
        $("context").hidden = false;
      }
      refresh();
    });
    $("accept").addEventListener("click", () => accept(current.handoff.id));
    $("call-start").addEventListener("click", () =>
      ConsoleCall.start(current.session.id, (m) => line.send(m), me.display_name || me.username).catch((e) => ($("ctx-error").textContent = `通话失败 Call failed: ${e.message}`)),
    );
    $("call-end").addEventListener("click", () => ConsoleCall.hangUp(true));
    $("guide-clear").addEventListener("click", () => guide({ action: "clear" }));
    $("guide-doc").addEventListener("submit", (event) => {
      event.preventDefault();
      guide({ action: "document", query: $("guide-query").value.trim() });
    });
    $("finish").addEventListener("click", async () => {
      if (ConsoleCall.active) ConsoleCall.hangUp(true);
      await api(`/api/v1/handoffs/${current.handoff.id}/finish`, { method: "POST" }).catch((e) => ($("ctx-error").textContent = e.message));
      await show(current.handoff.id);
      refresh();
    });
    $("approve").addEventListener("click", () => decide("approve"));
    $("reject").addEventListener("click", () => decide("reject"));
    $("chat").addEventListener("submit", async (event) => {
      event.preventDefault();
      const text = $("chat-text").value.trim();
      if (!text) return;
      try {
        await api(`/api/v1/handoffs/${current.handoff.id}/messages`, { method: "POST", body: { text, speak: $("chat-speak").checked } });
        $("chat-text").value = "";
        await show(current.handoff.id);
      } catch (e) {
        $("ctx-error").textContent = e.message;
      }
    });
    $("presence").addEventListener("change", () =>
      api("/api/v1/handoffs/presence", { method: "PUT", body: { presence: $("presence").value } }).catch(() => null),
    );
  }

  document.addEventListener("DOMContentLoaded", () => {
    wire();
    Lobby.start(["expert", "teller"], async (who) => {
      me = who;
      await api("/api/v1/handoffs/presence", { method: "PUT", body: { presence: "online" } }).catch(() => null);
      line = Lobby.socket(onSocket);
      refresh();
      setInterval(refresh, 5000);
    });
  });
})();

/** 60000.00 -> 60,000.00: amounts a colleague approves must be readable at a glance. */
function money(value) {
  const n = Number(value);
  return Number.isFinite(n) ? n.toLocaleString("en-US", { minimumFractionDigits: 2, maximumFractionDigits: 2 }) : String(value);
}
