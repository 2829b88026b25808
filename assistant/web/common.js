/* Shared by the staff consoles (no build step, no CDN).
 * Lobby.start(roles, onReady): shows the sign-in form until someone with one of `roles` is signed in
 *   (cookie sign-in: POST /api/v1/auth/login), then calls onReady(me).
 * Lobby.api(path, {method, body}): fetch JSON with the session cookie; every non-GET request echoes the
 *   lobby_csrf cookie in X-CSRF-Token (the server's double-submit check). Errors throw with the detail.
 * Lobby.socket(onMessage): the staff WebSocket (/api/v1/staff/ws), reconnecting with back-off; a branch
 *   manager's `instruction` on it is shown as a notice on whichever console is open.
 * Lobby.el(tag, attrs, ...children): build DOM without innerHTML (text is never parsed as markup).
 */
"use strict";

const Lobby = (() => {
  function cookie(name) {
    const found = document.cookie.split("; ").find((c) => c.startsWith(name + "="));
    return found ? decodeURIComponent(found.slice(name.length + 1)) : "";
  }

  class ApiError extends Error {
    constructor(status, detail) {
      super(typeof detail === "string" ? detail : JSON.stringify(detail));
      this.status = status;
    }
  }

  async function api(path, options = {}) {
    const method = (options.method || "GET").toUpperCase();
    const headers = { Accept: "application/json" };
    if (method !== "GET") headers["X-CSRF-Token"] = cookie("lobby_csrf");
    let body;
    if (options.body !== undefined) {
      headers["Content-Type"] = "application/json";
      body = JSON.stringify(options.body);
    }
    const response = await fetch(path, { method, headers, body, credentials: "same-origin" });
    if (response.status === 204) return null;
    const data = await response.json().catch(() => ({}));
    if (!response.ok) {
      if (response.status === 401 && !path.startsWith("/api/v1/auth/")) showSignIn();
      throw new ApiError(response.status, data.detail || response.statusText);
    }
    return data;
  }

  function el(tag, attrs = {}, ...children) {
    const node = document.createElement(tag);
    for (const [key, value] of Object.entries(attrs || {})) {
      if (value === null || value === undefined || value === false) continue;
      if (key === "class") node.className = value;
      else if (key === "dataset") Object.assign(node.dataset, value);
      else if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
      else node.setAttribute(key, value === true ? "" : String(value));
    }
    for (const child of children.flat()) {
      if (child === null || child === undefined || child === false) continue;
      node.append(child instanceof Node ? child : document.createTextNode(String(child)));
    }
    return node;
  }

  let wanted = [];
  let ready = null;

  function signInForm() {
    let form = document.getElementById("staff-sign-in");
    if (form) return form;
    form = el(
      "form",
      { id: "staff-sign-in", class: "card sign-in", autocomplete: "on" },
      el("h2", {}, "登录 Sign in"),
      el("label", {}, "用户名 Username ", el("input", { name: "username", id: "username", required: true, autocomplete: "username" })),
      el("label", {}, "密码 Password ", el("input", { name: "password", id: "password", type: "password", required: true, autocomplete: "current-password" })),
      el("button", { type: "submit", id: "sign-in-submit" }, "登录 Sign in"),
      el("p", { class: "error", id: "sign-in-error", role: "alert" }),
    );
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      const error = form.querySelector("#sign-in-error");
      error.textContent = "";
      try {
        await api("/api/v1/auth/login", {
          method: "POST",
          body: { username: form.username.value.trim(), password: form.password.value },
        });
        form.password.value = "";
        await enter();
      } catch (e) {
        error.textContent = e.status === 429 ? "尝试次数过多，请稍后再试 Too many attempts, try later" : "用户名或密码错误 Wrong username or password";
      }
    });
    document.querySelector("main").prepend(form);
    return form;
  }

  function showSignIn() {
    signInForm().hidden = false;
    const workspace = document.getElementById("workspace");
    if (workspace) workspace.hidden = true;
    const user = document.getElementById("user");
    if (user) user.hidden = true;
  }

  async function enter() {
    let me;
    try {
      me = await api("/api/v1/auth/me");
    } catch (e) {
      showSignIn();
      return;
    }
    if (wanted.length && me.role !== "admin" && !wanted.includes(me.role)) {
      showSignIn();
      document.getElementById("sign-in-error").textContent = `此页面需要 ${wanted.join("/")} 角色 (signed in as ${me.role})`;
      return;
    }
    signInForm().hidden = true;
    document.getElementById("workspace").hidden = false;
    const user = document.getElementById("user");
    if (user) {
      user.hidden = false;
      document.getElementById("user-name").textContent = `${me.display_name || me.username} (${me.role})`;
    }
    if (ready) ready(me);
  }

  function start(roles, onReady) {
    wanted = roles;
    ready = onReady;
    const out = document.getElementById("sign-out");
    if (out) {
      out.addEventListener("click", async () => {
        await api("/api/v1/auth/logout", { method: "POST" }).catch(() => null);
        location.reload();
      });
    }
    enter();
  }

  function socket(onMessage) {
    let delay = 500;
    let ws = null;
    const line = {
      send(message) {
        if (ws && ws.readyState === WebSocket.OPEN) ws.send(JSON.stringify(message));
      },
      get open() {
        return !!ws && ws.readyState === WebSocket.OPEN;
      },
    };
    function connect() {
      const scheme = location.protocol === "https:" ? "wss" : "ws";
      ws = new WebSocket(`${scheme}://${location.host}/api/v1/staff/ws`);
      ws.addEventListener("open", () => (delay = 500));
      ws.addEventListener("message", (event) => {
        try {
          const message = JSON.parse(event.data);
          if (message.type === "instruction") showInstruction(message);
          onMessage(message, line);
        } catch (e) {
          console.warn("staff socket message not handled", e);
        }
      });
      ws.addEventListener("close", () => {
        setTimeout(connect, delay);
        delay = Math.min(delay * 2, 10000);
      });
    }
    connect();
    return line;
  }

  /* An instruction from the branch manager (staff socket, `instruction`): a notice on any console until read. */
  function showInstruction(message) {
    let box = document.getElementById("instructions");
    if (!box) {
      box = el("aside", { id: "instructions", role: "status", "aria-live": "polite" });
      Object.assign(box.style, { position: "fixed", right: "1rem", top: "3.5rem", zIndex: 50, display: "grid", gap: "0.5rem", maxWidth: "26rem" });
      document.body.append(box);
    }
    const note = el("div", { class: "card instruction", dataset: { instruction: message.id } },
      el("strong", {}, `经理指令 Instruction · ${message.from_name || message.from} · ${when(message.at)}`),
      el("p", {}, message.text),
      el("button", { type: "button", class: "secondary", onclick: () => note.remove() }, "知道了 Got it"));
    Object.assign(note.style, { margin: 0, borderLeft: "4px solid #a36100", boxShadow: "0 2px 8px rgba(0,0,0,0.15)" });
    box.prepend(note);
  }

  function when(iso) {
    return iso ? new Date(iso).toLocaleTimeString("zh-CN", { hour12: false }) : "";
  }

  function seconds(s) {
    s = Math.round(s || 0);
    return s < 60 ? `${s}s` : `${Math.floor(s / 60)}m${String(s % 60).padStart(2, "0")}s`;
  }

  return { api, el, start, socket, when, seconds, ApiError };
})();
