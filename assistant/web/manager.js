/* The branch manager's console: the branch on one screen (GET /api/v1/manager/overview), live over the staff
 * socket. The server pushes `branch_changed` (visits, devices, the manager's actions) and the handoff events;
 * each schedules one fetch of the overview (coalesced), and a slow poll covers a socket that is down.
 */
"use strict";

(() => {
  const { api, el, seconds, when } = Lobby;
  const STATE_LEVEL = { online: "ok", "paper-low": "warning", "out-of-service": "warning", jammed: "critical",
    "paper-out": "critical", empty: "critical", offline: "critical" };
  const STATE_ZH = { online: "正常", "paper-low": "纸少", "out-of-service": "暂停服务", jammed: "卡纸", "paper-out": "缺纸",
    empty: "无库存", offline: "离线" };
  const WHO_ZH = { expert: "等待远程专家 Waiting for an expert", teller: "等待柜员 Waiting for a teller",
    authoriser: "等待授权 Waiting for an authorisation", colleague: "人工服务中 With a colleague", counter: "等待叫号 Waiting for a counter" };
  const POLL_MS = 20000;
  let branch = new URLSearchParams(location.search).get("branch") || "";
  let data = null;
  let timer = null;

  function schedule(delay = 150) {
    if (timer) return;
    timer = setTimeout(async () => { timer = null; await refresh(); }, delay);
  }

  async function refresh() {
    try {
      data = await api(`/api/v1/manager/overview${branch ? `?branch=${encodeURIComponent(branch)}` : ""}`);
      branch = data.branch;
      document.getElementById("page-error").textContent = data.errors.map((e) => `${e.part}: ${e.error}`).join("; ");
      render(data);
    } catch (e) {
      document.getElementById("page-error").textContent = `刷新失败 Refresh failed: ${e.message}`;
    }
  }

  function render(d) {
    document.getElementById("branch-name").textContent = d.branch;
    document.getElementById("updated").textContent = `更新于 Updated ${when(d.at)}`;
    renderKpis(d);
    renderKiosks(d.kiosks);
    renderDevices(d.devices);
    renderAlerts(d.alerts);
    renderQueue(d.queue);
    renderHandoffs(d.handoffs, d.rules);
    renderStaff(d.staff);
  }

  function kpi(label, value, level) {
    return el("div", { class: `mg-kpi ${level || ""}` }, el("small", {}, label), el("b", {}, String(value)));
  }

  function renderKpis(d) {
    const c = d.counts;
    const critical = d.alerts.filter((a) => a.level === "critical").length;
    document.getElementById("kpis").replaceChildren(
      kpi("在线终端 Kiosks online", `${c.kiosks_online}/${d.kiosks.length}`),
      kpi("终端前客户 Customers at kiosks", c.customers_at_kiosks),
      kpi("排队人数 Waiting", c.waiting, c.waiting > 10 ? "warn" : ""),
      kpi("待接转人工 Handoffs waiting", c.handoffs_queued, c.handoffs_queued ? "warn" : ""),
      kpi("可用设备 Devices usable", `${c.devices_usable}/${c.devices}`, c.devices_usable < c.devices ? "bad" : ""),
      kpi("待取订单 Orders open", `${c.orders_open ?? "—"}${c.orders_overdue ? ` · ${c.orders_overdue} 逾期 overdue` : ""}`, c.orders_overdue ? "warn" : ""),
      kpi("严重告警 Critical alerts", critical, critical ? "bad" : ""),
    );
  }

  function waitingText(w) {
    if (!w) return null;
    let text = WHO_ZH[w.who] || w.who;
    if (w.who === "counter") text = w.called ? `请到 ${w.counter} 号窗口 Called to counter ${w.counter} (${w.ticket})` : `${text} · ${w.ticket}`;
    if (w.who === "colleague") text = `${text} · ${w.served_by}`;
    if (w.wait_s !== undefined) text = `${text} · ${seconds(w.wait_s)}`;
    return text;
  }

  function renderKiosks(kiosks) {
    const box = document.getElementById("kiosks");
    if (!kiosks.length) { box.replaceChildren(el("p", { class: "muted" }, "暂无终端 No kiosks")); return; }
    box.replaceChildren(...kiosks.map((k) => {
      const v = k.visit;
      const waiting = v && v.status === "active" ? waitingText(v.waiting_for) : null;
      const state = !k.online ? "offline" : !k.customer_present ? "idle" : waiting ? "waiting" : "serving";
      const label = { offline: "离线 Offline", idle: "空闲 Idle", waiting: "等待中 Waiting", serving: "服务中 Serving" }[state];
      return el("article", { class: "mg-kiosk", dataset: { state, kiosk: k.kiosk } },
        el("div", { class: "mg-kiosk-head" }, el("span", {}, k.kiosk), el("span", { class: "mg-kiosk-state" }, label)),
        v && k.customer_present
          ? [
            el("div", { class: "mg-step" }, v.journey ? `${v.journey} · ${v.step || "—"}` : "咨询中 Asking questions",
              v.journey_status && v.journey_status !== "active" ? el("span", { class: "badge" }, v.journey_status) : null),
            el("div", { class: "muted" }, `客户 Customer ${v.customer || (v.identified ? "已识别 identified" : "未识别 anonymous")}`,
              v.elderly ? el("span", { class: "badge elderly" }, "长者 elderly") : null, ` · ${seconds(v.duration_s)}`),
            waiting ? el("div", { class: "mg-wait" }, waiting) : null,
          ]
          : el("div", { class: "muted" }, k.last_activity ? `上次使用 Last used ${when(k.last_activity)}` : "今日未使用 Not used today"));
    }));
  }

  function renderDevices(devices) {
    const body = document.querySelector("#devices tbody");
    body.replaceChildren(...devices.map((d) => {
      const level = STATE_LEVEL[d.silent && d.state !== "out-of-service" ? "offline" : d.state] || "warning";
      const supply = d.paper !== null && d.paper !== undefined ? `纸 ${d.paper}` : d.stock !== null && d.stock !== undefined ? `库存 ${d.stock}` : "—";
      return el("tr", { dataset: { device: d.device, level } },
        el("td", {}, el("div", {}, d.device), el("div", { class: "muted" }, d.kind)),
        el("td", {}, el("span", { class: "mg-state", dataset: { level } }, `${STATE_ZH[d.state] || d.state} ${d.state}`),
          d.held ? el("div", { class: "muted" }, `${d.held.by}: ${d.held.reason}`) : null),
        el("td", {}, supply),
        el("td", {}, d.last_seen ? when(d.last_seen) : "—"),
        el("td", {}, el("button", { type: "button", class: "secondary", dataset: { action: "service" },
          onclick: () => MgActions.service(d, branch) }, d.held ? "恢复 Resume" : "停用 Stop")));
    }));
    MgCharts.devices(document.getElementById("device-chart"), devices);
  }

  function renderAlerts(alerts) {
    document.getElementById("alert-count").textContent = alerts.length ? String(alerts.length) : "";
    const list = document.getElementById("alerts");
    if (!alerts.length) { list.replaceChildren(el("li", { class: "none" }, "一切正常 All clear")); return; }
    list.replaceChildren(...alerts.map((a) => el("li", { dataset: { level: a.level, kind: a.kind, subject: a.subject } },
      el("span", { class: "mg-level" }, a.level === "critical" ? "严重" : "注意"),
      el("span", {}, a.text.zh, el("br"), el("span", { class: "en" }, a.text.en)))));
  }

  function renderQueue(queue) {
    MgCharts.queue(document.getElementById("queue-chart"), queue);
    const rows = queue.flatMap((c) => c.tickets.map((t) => ({ ...t, category: c.category })));
    const body = document.querySelector("#tickets tbody");
    if (!rows.length) { body.replaceChildren(el("tr", {}, el("td", { colspan: 4, class: "muted" }, "终端无待叫号 No kiosk tickets waiting"))); return; }
    body.replaceChildren(...rows.map((t) => el("tr", { dataset: { ticket: t.number } },
      el("td", {}, t.number), el("td", {}, t.category), el("td", {}, seconds(t.wait_s)),
      el("td", {}, el("button", { type: "button", onclick: () => MgActions.call(data.staff, t, branch) }, "叫号 Call")))));
  }

  function renderHandoffs(handoffs, rules) {
    const chart = document.getElementById("handoff-chart");
    chart.hidden = !handoffs.some((h) => h.status === "queued");  // no empty axes: the list says "none"
    if (!chart.hidden) MgCharts.handoffs(chart, handoffs, rules.handoff_wait_s);
    const list = document.getElementById("handoffs");
    if (!handoffs.length) { list.replaceChildren(el("li", { class: "muted" }, "无转人工 No open handoffs")); return; }
    list.replaceChildren(...handoffs.map((h) => el("li", { dataset: { handoff: h.id } },
      el("div", { class: "mg-line" },
        el("span", {}, `${h.reason} · ${h.skill}`, h.risk ? el("span", { class: "badge risk" }, "风险 risk") : null,
          h.elderly ? el("span", { class: "badge elderly" }, "长者") : null),
        el("button", { type: "button", class: "secondary", onclick: () => MgActions.reassign(data.staff, h) }, "改派 Reassign")),
      el("div", { class: "muted" },
        h.status === "queued" ? `等候 Waiting ${seconds(h.wait_s)}${h.offered_to ? ` · 已派 offered to ${h.offered_to}` : ""}`
          : `${h.assigned_to} 处理中 serving · 等了 waited ${seconds(h.wait_s)}`,
        h.customer_name ? ` · ${h.customer_name}` : ""))));
  }

  function renderStaff(staff) {
    const list = document.getElementById("staff");
    list.replaceChildren(...staff.map((s) => el("li", { dataset: { staff: s.username } },
      el("div", { class: "mg-line" },
        el("span", {}, el("span", { class: "mg-presence", dataset: { presence: s.presence } }),
          `${s.display_name || s.username} `, el("span", { class: "muted" }, `${s.role} · ${s.presence}`)),
        el("button", { type: "button", class: "secondary", onclick: () => MgActions.instruct(staff, s.username) }, "指令 Instruct")),
      el("div", { class: "muted" }, s.skills.length ? `技能 Skills: ${s.skills.join(", ")}` : "",
        s.holding.length ? ` · 处理中 holding ${s.holding.length}` : ""))));
  }

  function onMessage(message) {
    const live = document.getElementById("live");
    if (message.type === "hello") { live.dataset.state = "live"; live.textContent = "实时 Live"; schedule(0); return; }
    if (message.type === "branch_changed" && (!branch || message.branch === branch)) schedule();
    else if (String(message.type).startsWith("handoff")) schedule();
  }

  function flash(text) {
    const box = document.getElementById("flash");
    box.textContent = text;
    setTimeout(() => { if (box.textContent === text) box.textContent = ""; }, 4000);
  }

  Lobby.start(["manager", "supervisor"], async () => {
    MgActions.wire((message) => { flash(message); schedule(0); });
    await refresh();
    const line = Lobby.socket(onMessage);
    setInterval(() => {
      const live = document.getElementById("live");
      if (!line.open) { live.dataset.state = "connecting"; live.textContent = "重连中 Reconnecting"; }
      schedule(0);
    }, POLL_MS);
  });
})();
