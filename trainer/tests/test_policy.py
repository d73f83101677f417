"""The chunked response-only log-prob equals the plain full-logits computation, and soft tokens
are exactly equivalent to embedding rows placed right after BOS."""

import torch

from prismx_trainer.base import load_base
from prismx_trainer.policy import Policy, make_batch


class Fixed(torch.nn.Module):
    def __init__(self, v):
        super().__init__()
        self.v = v

    def forward(self, users):
        return self.v[users]


def full_logp(model, ids, start):
    with torch.no_grad():
        lp = torch.log_softmax(model(torch.tensor([ids])).logits[0].float(), -1)
    return sum(lp[i - 1, ids[i]].item() for i in range(start, len(ids)))


def test_response_logp_matches_full_logits_and_soft_rows(tiny):
    base = load_base(tiny["hf"])
    model, tok = base.model, base.tokenizer
    emb = model.get_input_embeddings().weight
    prompt, resp = [10, 11, 12, 13], [20, 21, 22]
    soft = emb[[40, 41]].detach().clone().unsqueeze(0)  # user 0's "soft tokens" = rows 40, 41
    pol = Policy(model, Fixed(soft), chunk=2).eval()
    seqs = [(0, prompt, resp), (0, prompt[:2], resp + [23, 24])]
    with torch.no_grad():
        plain = pol(make_batch(seqs, bos_id=tok.bos_token_id, pad_id=0, n_soft=0), reference=True)
        with_soft = pol(make_batch(seqs, bos_id=tok.bos_token_id, pad_id=0, n_soft=2))
    bos = tok.bos_token_id
    assert abs(plain[0].item() - full_logp(model, [bos] + prompt + resp, 5)) < 1e-4
    assert abs(plain[1].item() - full_logp(model, [bos] + prompt[:2] + resp + [23, 24], 3)) < 1e-4
    assert abs(with_soft[0].item() - full_logp(model, [bos, 40, 41] + prompt + resp, 7)) < 1e-4
    assert abs(with_soft[1].item() - full_logp(model, [bos, 40, 41] + prompt[:2] + resp + [23, 24], 5)) < 1e-4
