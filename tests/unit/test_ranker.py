"""TermVectorizer and Ranker: estimator conventions and incremental vocabulary."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.base import clone

from review.ranker import TITLE_PREFIX, Ranker, TermVectorizer, display_term

DOCS = [
    "cat purr whisker milk",
    "cat whisker nap sun",
    "dog bark bone walk",
    "dog walk leash park",
    "cat milk nap",
    "dog bone park bark",
]
Y = np.array([1, 1, 0, 0, 1, 0])


def _row_terms(vec: TermVectorizer, row: int) -> dict[str, float]:
    x = vec.matrix_[row]
    return {vec.terms_[j]: round(float(v), 10) for j, v in zip(x.indices, x.data)}


def test_init_stores_params_only_and_clones() -> None:
    ranker = Ranker(C=3.0, class_weight=None, random_state=7)
    assert ranker.get_params()["C"] == 3.0
    assert clone(ranker).get_params() == ranker.get_params()
    assert not hasattr(ranker, "coef_")


def test_fit_returns_self_and_score_is_1d_probability() -> None:
    vec = TermVectorizer(min_df=1).fit(DOCS)
    ranker = Ranker(C=10.0)
    assert ranker.fit(vec.matrix_, Y) is ranker
    scores = ranker.score(vec.matrix_)
    assert scores.shape == (len(DOCS),)
    assert ((scores >= 0) & (scores <= 1)).all()
    assert scores[Y == 1].min() > scores[Y == 0].max()


def test_score_ignores_columns_added_after_fit() -> None:
    vec = TermVectorizer(min_df=1).fit(DOCS)
    ranker = Ranker().fit(vec.matrix_, Y)
    wider = sp.hstack([vec.matrix_, sp.csr_matrix(np.ones((len(DOCS), 3)))], format="csr")
    np.testing.assert_allclose(ranker.score(wider), ranker.score(vec.matrix_))


def test_vectorizer_rows_are_l2_normalised_and_sublinear() -> None:
    vec = TermVectorizer(ngram_range=(1, 1), min_df=1, max_df=1.0).fit(["a_x a_x a_x b_y", "b_y c_z"])
    norms = np.sqrt(vec.matrix_.multiply(vec.matrix_).sum(axis=1)).A1
    np.testing.assert_allclose(norms, 1.0)
    raw = TermVectorizer(ngram_range=(1, 1), min_df=1, max_df=1.0, sublinear_tf=False).fit(["a_x a_x a_x b_y", "b_y c_z"])
    assert _row_terms(vec, 0)["a_x"] < _row_terms(raw, 0)["a_x"]


def test_min_df_drops_rare_terms() -> None:
    vec = TermVectorizer(ngram_range=(1, 1), min_df=2, max_df=1.0).fit(DOCS)
    kept = {t for r in range(len(DOCS)) for t in _row_terms(vec, r)}
    assert "purr" not in kept and "cat" in kept


@pytest.mark.parametrize("min_df", [1, 2])
def test_extended_equals_full_fit(min_df: int) -> None:
    old, new = DOCS[:4], DOCS[4:] + ["bird tweet cat", "bird nest"]
    full = TermVectorizer(min_df=min_df).fit(old + new)
    grown = TermVectorizer(min_df=min_df).fit(old).extended(new)
    assert grown.matrix_.shape[0] == len(old + new)
    for row in range(len(old + new)):
        assert _row_terms(grown, row) == pytest.approx(_row_terms(full, row))


TITLED = ["cat nap\ncat milk whisker", "dog walk\ndog bark bone", "bird song\nbird nest twig", "fish tank\nfish bowl"]


def _raw_counts(vec: TermVectorizer, row: int) -> dict[str, float]:
    x = vec.counts_[row]
    return {vec.terms_[j]: float(v) for j, v in zip(x.indices, x.data)}


def test_without_title_features_a_titled_document_is_the_plain_matrix() -> None:
    plain = TermVectorizer().fit([t.replace("\n", " ") for t in TITLED])
    same = TermVectorizer(title_features=False).fit(TITLED)
    assert not same.titles_used_
    np.testing.assert_allclose(same.matrix_.toarray(), plain.matrix_.toarray())


def test_titles_shared_by_many_documents_get_no_title_features() -> None:
    shared = [f"contract one\nclause {w} text" for w in ("alpha", "beta", "gamma")] + ["contract two\nclause delta"]
    vec = TermVectorizer().fit(shared)  # 2 of 4 titles distinct: 0.5 is enough
    assert vec.titles_used_
    strict = TermVectorizer(title_distinct=0.6).fit(shared)
    assert not strict.titles_used_ and not any(t.startswith(TITLE_PREFIX) for t in strict.terms_)
    assert not TermVectorizer().fit([t.partition("\n")[2] for t in TITLED]).titles_used_


def test_title_features_are_terms_of_their_own() -> None:
    vec = TermVectorizer(ngram_range=(1, 1), title_features=True).fit(TITLED)
    assert _raw_counts(vec, 0) == {"T_cat": 1.0, "T_nap": 1.0, "cat": 2.0, "nap": 1.0, "milk": 1.0, "whisker": 1.0}
    assert display_term(f"{TITLE_PREFIX}cat {TITLE_PREFIX}nap") == "cat nap" and display_term("cat") == "cat"
    untitled = TermVectorizer(title_features=True).fit([t.partition("\n")[2] for t in TITLED])
    assert not any(t.startswith(TITLE_PREFIX) for t in untitled.terms_)


def test_extended_adds_title_features_as_the_fit_did() -> None:
    new = ["cat fish\nnew body words", "no title here"]
    full = TermVectorizer(title_features=True).fit(TITLED + new)
    grown = TermVectorizer(title_features=True).fit(TITLED).extended(new)
    for row in range(len(TITLED) + len(new)):
        assert _row_terms(grown, row) == pytest.approx(_row_terms(full, row))


def test_extended_leaves_original_untouched() -> None:
    vec = TermVectorizer(min_df=1).fit(DOCS)
    before = (vec.matrix_.shape, len(vec.terms_))
    vec.extended(["brand new words"])
    assert (vec.matrix_.shape, len(vec.terms_)) == before


@pytest.mark.parametrize("model", ["svm", "lr+svm"])
def test_svm_and_average_models_rank_positives_first(model: str) -> None:
    vec = TermVectorizer(min_df=1).fit(DOCS)
    ranker = Ranker(model=model, svm_C=1.0).fit(vec.matrix_, Y)
    scores = ranker.score(vec.matrix_)
    assert scores.shape == (len(DOCS),)
    assert scores[Y == 1].min() > scores[Y == 0].max()
    assert ranker.coef_.shape == (vec.matrix_.shape[1],)


def test_average_model_is_between_its_parts() -> None:
    vec = TermVectorizer(min_df=1).fit(DOCS)
    X = vec.matrix_
    both = Ranker(model="lr+svm", random_state=0).fit(X, Y).decision_function(X)
    parts = [Ranker(model=m, random_state=0).fit(X, Y).decision_function(X) for m in ("lr", "svm")]
    z = [(d - d.mean()) / d.std() for d in parts]
    np.testing.assert_allclose(both, (z[0] + z[1]) / 2, atol=1e-4)


def test_unknown_model_is_refused() -> None:
    vec = TermVectorizer(min_df=1).fit(DOCS)
    with pytest.raises(ValueError):
        Ranker(model="forest").fit(vec.matrix_, Y)


def test_svm_presumed_false_leaves_presumed_rows_out_of_the_svm() -> None:
    vec = TermVectorizer(min_df=1).fit(DOCS + ["cat dog", "bark purr"])
    X, y = vec.matrix_, np.concatenate([Y, [0, 0]])
    presumed = np.arange(len(y)) >= len(Y)
    without = Ranker(model="svm", svm_presumed=False, random_state=0).fit(X, y, presumed=presumed)
    labelled_only = Ranker(model="svm", random_state=0).fit(X[: len(Y)], Y)
    with_them = Ranker(model="svm", random_state=0).fit(X, y, presumed=presumed)
    np.testing.assert_allclose(without.coef_, labelled_only.coef_, atol=1e-3)
    assert not np.allclose(with_them.coef_, labelled_only.coef_, atol=1e-3)


def test_balanced_weights_follow_sample_weights() -> None:
    ranker = Ranker(balance_ratio=3.0)
    y = np.array([1, 0, 0, 0])
    w = np.array([1.0, 1.0, 0.5, 0.5])
    cw = ranker._class_weight(y, w)
    pos_total, neg_total = cw[1] * 1.0, cw[0] * 2.0
    assert pos_total == pytest.approx(3 * neg_total)
    assert pos_total + neg_total == pytest.approx(w.sum())
