// An on-screen numeric keypad for amounts, account, card and phone numbers: big keys, no system keyboard.
// `pinPad` is the masked PIN mode: the digits live in this closure only (no input element a browser could
// autofill, save or show), the screen shows dots, and the PIN leaves once, in one `pin_entered` event.

import { t } from "./i18n.js";

/** Slot types answered with digits (amount also takes a decimal point). */
export const NUMERIC_TYPES = new Set(["amount", "integer", "account_number", "phone", "card"]);

function key(label, onPress, className = "") {
  const button = document.createElement("button");
  button.type = "button";
  button.className = `key ${className}`.trim();
  button.textContent = label;
  // pointerdown keeps the focus in the input (no system keyboard pops up on a touch screen)
  button.addEventListener("pointerdown", (event) => event.preventDefault());
  button.addEventListener("click", onPress);
  return button;
}

/** A keypad that types into `input`; `decimal` adds a "." key. */
export function keypad(input, { decimal = false } = {}) {
  const pad = document.createElement("div");
  pad.className = "keypad";
  pad.setAttribute("role", "group");
  pad.setAttribute("aria-label", t("keypad.label"));
  const type = (char) => {
    if (char === "." && (input.value.includes(".") || !input.value)) return;
    if (input.maxLength > 0 && input.value.length >= input.maxLength) return;
    input.value += char;
    input.dispatchEvent(new Event("input", { bubbles: true }));
  };
  for (const digit of ["1", "2", "3", "4", "5", "6", "7", "8", "9"]) pad.append(key(digit, () => type(digit)));
  pad.append(
    decimal ? key(".", () => type(".")) : key(t("keypad.clear"), () => (input.value = ""), "key-fn"),
    key("0", () => type("0")),
    key("⌫", () => (input.value = input.value.slice(0, -1)), "key-fn"),
  );
  pad.lastElementChild.setAttribute("aria-label", t("keypad.delete"));
  return pad;
}

/** A masked PIN pad: `digits` dots, the number keys, clear / delete, and OK once all digits are in;
 * `onDone(pin)` is called once per PIN and the pad clears itself. */
export function pinPad(onDone, { digits = 6 } = {}) {
  const box = document.createElement("div");
  box.className = "pin-entry";
  const dots = document.createElement("div");
  dots.className = "pin-dots";
  dots.setAttribute("role", "status");
  const ok = key(t("pin.submit"), () => submit(), "key-fn key-ok");
  let pin = "";
  const show = () => {
    dots.replaceChildren(
      ...Array.from({ length: digits }, (_, i) => {
        const dot = document.createElement("span");
        dot.className = i < pin.length ? "pin-dot filled" : "pin-dot";
        return dot;
      }),
    );
    dots.setAttribute("aria-label", t("pin.label", { count: pin.length, digits }));
    ok.disabled = pin.length !== digits;
  };
  const submit = () => {
    if (pin.length !== digits) return;
    const entered = pin;
    pin = "";
    show();
    onDone(entered);
  };
  const pad = document.createElement("div");
  pad.className = "keypad";
  pad.setAttribute("role", "group");
  pad.setAttribute("aria-label", t("keypad.label"));
  const type = (digit) => {
    if (pin.length < digits) pin += digit;
    show();
  };
  for (const digit of ["1", "2", "3", "4", "5", "6", "7", "8", "9"]) pad.append(key(digit, () => type(digit)));
  pad.append(
    key(t("keypad.clear"), () => { pin = ""; show(); }, "key-fn"),
    key("0", () => type("0")),
    key("⌫", () => { pin = pin.slice(0, -1); show(); }, "key-fn"),
  );
  pad.lastElementChild.setAttribute("aria-label", t("keypad.delete"));
  show();
  box.append(dots, pad, ok);
  return box;
}
