"""The Python mirror of src/core/artefacts.ts, and bad input reported with file:line: field."""

import json
import re
import subprocess
import sys

import pytest

from conftest import REPO
from prismx_trainer.contracts import MANIFEST_FIELDS, PAIR_ROW_FIELDS, load_pairs
from prismx_trainer.errors import InputError


def ts_object_fields(name: str) -> list[str]:
    src = (REPO / "src" / "core" / "artefacts.ts").read_text()
    body = re.search(rf"export const {name} = z\.strictObject\(\{{(.*?)\n\}}\);", src, re.S).group(1)
    body = re.sub(r"/\*\*.*?\*/", "", body, flags=re.S)
    return re.findall(r"^  (\w+):", body, re.M)


def test_pair_row_fields_match_typescript():
    assert list(PAIR_ROW_FIELDS) == ts_object_fields("PairRow")


def test_manifest_fields_match_typescript():
    assert list(MANIFEST_FIELDS) == ts_object_fields("ArtefactManifest")


def good_row(**over):
    row = {"pair_id": "p1", "participant_id": "u1", "user_index": 1, "conversation_id": "c1", "turn": 0,
           "split": "train", "seen": True, "generic_copy": False, "prompt": [{"role": "user", "content": "hi"}],
           "user_info": None, "chosen": "a", "rejected": "b"}
    row.update(over)
    return row


@pytest.mark.parametrize("bad,field", [
    ({"user_index": -1}, "user_index"),
    ({"split": "dev"}, "split"),
    ({"prompt": []}, "prompt"),
    ({"prompt": [{"role": "bot", "content": "x"}]}, "prompt[0].role"),
    ({"chosen": 3}, "chosen"),
    ({"generic_copy": True}, "user_index"),
    ({"extra": 1}, "extra"),
])
def test_bad_row_names_file_line_field(tmp_path, bad, field):
    path = tmp_path / "pairs.jsonl"
    path.write_text(json.dumps(good_row()) + "\n\n" + json.dumps(good_row(**bad)) + "\n")
    with pytest.raises(InputError) as e:
        load_pairs(path)
    assert str(e.value).startswith(f"{path}:3: {field}: ")


def test_missing_field_and_bad_json(tmp_path):
    path = tmp_path / "pairs.jsonl"
    row = good_row()
    del row["rejected"]
    path.write_text(json.dumps(row) + "\n")
    with pytest.raises(InputError, match=r":1: rejected: missing field"):
        load_pairs(path)
    path.write_text("{not json\n")
    with pytest.raises(InputError, match=r":1: \(row\): not valid JSON"):
        load_pairs(path)


def test_cli_bad_row_exits_nonzero_and_leaves_nothing(tmp_path, tiny):
    path = tmp_path / "pairs.jsonl"
    path.write_text(json.dumps(good_row()) + "\n" + json.dumps(good_row(turn="x")) + "\n")
    out = tmp_path / "art"
    r = subprocess.run([sys.executable, "-m", "prismx_trainer.train", "--pairs", str(path), "--base", tiny["hf"],
                        "--out", str(out)], capture_output=True, text=True, timeout=120)
    assert r.returncode == 2
    assert f"{path}:2: turn: must be a non-negative integer" in r.stderr
    assert "Traceback" not in r.stderr
    assert not out.exists()
