/* The manager console's charts, drawn with the vendored ECharts (assistant/web/vendor/echarts/).
 * MgCharts.queue(el, queue): waiting per category (bars) and the estimated wait in minutes (line).
 * MgCharts.devices(el, devices): the devices by state (donut).
 * MgCharts.handoffs(el, handoffs): each open handoff's wait in minutes (bars; red past the alert threshold).
 * A chart is created once per element and updated with setOption; it follows the window's size.
 */
"use strict";

const MgCharts = (() => {
  const charts = new Map();
  const font = { fontFamily: '"PingFang SC", "Noto Sans CJK SC", "Microsoft YaHei", sans-serif' };
  const STATE_ZH = { online: "正常", "paper-low": "纸少", "out-of-service": "暂停", jammed: "卡纸", "paper-out": "缺纸",
    empty: "无库存", offline: "离线" };
  const STATE_COLOURS = {
    online: "#1b7f3b", "paper-low": "#d08a1a", "out-of-service": "#7a8ea6", jammed: "#b3261e",
    "paper-out": "#d0453b", empty: "#e07b39", offline: "#5b6876",
  };

  function chart(el) {
    if (!window.echarts || !el) return null;
    let found = charts.get(el);
    if (!found) {
      found = echarts.init(el, null, { renderer: "canvas" });
      charts.set(el, found);
    }
    return found;
  }

  window.addEventListener("resize", () => charts.forEach((c) => c.resize()));

  function queue(el, rows) {
    const c = chart(el);
    if (!c) return;
    c.setOption({
      textStyle: font,
      animation: false,
      grid: { left: 36, right: 40, top: 30, bottom: 24 },
      legend: { top: 0, itemHeight: 10, textStyle: { fontSize: 11 }, data: ["等候人数 Waiting", "预计等候(分) Est. wait (min)"] },
      tooltip: { trigger: "axis" },
      xAxis: { type: "category", data: rows.map((r) => r.category), axisLabel: { fontSize: 11 } },
      yAxis: [
        { type: "value", minInterval: 1, axisLabel: { fontSize: 10 } },
        { type: "value", minInterval: 1, axisLabel: { fontSize: 10 }, splitLine: { show: false } },
      ],
      series: [
        { name: "等候人数 Waiting", type: "bar", barMaxWidth: 28, data: rows.map((r) => r.waiting), itemStyle: { color: "#b0181c" },
          label: { show: true, position: "top", fontSize: 10 } },
        { name: "预计等候(分) Est. wait (min)", type: "line", yAxisIndex: 1, data: rows.map((r) => r.estimated_wait_min),
          itemStyle: { color: "#d08a1a" } },
      ],
    }, true);
  }

  function devices(el, rows) {
    const c = chart(el);
    if (!c) return;
    const counts = {};
    rows.forEach((d) => { counts[d.state] = (counts[d.state] || 0) + 1; });
    const data = Object.entries(counts).map(([name, value]) => ({ name, value, itemStyle: { color: STATE_COLOURS[name] || "#999" } }));
    const usable = rows.filter((d) => d.usable).length;
    c.setOption({
      textStyle: font,
      animation: false,
      tooltip: { trigger: "item" },
      title: { text: `${usable}/${rows.length}`, subtext: "可用 usable", left: "24%", top: "34%", textAlign: "center",
        textStyle: { fontSize: 16 }, subtextStyle: { fontSize: 10 }, itemGap: 2 },
      legend: { orient: "vertical", left: "52%", top: "middle", itemHeight: 10, textStyle: { fontSize: 12 },
        formatter: (name) => `${STATE_ZH[name] || ""} ${name}  ${counts[name]}` },
      series: [{
        type: "pie", radius: ["55%", "85%"], center: ["25%", "50%"], data, label: { show: false },
      }],
    }, true);
  }

  function handoffs(el, rows, thresholdS) {
    const c = chart(el);
    if (!c) return;
    const queued = rows.filter((h) => h.status === "queued").slice(0, 8);
    c.setOption({
      textStyle: font,
      animation: false,
      grid: { left: 70, right: 40, top: 20, bottom: 22 },
      tooltip: { trigger: "axis", axisPointer: { type: "shadow" } },
      // the scale reaches at least twice the alert threshold, so a short wait looks short
      xAxis: { type: "value", name: "分 min", nameGap: 4, nameTextStyle: { fontSize: 10 }, axisLabel: { fontSize: 10 },
        min: 0, max: (v) => Math.ceil(Math.max(v.max, (2 * thresholdS) / 60)) },
      yAxis: { type: "category", inverse: true, data: queued.map((h) => `${h.skill} ${h.id.slice(0, 4)}`), axisLabel: { fontSize: 10 } },
      series: [{
        type: "bar", barMaxWidth: 14,
        data: queued.map((h) => ({ value: +(h.wait_s / 60).toFixed(1), itemStyle: { color: h.wait_s >= thresholdS ? "#b3261e" : "#d08a1a" } })),
        label: { show: true, position: "right", fontSize: 10 },
        markLine: { symbol: "none", silent: true, lineStyle: { color: "#b3261e", type: "dashed" },
          label: { formatter: "告警 alert", fontSize: 9, position: "start" }, data: [{ xAxis: thresholdS / 60 }] },
      }],
    }, true);
  }

  return { queue, devices, handoffs };
})();
