"""The manager's alerts, decided by the thresholds of `data/alerts.yaml`: a device fault, a long wait (a
queue category or a handoff), a visit held for a risk decision. Each alert says what, where and how bad, in
both languages, so the console shows it without its own rules."""

from __future__ import annotations

from typing import Any

from assistant.manager.rules import AlertRules

STATE_ZH = {
    "jammed": "卡纸",
    "paper-out": "缺纸",
    "paper-low": "纸少",
    "empty": "无库存",
    "offline": "离线",
    "out-of-service": "暂停服务",
}


def _alert(kind: str, level: str, subject: str, zh: str, en: str, **extra: Any) -> dict[str, Any]:
    return {"kind": kind, "level": level, "subject": subject, "text": {"zh": zh, "en": en}, **extra}


def device_alerts(devices: list[dict[str, Any]], rules: AlertRules) -> list[dict[str, Any]]:
    out = []
    for d in devices:
        state = "offline" if d.get("silent") and d["state"] != "out-of-service" else d["state"]
        if state in rules.device_fault_states:
            level = "critical"
        elif state in rules.device_warn_states:
            level = "warning"
        else:
            continue
        zh = f"设备 {d['device']} {STATE_ZH.get(state, state)}"
        out.append(_alert("device_fault", level, d["device"], zh, f"Device {d['device']}: {state}", state=state))
    return out


def wait_alerts(queue: list[dict[str, Any]], handoffs: list[dict[str, Any]], rules: AlertRules) -> list[dict[str, Any]]:
    out = []
    for c in queue:
        wait_s = max(float(c.get("estimated_wait_min") or 0) * 60, float(c.get("longest_wait_s") or 0))
        if wait_s >= rules.queue_wait_s:
            minutes = round(wait_s / 60)
            out.append(
                _alert(
                    "long_wait",
                    "warning",
                    f"queue:{c['category']}",
                    f"{c['category']} 队列等候约 {minutes} 分钟",
                    f"Queue {c['category']}: about {minutes} min wait",
                    wait_s=round(wait_s),
                )
            )
    for h in handoffs:
        if h["status"] != "queued" or h["wait_s"] < rules.handoff_wait_s:
            continue
        level = "critical" if h["wait_s"] >= 2 * rules.handoff_wait_s else "warning"
        minutes = max(1, round(h["wait_s"] / 60))
        out.append(
            _alert(
                "long_wait",
                level,
                f"handoff:{h['id']}",
                f"转人工等候 {minutes} 分钟 ({h['skill']})",
                f"Handoff waiting {minutes} min ({h['skill']})",
                wait_s=h["wait_s"],
                handoff_id=h["id"],
            )
        )
    return out


def risk_alerts(
    kiosks: list[dict[str, Any]], handoffs: list[dict[str, Any]], rules: AlertRules
) -> list[dict[str, Any]]:
    out = []
    for h in handoffs:
        if h["reason"] in rules.risk_hold_reasons or h.get("risk"):
            at = [k["kiosk"] for k in kiosks if (k.get("visit") or {}).get("session_id") == h["session_id"]]
            where = at[0] if at else None
            zh = f"风险暂停：{where or h['session_id'][:8]} 等待复核"
            en = f"Risk hold: {where or h['session_id'][:8]} waits for a review"
            out.append(_alert("risk_hold", "critical", f"handoff:{h['id']}", zh, en, handoff_id=h["id"], kiosk=where))
    return out


LEVEL_ORDER = {"critical": 0, "warning": 1}


def build_alerts(
    kiosks: list[dict[str, Any]],
    devices: list[dict[str, Any]],
    queue: list[dict[str, Any]],
    handoffs: list[dict[str, Any]],
    rules: AlertRules,
) -> list[dict[str, Any]]:
    """Every alert in force, critical first."""
    found = device_alerts(devices, rules) + risk_alerts(kiosks, handoffs, rules) + wait_alerts(queue, handoffs, rules)
    return sorted(found, key=lambda a: LEVEL_ORDER.get(a["level"], 9))
