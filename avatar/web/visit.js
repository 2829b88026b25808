// The visit's lifecycle on the page: active -> (no touch, voice or reply for a while) "还在吗？" ->
// (no answer) ended -> the attract screen (the avatar idles, tips rotate, "touch or speak to start").
// The page ends a visit the same way when the customer taps "结束服务" or the server says the session ended.

import { t } from "./i18n.js";

const $ = (id) => document.getElementById(id);
const TIPS = ["attract.tip1", "attract.tip2", "attract.tip3", "attract.tip4"];

export function setupVisit({ onEnd, onStart, idleMs = 90000, answerMs = 20000 }) {
  const times = { idleMs, answerMs };
  let active = true;
  let busy = false; // the avatar is speaking: not idle
  let held = false; // a colleague serves the customer (they may talk for minutes without a tap): not idle
  let idleTimer = null;
  let answerTimer = null;
  let countdown = null;
  let tipTimer = null;
  let tip = 0;

  const prompt = $("idle-prompt");
  const attract = $("attract");

  function arm() {
    clearTimeout(idleTimer);
    if (active && !busy && !held && prompt.hidden) idleTimer = setTimeout(ask, times.idleMs);
  }

  function ask() {
    prompt.hidden = false;
    let left = Math.round(times.answerMs / 1000);
    const tick = () => ($("idle-body").textContent = t("idle.body", { seconds: left }));
    tick();
    clearInterval(countdown);
    countdown = setInterval(() => {
      left = Math.max(0, left - 1);
      tick();
    }, 1000);
    answerTimer = setTimeout(() => end("idle"), times.answerMs);
  }

  function closePrompt() {
    prompt.hidden = true;
    clearTimeout(answerTimer);
    clearInterval(countdown);
  }

  function showTip() {
    $("attract-tip").textContent = t(TIPS[tip % TIPS.length]);
    tip += 1;
  }

  function end(reason) {
    if (!active) return;
    active = false;
    clearTimeout(idleTimer);
    closePrompt();
    document.body.classList.add("attract");
    attract.hidden = false;
    tip = 0;
    showTip();
    clearInterval(tipTimer);
    tipTimer = setInterval(showTip, 6000);
    onEnd(reason);
  }

  function start(how) {
    if (active) return;
    active = true;
    attract.hidden = true;
    document.body.classList.remove("attract");
    clearInterval(tipTimer);
    onStart(how);
    arm();
  }

  $("idle-stay").addEventListener("click", () => {
    closePrompt();
    arm();
  });
  $("idle-end").addEventListener("click", () => end("customer"));
  $("end-visit").addEventListener("click", () => end("customer"));
  document.querySelector(".layout").addEventListener("click", () => start("touch"));
  for (const kind of ["pointerdown", "keydown"]) {
    document.addEventListener(kind, () => active && prompt.hidden && arm(), { capture: true });
  }
  arm();

  return {
    get active() {
      return active;
    },
    /** Something happened in the visit (a reply, the customer's voice): the idle clock starts again. */
    activity() {
      if (active && prompt.hidden) arm();
    },
    /** While the avatar speaks the visit is not idle. */
    speaking(on) {
      busy = on;
      if (on) clearTimeout(idleTimer);
      else arm();
    },
    /** While a colleague serves the customer the page never asks "还在吗？"; the colleague ends the visit. */
    hold(on) {
      held = on;
      if (on) clearTimeout(idleTimer);
      else arm();
    },
    start,
    end,
    relabel() {
      if (!attract.hidden) {
        tip = Math.max(0, tip - 1);
        showTip();
      }
    },
    setTimes(idle, answer) {
      times.idleMs = idle;
      times.answerMs = answer;
      arm();
    },
  };
}
