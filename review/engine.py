"""The ranking engine: one retrain turns the current labels into a `Ranking`.

The engine owns the collection's TF-IDF matrix (fitted once on every document,
unsupervised) and, on each `rank` call, fits a fresh `Ranker` on the labelled
rows and orders the unlabelled ones by a strategy. `rank` never mutates the
engine, so a worker thread may call it while the UI thread reads older
rankings; `load_corpus` and `extend_corpus` swap the matrix in one assignment.

Strategies:

- ``relevance``: most likely relevant first (continuous active learning).
- ``uncertainty``: closest to the decision boundary first, |p - 0.5| smallest.
  For a binary model, entropy, margin and least-confident sampling are all
  monotone in |p - 0.5|, so they rank identically; there is one strategy.
- ``mixed``: relevance order with a share ``mixed_share`` of positions given to
  uncertainty picks, chosen by a seeded draw.
- ``random``: a seeded random order (the baseline).
- ``committee``: query-by-committee: bootstrap logistic regressions vote;
  documents with the highest vote entropy come first, ties broken by the
  closeness of the mean committee probability to 0.5.
"""

from __future__ import annotations

import hashlib
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from review.errors import ConfigError, ReviewError, StoreError
from review.models import STRATEGIES
from review.ranker import RANKER_PARAMS, VECTORIZER_PARAMS, Ranker, TermVectorizer, display_term

FORMAT_VERSION = 1
"""Bumped whenever the saved engine layout changes; other versions are refused."""

ENGINE_PARAMS = frozenset({"presumed_negatives", "presumed_weight", "committee_size"})
"""Engine-level tuning knobs accepted as ranker_params besides the estimators'."""

FIND_ALL_DEFAULTS: dict[str, object] = {
    "C": 0.5, "balance_ratio": 9.8, "presumed_negatives": 300, "model": "lr+svm", "svm_C": 0.11, "svm_presumed": False,
}
"""Defaults for the find-all strategies (relevance, mixed): the average of a logistic
regression (C 0.5) and a linear SVM (C 0.11, as ASReview's elas_u4), each z-scored,
positives weighing 9.8x the negatives in total. 300 random unlabelled rows (at most half
of the rankable ones) join each retrain of the logistic regression as presumed negatives
(AutoTAR); the SVM is fitted on the reviewed rows only. Both assume low prevalence.
With title features (TermVectorizer.title_features), over bench seeds 1-20 the default
read 0.93x as many documents as ASReview, no collection above 1.07x
(benchmarks/README-ranking.md)."""

CLASSIFIER_DEFAULTS: dict[str, object] = {"balance_ratio": 1.0, "presumed_negatives": 0}
"""Defaults for the other strategies (train-classifier goal): plain balanced weights,
so P >= 0.5 is a sensible decision threshold, and no presumed negatives."""

MIXED_HEAD = 5000
"""The mixed strategy interleaves within the first this many positions; the rest is by relevance."""
COLD_START_STREAM = 0x5EED
"""Second seed word of the random order served before a model exists (any fixed value)."""


@dataclass(frozen=True)
class Ranking:
    """The result of one retrain; immutable, safe to hand across threads."""

    version: int
    """Model version given by the caller."""
    scores: np.ndarray
    """P(positive) for every corpus row (0.5 everywhere on a cold start)."""
    order: np.ndarray
    """Row indices of the rankable unlabelled rows, in the order the strategy shows them."""
    strategy: str
    n_labels: int
    """Number of labelled rows the model was fitted on (presumed negatives not counted)."""
    fit_seconds: float
    """Wall time of the whole retrain: fit, scoring and ordering."""
    cold_start_reason: str | None
    """Why no model was fitted (random order), or None when a model was fitted."""
    model: object | None
    """The fitted `Ranker` (None on a cold start), used by `Engine.explain`."""


class Engine:
    """Fits rankers on the current labels and orders the unlabelled rows.

    Args:
        strategy: The default strategy for `rank` (one of models.STRATEGIES).
        mixed_share: In ``mixed``, the share of positions given to uncertainty picks.
        random_state: Seed for presumed negatives, random orders, mixed draws and
            committee bootstraps (combined with the ranking version).
        **ranker_params: TermVectorizer parameters (ngram_range, min_df, max_df,
            sublinear_tf, stop_words), Ranker parameters (C, class_weight,
            max_iter, balance_ratio, model, svm_C, svm_loss, svm_presumed) and
            engine parameters: presumed_negatives (number of random unlabelled
            rows added as negatives at each retrain, AutoTAR-style; 0 turns it
            off), presumed_weight (sample weight of each presumed negative,
            default 1) and committee_size (members in ``committee``). balance_ratio and presumed_negatives default by
            strategy: FIND_ALL_DEFAULTS for relevance/mixed, CLASSIFIER_DEFAULTS
            for the others.

    Raises:
        ConfigError: Unknown strategy or parameter.
    """

    def __init__(
        self,
        strategy: str = "relevance",
        mixed_share: float = 0.1,
        random_state: int | None = None,
        **ranker_params: object,
    ) -> None:
        _check_strategy(strategy)
        unknown = set(ranker_params) - VECTORIZER_PARAMS - RANKER_PARAMS - ENGINE_PARAMS
        if unknown:
            raise ConfigError(f"Unknown ranker parameter(s): {', '.join(sorted(unknown))}")
        if not 0.0 <= mixed_share <= 1.0:
            raise ConfigError(f"mixed_share must be between 0 and 1, not {mixed_share}")
        self.strategy = strategy
        self.mixed_share = mixed_share
        self.random_state = random_state
        self.ranker_params = dict(ranker_params)
        self.committee_size = int(ranker_params.get("committee_size", 5))  # type: ignore[call-overload]
        self._vectorizer: TermVectorizer | None = None
        self._lock = threading.Lock()

    # -- corpus ---------------------------------------------------------------

    def load_corpus(self, tokens: Sequence[str], cache_dir: Path | None = None) -> None:
        """Fit the vocabulary and TF-IDF weights on every row and cache the matrix.

        Args:
            tokens: Token strings from review.text ("title terms\nbody terms"), row i = position i.
            cache_dir: Optional folder for a matrix-only cache keyed by the tokens and
                the vectoriser parameters (repeated simulations). An engine whose
                matrix came from this cache ranks as usual but cannot `explain` or
                `extend_corpus` (it has no vocabulary); the review session never uses it.
        """
        params = {k: v for k, v in self.ranker_params.items() if k in VECTORIZER_PARAMS}
        tokens = list(tokens)
        path = None
        if cache_dir is not None:
            full = TermVectorizer(**params).get_params()  # type: ignore[arg-type]  # defaults are part of the key
            digest = hashlib.sha1(repr(sorted(full.items())).encode())
            for tok in tokens:
                digest.update(tok.encode("utf-8", "replace") + b"\0")
            path = Path(cache_dir) / f"tfidf-{digest.hexdigest()}.joblib"
            vectorizer = TermVectorizer.load_matrix(path, len(tokens))
            if vectorizer is not None:
                with self._lock:
                    self._vectorizer = vectorizer
                return
        vectorizer = TermVectorizer(**params).fit(tokens)  # type: ignore[arg-type]
        if path is not None:
            vectorizer.save_matrix(path)
        with self._lock:
            self._vectorizer = vectorizer

    def extend_corpus(self, tokens: Sequence[str]) -> None:
        """Append rows without re-analysing the existing ones (see TermVectorizer.extended).

        Raises:
            ReviewError: No corpus was loaded yet.
        """
        with self._lock:
            if self._vectorizer is None:
                raise ReviewError("No corpus loaded: call load_corpus first.")
            if not hasattr(self._vectorizer, "counts_"):
                raise ReviewError("This engine's matrix came from a simulation cache: it cannot be extended.")
            self._vectorizer = self._vectorizer.extended(list(tokens))

    @property
    def n_docs(self) -> int:
        """Number of rows in the corpus (0 before load_corpus)."""
        vec = self._vectorizer
        return 0 if vec is None else int(vec.matrix_.shape[0])

    @property
    def terms(self) -> list[str]:
        """The term of each matrix column (words, or space-joined n-grams; title features as their words)."""
        vec = self._vectorizer
        return [] if vec is None else [display_term(t) for t in vec.terms_]

    # -- ranking --------------------------------------------------------------

    def rank(
        self,
        labels: np.ndarray,
        exclude: np.ndarray | None = None,
        version: int = 0,
        strategy: str | None = None,
    ) -> Ranking:
        """Fit a model on the labelled rows and order the rankable unlabelled rows.

        Labelled rows train the model even when excluded; `exclude` only keeps
        rows out of `order`. Thread-safe: reads the cached matrix only.

        Args:
            labels: int array of len n_docs: 1 positive, 0 negative, -1 not labelled.
            exclude: Optional bool mask of rows never to rank (duplicates, rows
                reserved by a stopping sample).
            version: Model version recorded in the Ranking (also seeds randomness).
            strategy: Overrides the engine's default strategy for this call.

        Returns:
            The Ranking. With no positive or no negative label: a seeded random
            order, scores 0.5 and `cold_start_reason` set.

        Raises:
            ReviewError: No corpus loaded, or arrays of the wrong length.
            ConfigError: Unknown strategy.
        """
        start = time.perf_counter()
        strategy = strategy or self.strategy
        _check_strategy(strategy)
        vec = self._vectorizer
        if vec is None:
            raise ReviewError("No corpus loaded: call load_corpus first.")
        X = vec.matrix_
        n = X.shape[0]
        labels = np.asarray(labels)
        if labels.shape != (n,):
            raise ReviewError(f"labels has {labels.size} entries for {n} documents.")
        mask = np.zeros(n, dtype=bool) if exclude is None else np.asarray(exclude, dtype=bool)
        if mask.shape != (n,):
            raise ReviewError(f"exclude has {mask.size} entries for {n} documents.")
        rng = np.random.default_rng([self.random_state or 0, version])
        candidates = np.flatnonzero((labels == -1) & ~mask)
        labelled = np.flatnonzero(labels >= 0)
        n_pos = int((labels == 1).sum())
        reason = _cold_start_reason(n_pos, labelled.size - n_pos)
        if reason is not None:
            return Ranking(version, np.full(n, 0.5), self._random_order(candidates, n), strategy,
                           int(labelled.size), time.perf_counter() - start, reason, None)
        settings = self._settings(strategy)
        presumed_weight = float(settings.pop("presumed_weight", 1.0))  # type: ignore[arg-type]
        train, y = self._training_rows(labels, labelled, candidates, int(settings.pop("presumed_negatives")), rng)
        weights = None
        if presumed_weight != 1.0 and train.size > labelled.size:
            weights = np.ones(train.size)
            weights[labelled.size:] = presumed_weight
        presumed = np.arange(train.size) >= labelled.size
        model = Ranker(random_state=self.random_state, **settings).fit(  # type: ignore[arg-type]
            X[train], y, sample_weight=weights, presumed=presumed)
        scores = model.score(X)
        order = self._order(strategy, scores, candidates, rng, X, train, y)
        return Ranking(version, scores, order, strategy, int(labelled.size),
                       time.perf_counter() - start, None, model)

    def _random_order(self, candidates: np.ndarray, n: int) -> np.ndarray:
        """`candidates` in one random order of the whole collection, the same at every call.

        Reshuffling what is left at each cold-start retrain with the same seed
        (the model version does not move until a model exists) made
        near-identical permutations of a shrinking list: the reviewer walked
        through the collection close to import order. A fixed random priority
        per document keeps the order random as decided documents drop out. It
        is drawn anew when the collection grows: kept priorities would put the
        new documents' low ones before every old document left, as the random
        start had used up the old low ones.
        """
        priority = np.random.default_rng([self.random_state or 0, COLD_START_STREAM, n]).random(n)
        return candidates[np.argsort(priority[candidates], kind="stable")]

    def _settings(self, strategy: str) -> dict[str, object]:
        """Ranker parameters plus presumed_negatives for a strategy (explicit ranker_params win)."""
        base = FIND_ALL_DEFAULTS if strategy in ("relevance", "mixed") else CLASSIFIER_DEFAULTS
        settings = dict(base)
        settings.update({k: v for k, v in self.ranker_params.items()
                         if k in RANKER_PARAMS or k in ("presumed_negatives", "presumed_weight")})
        return settings

    def _new_ranker(self, strategy: str) -> Ranker:
        settings = self._settings(strategy)
        settings.pop("presumed_negatives")
        settings.pop("presumed_weight", None)
        return Ranker(random_state=self.random_state, **settings)  # type: ignore[arg-type]

    @staticmethod
    def _training_rows(
        labels: np.ndarray, labelled: np.ndarray, candidates: np.ndarray, n_presumed: int, rng: np.random.Generator
    ) -> tuple[np.ndarray, np.ndarray]:
        """Labelled rows plus `n_presumed` random rankable unlabelled rows as negatives."""
        y = labels[labelled].astype(int)
        if n_presumed <= 0 or candidates.size == 0:
            return labelled, y
        k = min(n_presumed, candidates.size // 2)
        if k == 0:
            return labelled, y
        presumed = rng.choice(candidates, size=k, replace=False)
        return np.concatenate([labelled, presumed]), np.concatenate([y, np.zeros(k, dtype=int)])

    def _order(
        self,
        strategy: str,
        scores: np.ndarray,
        candidates: np.ndarray,
        rng: np.random.Generator,
        X: object,
        train: np.ndarray,
        y: np.ndarray,
    ) -> np.ndarray:
        p = scores[candidates]
        if strategy == "relevance":
            return candidates[np.argsort(-p, kind="stable")]
        if strategy == "uncertainty":
            return candidates[np.argsort(np.abs(p - 0.5), kind="stable")]
        if strategy == "random":
            return rng.permutation(candidates)
        if strategy == "mixed":
            relevance = candidates[np.argsort(-p, kind="stable")]
            uncertain = candidates[np.argsort(np.abs(p - 0.5), kind="stable")]
            return _interleave(relevance, uncertain, self.mixed_share, rng)
        return self._committee_order(candidates, rng, X, train, y)

    def _committee_order(
        self, candidates: np.ndarray, rng: np.random.Generator, X: object, train: np.ndarray, y: np.ndarray
    ) -> np.ndarray:
        """Vote entropy over bootstrap models (stratified, so every member sees both labels)."""
        members = max(2, self.committee_size)
        pos, neg = train[y == 1], train[y == 0]
        Xc = X[candidates]  # type: ignore[index]
        votes = np.zeros(candidates.size)
        probs = np.zeros(candidates.size)
        for _ in range(members):
            rows = np.concatenate([rng.choice(pos, pos.size), rng.choice(neg, neg.size)])
            labels = np.concatenate([np.ones(pos.size, dtype=int), np.zeros(neg.size, dtype=int)])
            p = self._new_ranker("committee").fit(X[rows], labels).score(Xc)  # type: ignore[index]
            votes += p >= 0.5
            probs += p
        share = votes / members
        with np.errstate(divide="ignore", invalid="ignore"):
            entropy = -np.nan_to_num(share * np.log(share)) - np.nan_to_num((1 - share) * np.log(1 - share))
        closeness = np.abs(probs / members - 0.5)
        return candidates[np.lexsort((closeness, -entropy))]

    # -- explanations ---------------------------------------------------------

    def explain(
        self, ranking: Ranking, row: int, top: int = 10
    ) -> tuple[list[tuple[str, float]], list[tuple[str, float]]]:
        """Terms pushing this document's score up and down: coefficient x tf-idf.

        Args:
            ranking: A Ranking from this engine (its model is used).
            row: The corpus row to explain.
            top: At most this many terms per direction.

        Returns:
            (up, down): lists of (term, contribution), strongest first; `down`
            contributions are negative. Both empty on a cold-start ranking.

        Raises:
            ReviewError: No corpus loaded or row out of range.
        """
        vec = self._vectorizer
        if vec is None:
            raise ReviewError("No corpus loaded: call load_corpus first.")
        if not 0 <= row < vec.matrix_.shape[0]:
            raise ReviewError(f"Row {row} is outside the corpus of {vec.matrix_.shape[0]} documents.")
        model = ranking.model
        if not isinstance(model, Ranker) or not vec.terms_:
            return [], []
        x = vec.matrix_[row]
        inside = x.indices < model.n_features_in_
        cols = x.indices[inside]
        contrib: dict[str, float] = {}
        for col, value in zip(cols, x.data[inside] * model.coef_[cols]):
            term = display_term(vec.terms_[col])  # a title feature adds to its word
            contrib[term] = contrib.get(term, 0.0) + float(value)
        ordered = sorted(contrib.items(), key=lambda kv: -kv[1])
        up = [(t, c) for t, c in ordered[:top] if c > 0]
        down = [(t, c) for t, c in ordered[::-1][:top] if c < 0]
        return up, down

    # -- persistence ----------------------------------------------------------

    def save(self, path: Path, ranking: Ranking | None = None) -> None:
        """Write the engine (settings and fitted vectoriser) with joblib.

        Args:
            path: Target file (e.g. next to the project DB).
            ranking: Optionally the latest Ranking, to restore with `load_ranking`.

        Raises:
            StoreError: The file cannot be written.
        """
        import joblib

        state = {
            "format_version": FORMAT_VERSION,
            "strategy": self.strategy,
            "mixed_share": self.mixed_share,
            "random_state": self.random_state,
            "ranker_params": self.ranker_params,
            "vectorizer": self._vectorizer,
            "ranking": ranking,
        }
        try:
            joblib.dump(state, Path(path))
        except OSError as exc:
            raise StoreError(f"Cannot save the model to {path}: {exc}") from exc

    @classmethod
    def load(cls, path: Path) -> Engine:
        """Read an engine written by `save`.

        Raises:
            StoreError: The file is missing, unreadable or of another format version.
        """
        state = _read_state(Path(path))
        engine = cls(state["strategy"], state["mixed_share"], state["random_state"], **state["ranker_params"])
        engine._vectorizer = state["vectorizer"]
        return engine

    @staticmethod
    def load_ranking(path: Path) -> Ranking | None:
        """The Ranking saved with the engine at `path`, if any (same checks as `load`)."""
        return _read_state(Path(path))["ranking"]


def _read_state(path: Path) -> dict:
    import joblib

    try:
        state = joblib.load(path)
    except FileNotFoundError as exc:
        raise StoreError(f"No saved model at {path}.") from exc
    except Exception as exc:  # joblib/pickle raise many types on corrupt files
        raise StoreError(f"Cannot read the saved model {path}: {exc}") from exc
    version = state.get("format_version") if isinstance(state, dict) else None
    if version != FORMAT_VERSION:
        raise StoreError(
            f"The saved model {path} has format version {version}; this version of review reads {FORMAT_VERSION}."
        )
    return state


def _check_strategy(strategy: str) -> None:
    if strategy not in STRATEGIES:
        raise ConfigError(f"Unknown strategy {strategy!r}; choose one of {', '.join(STRATEGIES)}.")


def _cold_start_reason(n_pos: int, n_neg: int) -> str | None:
    if n_pos == 0 and n_neg == 0:
        return "no decision yet: random order"
    if n_pos == 0:
        return "no relevant decision yet: random order"
    if n_neg == 0:
        return "no non-relevant decision yet: random order"
    return None


def _interleave(relevance: np.ndarray, uncertain: np.ndarray, share: float, rng: np.random.Generator) -> np.ndarray:
    """Relevance order with a seeded `share` of the first MIXED_HEAD positions taken by uncertainty picks."""
    head = min(relevance.size, MIXED_HEAD)
    picks = rng.random(head) < share
    used = np.zeros(int(max(relevance.max(initial=-1), uncertain.max(initial=-1))) + 1, dtype=bool)
    out: list[int] = []
    ri = ui = 0
    for take_uncertain in picks:
        source, idx = (uncertain, ui) if take_uncertain else (relevance, ri)
        while used[source[idx]]:
            idx += 1
        out.append(int(source[idx]))
        used[source[idx]] = True
        if take_uncertain:
            ui = idx + 1
        else:
            ri = idx + 1
    rest = relevance[~used[relevance]]
    return np.concatenate([np.asarray(out, dtype=relevance.dtype), rest])
