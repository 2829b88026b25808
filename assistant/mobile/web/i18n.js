// The phone page's own words, Simplified Chinese first with English alongside. Texts that come from the
// bank or the journey files arrive as {zh, en} pairs and are picked with `pick`.

export const TEXT = {
  bank: { zh: "示范银行", en: "Demo Bank" },
  lang: { zh: "EN", en: "中文" },
  back: { zh: "‹ 返回", en: "‹ Back" },
  "signin.title": { zh: "手机号登录", en: "Sign in with your phone" },
  "signin.lead": { zh: "预约网点、在家填单，到网点扫码即办。", en: "Book a branch visit, fill in forms at home, scan the code at the branch." },
  "signin.phone": { zh: "手机号码", en: "Mobile number" },
  "signin.send": { zh: "获取验证码", en: "Send code" },
  "signin.resend": { zh: "{s}秒后可重新获取", en: "Resend in {s}s" },
  "signin.code": { zh: "短信验证码", en: "SMS code" },
  "signin.submit": { zh: "登录", en: "Sign in" },
  "signin.sent": { zh: "如该号码已在本行登记，验证码已发送，5分钟内有效。", en: "If this number is registered with us, a code is on its way (valid 5 minutes)." },
  "signin.fine": { zh: "银行工作人员不会向您索要验证码。请勿告诉任何人。", en: "Bank staff never ask for your code. Never share it." },
  "err.phone": { zh: "请输入11位手机号码。", en: "Please enter an 11-digit mobile number." },
  "err.code": { zh: "请输入6位验证码。", en: "Please enter the 6-digit code." },
  "err.otp_invalid": { zh: "验证码不正确或已过期，请重新获取。", en: "The code is wrong or has expired; please request a new one." },
  "err.rate_limited": { zh: "操作太频繁，请{s}秒后再试。", en: "Too many requests; please try again in {s}s." },
  "err.slot_full": { zh: "该时段已约满，请换一个时段。", en: "That time is fully booked; please choose another." },
  "err.already_booked": { zh: "您当天已预约过该业务，可在“我的预约”中改期或取消。", en: "You already have a booking for this service that day; change or cancel it under My bookings." },
  "err.slot_invalid": { zh: "该时段已不可预约，请重新选择。", en: "That time can no longer be booked; please choose again." },
  "err.booking_not_open": { zh: "该预约已不能修改。", en: "This booking can no longer be changed." },
  "err.form_not_open": { zh: "该预填单已不能取消。", en: "This form can no longer be cancelled." },
  "err.bank_unavailable": { zh: "银行系统繁忙，请稍后再试。", en: "The bank is busy; please try again shortly." },
  "err.session": { zh: "登录已过期，请重新登录。", en: "Your sign-in has expired; please sign in again." },
  "err.other": { zh: "操作未成功，请稍后再试。", en: "That did not work; please try again." },
  "err.form": { zh: "请按提示修改标红的内容。", en: "Please correct the fields marked in red." },
  "home.hello": { zh: "{name}，您好", en: "Hello, {name}" },
  "home.book": { zh: "预约网点", en: "Book a visit" },
  "home.prepare": { zh: "在家填单", en: "Fill in a form" },
  "home.forms": { zh: "我的预填单", en: "My prepared forms" },
  "home.bookings": { zh: "我的预约", en: "My bookings" },
  "home.noforms": { zh: "暂无预填单。在家填好，到网点扫码即可办理。", en: "No prepared forms yet. Fill one in at home and scan it at the branch." },
  "home.nobookings": { zh: "暂无预约。", en: "No bookings yet." },
  "home.orders": { zh: "我的待取物品", en: "My items to collect" },
  "home.noorders": { zh: "暂无待取物品。", en: "Nothing to collect." },
  "order.step.reserved": { zh: "已登记", en: "Reserved" },
  "order.step.ready": { zh: "可领取", en: "Ready" },
  "order.step.picked_up": { zh: "已领取", en: "Collected" },
  "order.due": { zh: "请于 {when} 前领取", en: "Collect by {when}" },
  "order.overdue": { zh: "已过领取期限，请尽快到网点领取", en: "Past the deadline: please collect it soon" },
  "order.closed": { zh: "{state}于 {when}", en: "{state} on {when}" },
  "order.how": { zh: "凭办理时显示的取件码到网点领取", en: "Collect it with the pickup code shown when you applied" },
  "status.reserved": { zh: "准备中", en: "Being prepared" },
  "status.ready": { zh: "可领取", en: "Ready to collect" },
  "status.picked_up": { zh: "已领取", en: "Collected" },
  "home.signout": { zh: "退出登录", en: "Sign out" },
  "home.live": { zh: "状态实时更新中", en: "Status updates live" },
  "home.offline": { zh: "连接中断，正在重连…", en: "Connection lost, reconnecting…" },
  "home.booked": { zh: "预约成功，预约码 {code}", en: "Booked: booking code {code}" },
  "home.changed": { zh: "已改期至 {date} {time}", en: "Moved to {date} {time}" },
  "home.cancelled": { zh: "预约已取消", en: "Booking cancelled" },
  "home.form_cancelled": { zh: "预填单已作废", en: "Form cancelled" },
  "home.completed": { zh: "{title}已在网点办理完成，回单如下。", en: "{title} was completed at the branch; the receipt is below." },
  "booking.code": { zh: "预约码", en: "Booking code" },
  "booking.change": { zh: "改期", en: "Change" },
  "booking.cancel": { zh: "取消预约", en: "Cancel" },
  "booking.confirm_cancel": { zh: "确定取消这个预约吗？", en: "Cancel this booking?" },
  "status.booked": { zh: "待到店", en: "Booked" },
  "status.checked_in": { zh: "已签到", en: "Checked in" },
  "status.cancelled": { zh: "已取消", en: "Cancelled" },
  "status.completed": { zh: "已办结", en: "Completed" },
  "status.open": { zh: "待到网点扫码", en: "Scan it at the branch" },
  "status.loaded": { zh: "网点已调取，办理中", en: "Opened at the branch" },
  "status.expired": { zh: "已过期", en: "Expired" },
  "form.show": { zh: "出示二维码", en: "Show QR code" },
  "form.cancel": { zh: "作废", en: "Cancel" },
  "form.confirm_cancel": { zh: "确定作废这张预填单吗？", en: "Cancel this prepared form?" },
  "form.expires": { zh: "有效期至 {at}", en: "Valid until {at}" },
  "receipt.title": { zh: "交易回单", en: "Receipt" },
  "receipt.id": { zh: "流水号", en: "Reference" },
  "receipt.status": { zh: "状态", en: "Status" },
  "receipt.amount": { zh: "金额", en: "Amount" },
  "receipt.fee": { zh: "手续费", en: "Fee" },
  "receipt.to_name": { zh: "收款人", en: "Payee" },
  "receipt.to_account_number": { zh: "收款账号", en: "Payee account" },
  "receipt.to_bank": { zh: "收款银行", en: "Payee bank" },
  "receipt.pickup_code": { zh: "取件码", en: "Pickup code" },
  "receipt.kind": { zh: "业务", en: "Service" },
  "receipt.at": { zh: "办理时间", en: "Time" },
  "result.completed": { zh: "交易成功", en: "Completed" },
  "result.scheduled": { zh: "已受理，延时到账", en: "Accepted, delayed credit" },
  "result.pending": { zh: "待柜台交付", en: "Ready at the counter" },
  "book.title": { zh: "预约网点", en: "Book a branch visit" },
  "book.change_title": { zh: "改期", en: "Change the booking" },
  "book.branch": { zh: "网点", en: "Branch" },
  "book.business": { zh: "业务", en: "Service" },
  "book.day": { zh: "日期", en: "Day" },
  "book.slot": { zh: "时段", en: "Time" },
  "book.left": { zh: "余{n}", en: "{n} left" },
  "book.full": { zh: "已满", en: "Full" },
  "book.closed": { zh: "不可约", en: "Closed" },
  "book.none": { zh: "当天已无可预约时段。", en: "No times left that day." },
  "book.bring": { zh: "请携带的材料", en: "What to bring" },
  "book.source": { zh: "来源：{title}", en: "Source: {title}" },
  "book.submit": { zh: "确认预约", en: "Book this time" },
  "book.change_submit": { zh: "确认改期", en: "Move to this time" },
  "prepare.title": { zh: "在家填单", en: "Fill in a form at home" },
  "prepare.lead": { zh: "填好后生成二维码，到网点智能柜台扫码，核对确认即可办理。", en: "You get a QR code; scan it at the branch kiosk, check and confirm." },
  "prepare.submit": { zh: "生成二维码", en: "Get my QR code" },
  "prepare.choose": { zh: "请选择", en: "Please choose" },
  "prepare.yes": { zh: "是", en: "Yes" },
  "prepare.no": { zh: "否", en: "No" },
  "prepare.optional": { zh: "（选填）", en: " (optional)" },
  "prepare.other": { zh: "或填写其他银行名称", en: "or type another bank's name" },
  "code.title": { zh: "到网点扫码办理", en: "Scan at the branch" },
  "code.lead": { zh: "请在智能柜台扫码区出示此二维码。柜台只需核验身份、您确认即可。", en: "Show this code to the kiosk's scanner. You only check, confirm and prove it is you." },
  "code.number": { zh: "预填码", en: "Form code" },
  weekday: { zh: ["周日", "周一", "周二", "周三", "周四", "周五", "周六"], en: ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"] },
  today: { zh: "今天", en: "Today" },
  tomorrow: { zh: "明天", en: "Tomorrow" },
};

let lang = localStorage.getItem("lobby-m-lang") === "en" ? "en" : "zh";

export function language() {
  return lang;
}

export function setLanguage(next) {
  lang = next === "en" ? "en" : "zh";
  localStorage.setItem("lobby-m-lang", lang);
  document.documentElement.lang = lang === "en" ? "en" : "zh-CN";
}

function word(value) {
  return value && typeof value === "object" ? (value[lang] ?? value.zh ?? "") : String(value);
}

/** One of the page's texts in the current language, with {placeholders} filled. */
export function t(key, values = {}) {
  const entry = TEXT[key];
  const text = entry ? entry[lang] : key;
  return typeof text === "string" ? text.replace(/\{(\w+)\}/g, (_, k) => (k in values ? word(values[k]) : "")) : text;
}

/** A {zh, en} pair from the bank or a journey file in the current language. */
export function pick(pair) {
  if (pair == null) return "";
  if (typeof pair === "string") return pair;
  return pair[lang] ?? pair.zh ?? "";
}
