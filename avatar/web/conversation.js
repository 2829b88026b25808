// The conversation panel: what the customer said and each reply as written text (the server's reply text,
// not the spoken form), kept on screen for the visit, short and scrollable. The spoken subtitle is separate;
// speech that fails or is cut off never takes the written text with it.

const KEEP = 30; // entries: a visit, not an archive

export class Conversation {
  constructor(list) {
    this.list = list;
  }

  /** Append one entry; `who` is "customer", "assistant" or "expert" (a person: `name` says who). Returns its element. */
  add(who, text, { greeting = false, name = "" } = {}) {
    const clean = String(text || "").trim();
    if (!clean) return null;
    const item = document.createElement("li");
    item.className = `turn turn-${who}`;
    if (greeting) item.dataset.greeting = "true";
    if (name) {
      const label = document.createElement("span");
      label.className = "turn-who";
      label.textContent = name;
      item.append(label);
    }
    item.append(clean);
    this.list.append(item);
    while (this.list.children.length > KEEP) this.list.firstElementChild.remove();
    this.list.hidden = false;
    this.list.scrollTop = this.list.scrollHeight;
    return item;
  }

  /** Only the greeting so far: nothing the customer said yet (a language switch may re-greet). */
  onlyGreeting() {
    return [...this.list.children].every((item) => item.dataset.greeting === "true");
  }

  /** The greeting entry again, in another language. */
  regreet(text) {
    this.list.replaceChildren();
    this.add("assistant", text, { greeting: true });
  }

  clear() {
    this.list.replaceChildren();
    this.list.hidden = true;
  }
}
