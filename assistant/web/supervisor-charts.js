/* Small inline-SVG charts for the supervisor console (no library, no CDN).
 * Colours come from classes in supervisor.css, so the page's Content-Security-Policy needs no inline styles. */
"use strict";

(function () {
  const NS = "http://www.w3.org/2000/svg";

  function svg(name, attrs, text) {
    const node = document.createElementNS(NS, name);
    for (const [key, value] of Object.entries(attrs || {})) node.setAttribute(key, String(value));
    if (text !== undefined) node.textContent = String(text);
    return node;
  }

  function frame(width, height, label, margin) {
    const m = margin || 0;  // room for labels centred on the first and last bars
    const root = svg("svg", { viewBox: `${-m} 0 ${width + 2 * m} ${height}`, role: "img", "aria-label": label, class: "sv-svg" });
    root.appendChild(svg("title", {}, label));
    return root;
  }

  /* Vertical bars, one per value (volume by hour); every `tickEvery`-th label is drawn under its bar. */
  function columns(values, labels, label, tickEvery) {
    const width = 480, height = 160, base = 130, top = 12;
    const max = Math.max(1, ...values);
    const step = width / values.length;
    const root = frame(width, height, label, 12);
    root.appendChild(svg("line", { x1: 0, y1: base, x2: width, y2: base, class: "sv-axis" }));
    values.forEach((value, i) => {
      const h = ((base - top) * value) / max;
      const bar = svg("rect", { x: i * step + 2, y: base - h, width: Math.max(step - 4, 1), height: h, class: "sv-bar" });
      bar.appendChild(svg("title", {}, `${labels[i]}: ${value}`));
      root.appendChild(bar);
      if (value) root.appendChild(svg("text", { x: i * step + step / 2, y: base - h - 2, class: "sv-value" }, value));
      if (i % (tickEvery || 1) === 0) {
        root.appendChild(svg("text", { x: i * step + step / 2, y: base + 16, class: "sv-tick" }, labels[i]));
      }
    });
    return root;
  }

  /* Horizontal bars for {key, count} items (intents, outcomes, risk flags, wait buckets). */
  function bars(items, label, nameOf) {
    const rowHeight = 24, width = 480, labelWidth = 170;
    const height = Math.max(items.length, 1) * rowHeight + 8;
    const max = Math.max(1, ...items.map((item) => item.count));
    const root = frame(width, height, label);
    if (!items.length) {
      root.appendChild(svg("text", { x: 4, y: 18, class: "sv-empty" }, "无数据 No data"));
      return root;
    }
    items.forEach((item, i) => {
      const y = i * rowHeight + 4;
      const w = ((width - labelWidth - 40) * item.count) / max;
      root.appendChild(svg("text", { x: labelWidth - 6, y: y + 15, class: "sv-label" }, nameOf ? nameOf(item.key) : item.key));
      const bar = svg("rect", { x: labelWidth, y: y + 2, width: Math.max(w, 1), height: rowHeight - 8, class: `sv-bar sv-bar-${item.key}` });
      bar.appendChild(svg("title", {}, `${item.key}: ${item.count}`));
      root.appendChild(bar);
      root.appendChild(svg("text", { x: labelWidth + w + 4, y: y + 15, class: "sv-count" }, item.count));
    });
    return root;
  }

  /* A share from 0 to 1 as one bar with its percentage. */
  function share(rate, label) {
    const width = 480, height = 40;
    const root = frame(width, height, label);
    root.appendChild(svg("rect", { x: 0, y: 8, width: width - 60, height: 20, class: "sv-track" }));
    if (rate !== null && rate !== undefined) {
      root.appendChild(svg("rect", { x: 0, y: 8, width: (width - 60) * rate, height: 20, class: "sv-bar" }));
    }
    const text = rate === null || rate === undefined ? "—" : `${Math.round(rate * 1000) / 10}%`;
    root.appendChild(svg("text", { x: width - 54, y: 23, class: "sv-count" }, text));
    return root;
  }

  /* Events of one session on a time axis: a dot per event, coloured by severity, with a tooltip. */
  function timeline(events, label) {
    const width = 640, height = 56, pad = 12;
    const root = frame(width, height, label);
    if (!events.length) return root;
    const times = events.map((e) => Date.parse(e.at));
    const start = Math.min(...times), end = Math.max(...times);
    const span = Math.max(end - start, 1);
    root.appendChild(svg("line", { x1: pad, y1: 28, x2: width - pad, y2: 28, class: "sv-axis" }));
    events.forEach((event, i) => {
      const x = pad + ((width - 2 * pad) * (times[i] - start)) / span;
      const dot = svg("circle", { cx: x, cy: 28, r: event.kind === "session" ? 4 : 7, class: `sv-dot sv-${event.kind} sv-sev-${event.severity}` });
      dot.appendChild(svg("title", {}, `${event.label} · ${event.at}`));
      root.appendChild(dot);
    });
    return root;
  }

  window.SupervisorCharts = { columns, bars, share, timeline };
})();
