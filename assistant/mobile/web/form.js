// A journey's form drawn from its slot definitions (sent by the server from the journey file): one input
// per field, by type. The server checks every value with the journey's rules; this only draws and reads.

import { pick, t } from "./i18n.js";

function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === null || v === undefined || v === false) continue;
    if (k === "class") node.className = v;
    else if (k === "text") node.textContent = v;
    else node.setAttribute(k, v === true ? "" : v);
  }
  for (const child of children) if (child) node.append(child);
  return node;
}

function choiceGroup(field, name, options, value) {
  const group = el("div", { class: "options", role: "radiogroup", "aria-label": pick(field.label) });
  for (const option of options) {
    const id = `f-${name}-${option.value}`;
    const input = el("input", { type: "radio", name, id, value: String(option.value), checked: String(value) === String(option.value) });
    group.append(el("label", { class: "option", for: id }, input, el("span", { text: pick(option.label) })));
  }
  return group;
}

function control(field, value) {
  const name = field.name;
  if (field.type === "bool") {
    const yesNo = [
      { value: "true", label: { zh: t("prepare.yes"), en: t("prepare.yes") } },
      { value: "false", label: { zh: t("prepare.no"), en: t("prepare.no") } },
    ];
    return choiceGroup(field, name, yesNo, value === undefined ? "" : String(value));
  }
  if ((field.type === "account" || field.type === "card") || (field.options.length && field.options.length <= 4)) {
    const group = choiceGroup(field, name, field.options, value);
    if (field.allow_other) {
      const known = field.options.some((o) => String(o.value) === String(value));
      group.append(el("input", {
        type: "text", name: `${name}__other`, class: "other", maxlength: field.max_length || 32,
        placeholder: t("prepare.other"), value: !known && value ? value : null, "aria-label": t("prepare.other"),
      }));
    }
    return group;
  }
  if (field.options.length) {
    const select = el("select", { name, id: `f-${name}` }, el("option", { value: "", text: t("prepare.choose") }));
    for (const option of field.options) {
      select.append(el("option", { value: String(option.value), text: pick(option.label), selected: String(value) === String(option.value) }));
    }
    return select;
  }
  const attrs = { name, id: `f-${name}`, type: "text", value: value ?? null, autocomplete: "off" };
  if (field.type === "amount") Object.assign(attrs, { inputmode: "decimal", placeholder: "0.00" });
  if (field.type === "account_number") Object.assign(attrs, { inputmode: "numeric", maxlength: 32 });
  if (field.type === "phone") Object.assign(attrs, { type: "tel", inputmode: "numeric", maxlength: 11 });
  if (field.type === "integer") Object.assign(attrs, { inputmode: "numeric" });
  if (field.max_length) attrs.maxlength = field.max_length;
  return el("input", attrs);
}

/** Draw `schema` into `container`, keeping `values` already typed and showing `errors` ({name: {zh,en}}). */
export function drawForm(container, schema, values = {}, errors = {}) {
  container.replaceChildren();
  for (const section of schema.sections) {
    const box = el("fieldset", { class: "card" }, el("legend", { text: pick(section.title) }));
    for (const field of section.fields) {
      const label = pick(field.label) + (field.required ? "" : t("prepare.optional"));
      const wrap = el("div", { class: errors[field.name] ? "field invalid" : "field", "data-field": field.name });
      wrap.append(el("label", { class: "field-label", for: `f-${field.name}`, text: label }));
      if (field.type === "amount" && field.max) wrap.append(el("p", { class: "hint", text: pick(field.prompt) }));
      else if (field.type === "bool") wrap.append(el("p", { class: "hint", text: pick(field.prompt) }));
      wrap.append(control(field, values[field.name]));
      if (errors[field.name]) wrap.append(el("p", { class: "error", role: "alert", text: pick(errors[field.name]) }));
      box.append(wrap);
    }
    container.append(box);
  }
}

/** The values typed into a drawn form, keyed by slot name (booleans as booleans). */
export function readForm(form, schema) {
  const data = new FormData(form);
  const values = {};
  for (const section of schema.sections) {
    for (const field of section.fields) {
      let value = data.get(field.name);
      const other = data.get(`${field.name}__other`);
      if (other && String(other).trim()) value = String(other).trim();
      if (value === null || value === "") continue;
      values[field.name] = field.type === "bool" ? value === "true" : String(value).trim();
    }
  }
  return values;
}

export { el };
