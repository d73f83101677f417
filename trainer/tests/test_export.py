"""Export fidelity: a chosen response's log-prob under the exported artefacts, with the user's
reserved tokens right after BOS, matches the trainer's own (soft tokens + LoRA).

Tolerance: 2e-3 nats on the summed response log-prob, both for the merged HF folder
(transformers) and for model.gguf + lora.gguf served by llama.cpp (node-llama-cpp), with the
reserved ids forbidden as the arms forbid them (renormalised over the ordinary vocabulary)."""

import json

import pytest
import torch
from transformers import AutoModelForCausalLM, AutoTokenizer

from conftest import fast_config, llamacpp_score, needs_node_llama, node_llama_available
from prismx_trainer.contracts import MANIFEST_FIELDS
from prismx_trainer.export import export
from prismx_trainer.trainer import PDPOTrainer

TOL = 2e-3


@pytest.fixture(scope="module", params=["individual", "cluster"])
def exported(request, tmp_path_factory, tiny, cohort_file):
    work = tmp_path_factory.mktemp(f"run-{request.param}")
    cfg = fast_config(cohort_file, tiny["hf"], work, mode=request.param, max_steps=12, n_clusters=3)
    tr = PDPOTrainer(cfg, work, log=lambda *a, **k: None)
    summary = tr.run()
    art = work / "artefact"
    manifest = export(work / "train" / "trained", tiny["hf"], art, eval_summary=summary)
    return tr, art, manifest


def cases(tr, manifest):
    """(tokens for the exported model, index where the response starts, trainer's log-prob)."""
    out = []
    rows = [(r, e) for r, e in zip(tr.test_rows, tr.test_enc)]
    picked = [x for x in rows if x[0].seen][:3] + [x for x in rows if not x[0].seen][:1]
    with torch.no_grad():
        tr.policy.eval()
        for row, enc in picked:
            ids = manifest["user_token_ids"].get(row.participant_id, manifest["generic_token_ids"])
            assert (row.participant_id in manifest["user_token_ids"]) == row.seen
            mine = tr.pair_logps([enc])[0].item()
            tokens = [tr.bos_id] + ids + list(enc.prompt_ids) + list(enc.chosen_ids)
            out.append((tokens, 1 + len(ids) + len(enc.prompt_ids), mine))
    return out


def test_manifest(exported):
    tr, art, m = exported
    assert tuple(m) == MANIFEST_FIELDS
    assert json.loads((art / "manifest.json").read_text()) == m
    T, n = m["n_user_tokens"], tr.n_users + 1
    lo, hi = m["reserved_token_range"]
    assert hi - lo + 1 == T * n
    every = m["generic_token_ids"] + [i for ids in m["user_token_ids"].values() for i in ids]
    assert len(set(every)) == len(every) and all(lo <= i <= hi for i in every)
    assert set(m["users"]) == {r.participant_id for r in tr.train_rows if r.user_index > 0}
    for pid, toks in m["users"].items():
        assert len(toks) == T and len(m["user_token_ids"][pid]) == T
    for f in ("gguf", "lora"):
        assert (art / m[f]).is_file()
    assert m["chat_template"] == tr.base.chat_template


def test_hf_folder_fidelity(exported):
    tr, art, m = exported
    model = AutoModelForCausalLM.from_pretrained(str(art / m["hf_folder"])).eval()
    tok = AutoTokenizer.from_pretrained(str(art / m["hf_folder"]))
    lo = m["reserved_token_range"][0]
    assert tok.convert_tokens_to_ids(m["generic_tokens"]) == m["generic_token_ids"]
    for tokens, start, mine in cases(tr, m):
        with torch.no_grad():
            logits = model(torch.tensor([tokens])).logits[0]
        lp = torch.log_softmax(logits[:, :lo], -1)  # reserved ids forbidden
        theirs = sum(lp[i - 1, tokens[i]].item() for i in range(start, len(tokens)))
        assert abs(theirs - mine) < TOL, (theirs, mine)


@needs_node_llama
def test_gguf_fidelity_under_llama_cpp(exported):
    tr, art, m = exported
    cs = cases(tr, m)
    T = m["n_user_tokens"]
    t0, s0, mine0 = cs[0]
    # The same text without the soft tokens, to show they matter.
    plain = {"tokens": [t0[0]] + t0[1 + T:], "score_from": s0 - T}
    probes = json.loads((art / "fidelity_probes.json").read_text())["items"]
    assert probes, "export writes probes the serving side can check"
    res = llamacpp_score({"model": str(art / m["gguf"]), "lora": str(art / m["lora"]), "forbid_from": m["reserved_token_range"][0],
                          "items": [{"tokens": t, "score_from": s} for t, s, _ in cs] + [plain]
                          + [{"tokens": p["tokens"], "score_from": p["score_from"]} for p in probes]})
    wants = [mine for _, _, mine in cs] + [None] + [p["logprob"] for p in probes]
    for want, item in zip(wants, res["items"]):
        if want is not None:
            assert abs(sum(item["logprobs"]) - want) < TOL, (sum(item["logprobs"]), want)
    assert abs(sum(res["items"][len(cs)]["logprobs"]) - mine0) > 10 * TOL


def test_pooled_export_has_no_user_tokens(tmp_path, tiny, cohort_file):
    cfg = fast_config(cohort_file, tiny["hf"], tmp_path, mode="pooled", max_steps=4, export_hf=False)
    tr = PDPOTrainer(cfg, tmp_path, log=lambda *a, **k: None)
    tr.run()
    m = export(tmp_path / "train" / "trained", tiny["hf"], tmp_path / "art", hf=False)
    assert m["mode"] == "pooled" and m["n_user_tokens"] == 0 and m["hf_folder"] is None
    assert m["users"] == {} and m["generic_token_ids"] == [] and m["reserved_token_range"] is None
    probes = json.loads((tmp_path / "art" / "fidelity_probes.json").read_text())["items"]
    # No reserved ids: BOS, then the prompt straight away, all ids from the base vocabulary.
    assert probes and all(p["tokens"][0] == tr.bos_id and max(p["tokens"]) < len(tr.base.tokenizer) for p in probes)
    if node_llama_available():
        res = llamacpp_score({"model": str(tmp_path / "art" / m["gguf"]), "lora": str(tmp_path / "art" / m["lora"]),
                              "items": [{"tokens": p["tokens"], "score_from": p["score_from"]} for p in probes]})
        for p, item in zip(probes, res["items"]):
            assert abs(sum(item["logprobs"]) - p["logprob"]) < TOL
