/* The supervisor console's charts, drawn with the vendored ECharts (assistant/web/vendor/echarts/; no CDN).
 * Each function returns an element to put in the page; the chart is drawn once the element has a size (a
 * ResizeObserver: a chart made inside a hidden panel is drawn when the panel opens), follows later size changes,
 * and is disposed when the element leaves the page. The element is `role="img"` with the label, and
 * `data-chart` names it (the browser tests read the drawn data through `echarts.getInstanceByDom`). */
"use strict";

(function () {
  const FONT = { fontFamily: '"PingFang SC", "Noto Sans CJK SC", "Microsoft YaHei", sans-serif', fontSize: 11, color: "#33475b" };
  const BLUE = "#2f7bc4";
  // the colours supervisor.css gave the severities and risk actions
  const KEY_COLOURS = { hold: "#e07a2f", high: "#e07a2f", block: "#c62828", critical: "#c62828", blocked: "#c62828",
    warn: "#e0b12f", prompt_injection: "#e0b12f" };
  const DOT_COLOURS = { session: "#6b7a89", handoff: "#1d3f8f" };

  function mount(label, height, option) {
    const box = document.createElement("div");
    box.className = "sv-echart";
    box.setAttribute("role", "img");
    box.setAttribute("aria-label", label);
    box.dataset.chart = label;
    Object.assign(box.style, { width: "100%", height: `${height}px` });
    let chart = null;
    const observer = new ResizeObserver(() => {
      if (!box.isConnected) {
        if (chart) chart.dispose();
        observer.disconnect();
        return;
      }
      if (!box.clientWidth || !window.echarts) return;
      if (!chart) {
        chart = echarts.init(box, null, { renderer: "canvas" });
        chart.setOption({ textStyle: FONT, animation: false, ...option });
      } else {
        chart.resize();
      }
    });
    observer.observe(box);
    return box;
  }

  function empty(items) {
    return items.length ? [] : [{ type: "text", left: 8, top: "middle", style: { text: "无数据 No data", fill: "#6b7a89", fontSize: 12 } }];
  }

  /* Vertical bars, one per value (volume by hour); every `tickEvery`-th label is shown under its bar. */
  function columns(values, labels, label, tickEvery) {
    return mount(label, 180, {
      grid: { left: 32, right: 12, top: 18, bottom: 24 },
      tooltip: { trigger: "axis", axisPointer: { type: "shadow" } },
      xAxis: { type: "category", data: labels, axisTick: { alignWithLabel: true }, axisLabel: { interval: (tickEvery || 1) - 1 } },
      yAxis: { type: "value", minInterval: 1 },
      series: [{
        type: "bar", data: values, itemStyle: { color: BLUE }, barCategoryGap: "20%",
        label: { show: true, position: "top", formatter: (p) => (p.value ? String(p.value) : "") },
      }],
    });
  }

  /* Horizontal bars for {key, count} items (intents, outcomes, risk flags, wait buckets). */
  function bars(items, label, nameOf) {
    const names = items.map((item) => (nameOf ? nameOf(item.key) : item.key));
    return mount(label, Math.max(items.length, 1) * 28 + 24, {
      grid: { left: 8, right: 40, top: 4, bottom: 4, containLabel: true },
      tooltip: { trigger: "item", formatter: (p) => `${items[p.dataIndex].key}: ${p.value}` },
      xAxis: { type: "value", show: false, max: (v) => Math.max(v.max, 1) },
      yAxis: { type: "category", inverse: true, data: names, axisTick: { show: false }, axisLine: { show: false } },
      series: [{
        type: "bar", barMaxWidth: 18, label: { show: true, position: "right" },
        data: items.map((item) => ({ value: item.count, itemStyle: { color: KEY_COLOURS[item.key] || BLUE } })),
      }],
      graphic: empty(items),
    });
  }

  /* A share from 0 to 1 as one bar with its percentage. */
  function share(rate, label) {
    const known = rate !== null && rate !== undefined;
    const percent = known ? Math.round(rate * 1000) / 10 : 0;
    return mount(label, 56, {
      grid: { left: 4, right: 56, top: 8, bottom: 8 },
      xAxis: { type: "value", show: false, min: 0, max: 100 },
      yAxis: { type: "category", show: false, data: [label] },
      series: [{
        type: "bar", data: [percent], barWidth: 22, itemStyle: { color: BLUE }, showBackground: true,
        backgroundStyle: { color: "#e6ebf0" },
      }],
      graphic: [{ type: "text", right: 4, top: "middle", style: { text: known ? `${percent}%` : "—", fill: "#33475b", fontSize: 13 } }],
    });
  }

  /* A time of day in the branch's zone (as the console prints times), not the browser's. */
  function clock(ms) {
    return new Date(ms).toLocaleTimeString("zh-CN", { timeZone: "Asia/Shanghai", hour12: false });
  }

  /* Events of one session on a time axis: a dot per event, coloured by kind and severity, with a tooltip. */
  function timeline(events, label) {
    const colour = (e) => KEY_COLOURS[e.severity] || DOT_COLOURS[e.kind] || BLUE;
    const times = events.map((e) => Date.parse(e.at));
    // a visit may last under a second: keep at least a few seconds on the axis, labelled by the second
    const start = Math.min(...times), end = Math.max(...times), pad = Math.max((end - start) * 0.04, 2000);
    return mount(label, 80, {
      grid: { left: 24, right: 24, top: 10, bottom: 26 },
      tooltip: { trigger: "item", formatter: (p) => `${events[p.dataIndex].label} · ${events[p.dataIndex].at}` },
      xAxis: { type: "time", min: events.length ? start - pad : null, max: events.length ? end + pad : null, minInterval: 1000,
        axisLabel: { hideOverlap: true, formatter: clock } },
      yAxis: { type: "value", show: false, min: 0, max: 2 },
      series: [{
        type: "scatter",
        data: events.map((e) => ({ value: [e.at, 1], symbolSize: e.kind === "session" ? 8 : 14,
          itemStyle: { color: colour(e), borderColor: "#fff", borderWidth: 1.5 } })),
      }],
      graphic: empty(events),
    });
  }

  window.SupervisorCharts = { columns, bars, share, timeline };
})();
