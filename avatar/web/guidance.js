// Screen guidance (屏幕画面标注): a remote colleague sees what the kiosk shows as structured state, not as a
// screen video, and points at it. The kiosk describes its cards (title, each row, input and button, with a
// stable target id); the colleague's `guide` messages highlight a target, put a written mark beside it,
// push a document to read, or clear all of it. Marks go when the screen changes or the colleague leaves.

import { t } from "./i18n.js";

const $ = (id) => document.getElementById(id);
const PARTS = [
  ["row", "dl.rows dt"],
  ["input", "input, select"],
  ["button", "button"],
];

/** The cards on screen, each part tagged with `data-guide` so a colleague's pointer finds it again. */
export function describeScreen(container) {
  return [...container.querySelectorAll("article.card")].map((card, index) => {
    const parts = [];
    for (const [kind, selector] of PARTS) {
      card.querySelectorAll(selector).forEach((el, j) => {
        if (el.closest(".keypad")) return; // the keypad's digits are not something to point at
        const id = `c${index}-${kind}${j}`;
        el.dataset.guide = id;
        const label =
          kind === "row" ? el.textContent
          : kind === "input" ? el.getAttribute("aria-label") || el.closest("label")?.firstChild?.textContent || el.placeholder || el.name || ""
          : el.textContent || "";
        const value = kind === "row" ? el.nextElementSibling?.textContent || "" : kind === "input" ? el.value : "";
        parts.push({ id, kind, label: label.trim().slice(0, 60), value: value.trim().slice(0, 60) });
      });
    }
    card.dataset.guide = `c${index}`;
    return { id: `c${index}`, type: card.dataset.type, title: card.querySelector(".card-title")?.textContent || "", parts };
  });
}

export class Guidance {
  /** @param {{container: HTMLElement, openDocument: (item: object) => void}} options */
  constructor({ container, openDocument }) {
    this.container = container;
    this.openDocument = openDocument;
    this.shown = []; // guide messages applied, for tests
    window.lobbyGuides = this.shown;
  }

  /** One `guide` message from the colleague's console. */
  apply(msg) {
    this.shown.push(msg.action);
    if (msg.action === "clear") return this.clear();
    if (msg.action === "document") {
      const { title, text, section, effective_from } = msg;
      return this.openDocument({ title: title || t("guide.document"), snippet: text || "", section, effective_from });
    }
    const target = this.container.querySelector(`[data-guide="${CSS.escape(String(msg.target || ""))}"]`);
    if (!target) return;
    const box = target;
    this.clearMarks();
    box.classList.add("guide-highlight");
    if (box.tagName === "DT" && box.nextElementSibling) box.nextElementSibling.classList.add("guide-highlight");
    box.scrollIntoView({ block: "nearest" });
    if (msg.action === "mark") {
      const note = document.createElement("p");
      note.className = "guide-mark";
      note.setAttribute("role", "note");
      note.textContent = `${t("guide.from", { expert: msg.name || t("expert.from") })}${String(msg.text || "").slice(0, 120)}`;
      const anchor = box.tagName === "DT" ? box.closest("dl") : box;
      anchor.after(note);
    }
  }

  clearMarks() {
    for (const el of this.container.querySelectorAll(".guide-highlight")) el.classList.remove("guide-highlight");
    for (const el of this.container.querySelectorAll(".guide-mark")) el.remove();
  }

  clear() {
    this.clearMarks();
    if ($("citation") && !$("citation").hidden) $("citation-close").click();
  }
}
