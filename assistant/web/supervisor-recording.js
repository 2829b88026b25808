/* The supervisor console's recording player: the visit's audio (Ogg/Opus, customer left, avatar right)
 * with the transcript following along. Clicking a segment plays that turn; while playing, the turn being
 * heard is highlighted in the transcript. Every load of the audio is audited on the server (playback),
 * and the download link is audited as a download. Texts come from the masked transcript, as text only.
 * The server answers Range requests (206), so the player seeks. Camera stills of the visit (taken at
 * identification, confirmation, authorisation and risk flags) are listed with their event and offset;
 * "play this moment" seeks the audio to just before the still. */
"use strict";

(function () {
  const API = "/api/v1/supervisor";
  const state = { segments: [], part: 1, playing: null };

  function node(tag, className, text) {
    const el = document.createElement(tag);
    if (className) el.className = className;
    if (text !== undefined && text !== null) el.textContent = String(text);
    return el;
  }

  function clock(seconds) {
    const s = Math.max(0, Math.floor(seconds));
    return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, "0")}`;
  }

  function box() {
    let section = document.getElementById("recording-box");
    if (section) return section;
    section = node("section");
    section.id = "recording-box";
    section.hidden = true;
    section.appendChild(node("h3", "", "录音 Recording"));
    const audio = node("audio");
    audio.id = "recording-audio";
    audio.controls = true;
    audio.preload = "none";
    audio.style.width = "100%";
    audio.addEventListener("timeupdate", () => follow(audio.currentTime));
    section.appendChild(audio);
    const bar = node("div", "sv-actions");
    bar.id = "recording-actions";
    section.appendChild(bar);
    const list = node("ol", "sv-transcript");
    list.id = "recording-segments";
    section.appendChild(list);
    const stills = node("div", "sv-stills");
    stills.id = "recording-stills";
    section.appendChild(stills);
    const transcript = document.getElementById("transcript");
    const anchor = transcript ? transcript.closest("section") : null;
    if (anchor && anchor.parentNode) anchor.parentNode.insertBefore(section, anchor);
    else document.getElementById("detail").appendChild(section);
    return section;
  }

  function audioUrl(sessionId, part, download) {
    const query = new URLSearchParams({ part: String(part) });
    if (download) query.set("download", "true");
    return `${API}/sessions/${encodeURIComponent(sessionId)}/recording?${query}`;
  }

  function follow(time) {
    const current = state.segments.find((s) => s.part === state.part && time >= s.start_s && time < s.end_s);
    const seq = current ? current.seq : null;
    if (seq === state.playing) return;
    state.playing = seq;
    document.querySelectorAll(".sv-playing").forEach((el) => {
      el.classList.remove("sv-playing");
      el.style.outline = "";
    });
    if (seq === null) return;
    for (const el of document.querySelectorAll(`#transcript li[data-seq="${seq}"], #recording-segments li[data-seq="${seq}"]`)) {
      el.classList.add("sv-playing");
      el.style.outline = "3px solid #2b7"; // CSSOM, which the console's CSP (style-src 'self') allows
    }
    const turn = document.querySelector(`#transcript li[data-seq="${seq}"]`);
    if (turn) turn.scrollIntoView({ block: "nearest" });
  }

  function choosePart(sessionId, part) {
    const audio = document.getElementById("recording-audio");
    state.part = part;
    audio.src = audioUrl(sessionId, part, false);
    const bar = document.getElementById("recording-actions");
    const link = bar.querySelector("a[data-download]");
    if (link) link.href = audioUrl(sessionId, part, true);
    renderSegments(sessionId);
  }

  function renderSegments(sessionId) {
    const list = document.getElementById("recording-segments");
    list.replaceChildren();
    for (const s of state.segments.filter((x) => x.part === state.part)) {
      const item = node("li", `sv-turn sv-${s.speaker}`);
      item.dataset.seq = s.seq;
      const play = node("button", "sv-button", `▶ ${clock(s.start_s)}–${clock(s.end_s)}`);
      play.type = "button";
      play.addEventListener("click", () => {
        const audio = document.getElementById("recording-audio");
        if (!audio.src) audio.src = audioUrl(sessionId, state.part, false);
        audio.currentTime = s.start_s;
        audio.play().catch(() => null);
      });
      item.appendChild(play);
      item.appendChild(node("span", "sv-seq", `#${s.seq}`));
      item.appendChild(node("span", "sv-text", s.text));
      list.appendChild(item);
    }
  }

  const EVENTS = {
    identification: "身份核验 Identification",
    confirmation: "客户确认 Confirmation",
    authorisation: "授权 Authorisation",
    risk: "风险提示 Risk flag",
  };

  function seek(sessionId, part, seconds) {
    if (state.part !== part) choosePart(sessionId, part);
    const audio = document.getElementById("recording-audio");
    if (!audio.src) audio.src = audioUrl(sessionId, state.part, false);
    audio.currentTime = Math.max(0, seconds);
    audio.play().catch(() => null);
  }

  async function loadStills(sessionId) {
    const holder = document.getElementById("recording-stills");
    holder.replaceChildren();
    let body;
    try {
      body = await Lobby.api(`${API}/sessions/${encodeURIComponent(sessionId)}/stills`);
    } catch (error) {
      return;
    }
    if (!body.stills.length) return;
    holder.appendChild(node("h4", "", `现场照片 Camera stills (${body.stills.length}) · 每次查看均留审计 every view is audited`));
    for (const s of body.stills) {
      const figure = node("figure", "sv-still");
      figure.dataset.event = s.event;
      const img = node("img");
      img.src = s.url; // same-origin, the session cookie; the server audits the view before it answers
      img.alt = EVENTS[s.event] || s.event;
      img.loading = "lazy";
      figure.appendChild(img);
      const caption = node("figcaption");
      caption.appendChild(node("strong", "", EVENTS[s.event] || s.event));
      const at = `${clock(s.offset_s)}.${Math.floor((s.offset_s % 1) * 10)}`; // a still a second apart from the next
      const where = `第 ${s.part} 段 Part ${s.part} · 录音 ${at}${s.seq ? ` · #${s.seq}` : ""}`;
      caption.appendChild(node("span", "sv-seq", where));
      const play = node("button", "sv-button", "▶ 听这一刻 Play this moment");
      play.type = "button";
      play.addEventListener("click", () => seek(sessionId, s.part, s.offset_s - 3));
      caption.appendChild(play);
      figure.appendChild(caption);
      holder.appendChild(figure);
    }
  }

  async function load(sessionId) {
    const section = box();
    section.hidden = true;
    state.segments = [];
    state.playing = null;
    const audio = document.getElementById("recording-audio");
    audio.pause();
    audio.removeAttribute("src");
    let body;
    try {
      body = await Lobby.api(`${API}/sessions/${encodeURIComponent(sessionId)}/recording/segments`);
    } catch (error) {
      return; // 404: no recording of this visit (no consent, or recording off)
    }
    state.segments = body.segments;
    const bar = document.getElementById("recording-actions");
    bar.replaceChildren();
    for (const p of body.parts) {
      const button = node("button", "sv-button", `第 ${p.part} 段 Part ${p.part} · ${clock(p.duration_s)}`);
      button.type = "button";
      button.addEventListener("click", () => choosePart(sessionId, p.part));
      bar.appendChild(button);
    }
    const download = node("a", "sv-button", "下载 Download (audited)");
    download.dataset.download = "1";
    download.setAttribute("download", "");
    bar.appendChild(download);
    section.hidden = false;
    choosePart(sessionId, 1);
    await loadStills(sessionId);
  }

  document.addEventListener("supervisor:session", (event) => {
    load(event.detail.sessionId).catch(() => null);
  });
})();
