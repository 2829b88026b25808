"""The bank's approved knowledge: ingestion, hybrid retrieval, citations, evaluation.

Knows nothing of sessions or speech.
"""
