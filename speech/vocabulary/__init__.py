"""Data files: the domain vocabulary (bank_zh.txt) and whisper hallucination patterns."""
