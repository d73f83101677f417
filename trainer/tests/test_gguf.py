"""Extending a GGUF's vocabulary keeps every original tensor and token and appends the reserved
rows, also when token_embd is quantised (the default Gemma GGUF stores it as Q8_0)."""

import numpy as np
from gguf import GGMLQuantizationType, GGUFReader, GGUFWriter, TokenType, quants

from prismx_trainer.gguf_io import extend_vocab_gguf, read_token_embd


def quantised_copy(src, dst):
    r = GGUFReader(str(src))
    w = GGUFWriter(str(dst), "llama")
    for f in r.fields.values():
        if f.name.startswith("GGUF.") or f.name == "general.architecture":
            continue
        w.add_key_value(f.name, f.contents(), f.types[0], sub_type=f.types[-1] if len(f.types) > 1 else None)
    for t in r.tensors:
        if t.name == "token_embd.weight":
            w.add_tensor(t.name, quants.quantize(np.asarray(t.data), GGMLQuantizationType.Q8_0), raw_dtype=GGMLQuantizationType.Q8_0)
        else:
            w.add_tensor(t.name, t.data, raw_dtype=t.tensor_type)
    w.write_header_to_file()
    w.write_kv_data_to_file()
    w.write_tensors_to_file()
    w.close()


def test_extend_quantised_vocab(tmp_path, tiny):
    q8 = tmp_path / "q8.gguf"
    quantised_copy(tiny["gguf"], q8)
    before = read_token_embd(q8)
    rows = np.random.default_rng(0).normal(0, 0.2, size=(3, before.shape[1])).astype(np.float32)
    out = tmp_path / "ext.gguf"
    n0 = extend_vocab_gguf(q8, out, ["<r0>", "<r1>", "<r2>"], rows)
    assert n0 == before.shape[0]
    after = read_token_embd(out)
    assert after.shape == (n0 + 3, before.shape[1])
    assert np.array_equal(after[:n0], before)
    assert np.abs(after[n0:] - rows).max() < 0.01  # Q8_0 rounding
    r = GGUFReader(str(out))
    tokens = r.fields["tokenizer.ggml.tokens"].contents()
    types = r.fields["tokenizer.ggml.token_type"].contents()
    assert tokens[n0:] == ["<r0>", "<r1>", "<r2>"]
    assert all(t == int(TokenType.CONTROL) for t in types[n0:])
    src = {t.name: t for t in GGUFReader(str(q8)).tensors}
    for t in r.tensors:
        if t.name != "token_embd.weight":
            assert np.array_equal(np.asarray(t.data), np.asarray(src[t.name].data)), t.name
