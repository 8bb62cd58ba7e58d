"""Nicknames a class tells apart (issue 36, item 7b, a security review): one canonical key per
nickname, compared across every look-alike at once; a nickname with a letter or digit; the
hidden-names placeholder refused in every language."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from core.classroom import teachers
from core.classroom.members import join
from core.classroom.nicknames import check_nickname, skeleton
from tests.fakes import refused

CATALOGS = Path(__file__).resolve().parents[3] / "ui" / "i18n"


@pytest.mark.parametrize(
    "taken, look_alike",
    [
        ("Igor", "lgor"),  # a small L for a capital i
        ("TOM", "ТОМ"),  # Cyrillic Т, О, М
        ("Isa", "Іѕа"),  # Cyrillic І, ѕ, а
        ("Bob", "B0b"),  # a zero for an o
        ("Ana", "Ａｎａ"),  # full-width letters
    ],
)
def test_look_alikes_share_one_key_and_one_seat(taken, look_alike):
    assert skeleton(taken) == skeleton(look_alike)
    code = teachers.create_class(owner="t").code
    assert join(code, taken, owner="a").nickname == taken
    second = join(code, look_alike, owner="b")
    assert second.nickname == f"{check_nickname(look_alike)}-2"


def test_the_key_is_one_whichever_look_alike_comes_first():
    """Not pairwise: every member of a look-alike family maps to the same key."""
    for family in (["Igor", "lgor", "1gor", "IGOR"], ["TOM", "ТОМ", "T0M", "tom"]):
        assert len({skeleton(name) for name in family}) == 1
        code = teachers.create_class(owner="t").code
        seats = [join(code, name, owner=f"o{i}").nickname for i, name in enumerate(family)]
        assert seats == [family[0], *(f"{name}-{i}" for i, name in enumerate(family[1:], 2))]


def test_different_nicknames_keep_different_keys():
    names = ["Ana", "Bia", "Caio", "João", "Zoë 7", "李雷", "m-1_2.3"]
    assert len({skeleton(name) for name in names}) == len(names)


@pytest.mark.parametrize("name", [".", "-", "_", "- _ .", "...", "ꓸꓸ", "Ⲻ", "ーー"])
def test_a_nickname_needs_a_letter_or_digit_that_is_not_punctuation(name):
    refused("nickname_no_letter", check_nickname, name)


@pytest.mark.parametrize("name", ["Ana.", "-x-", "7", "ルーク"])
def test_marks_beside_a_letter_or_digit_are_fine(name):
    assert check_nickname(name) == name


def _placeholders() -> list[str]:
    """The hidden-names label of each language, as the board shows seats 7 and 12."""
    found = []
    for language in ("en", "pt"):
        label = json.loads((CATALOGS / language / "class.json").read_text("utf-8"))
        found += [label["student_label"].format(seat=seat) for seat in (7, 12)]
    return found


@pytest.mark.parametrize(
    "name", [*_placeholders(), "student 7", "ALUNO 7", "Aluno-7", "Student 1O", "АLUNО 3"]
)
def test_the_hidden_names_placeholder_is_refused_in_every_language(name):
    assert "Student 7" in _placeholders() and "Aluno 7" in _placeholders()
    refused("nickname_placeholder", check_nickname, name)


@pytest.mark.parametrize("name", ["Student", "Aluno", "Aluna 7", "Studentx 7"])
def test_words_near_the_placeholder_stay_free(name):
    assert check_nickname(name) == name
