"""prismx P-DPO trainer: personalised DPO with learned user soft tokens, evaluation, and export
of the result as ordinary servable artefacts (GGUF + LoRA adapter GGUF, HF folder)."""

__version__ = "0.1.0"
