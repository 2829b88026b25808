// The page's side panels: the consent banner at the start of a visit, the privacy warning, the cited
// passage of a reply, and the demo device panel (simulated ID-card reader, QR scanner and receipt printer).

import { language, t } from "./i18n.js";

const $ = (id) => document.getElementById(id);

/** Consent banner: asked once per visit, nothing ticked in advance (consent is the customer's own act);
 * the answer goes to the session as a `consent` event. */
export function setupConsent(onAnswer) {
  const banner = $("consent");
  let asked = false;
  const answer = (accepted) => {
    const recording = accepted && $("consent-recording").checked;
    const marketing = $("consent-marketing").checked;
    banner.hidden = true;
    onAnswer({ recording, marketing });
  };
  $("consent-accept").addEventListener("click", () => answer(true));
  $("consent-decline").addEventListener("click", () => answer(false));
  const reset = () => {
    $("consent-recording").checked = false;
    $("consent-marketing").checked = false;
  };
  return {
    /** Ask, unless this visit was already asked. */
    show() {
      if (asked) return;
      asked = true;
      reset();
      banner.hidden = false;
    },
    hide() {
      banner.hidden = true;
    },
    /** A new visit: ask again, from unticked boxes. */
    reset() {
      asked = false;
      reset();
      banner.hidden = true;
    },
  };
}

/** The cited passage of a reply, opened by tapping its citation (the snippet the reply carries). */
export function setupCitation() {
  const box = $("citation");
  const close = () => (box.hidden = true);
  $("citation-close").addEventListener("click", close);
  return {
    open(item) {
      $("citation-title").textContent = `《${item.title || t("cite.title")}》${item.section ? ` · ${item.section}` : ""}`;
      $("citation-text").textContent = item.snippet || t("cite.no_snippet");
      $("citation-date").textContent = item.effective_from ? t("cite.effective", { date: item.effective_from }) : "";
      box.hidden = false;
      $("citation-close").focus();
    },
    close,
  };
}

/** Privacy warning (someone close behind the customer): sensitive cards are blurred until dismissed. */
export function setupPrivacy() {
  const box = $("privacy");
  const hide = () => {
    box.hidden = true;
    document.body.classList.remove("privacy-shield");
  };
  $("privacy-ok").addEventListener("click", hide);
  return {
    show() {
      box.hidden = false;
      document.body.classList.add("privacy-shield");
    },
    hide,
  };
}

/** Demo device panel: choose a customer of the sandbox cast and simulate the kiosk's devices. */
export function setupDevices(cast, sendEvent, notice) {
  const toggle = $("devices-toggle");
  const panel = $("devices");
  const select = $("device-customer");
  if (!cast.length) return { printed() {}, clear() {} };
  toggle.hidden = false;
  toggle.addEventListener("click", () => {
    panel.hidden = !panel.hidden;
    toggle.setAttribute("aria-pressed", String(!panel.hidden));
  });
  const fill = () => {
    const chosen = select.value;
    select.replaceChildren();
    for (const person of cast) {
      const option = document.createElement("option");
      option.value = person.key;
      option.textContent = language() === "zh" ? person.name : person.name_en;
      select.append(option);
    }
    if (chosen) select.value = chosen;
  };
  fill();
  const person = () => cast.find((p) => p.key === select.value) || cast[0];
  // The demo cast's PIN, so a visitor can type it on the PIN pad (synthetic; only outside production).
  const pinHint = document.createElement("p");
  pinHint.className = "hint";
  const showPin = () => {
    const pin = person().pin;
    pinHint.textContent = pin ? t("devices.pin", { pin }) : "";
  };
  select.addEventListener("change", showPin);
  select.closest("label").after(pinHint);
  showPin();
  $("device-id").addEventListener("click", () => {
    const p = person();
    sendEvent("id_card_read", { id_number: p.id_number, document: p.document, name: p.name });
  });
  $("device-qr").addEventListener("click", () => sendEvent("qr_scanned", { qr_token: person().qr_token }));
  $("device-booking").addEventListener("click", () => {
    const code = person().booking_codes[0];
    if (code) sendEvent("booking_code", { code });
    else notice(t("devices.no_booking"));
  });
  const receipts = $("receipts");
  return {
    relabel() {
      fill();
      showPin();
    },
    printed(paper) {
      receipts.prepend(paper);
      while (receipts.children.length > 5) receipts.lastElementChild.remove();
    },
    clear() {
      receipts.replaceChildren();
    },
  };
}
