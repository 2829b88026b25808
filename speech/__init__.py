"""Voice in and out: VAD, ASR, domain correction of transcripts, TTS engines with fallback.

Knows nothing of banking beyond a vocabulary list it is given.
"""
