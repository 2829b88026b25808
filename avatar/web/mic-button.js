// The microphone button: hold to talk (release sends), or a short tap for hands-free until the next tap.
// Opening the microphone stops the avatar (the customer talks over it); when the browser has no microphone
// or permission the button is disabled and the customer is told to type or tap instead.

import { t } from "./i18n.js";

const $ = (id) => document.getElementById(id);
const PUSH_TO_TALK_MS = 500; // held longer than this: push-to-talk

/**
 * @param {{mic: object, player: object, send: (msg: object) => void, state: object,
 *          notice: (text: string) => void, listening: () => void}} deps
 * @returns {{open: () => Promise<void>, close: () => void}}
 */
export function setupMicButton({ mic, player, send, state, notice, listening }) {
  async function open() {
    player.unlock();
    const ok = await mic.start();
    state.micAvailable = ok;
    if (!ok) {
      $("mic").disabled = true;
      notice(t("mic.unavailable"));
      return;
    }
    player.stop("customer_talks");
    mic.setSending(true);
    send({ type: "mic", state: "open" });
    state.micOpen = true;
    $("mic").setAttribute("aria-pressed", "true");
    $("mic-text").textContent = t("mic.open");
    listening();
  }

  function close() {
    mic.setSending(false);
    send({ type: "mic", state: "closed" });
    state.micOpen = false;
    $("mic").setAttribute("aria-pressed", "false");
    $("mic-text").textContent = t("mic.idle");
  }

  const button = $("mic");
  let pressedAt = 0;
  let wasOpen = false;
  button.addEventListener("pointerdown", (event) => {
    event.preventDefault();
    pressedAt = performance.now();
    wasOpen = state.micOpen;
    if (!wasOpen) open();
  });
  button.addEventListener("pointerup", () => {
    if (wasOpen || performance.now() - pressedAt > PUSH_TO_TALK_MS) close();
  });
  button.addEventListener("click", (event) => {
    if (event.detail !== 0) return; // keyboard activation only; pointers are handled above
    if (state.micOpen) close();
    else open();
  });
  setInterval(() => mic.setEchoLevel(player.playing ? player.outputLevel() : 0), 50);
  return { open, close };
}
