"""Bank names said with a payee's account: "6222…446，工商银行", "转到建行那张卡", "中国农业银行的".

So that a bank named in the same breath as the account number is not asked for again. The major banks
are known by their full and short names (工行 -> 工商银行); an unknown bank is left to the journey's own
question, where the whole answer is the name.
"""

from __future__ import annotations

import re

# name as said -> the name kept (the bank's usual short full name)
BANKS = {
    "中国工商银行": "工商银行",
    "工商银行": "工商银行",
    "工行": "工商银行",
    "中国建设银行": "建设银行",
    "建设银行": "建设银行",
    "建行": "建设银行",
    "中国农业银行": "农业银行",
    "农业银行": "农业银行",
    "农行": "农业银行",
    "中国银行": "中国银行",
    "中行": "中国银行",
    "交通银行": "交通银行",
    "交行": "交通银行",
    "招商银行": "招商银行",
    "招行": "招商银行",
    "中国邮政储蓄银行": "邮储银行",
    "邮政储蓄银行": "邮储银行",
    "邮储银行": "邮储银行",
    "邮政银行": "邮储银行",
    "浦发银行": "浦发银行",
    "民生银行": "民生银行",
    "兴业银行": "兴业银行",
    "中信银行": "中信银行",
    "光大银行": "光大银行",
    "华夏银行": "华夏银行",
    "平安银行": "平安银行",
    "广发银行": "广发银行",
    "北京银行": "北京银行",
    "上海银行": "上海银行",
    "江苏银行": "江苏银行",
    "宁波银行": "宁波银行",
    "浙商银行": "浙商银行",
    "农村商业银行": "农商银行",
    "农商银行": "农商银行",
    "农商行": "农商银行",
    "农村信用社": "农村信用社",
    "信用社": "农村信用社",
    "远洋商业银行": "远洋商业银行",
    "示范银行": "示范银行",
}
_KNOWN = re.compile("|".join(sorted(map(re.escape, BANKS), key=len, reverse=True)))


def find_bank(text: str) -> str | None:
    """The first known bank named in `text` (normalised), or None ("我的银行卡" names none)."""
    m = _KNOWN.search(text)
    return BANKS[m.group()] if m is not None else None
