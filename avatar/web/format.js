// Customer-facing formatting: amounts with thousands separators and 元, masked numbers, labels instead of
// internal codes, and whether a reply asks a yes/no question. Nothing here shows a raw id or code.

import { language, pick, t } from "./i18n.js";

const AMOUNT = /^-?\d+(\.\d+)?$/;

/** 80000 -> "80,000.00元" (zh) / "80,000.00 yuan" (en). */
export function formatAmount(value) {
  const number = Number(value);
  if (!Number.isFinite(number)) return String(value);
  const text = number.toLocaleString("en-US", { minimumFractionDigits: 2, maximumFractionDigits: 2 });
  return language() === "zh" ? `${text}元` : `${text} yuan`;
}

/** Keep the last four digits: "6222021234561018" -> "尾号1018" / "ending 1018". */
export function maskTail(value) {
  const digits = String(value).replace(/\D/g, "");
  if (digits.length < 4) return t("value.selected");
  return t("value.tail", { tail: digits.slice(-4) });
}

/** A phone number with its middle hidden: 13812345678 -> 138****5678. */
export function maskPhone(value) {
  const digits = String(value).replace(/\D/g, "");
  if (digits.length < 7) return "****";
  return `${digits.slice(0, 3)}****${digits.slice(-4)}`;
}

/**
 * A slot's value as the customer should read it. `spec` is the slot's {type, choices} from the boot data
 * (kiosk_page.journey_steps); without one, codes and ids still never show.
 */
export function slotValue(value, spec = {}) {
  if (value === null || value === undefined || value === "") return "";
  if (value === true) return t("yes");
  if (value === false) return t("no");
  if (typeof value === "object" && !Array.isArray(value)) {
    if ("zh" in value || "en" in value) return pick(value);
    if ("label" in value) return pick(value.label);
    return t("value.selected");
  }
  const type = spec.type;
  const choices = spec.choices || {};
  if (choices[String(value)]) return pick(choices[String(value)]);
  if (type === "amount") return formatAmount(value);
  if (type === "phone") return maskPhone(value);
  if (type === "account" || type === "card") return /^[A-Z]{1,3}\d{1,6}$/.test(String(value)) ? t("value.selected") : maskTail(value);
  if (type === "account_number") return maskTail(value);
  return codeLabel(value);
}

/** A known code ("income_certificate", "now") as its label; an internal id ("A1002") hidden. */
export function codeLabel(value) {
  const text = String(value);
  const known = t(`code.${text}`);
  if (known !== `code.${text}`) return known;
  if (/^[a-z]+(_[a-z]+)+$/.test(text)) return text.replace(/_/g, " "); // an unknown code: at least no underscores
  if (/^[A-Z]{1,3}\d{3,}$/.test(text)) return t("value.selected"); // an internal id
  if (/^\d{12,19}$/.test(text)) return maskTail(text);
  return text;
}

/** A value in a card's table: amounts formatted ("80000.00" stays a number only when labelled as money). */
export function tableValue(label, value) {
  const text = pick(value);
  if (AMOUNT.test(text) && /金额|余额|amount|balance|元|yuan/i.test(pick(label))) return formatAmount(text);
  return codeLabel(text);
}

const YES_NO_ZH = /(是否|要不要|需不需要|能不能|可不可以|是不是|对吗|好吗|吗)[^。！!]*[？?]\s*$/;
const WH_ZH = /什么|哪|怎么|还是|多少|几|谁/;
const YES_NO_EN = /^(would you like|do you want|shall i|should i|is that|is this|are you|do you|can i|would you)\b[^?]*\?\s*$/i;
const WH_EN = /\bor\b|\bwhich\b|\bwhat\b/i;

/** Does the reply end with a yes/no question? (The server's bool slots are detected from the form too.) */
export function asksYesNo(text) {
  const sentences = String(text || "").trim().split(/(?<=[。！!；;.])\s*/);
  const last = sentences[sentences.length - 1] || "";
  if (YES_NO_ZH.test(last)) return !WH_ZH.test(last);
  if (YES_NO_EN.test(last)) return !WH_EN.test(last);
  return false;
}
