/* The supervisor console: sign in, filter sessions, read a masked transcript, unmask with a reason (audited),
 * annotate turns, export CSV/JSONL and read the dashboard. Data goes into the page as text, never as HTML. */
"use strict";

(function () {
  const API = "/api/v1/supervisor";
  const ZONE = "Asia/Shanghai";
  const $ = (id) => document.getElementById(id);
  const state = { sessionId: null, unmask: null };

  /* Lobby.api (common.js) sends the cookie and the CSRF header; validation errors come back as lists. */
  async function api(path, options) {
    try {
      return await Lobby.api(path, options);
    } catch (error) {
      try {
        const detail = JSON.parse(error.message);
        if (Array.isArray(detail)) error.message = detail.map((d) => d.msg).join("; ");
      } catch (_) { /* a plain message already */ }
      throw error;
    }
  }

  function node(tag, className, text) {
    const el = document.createElement(tag);
    if (className) el.className = className;
    if (text !== undefined && text !== null) el.textContent = String(text);
    return el;
  }

  function when(iso) {
    return iso ? new Date(iso).toLocaleString("zh-CN", { timeZone: ZONE, hour12: false }) : "—";
  }

  function badge(text, kind) { return node("span", `sv-badge sv-badge-${kind || "info"}`, text); }

  // -- filters and the sessions table --------------------------------------------------------------

  function params(extra) {
    const query = new URLSearchParams();
    for (const [key, value] of new FormData($("filters"))) if (String(value).trim()) query.set(key, String(value).trim());
    for (const [key, value] of Object.entries(extra || {})) query.set(key, value);
    return query;
  }

  function updateExportLinks() {
    $("export-csv").href = `${API}/export?${params({ format: "csv" })}`;
    $("export-jsonl").href = `${API}/export?${params({ format: "jsonl" })}`;
  }

  async function loadFacets() {
    const facets = await api(`${API}/facets`);
    for (const select of document.querySelectorAll("select[data-facet]")) {
      const known = new Set([...select.options].map((o) => o.value));
      for (const value of facets[select.dataset.facet] || []) {
        if (!known.has(value)) select.appendChild(new Option(value, value));
      }
    }
  }

  async function search() {
    updateExportLinks();
    $("filters-error").textContent = "";
    try {
      const page = await api(`${API}/sessions?${params({ limit: "200" })}`);
      renderSessions(page);
      if (!$("panel-dashboard").hidden) await loadDashboard();
    } catch (error) {
      $("filters-error").textContent = error.message;
    }
  }

  function renderSessions(page) {
    const body = $("sessions").querySelector("tbody");
    body.replaceChildren();
    $("sessions-count").textContent = `共 ${page.total} 个会话 ${page.total} session(s)` + (page.truncated ? "（结果过多，请缩小日期范围 narrow the dates）" : "");
    for (const s of page.items) {
      const row = node("tr", "sv-row");
      row.dataset.sessionId = s.session_id;
      row.tabIndex = 0;
      const cells = [when(s.created_at), s.branch_id || "—", s.channel, s.language, s.intents.join(", ")];
      for (const text of cells) row.appendChild(node("td", "", text));
      const outcome = node("td"); outcome.appendChild(badge(s.outcome, s.outcome)); row.appendChild(outcome);
      const risk = node("td"); s.risk_flags.forEach((f) => risk.appendChild(badge(f, f))); row.appendChild(risk);
      row.appendChild(node("td", "", s.handoff ? `${s.handoff.status}${s.handoff.wait_s !== null ? ` · ${Math.round(s.handoff.wait_s)}s` : ""}` : "—"));
      const preview = node("td", "sv-preview", s.preview);
      if (s.has_personal_data) preview.prepend(badge("含个人信息 PII", "pii"));
      row.appendChild(preview);
      row.addEventListener("click", () => loadDetail(s.session_id));
      row.addEventListener("keydown", (event) => { if (event.key === "Enter") loadDetail(s.session_id); });
      body.appendChild(row);
    }
  }

  $("filters").addEventListener("submit", (event) => { event.preventDefault(); search(); });
  $("filters").addEventListener("change", updateExportLinks);

  // -- one session --------------------------------------------------------------------------------

  async function loadDetail(sessionId) {
    state.sessionId = sessionId;
    const detail = await api(`${API}/sessions/${encodeURIComponent(sessionId)}`);
    renderDetail(detail);
    document.dispatchEvent(new CustomEvent("supervisor:session", { detail: { sessionId } })); // the recording player
    $("detail").hidden = false;
    $("detail").scrollIntoView({ block: "start" });
  }

  function fact(list, name, value) {
    list.appendChild(node("dt", "", name));
    const dd = node("dd");
    if (value instanceof Node) dd.appendChild(value); else dd.textContent = value === null || value === undefined || value === "" ? "—" : String(value);
    list.appendChild(dd);
    return dd;
  }

  function renderDetail(detail) {
    const s = detail.summary;
    $("detail-id").textContent = s.session_id;
    const facts = $("detail-facts");
    facts.replaceChildren();
    fact(facts, "结果 Outcome", badge(s.outcome, s.outcome));
    fact(facts, "状态 Status", s.status);
    fact(facts, "开始 Started", when(s.created_at));
    fact(facts, "结束 Ended", when(s.ended_at));
    fact(facts, "网点 / 设备 Branch / device", `${s.branch_id || "—"} / ${s.device_id || "—"}`);
    fact(facts, "业务 Journey", s.journey ? `${s.journey.name} (${s.journey.status})` : null);
    fact(facts, "转人工 Handoff", s.handoff ? `${s.handoff.status} · ${s.handoff.reason}${s.handoff.wait_s !== null ? ` · 等待 ${s.handoff.wait_s}s` : ""}` : null);
    fact(facts, "质量评分 Quality", s.quality_avg);
    const exports = node("span", "sv-actions");
    for (const format of ["csv", "jsonl"]) {
      const link = node("a", "sv-button", `导出本会话 ${format.toUpperCase()}`);
      link.href = `${API}/export?${new URLSearchParams({ format, session_id: s.session_id })}`;
      link.setAttribute("download", "");
      link.dataset.export = format;
      exports.appendChild(link);
    }
    fact(facts, "导出 Export", exports);
    renderCustomer(detail);
    renderTimeline(detail.timeline);
    renderFindings(detail.findings);
    renderTranscript(detail.transcript);
  }

  function renderCustomer(detail) {
    const list = $("customer");
    list.replaceChildren();
    $("customer-box").hidden = !detail.customer;
    for (const [key, value] of Object.entries(detail.customer || {})) {
      const dd = fact(list, key, typeof value === "object" ? JSON.stringify(value) : value);
      if (detail.customer_masked_fields.includes(key)) {
        dd.appendChild(unmaskButton({ field: `customer.${key}` }, dd));
      }
    }
  }

  function renderTimeline(events) {
    $("timeline-chart").replaceChildren(window.SupervisorCharts.timeline(events, "会话时间线 Session timeline"));
    const list = $("timeline");
    list.replaceChildren();
    for (const event of events) {
      const item = node("li", `sv-event sv-sev-${event.severity}`);
      item.appendChild(node("time", "", when(event.at)));
      item.appendChild(badge(event.kind, event.kind));
      item.appendChild(node("strong", "", event.label));
      if (event.seq) item.appendChild(node("span", "sv-seq", `#${event.seq}`));
      const reasons = (event.detail && event.detail.reasons) || [];
      if (reasons.length) item.appendChild(node("span", "sv-reasons", reasons.join("; ")));
      list.appendChild(item);
    }
  }

  function renderFindings(findings) {
    $("findings-box").hidden = !findings.length;
    const list = $("findings");
    list.replaceChildren();
    for (const f of findings) {
      const item = node("li", `sv-sev-${f.severity}`);
      item.appendChild(badge(f.severity, f.severity));
      item.appendChild(node("strong", "", f.rule));
      if (f.turn_seq) item.appendChild(node("span", "sv-seq", `#${f.turn_seq}`));
      const detail = f.detail || {};
      // a finding that explains itself (the after-visit analysis, "no recording") is shown in its words
      item.appendChild(node("span", "sv-reasons", detail.message || JSON.stringify(detail)));
      if (detail.live_text !== undefined) {
        const heard = `现场 Live: “${detail.live_text}” · 复听 Re-heard: “${detail.reheard_text}”`;
        item.appendChild(node("div", "sv-heard", heard));
      }
      list.appendChild(item);
    }
  }

  function renderTranscript(turns) {
    const list = $("transcript");
    list.replaceChildren();
    for (const t of turns) {
      const item = node("li", `sv-turn sv-${t.speaker}`);
      item.dataset.seq = t.seq;
      const head = node("div", "sv-turn-head");
      head.appendChild(node("span", "sv-seq", `#${t.seq}`));
      head.appendChild(node("strong", "", t.speaker === "customer" ? "客户 Customer" : t.speaker === "assistant" ? "助手 Assistant" : t.speaker));
      head.appendChild(node("time", "", when(t.created_at)));
      if (t.intent) head.appendChild(badge(t.intent, "intent"));
      t.risk_flags.forEach((f) => head.appendChild(badge(f, f)));
      if (t.abstained) head.appendChild(badge("未能回答 abstained", "abstained"));
      item.appendChild(head);
      const text = node("p", "sv-text", t.text);
      item.appendChild(text);
      if (t.masked) item.appendChild(unmaskButton({ field: "text", turn_seq: t.seq }, text, true));
      if (t.citations.length) item.appendChild(node("p", "sv-citations", "依据 " + t.citations.map((c) => c.title || c.doc_id).join(" · ")));
      item.appendChild(annotations(t));
      list.appendChild(item);
    }
  }

  // -- unmasking (reason required, audited server-side) ---------------------------------------------

  function unmaskButton(target, textNode, replace) {
    const button = node("button", "sv-unmask", "显示原文 Unmask");
    button.type = "button";
    button.addEventListener("click", () => {
      state.unmask = { target, textNode, replace, button };
      $("unmask-reason").value = "";
      $("unmask-error").textContent = "";
      $("unmask-dialog").showModal();
      $("unmask-reason").focus();
    });
    return button;
  }

  $("unmask-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    const pending = state.unmask;
    const reason = $("unmask-reason").value.trim();
    if (reason.length < 4) { $("unmask-error").textContent = "请填写原因（至少4个字）Please give a reason"; return; }
    try {
      const result = await api(`${API}/sessions/${encodeURIComponent(state.sessionId)}/unmask`, { method: "POST", body: { ...pending.target, reason } });
      if (pending.replace) {
        pending.textNode.textContent = result.value;
      } else {
        pending.textNode.firstChild.textContent = result.value;
      }
      pending.textNode.classList.add("sv-unmasked");
      pending.button.remove();
      $("unmask-dialog").close();
    } catch (error) {
      $("unmask-error").textContent = error.message;
    }
  });
  $("unmask-cancel").addEventListener("click", () => $("unmask-dialog").close());

  // -- annotations -----------------------------------------------------------------------------------

  function annotations(turn) {
    const box = node("div", "sv-annotations");
    const list = node("ul", "sv-annotation-list");
    for (const a of turn.annotations) {
      const item = node("li", "sv-annotation");
      if (a.quality) item.appendChild(badge(`★${a.quality}`, "quality"));
      if (a.label) item.appendChild(badge(a.label, "label"));
      item.appendChild(node("span", "", `${a.note} — ${a.author}`));
      const remove = node("button", "sv-link", "删除 Delete");
      remove.type = "button";
      remove.addEventListener("click", async () => {
        try { await api(`${API}/annotations/${a.id}`, { method: "DELETE" }); await loadDetail(state.sessionId); } catch (error) { alert(error.message); }
      });
      item.appendChild(remove);
      list.appendChild(item);
    }
    box.appendChild(list);
    const form = node("form", "sv-annotate");
    const label = node("input"); label.name = "label"; label.placeholder = "标签 label"; label.maxLength = 64;
    const quality = node("select"); quality.name = "quality";
    quality.appendChild(new Option("评分 score", ""));
    for (let i = 5; i >= 1; i--) quality.appendChild(new Option(`${i}`, `${i}`));
    const note = node("input", "sv-note-input"); note.name = "note"; note.placeholder = "批注 note"; note.maxLength = 2000;
    const save = node("button", "", "保存批注 Annotate"); save.type = "submit";
    form.append(label, quality, note, save);
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      const body = { turn_seq: turn.seq, label: label.value.trim() || null, note: note.value.trim(), quality: quality.value ? Number(quality.value) : null };
      try {
        await api(`${API}/sessions/${encodeURIComponent(state.sessionId)}/annotations`, { method: "POST", body });
        await loadDetail(state.sessionId);
      } catch (error) {
        alert(error.message);
      }
    });
    box.appendChild(form);
    return box;
  }

  $("detail-close").addEventListener("click", () => { $("detail").hidden = true; state.sessionId = null; });

  // -- dashboard -------------------------------------------------------------------------------------

  function card(title, ...children) {
    const box = node("section", "sv-card sv-chart-card");
    box.appendChild(node("h3", "", title));
    box.append(...children);
    return box;
  }

  function numbers(pairs) {
    const list = node("dl", "sv-numbers");
    for (const [name, value] of pairs) fact(list, name, value);
    return list;
  }

  async function loadDashboard() {
    const data = await api(`${API}/dashboard?${params()}`);
    const charts = window.SupervisorCharts;
    const hours = [...Array(24).keys()].map((h) => `${String(h).padStart(2, "0")}时`);
    const waits = data.handoff_waits;
    $("dashboard-note").textContent = `${data.sessions} 个会话 session(s) · 时区 ${data.tz}` + (data.truncated ? " · 结果过多 truncated" : "");
    $("dashboard").replaceChildren(
      card("每小时会话量 Volume by hour", charts.columns(data.volume_by_hour, hours, "Volume by hour", 3)),
      card("热门意图 Top intents", charts.bars(data.top_intents, "Top intents")),
      card("自助完成率 Containment", charts.share(data.containment.rate, "Containment"),
        numbers([["结束的会话 Ended", data.containment.ended_sessions], ["自助完成 Finished without a human", data.containment.contained],
          ["转人工 Handed off", data.containment.handed_off]])),
      card("转人工等待 Handoff wait", charts.bars(waits.buckets, "Handoff waits"),
        numbers([["转人工 Handoffs", waits.handoffs], ["已接入 Accepted", waits.accepted], ["等待中 Waiting", waits.waiting],
          ["中位数 Median (s)", waits.median_s], ["P90 (s)", waits.p90_s], ["最长 Max (s)", waits.max_s]])),
      card("结果 Outcomes", charts.bars(data.outcomes, "Outcomes")),
      card("未能回答 Abstentions", numbers([["次数 Turns", data.abstentions.turns], ["会话 Sessions", data.abstentions.sessions],
        ["每句占比 Per customer turn", data.abstentions.per_customer_turn]])),
      card("风险事件 Risk events (sessions)", charts.bars(data.risk_events, "Risk events")),
      card("合规发现 Compliance findings", charts.bars(data.findings, "Findings")),
      card("质量 Quality", numbers([["已批注会话 Annotated", data.quality.annotated_sessions], ["已评分 Scored", data.quality.scored_sessions],
        ["平均分 Average", data.quality.average]])),
    );
  }

  for (const button of document.querySelectorAll("#tabs button")) {
    button.addEventListener("click", async () => {
      for (const other of document.querySelectorAll("#tabs button")) other.classList.toggle("active", other === button);
      const dashboard = button.dataset.tab === "dashboard";
      $("panel-dashboard").hidden = !dashboard;
      $("panel-sessions").hidden = dashboard;
      if (dashboard) {
        try { await loadDashboard(); } catch (error) { $("filters-error").textContent = error.message; }
      }
    });
  }

  Lobby.start(["supervisor"], async () => {
    $("tabs").hidden = false;
    try {
      await loadFacets();
    } catch (error) {
      $("filters-error").textContent = error.message;
    }
    await search();
  });
})();
