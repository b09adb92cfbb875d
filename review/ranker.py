"""TF-IDF features and the logistic-regression ranker: the only module that imports scikit-learn.

Two estimators live here:

- `TermVectorizer` turns the stored token strings (space-joined words from
  `review.text`, the title's on a line of their own) into an L2-normalised TF-IDF
  matrix, where a title's terms also count as features of their own. It is fitted on the whole
  collection (unsupervised, as peers do) and can be *extended* with new
  documents without re-analysing the old ones: it keeps the raw term counts, so
  new terms are appended as new columns and the IDF weights are recomputed from
  the updated document frequencies. Column indices never change once assigned,
  so a model fitted before an extension still scores the extended matrix.
- `Ranker` is a logistic regression over such a matrix (optionally a linear
  SVM, or the average of both). `score` returns a 1-D array in [0, 1]:
  P(positive) for the logistic regression alone, an order for the others.

Both follow scikit-learn's estimator conventions: `__init__` stores
hyperparameters only, `fit` returns `self`, fitted attributes end in `_`.
"""

from __future__ import annotations

import copy
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import scipy.sparse as sp
from sklearn.base import BaseEstimator
from sklearn.feature_extraction.text import CountVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.preprocessing import normalize
from sklearn.svm import LinearSVC

from review.text import TITLE_BREAK

MATRIX_CACHE_VERSION = 1
"""Bumped when the weighting changes, so stale simulation caches are rebuilt."""

TOKEN_PATTERN = r"(?u)\b\w\w+\b"
"""Terms are runs of two or more word characters (sklearn's default)."""


def title_part(tokens: str) -> str:
    """The title's terms of a stored token string, "title terms\nbody terms" ("" without a break)."""
    title, brk, _ = tokens.partition(TITLE_BREAK)
    return title if brk else ""


TITLE_PREFIX = "T_"
"""Marks a title feature's term (`title_features`); stored terms are lower-cased, so it cannot clash."""


def display_term(term: str) -> str:
    """A feature's term as a reader sees it: title features lose their prefix."""
    return " ".join(w.removeprefix(TITLE_PREFIX) for w in term.split(" ")) if TITLE_PREFIX in term else term


def _with_title_features(tokens: str) -> str:
    title = title_part(tokens)
    return f"{' '.join(TITLE_PREFIX + w for w in title.split())} {tokens}" if title else tokens


def distinct_share(titles: Sequence[str]) -> float:
    """Share of the non-empty titles that are distinct (0.0 when there are none)."""
    named = [t for t in titles if t.strip()]
    return len(set(named)) / len(named) if named else 0.0


class TermVectorizer(BaseEstimator):
    """TF-IDF over pre-tokenised documents, extendable without a full refit.

    Args:
        ngram_range: Smallest and largest n-gram length.
        min_df: Keep terms found in at least this many documents (int) or
            this share of documents (float).
        max_df: Drop terms found in more than this share (float) or number
            (int) of documents.
        sublinear_tf: Use 1 + log(tf) instead of raw term counts.
        stop_words: None, "english" or a list of terms to ignore.
        title_features: Also count a title's terms as features of their own
            (TITLE_PREFIX + term), so the model can weigh a term in a title
            apart from the same term in a text.
        title_distinct: Add title features only if at least this share of the
            non-empty titles are distinct, decided once at `fit`: a title shared
            by many documents (a contract's file name over its clauses) names a
            source, not the document's content.
    """

    def __init__(
        self,
        ngram_range: tuple[int, int] = (1, 2),
        min_df: int | float = 1,
        max_df: int | float = 1.0,
        sublinear_tf: bool = True,
        stop_words: str | list[str] | None = None,
        title_features: bool = True,
        title_distinct: float = 0.5,
    ) -> None:
        self.ngram_range = ngram_range
        self.min_df = min_df
        self.max_df = max_df
        self.sublinear_tf = sublinear_tf
        self.stop_words = stop_words
        self.title_features = title_features
        self.title_distinct = title_distinct

    def _counter(self) -> CountVectorizer:
        return CountVectorizer(
            preprocessor=_with_title_features if getattr(self, "titles_used_", False) else None,
            ngram_range=tuple(self.ngram_range),
            token_pattern=TOKEN_PATTERN,
            stop_words=self.stop_words,
            lowercase=False,
            dtype=np.int32,
        )

    def fit(self, tokens: Sequence[str]) -> TermVectorizer:
        """Count every term of every document and weigh the matrix.

        Args:
            tokens: One space-joined token string per document.

        Returns:
            self, with `counts_`, `vocabulary_`, `terms_` and `matrix_` set.
        """
        tokens = list(tokens)
        titles = [title_part(t) for t in tokens]
        self.titles_used_ = bool(self.title_features and distinct_share(titles) >= self.title_distinct)
        counter = self._counter()
        counts = counter.fit_transform(tokens) if tokens else sp.csr_matrix((0, 0), dtype=np.int32)
        self.vocabulary_: dict[str, int] = dict(getattr(counter, "vocabulary_", {}))
        terms = [""] * len(self.vocabulary_)
        for term, j in self.vocabulary_.items():
            terms[j] = term
        self.terms_: list[str] = terms
        self.counts_ = sp.csr_matrix(counts)
        self._weigh()
        return self

    def extended(self, tokens: Sequence[str]) -> TermVectorizer:
        """Return a copy with `tokens` appended as new rows; `self` is untouched.

        Only the new documents are analysed. New terms get new columns at the
        end; the IDF weights of every column are recomputed, which is one
        vectorised pass over the stored counts.

        Args:
            tokens: One token string per new document.

        Returns:
            A new fitted `TermVectorizer`.
        """
        new = copy.copy(self)
        vocab = dict(self.vocabulary_)
        terms = list(self.terms_)
        analyze = self._counter().build_analyzer()
        indices: list[int] = []
        indptr = [0]
        for doc in tokens:
            for term in analyze(doc):
                j = vocab.get(term)
                if j is None:
                    j = len(terms)
                    vocab[term] = j
                    terms.append(term)
                indices.append(j)
            indptr.append(len(indices))
        rows = sp.csr_matrix(
            (np.ones(len(indices), dtype=np.int32), np.asarray(indices, dtype=np.int64), np.asarray(indptr)),
            shape=(len(tokens), len(terms)),
        )
        rows.sum_duplicates()
        old = self.counts_
        old = sp.csr_matrix((old.data, old.indices, old.indptr), shape=(old.shape[0], len(terms)))
        new.vocabulary_ = vocab
        new.terms_ = terms
        new.counts_ = sp.vstack([old, rows], format="csr")
        new._weigh()
        return new

    def save_matrix(self, path: Path) -> None:
        """Write only the weighted matrix (a simulation cache); failures are ignored."""
        import joblib

        state = {"format_version": MATRIX_CACHE_VERSION, "params": self.get_params(),
                 "matrix": self.matrix_, "n_features": self.n_features_}
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            joblib.dump(state, path)
        except OSError:
            pass

    @classmethod
    def load_matrix(cls, path: Path, n_docs: int) -> TermVectorizer | None:
        """A vectoriser with only `matrix_` (no vocabulary: it cannot extend), or None if unusable."""
        import joblib

        try:
            state = joblib.load(path)
        except Exception:  # missing or corrupt: the caller rebuilds
            return None
        if not isinstance(state, dict) or state.get("format_version") != MATRIX_CACHE_VERSION:
            return None
        vectorizer = cls(**state["params"])
        vectorizer.matrix_ = state["matrix"]
        vectorizer.n_features_ = state["n_features"]
        vectorizer.terms_ = []
        return vectorizer if vectorizer.matrix_.shape[0] == n_docs else None

    def _weigh(self) -> None:
        counts = self.counts_
        n_docs, n_terms = counts.shape
        df = np.bincount(counts.indices, minlength=n_terms)
        min_df = self.min_df if isinstance(self.min_df, (int, np.integer)) else self.min_df * n_docs
        max_df = self.max_df if isinstance(self.max_df, (int, np.integer)) else self.max_df * n_docs
        keep = (df >= min_df) & (df <= max_df)
        if n_docs and not keep.any():  # tiny corpora: keep everything rather than nothing
            keep = df > 0
        idf = np.log((1.0 + n_docs) / (1.0 + df)) + 1.0
        idf[~keep] = 0.0
        matrix = counts.astype(np.float64)
        if self.sublinear_tf:
            np.log(matrix.data, out=matrix.data)
            matrix.data += 1.0
        matrix.data *= idf[matrix.indices]
        matrix.eliminate_zeros()
        self.idf_ = idf
        self.n_features_ = int(keep.sum())
        self.matrix_ = normalize(matrix, norm="l2", copy=False)


class Ranker(BaseEstimator):
    """Logistic regression (or linear SVM, or their average) over TF-IDF rows.

    Args:
        C: Inverse regularisation strength (of the logistic regression).
        class_weight: "balanced" or None (see benchmarks/README-ranking.md).
        balance_ratio: With class_weight="balanced", the positives' total weight
            is this many times the negatives' (1.0 = equal totals; by total
            sample weight when sample weights are given).
        max_iter: Solver iteration cap.
        random_state: Seed for the solver's randomness.
        model: "lr" (the default), "svm" (a linear SVM, as ASReview's elas_u4) or
            "lr+svm" (the mean of both models' decision values, each z-scored
            over the training rows; the result is still one linear model, so
            `coef_` and explanations work unchanged). With "svm" the score is
            the logistic of the SVM margin: an order, not a probability.
        svm_C: The SVM's C ("svm", "lr+svm"; elas_u4 uses 0.11).
        svm_loss: The SVM's loss, "squared_hinge" (elas_u4) or "hinge".
        svm_presumed: False leaves the rows `fit` is told are presumed
            negatives out of the SVM (the logistic regression keeps them).
    """

    def __init__(
        self,
        C: float = 0.3,
        class_weight: str | dict | None = "balanced",
        balance_ratio: float = 1.0,
        max_iter: int = 1000,
        random_state: int | None = None,
        model: str = "lr",
        svm_C: float = 0.1,
        svm_loss: str = "squared_hinge",
        svm_presumed: bool = True,
    ) -> None:
        self.C = C
        self.class_weight = class_weight
        self.balance_ratio = balance_ratio
        self.max_iter = max_iter
        self.random_state = random_state
        self.model = model
        self.svm_C = svm_C
        self.svm_loss = svm_loss
        self.svm_presumed = svm_presumed

    def fit(
        self, X: sp.spmatrix, y: np.ndarray, sample_weight: np.ndarray | None = None,
        presumed: np.ndarray | None = None,
    ) -> Ranker:
        """Fit on rows `X` with labels `y` (1 positive, 0 negative).

        Args:
            presumed: Optional bool mask of rows that are presumed (not reviewed)
                negatives; with `svm_presumed=False` the SVM leaves them out.

        Returns:
            self, with `coef_` (1-D), `intercept_` (float) and `n_features_in_`.
        """
        X = sp.csr_matrix(X)
        # fit on the columns these rows use; the others get 0 anyway (bincount: np.unique is slow here)
        used = np.flatnonzero(np.bincount(X.indices, minlength=X.shape[1]))
        y = np.asarray(y, dtype=int)
        Xu = X[:, used]
        if self.model not in ("lr", "svm", "lr+svm"):
            raise ValueError(f"model must be 'lr', 'svm' or 'lr+svm', not {self.model!r}")
        parts = []
        if self.model in ("lr", "lr+svm"):
            parts.append(LogisticRegression(
                C=self.C,
                class_weight=self._class_weight(y, sample_weight),
                solver="liblinear",
                dual=True,  # n_samples << n_features: the dual is 5-10x faster here (README-ranking.md)
                max_iter=self.max_iter,
                random_state=self.random_state,
            ).fit(Xu, y, sample_weight=sample_weight))
        if self.model in ("svm", "lr+svm"):
            rows = slice(None)
            if not self.svm_presumed and presumed is not None and np.any(presumed):
                rows = np.flatnonzero(~np.asarray(presumed, dtype=bool))
            sw = None if sample_weight is None else np.asarray(sample_weight)[rows]
            parts.append(LinearSVC(
                C=self.svm_C,
                loss=self.svm_loss,
                class_weight=self._class_weight(y[rows], sw),
                dual=True,
                max_iter=self.max_iter,
                random_state=self.random_state,
            ).fit(Xu[rows], y[rows], sample_weight=sw))
        w = np.zeros(Xu.shape[1])
        b = 0.0
        for clf in parts:
            cw, cb = clf.coef_.ravel(), float(clf.intercept_[0])
            if len(parts) > 1:
                # average of z-scored decision values (z over the training rows): still one linear model
                z = np.asarray(Xu @ cw).ravel() + cb
                sd = float(z.std()) or 1.0
                cw, cb = cw / sd, (cb - float(z.mean())) / sd
            w += cw / len(parts)
            b += cb / len(parts)
        coef = np.zeros(X.shape[1])
        coef[used] = w
        self.coef_ = coef
        self.intercept_ = b
        self.n_features_in_ = int(X.shape[1])
        return self

    def _class_weight(self, y: np.ndarray, sample_weight: np.ndarray | None) -> str | dict | None:
        """`balanced`: positives' total (sample) weight is balance_ratio times the negatives'."""
        if self.class_weight != "balanced":
            return self.class_weight
        w = np.ones(len(y)) if sample_weight is None else np.asarray(sample_weight, dtype=float)
        n_pos, n_neg = max(float(w[y == 1].sum()), 1e-12), max(float(w[y == 0].sum()), 1e-12)
        total = float(w.sum())
        return {1: self.balance_ratio * total / (n_pos * (1 + self.balance_ratio)),
                0: total / (n_neg * (1 + self.balance_ratio))}

    def decision_function(self, X: sp.spmatrix) -> np.ndarray:
        """The linear score of each row; extra columns beyond the fitted ones are ignored."""
        coef = self.coef_
        if X.shape[1] > self.n_features_in_:
            coef = np.concatenate([coef, np.zeros(X.shape[1] - self.n_features_in_)])
        return np.asarray(X @ coef).ravel() + self.intercept_

    def score(self, X: sp.spmatrix) -> np.ndarray:
        """The logistic of the decision value of each row of `X`, as a 1-D array.

        A probability for model="lr" only; for "svm" and "lr+svm" an order, with
        0.5 at the margin ("svm") or at the training rows' mean ("lr+svm").
        Stopping rules calibrate scores before reading them as probabilities.
        """
        z = np.clip(self.decision_function(X), -500.0, 500.0)
        return 1.0 / (1.0 + np.exp(-z))


VECTORIZER_PARAMS = frozenset(TermVectorizer().get_params())
RANKER_PARAMS = frozenset(Ranker().get_params()) - {"random_state"}
