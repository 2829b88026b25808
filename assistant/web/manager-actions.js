/* The manager's actions, one dialog for all: MgActions.ask({title, help, fields, confirm}) shows the fields
 * (text inputs or selects), calls `confirm(values)` on submit and closes when it resolves; an error stays in
 * the dialog. Each action posts to /api/v1/manager/... (authorised and audited by the server).
 */
"use strict";

const MgActions = (() => {
  const { el } = Lobby;
  let pending = null;

  function field(spec) {
    let input;
    if (spec.options) {
      input = el("select", { name: spec.name, id: `action-${spec.name}`, required: !spec.optional },
        ...spec.options.map(([value, label]) => el("option", { value, selected: value === spec.value }, label)));
    } else {
      input = el("input", { name: spec.name, id: `action-${spec.name}`, value: spec.value || "", required: !spec.optional,
        maxlength: spec.maxlength || 200, placeholder: spec.placeholder || "" });
    }
    return el("label", {}, spec.label, input);
  }

  function ask({ title, help, fields, confirm }) {
    const dialog = document.getElementById("action-dialog");
    document.getElementById("action-title").textContent = title;
    document.getElementById("action-help").textContent = help || "";
    document.getElementById("action-error").textContent = "";
    document.getElementById("action-fields").replaceChildren(...fields.map(field));
    pending = confirm;
    dialog.showModal();
    const first = dialog.querySelector("input, select");
    if (first) first.focus();
  }

  function wire(onDone) {
    const dialog = document.getElementById("action-dialog");
    const form = document.getElementById("action-form");
    document.getElementById("action-cancel").addEventListener("click", () => dialog.close());
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      const values = Object.fromEntries(new FormData(form).entries());
      const button = document.getElementById("action-confirm");
      button.disabled = true;
      try {
        const message = await pending(values);
        dialog.close();
        onDone(message);
      } catch (e) {
        document.getElementById("action-error").textContent = e.message || String(e);
      } finally {
        button.disabled = false;
      }
    });
  }

  const post = (path, body) => Lobby.api(path, { method: "POST", body });

  function colleagues(staff, roles) {
    return staff.filter((s) => roles.includes(s.role)).map((s) => [s.username, `${s.display_name || s.username} (${s.role}, ${s.presence})`]);
  }

  function instruct(staff, to) {
    ask({
      title: "发送指令 Send an instruction",
      help: "消息会出现在该员工的工作台上 The message appears on the colleague's console.",
      fields: [
        { name: "to", label: "发给 To", options: colleagues(staff, ["teller", "expert"]), value: to },
        { name: "text", label: "指令 Instruction", maxlength: 500, placeholder: "例如：请到大堂协助 3 号终端的客户" },
      ],
      confirm: async (v) => { await post("/api/v1/manager/instructions", { to: v.to, text: v.text }); return `已发送 Sent to ${v.to}`; },
    });
  }

  function reassign(staff, handoff) {
    ask({
      title: `改派转人工 Reassign handoff ${handoff.id.slice(0, 8)}`,
      help: `${handoff.reason} · ${handoff.skill}${handoff.assigned_to ? ` · 当前 held by ${handoff.assigned_to}` : ""}`,
      fields: [
        { name: "to", label: "改派给 To", options: colleagues(staff.filter((s) => s.username !== handoff.assigned_to), ["expert", "teller"]) },
        { name: "note", label: "附言 Note", optional: true, maxlength: 500 },
      ],
      confirm: async (v) => {
        await post(`/api/v1/manager/handoffs/${encodeURIComponent(handoff.id)}/reassign`, { to: v.to, note: v.note || null });
        return `已改派 Reassigned to ${v.to}`;
      },
    });
  }

  function service(device, branch) {
    const back = !!device.held;
    ask({
      title: back ? `恢复服务 Put ${device.device} back in service` : `暂停服务 Take ${device.device} out of service`,
      help: back ? "" : "业务流程将不再使用该设备 Journeys will not use this device until it is back.",
      fields: [{ name: "reason", label: "原因 Reason", optional: back, maxlength: 200, placeholder: back ? "" : "例如：更换色带 ribbon change" }],
      confirm: async (v) => {
        await post(`/api/v1/manager/devices/${encodeURIComponent(device.device)}/service`, { in_service: back, reason: v.reason || "", branch });
        return back ? `${device.device} 已恢复 back in service` : `${device.device} 已暂停 out of service`;
      },
    });
  }

  function call(staff, ticket, branch) {
    ask({
      title: `叫号 Call ticket ${ticket.number}`,
      help: "客户将被请到所选窗口 The customer is called to this counter.",
      fields: [
        { name: "counter", label: "窗口 Counter", maxlength: 16, value: "1" },
        { name: "teller", label: "柜员 Teller", options: [["", "— 不指定 none —"], ...colleagues(staff, ["teller"])], optional: true },
      ],
      confirm: async (v) => {
        const body = { ticket: ticket.number, counter: v.counter, teller: v.teller || null, branch };
        const done = await post("/api/v1/manager/queue/call", body);
        return `${ticket.number} → ${v.counter} 号窗口 counter${done.bank_called ? "" : " (银行未确认 bank not told)"}`;
      },
    });
  }

  return { wire, instruct, reassign, service, call };
})();
