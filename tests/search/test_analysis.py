"""Folding is what makes 'lodz' find Łódź: the fast table must agree with its definition."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from search.analysis import fold, fold_by_decomposition, terms


@given(st.text(max_size=40))
def test_fold_agrees_with_unicode_decomposition(text):
    assert fold(text) == fold_by_decomposition(text)


def test_polish_and_other_letters_fold_to_what_buyers_type():
    assert fold("Łódź ŻÓŁĆ") == "lodz zolc"
    assert fold("Straße Øresund Æble") == "strasse oresund aeble"
    assert fold("ｓｔｅｅｌ") == "steel"  # full-width letters from East Asian keyboards


def test_terms_are_folded_and_stemmed():
    assert terms("Rury stalowe, Pipes") == ["ruri", "stalow", "pipe"]  # English stemmer on all text


@given(st.lists(st.text(max_size=30), max_size=5))
def test_parts_analysed_apart_give_the_terms_of_the_whole(parts):
    """A reindex analyses a seller's name and a category path once and reuses the terms."""
    whole = terms(" ".join(parts))
    assert whole == [term for part in parts for term in terms(part)]


def test_text_beyond_the_basic_plane_folds_too():
    assert fold("𝐒𝐭𝐞𝐞𝐥 Łódź 😀") == "steel lodz 😀"
