import torch

from prismx_trainer.user_model import ClusterUserModel, IndividualUserModel


def test_individual_is_generic_plus_offset_and_starts_from_vocab_rows():
    emb = torch.randn(100, 8)
    m = IndividualUserModel(n_users=3, n_tokens=2, embedding=emb, seed=5)
    rows = m.table.detach().view(-1, 8)
    # Every initial row is a distinct vocabulary row.
    hits = [(emb == r).all(-1).nonzero().flatten().tolist() for r in rows]
    assert all(len(h) == 1 for h in hits) and len({h[0] for h in hits}) == rows.shape[0]
    out = m(torch.tensor([0, 2]))
    assert torch.equal(out[0], m.table[0])
    assert torch.allclose(out[1], m.table[0] + m.table[2])
    # Same seed, same rows; another seed, other rows.
    assert torch.equal(IndividualUserModel(3, 2, emb, 5).table, m.table)
    assert not torch.equal(IndividualUserModel(3, 2, emb, 6).table, m.table)


def test_cluster_is_softmax_mixture():
    emb = torch.randn(100, 8)
    m = ClusterUserModel(n_users=4, n_tokens=3, n_clusters=2, embedding=emb, seed=1)
    u = torch.tensor([3])
    w = torch.softmax(m.weights[3], -1)
    want = w[0] * m.clusters[0] + w[1] * m.clusters[1]
    assert torch.allclose(m(u)[0], want, atol=1e-6)
    assert m.all_users().shape == (5, 3, 8)
