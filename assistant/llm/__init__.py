"""The optional LLM (LangChain): rephrases grounded answers, checked fact by fact, off by default.

Kept import-free: `assistant.config` reads `assistant.llm.config` on every node, and LangChain is only
needed where the LLM is turned on (`assistant.llm.factory.build_rephraser`).
"""
