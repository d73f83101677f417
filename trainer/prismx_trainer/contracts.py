"""Mirror of the contracts in src/core/artefacts.ts that the trainer reads (PairRow, one line of
pairs.jsonl) and writes (ArtefactManifest, manifest.json). tests/test_contracts.py checks that the
field names agree with the TypeScript schema."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .errors import InputError

CHAT_ROLES = ("system", "user", "assistant")


@dataclass(frozen=True)
class PairRow:
    pair_id: str
    participant_id: str
    user_index: int
    conversation_id: str
    turn: int
    split: str
    seen: bool
    generic_copy: bool
    prompt: tuple[tuple[str, str], ...]  # (role, content)
    user_info: str | None
    chosen: str
    rejected: str

    @property
    def messages(self) -> list[dict[str, str]]:
        return [{"role": r, "content": c} for r, c in self.prompt]


PAIR_ROW_FIELDS = tuple(PairRow.__dataclass_fields__)

MANIFEST_FIELDS = (
    "format", "mode", "base_model", "gguf", "lora", "lora_scale", "hf_folder", "n_user_tokens",
    "generic_tokens", "generic_token_ids", "users", "user_token_ids", "reserved_token_range",
    "chat_template", "training",
)
MANIFEST_FORMAT = "prismx-artefact/1"


def _check(cond: bool, problem: str, file: str, line: int, field: str, hint: str | None = None) -> None:
    if not cond:
        raise InputError(problem, file=file, line=line, field=field, hint=hint)


def _nonempty_str(v: Any) -> bool:
    return isinstance(v, str) and len(v) > 0


def _nonneg_int(v: Any) -> bool:
    return isinstance(v, int) and not isinstance(v, bool) and v >= 0


def parse_pair_row(obj: Any, file: str, line: int) -> PairRow:
    _check(isinstance(obj, dict), "a row must be a JSON object", file, line, "(row)")
    unknown = sorted(set(obj) - set(PAIR_ROW_FIELDS))
    _check(not unknown, f"unknown field(s) {unknown}", file, line, unknown[0] if unknown else "(row)",
           "rows must follow PairRow in src/core/artefacts.ts")
    for name in PAIR_ROW_FIELDS:
        _check(name in obj, "missing field", file, line, name, "regenerate with `prismx data pairs`")
    for name in ("pair_id", "participant_id", "conversation_id"):
        _check(_nonempty_str(obj[name]), "must be a non-empty string", file, line, name)
    for name in ("user_index", "turn"):
        _check(_nonneg_int(obj[name]), "must be a non-negative integer", file, line, name)
    _check(obj["split"] in ("train", "test"), f"must be 'train' or 'test', got {obj['split']!r}", file, line, "split")
    for name in ("seen", "generic_copy"):
        _check(isinstance(obj[name], bool), "must be true or false", file, line, name)
    for name in ("chosen", "rejected"):
        _check(isinstance(obj[name], str), "must be a string", file, line, name)
    _check(obj["user_info"] is None or isinstance(obj["user_info"], str), "must be a string or null", file, line, "user_info")
    prompt = obj["prompt"]
    _check(isinstance(prompt, list) and len(prompt) > 0, "must be a non-empty list of chat messages", file, line, "prompt")
    msgs = []
    for i, m in enumerate(prompt):
        f = f"prompt[{i}]"
        _check(isinstance(m, dict) and set(m) == {"role", "content"}, "must be {role, content}", file, line, f)
        _check(m["role"] in CHAT_ROLES, f"role must be one of {CHAT_ROLES}, got {m['role']!r}", file, line, f + ".role")
        _check(isinstance(m["content"], str), "must be a string", file, line, f + ".content")
        msgs.append((m["role"], m["content"]))
    if obj["generic_copy"]:
        _check(obj["user_index"] == 0, "a generic copy must have user_index 0", file, line, "user_index")
    return PairRow(
        pair_id=obj["pair_id"], participant_id=obj["participant_id"], user_index=obj["user_index"],
        conversation_id=obj["conversation_id"], turn=obj["turn"], split=obj["split"], seen=obj["seen"],
        generic_copy=obj["generic_copy"], prompt=tuple(msgs), user_info=obj["user_info"],
        chosen=obj["chosen"], rejected=obj["rejected"],
    )


def load_pairs(path: str | Path) -> list[PairRow]:
    path = Path(path)
    if not path.is_file():
        raise InputError("file not found", file=str(path), hint="pass the pairs.jsonl written by `prismx data pairs`")
    rows: list[PairRow] = []
    with path.open(encoding="utf-8") as fh:
        for n, text in enumerate(fh, start=1):
            if not text.strip():
                continue
            try:
                obj = json.loads(text)
            except json.JSONDecodeError as e:
                raise InputError(f"not valid JSON ({e.msg} at column {e.colno})", file=str(path), line=n, field="(row)") from None
            rows.append(parse_pair_row(obj, str(path), n))
    if not rows:
        raise InputError("no pairs in file", file=str(path))
    return rows


def write_json_atomic(path: Path, obj: Any) -> None:
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(json.dumps(obj, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    tmp.replace(path)
