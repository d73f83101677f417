"""Loading a base model: a HF folder, or a GGUF file dequantised through transformers' GGUF
loader (the default embedded model is a Q4_K_M Gemma 3 GGUF)."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

import torch

from .errors import InputError
from .templates import FALLBACK_TEMPLATES


@dataclass
class Base:
    model: torch.nn.Module
    tokenizer: object
    source: str          # as given
    gguf_path: Path | None
    chat_template: str

    @property
    def name(self) -> str:
        p = Path(self.source)
        return p.stem if p.suffix == ".gguf" else p.name


def resolve_source(spec: str) -> tuple[Path, Path | None]:
    """(folder for from_pretrained, gguf file or None)."""
    p = Path(spec).expanduser()
    if p.is_file() and p.suffix == ".gguf":
        return p.parent, p
    if p.is_dir() and (p / "config.json").is_file():
        return p, None
    if p.is_dir():
        ggufs = sorted(p.glob("*.gguf"))
        if len(ggufs) == 1:
            return p, ggufs[0]
    raise InputError(f"base model not found or not recognised: {spec}", field="--base",
                     hint="pass a HF model folder (with config.json) or a .gguf file; "
                          "`prismx models pull` fetches the default model")


def load_tokenizer(spec: str):
    from transformers import AutoTokenizer

    folder, gguf = resolve_source(spec)
    if gguf is not None:
        return AutoTokenizer.from_pretrained(str(folder), gguf_file=gguf.name)
    return AutoTokenizer.from_pretrained(str(folder))


def load_base(spec: str, *, dtype: torch.dtype = torch.float32, chat_template: str | None = None) -> Base:
    from transformers import AutoModelForCausalLM

    folder, gguf = resolve_source(spec)
    tokenizer = load_tokenizer(spec)
    kwargs = {"gguf_file": gguf.name} if gguf is not None else {}
    model = AutoModelForCausalLM.from_pretrained(str(folder), dtype=dtype, **kwargs)
    model.eval()
    template = chat_template or tokenizer.chat_template or FALLBACK_TEMPLATES.get(model.config.model_type)
    if not template:
        raise InputError(f"the base model ({model.config.model_type}) has no chat template", field="--base",
                         hint="pass --chat-template FILE with a Jinja chat template")
    tokenizer.chat_template = template
    if tokenizer.bos_token_id is None:
        raise InputError("the base tokenizer has no BOS token; soft tokens are placed right after BOS", field="--base")
    return Base(model=model, tokenizer=tokenizer, source=spec, gguf_path=gguf, chat_template=template)


def sha256_file(path: Path, chunk: int = 1 << 20) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        while block := fh.read(chunk):
            h.update(block)
    return h.hexdigest()
