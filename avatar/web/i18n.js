// Customer-facing text of the kiosk page: Simplified Chinese by default, English on the switch.
// Texts the server sends (replies, cards) come already in the session's language; these are the
// page's own labels. Elements carry data-i18n (text), data-i18n-placeholder or data-i18n-aria keys.

const STRINGS = {
  zh: {
    brand: "示范银行 · 智能服务",
    "conn.connecting": "正在连接…",
    "conn.online": "已连接",
    "conn.reconnecting": "网络中断，正在重连…",
    elderly: "大字慢速",
    contrast: "高对比度",
    devices: "设备模拟",
    "mic.idle": "按住说话",
    "mic.open": "正在听…（点按结束）",
    "mic.hint": "按住说话，松开发送；轻点一下可免提收音",
    "mic.unavailable": "麦克风不可用，请打字或点按屏幕",
    "camera.unavailable": "摄像头未开启，不影响办理业务",
    "type.placeholder": "请输入您要办理的业务",
    send: "发送",
    greeting: "您好，欢迎光临示范银行！请问有什么可以帮您？",
    "consent.title": "开始之前",
    "consent.body": "为了更好地为您服务，本次对话可以录音，并可为您推荐合适的产品。摄像画面只用于识别是否有人，不会保存。",
    "consent.recording": "同意本次服务录音",
    "consent.marketing": "愿意接收产品推荐",
    "consent.accept": "确定，开始",
    "consent.decline": "不录音，继续",
    "privacy.warning": "您身后有人靠近，请注意保护密码、金额和证件信息。",
    "privacy.ok": "我知道了",
    "devices.title": "设备模拟（演示）",
    "devices.customer": "客户",
    "devices.id_card": "刷身份证",
    "devices.qr": "扫二维码",
    "devices.booking": "预约码",
    "devices.receipts": "打印的回单",
    "devices.no_booking": "该客户没有预约",
    "card.confirm": "确认",
    "card.back": "返回修改",
    "card.cancel": "取消",
    "card.submit": "提交",
    "card.cited": "依据：",
    "card.ticket": "您的排队号",
    "card.waiting": "前面等候",
    "card.window": "窗口",
    "card.awaiting": "正在等待工作人员授权，请稍候…",
    "card.scan": "请用手机扫描二维码",
    "card.printed": "回单已打印，请取走",
    "card.missing": "还需补充的材料",
    "journey.progress": "办理进度",
    "expert.from": "专家",
    "handoff.accepted": "专家 {expert} 已接入，正在为您服务",
    "handoff.finished": "专家服务已结束",
    "session.ended": "本次服务已结束，感谢光临。",
    "speech.unavailable": "语音暂不可用，请看屏幕文字",
    "error.generic": "抱歉，刚才的内容没能处理，请再说一次。",
  },
  en: {
    brand: "Demo Bank · Smart Service",
    "conn.connecting": "Connecting…",
    "conn.online": "Connected",
    "conn.reconnecting": "Connection lost, reconnecting…",
    elderly: "Large & slow",
    contrast: "High contrast",
    devices: "Devices",
    "mic.idle": "Hold to talk",
    "mic.open": "Listening… (tap to stop)",
    "mic.hint": "Hold to talk and release to send; a short tap keeps listening hands-free",
    "mic.unavailable": "Microphone unavailable: please type or tap",
    "camera.unavailable": "Camera is off; you can still do everything here",
    "type.placeholder": "What would you like to do today?",
    send: "Send",
    greeting: "Hello and welcome to Demo Bank! How can I help you?",
    "consent.title": "Before we start",
    "consent.body": "To serve you better this conversation can be recorded and we can suggest suitable products. The camera only checks whether someone is here; nothing is stored.",
    "consent.recording": "Record this conversation",
    "consent.marketing": "Suggest products to me",
    "consent.accept": "OK, start",
    "consent.decline": "Continue without recording",
    "privacy.warning": "Someone is close behind you: please shield your PIN, amounts and ID details.",
    "privacy.ok": "Got it",
    "devices.title": "Device simulator (demo)",
    "devices.customer": "Customer",
    "devices.id_card": "Read ID card",
    "devices.qr": "Scan QR code",
    "devices.booking": "Booking code",
    "devices.receipts": "Printed receipts",
    "devices.no_booking": "This customer has no booking",
    "card.confirm": "Confirm",
    "card.back": "Change",
    "card.cancel": "Cancel",
    "card.submit": "Submit",
    "card.cited": "Source: ",
    "card.ticket": "Your queue number",
    "card.waiting": "Waiting ahead",
    "card.window": "Window",
    "card.awaiting": "Waiting for a member of staff to authorise…",
    "card.scan": "Scan the QR code with your phone",
    "card.printed": "Your receipt has been printed",
    "card.missing": "Documents still needed",
    "journey.progress": "Progress",
    "expert.from": "Expert",
    "handoff.accepted": "{expert} has joined to help you",
    "handoff.finished": "The expert has finished",
    "session.ended": "This visit has ended. Thank you.",
    "speech.unavailable": "Voice is unavailable: please read the screen",
    "error.generic": "Sorry, that could not be handled; please try again.",
  },
};

let current = "zh";
const listeners = new Set();

export function language() {
  return current;
}

export function t(key, vars = {}) {
  const text = STRINGS[current][key] ?? STRINGS.zh[key] ?? key;
  return text.replace(/\{(\w+)\}/g, (_, name) => String(vars[name] ?? ""));
}

/** A server-side localized value: {zh, en} objects pick the current language; strings pass through. */
export function pick(value) {
  if (value && typeof value === "object") return value[current] ?? value.zh ?? value.en ?? "";
  return value == null ? "" : String(value);
}

export function setLanguage(lang, root = document) {
  current = lang === "en" ? "en" : "zh";
  document.documentElement.lang = current === "zh" ? "zh-CN" : "en";
  applyI18n(root);
  for (const listener of listeners) listener(current);
}

export function onLanguage(listener) {
  listeners.add(listener);
}

export function applyI18n(root = document) {
  for (const el of root.querySelectorAll("[data-i18n]")) el.textContent = t(el.dataset.i18n);
  for (const el of root.querySelectorAll("[data-i18n-placeholder]")) el.placeholder = t(el.dataset.i18nPlaceholder);
  for (const el of root.querySelectorAll("[data-i18n-aria]")) el.setAttribute("aria-label", t(el.dataset.i18nAria));
}
