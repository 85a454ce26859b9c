"""Text normalisation and light-weight similarity for utterances (no ML dependencies).

Sample utterances are short (a handful of words), so a TF-IDF cosine over word
tokens plus character trigrams is both good enough to rank "which intent did
the customer mean" and fast: a locale of 20 intents x 15 utterances ranks a
phrase in well under a millisecond once :class:`IntentIndex` is built.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence

#: Apostrophes vanish ("what's" == "whats"); every other punctuation mark separates words.
_APOSTROPHES = frozenset("'\u2019\u02bc\u2018`\u00b4")
_SPACE_RE = re.compile(r"\s+")
#: A slot reference in a sample utterance ("move {Amount} to savings"): a placeholder, not words.
_SLOT_RE = re.compile(r"\{[^{}]*\}")

#: Weight of the word part against the character-trigram part of a vector.
_WORD_WEIGHT = 1.0
_GRAM_WEIGHT = 0.6
#: Most an intent gains from being the one approved most often (an order for phrases that share nothing).
_PRIOR_WEIGHT = 0.02


def normalise(text: str) -> str:
    """The form two utterances are compared in: case, whitespace and punctuation ignored.

    NFKC first, so full-width letters and ligatures compare equal to their plain
    forms; letters, marks and digits of every script are kept, as are currency
    and maths signs ("$", "%").
    """
    out: list[str] = []
    for ch in unicodedata.normalize("NFKC", text).casefold():
        if ch in _APOSTROPHES:
            continue
        category = unicodedata.category(ch)
        if category == "Cf":
            continue  # zero-width joiners and marks: invisible, not word breaks
        # P*: punctuation of every script ("¿", "。", "«"); Z*/Cc: separators, controls;
        # So/Sk: emoji and modifier symbols, which a sample utterance cannot carry anyway.
        if category[0] in "PZ" or category in ("Cc", "So", "Sk"):
            out.append(" ")
        else:
            out.append(ch)
    return _SPACE_RE.sub(" ", "".join(out)).strip()


def _stem(word: str) -> str:
    """A plural 's' off (card/cards, cuenta/cuentas): the one suffix most languages here share."""
    return word[:-1] if len(word) > 3 and word.endswith("s") and not word.endswith("ss") else word


def _features(norm: str) -> Counter[str]:
    """Word tokens and character trigrams (with word boundaries) of a normalised text."""
    feats: Counter[str] = Counter()
    words = norm.split()
    for w in words:
        feats["w:" + _stem(w)] += 1
    for w in words:
        padded = f" {w} "
        for i in range(len(padded) - 2):
            feats["g:" + padded[i : i + 3]] += 1
    return feats


def _weighted(feats: Counter[str], idf: Mapping[str, float], default_idf: float) -> dict[str, float]:
    vec: dict[str, float] = {}
    for key, count in feats.items():
        part = _WORD_WEIGHT if key.startswith("w:") else _GRAM_WEIGHT
        vec[key] = part * (1.0 + math.log(count)) * idf.get(key, default_idf)
    norm = math.sqrt(sum(v * v for v in vec.values()))
    if norm:
        for key in vec:
            vec[key] /= norm
    return vec


def _dot(a: Mapping[str, float], b: Mapping[str, float]) -> float:
    if len(a) > len(b):
        a, b = b, a
    return sum(v * b.get(k, 0.0) for k, v in a.items())


class TfidfSpace:
    """IDF weights learnt from a corpus of texts; turns texts into unit vectors."""

    def __init__(self, corpus: Iterable[str]) -> None:
        docs = [_features(normalise(t)) for t in corpus]
        df: Counter[str] = Counter()
        for feats in docs:
            df.update(feats.keys())
        n = max(len(docs), 1)
        # Smoothed IDF (as scikit-learn's): never zero, so a feature in every
        # document still counts a little.
        self.idf = {k: math.log((1 + n) / (1 + c)) + 1.0 for k, c in df.items()}
        self.default_idf = math.log(1 + n) + 1.0

    def vector(self, text: str) -> dict[str, float]:
        """``text`` as a unit TF-IDF vector in this space's weights."""
        return _weighted(_features(normalise(text)), self.idf, self.default_idf)


def cosine(a: Mapping[str, float], b: Mapping[str, float]) -> float:
    """Cosine of two unit vectors from the same :class:`TfidfSpace`."""
    return _dot(a, b)


class IntentIndex:
    """The sample utterances of one bot locale (and the phrases approved for it), ready to rank phrases against.

    An intent's score is mostly its best-matching utterance (one close sample
    is strong evidence) plus a little of its centroid (many loosely similar
    samples are some evidence too). Phrases reviewers approved before count as
    utterances of their intent: the review history is labelled data in the
    customers' own words, which the samples rarely are. How often an intent was
    approved also orders intents a phrase shares nothing with (a word in
    another script, "operator"), instead of the alphabet.
    """

    def __init__(self, intents: Mapping[str, Sequence[str]],
                 approved: Mapping[str, Sequence[str]] | None = None) -> None:
        self.names = list(intents)
        approved = {name: list(texts) for name, texts in (approved or {}).items() if name in intents}
        intents = {name: [_SLOT_RE.sub(" ", u) for u in utterances] + approved.get(name, [])
                   for name, utterances in intents.items()}
        self.space = TfidfSpace(u for utterances in intents.values() for u in utterances)
        self._centroids: dict[str, dict[str, float]] = {}
        total = sum(len(texts) for texts in approved.values())
        #: share of the approved phrases per intent: a tie-breaker worth at most _PRIOR_WEIGHT.
        self._prior = {name: len(texts) / total for name, texts in approved.items()} if total else {}
        #: feature -> (utterance number, weight): a phrase meets only the utterances it shares a feature with,
        #: so ranking stays fast with hundreds of approved phrases per intent.
        self._postings: dict[str, list[tuple[int, float]]] = {}
        #: utterance number -> the intent's place in ``names``.
        self._owner: list[int] = []
        for place, (name, utterances) in enumerate(intents.items()):
            vecs = [self.space.vector(u) for u in utterances if normalise(u)]
            for vec in vecs:
                for k, v in vec.items():
                    self._postings.setdefault(k, []).append((len(self._owner), v))
                self._owner.append(place)
            centroid: dict[str, float] = {}
            for vec in vecs:
                for k, v in vec.items():
                    centroid[k] = centroid.get(k, 0.0) + v
            norm = math.sqrt(sum(v * v for v in centroid.values()))
            self._centroids[name] = {k: v / norm for k, v in centroid.items()} if norm else {}

    def rank(self, phrase: str) -> list[tuple[str, float]]:
        """Every intent with a score in [0, 1], most likely first (ties by name)."""
        vec = self.space.vector(phrase)
        shared: dict[int, float] = {}
        for k, v in vec.items():
            for number, weight in self._postings.get(k, ()):
                shared[number] = shared.get(number, 0.0) + v * weight
        bests = [0.0] * len(self.names)
        for number, similarity in shared.items():
            place = self._owner[number]
            if similarity > bests[place]:
                bests[place] = similarity
        scored = []
        for name, best in zip(self.names, bests):
            score = 0.8 * best + 0.2 * _dot(vec, self._centroids[name]) + _PRIOR_WEIGHT * self._prior.get(name, 0.0)
            scored.append((name, round(min(max(score, 0.0), 1.0), 4)))
        scored.sort(key=lambda pair: (-pair[1], pair[0].casefold()))
        return scored


def rank_intents(phrase: str, intents: Mapping[str, Sequence[str]],
                 approved: Mapping[str, Sequence[str]] | None = None) -> list[tuple[str, float]]:
    """Intents ranked by how similar ``phrase`` is to their sample utterances (and the phrases approved for them)."""
    return IntentIndex(intents, approved).rank(phrase)


def near_duplicate_groups(texts: Mapping[str, str], threshold: float = 0.8) -> dict[str, list[str]]:
    """For each key, the other keys whose text is at least ``threshold`` similar.

    Pairwise over the texts given (the pending items of one locale: hundreds,
    not millions, so the quadratic pass costs milliseconds). Texts equal after
    :func:`normalise` always count, whatever the threshold.
    """
    keys = list(texts)
    space = TfidfSpace(texts.values())
    vecs = [space.vector(texts[k]) for k in keys]
    norms = [normalise(texts[k]) for k in keys]
    out: dict[str, list[str]] = {k: [] for k in keys}
    for i in range(len(keys)):
        for j in range(i + 1, len(keys)):
            if norms[i] == norms[j] or _dot(vecs[i], vecs[j]) >= threshold:
                out[keys[i]].append(keys[j])
                out[keys[j]].append(keys[i])
    return out
