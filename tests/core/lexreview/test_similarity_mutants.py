"""Intent ranking and near-duplicate rules pinned tightly enough that a changed
weight, count or character class shows (the surviving mutants of
core/lexreview/similarity.py listed in docs/testing.md)."""

from __future__ import annotations

import pytest

from opsconsole.core.lexreview.similarity import (
    IntentIndex,
    TfidfSpace,
    _stem,
    cosine,
    near_duplicate_groups,
    normalise,
)

LOCALE = {
    "CheckBalance": ["what is my balance", "show my account balance", "how much money do I have"],
    "TransferFunds": ["move {Amount} to savings", "transfer money to my savings account", "send money"],
    "OnlyASlot": ["{Amount}"],
}


@pytest.mark.parametrize(
    ("phrase", "expected"),
    [
        # an exact sample: mostly its best match, a little of the centroid
        ("what is my balance", [("CheckBalance", 0.9435), ("TransferFunds", 0.0815), ("OnlyASlot", 0.0)]),
        # a repeated word and a word no sample has (the default weight)
        ("balance balance please", [("CheckBalance", 0.4295), ("OnlyASlot", 0.0), ("TransferFunds", 0.0)]),
        ("transfer transfer to savings today", [("TransferFunds", 0.6408), ("CheckBalance", 0.0), ("OnlyASlot", 0.0)]),
    ],
)
def test_rank_gives_the_scores_the_review_table_shows(phrase, expected):
    assert IntentIndex(LOCALE).rank(phrase) == expected


def test_a_slot_in_a_sample_is_no_word_of_the_sample():
    with_slot = IntentIndex({"T": ["move {Amount} to savings"]}).rank("move to savings")
    without = IntentIndex({"T": ["move to savings"]}).rank("move to savings")
    assert with_slot == without == [("T", 1.0)]


@pytest.mark.parametrize(
    ("word", "stem"),
    [("cards", "card"), ("cars", "car"), ("yes", "yes"), ("bus", "bus"), ("address", "address"), ("access", "access")],
)
def test_plural_s_comes_off_words_of_four_letters_or_more_not_off_ss(word, stem):
    assert _stem(word) == stem


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("card\u200bs", "cards"),  # zero-width space (Cf): invisible, not a break
        ("ca\u200drd number", "card number"),  # zero-width joiner
        ("card\x00number", "card number"),  # a control character (Cc) separates
        ("2^3", "2 3"),  # a modifier symbol (Sk) separates
        ("card\U0001f600number", "card number"),  # an emoji (So) separates
    ],
)
def test_normalise_drops_invisible_marks_and_splits_on_controls_and_symbols(text, expected):
    assert normalise(text) == expected


def test_a_pair_exactly_at_the_threshold_counts_as_near_duplicate():
    texts = {"a": "move money to savings", "b": "move cash to my savings"}
    space = TfidfSpace(texts.values())
    at = cosine(space.vector(texts["a"]), space.vector(texts["b"]))
    assert 0 < at < 1
    assert near_duplicate_groups(texts, threshold=at) == {"a": ["b"], "b": ["a"]}
    assert near_duplicate_groups(texts, threshold=at + 1e-9) == {"a": [], "b": []}
