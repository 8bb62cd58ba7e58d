"""Nicknames a class can tell apart: what a student may call themselves, and when two nicknames
are the same person to the eye.

A nickname is NFKC-normalised (full-width "Ａｎａ" is "Ana"), holds letters of one script
(Unicode TR39's "single script": "Аna" with a Cyrillic А is refused; Japanese may mix Han,
Hiragana and Katakana, Korean Han and Hangul), digits, spaces and - _ . , and nothing a reader
cannot see: format characters (zero-width joiners, soft hyphens) and Hangul fillers (U+3164 and
its kin, which Unicode counts as letters yet draw nothing) are refused. Two nicknames are the
same when their confusable skeletons are (TR39's idea: each character mapped to the prototype
of its look-alikes, "l" and "1", "O" and "0", "rn" and "m"), from the confusables table of the
`confusable-homoglyphs` package. That table is not transitive (Cyrillic "О" maps to "O", "O" to
"0"), so a skeleton follows it until it settles, then folds the look-alikes the table leaves
apart ("I", "l", "1"; "O", "0"): "lgor" is "Igor", "ТОМ" is "TOM", "Іѕа" is "Isa". A nickname
needs a letter or digit that is not a look-alike of punctuation ("ꓸ" is a dot), and the
placeholder a class with hidden names shows ("Student 7", "Aluno 7") is nobody's nickname. Uses
core.messages only."""

from __future__ import annotations

import functools
import re
import string
import unicodedata

from confusable_homoglyphs import categories, confusables

from core.messages import Problem

NICKNAME_MAX = 24
NICKNAME_MARKS = " -_."  # besides letters and digits
# letters that draw nothing: the Hangul fillers and the braille blank (category So)
BLANK_LETTERS = {"\u115f", "\u1160", "\u3164", "\uffa0", "\u2800"}
# scripts TR39 lets one identifier mix ("highly restrictive"): CJK writing
MIXES = ({"HAN", "HIRAGANA", "KATAKANA"}, {"HAN", "HANGUL"}, {"HAN", "BOPOMOFO"})
NEUTRAL_SCRIPTS = {"COMMON", "INHERITED"}
# after case folding: the look-alikes the confusables table leaves apart
FOLDS = str.maketrans({"i": "l", "1": "l", "|": "l", "0": "o"})
# letters drawn as a dash that the table does not map to "-" (Katakana, Hangul, Han)
DASH_LETTERS = {"\u30fc", "\uff70", "\u3161", "\u1173", "\u4e00"}
# the neutral label of a seat when the class hides names (ui/i18n/*/class.json's
# class.student_label, in every language): refused as a nickname, look-alikes included
PLACEHOLDER_WORDS = ("Student", "Aluno")


def check_nickname(text: str) -> str:
    """A nickname as it will be shown (NFKC, trimmed, inner spaces single), or a Problem
    naming what is wrong: empty, too long, a character not allowed, an invisible one, or
    letters of two scripts."""
    name = " ".join(unicodedata.normalize("NFKC", str(text or "")).split())
    if not name:
        raise Problem("nickname_empty", "Choose a nickname.")
    if len(name) > NICKNAME_MAX:
        raise Problem(
            "nickname_long", f"A nickname has at most {NICKNAME_MAX} characters.", most=NICKNAME_MAX
        )
    hidden = sorted(
        {
            c
            for c in name
            if c in BLANK_LETTERS or unicodedata.category(c) in ("Cf", "Cc", "Co", "Cs", "Cn")
        }
    )
    if hidden:
        shown = " ".join(f"U+{ord(c):04X}" for c in hidden)
        raise Problem(
            "nickname_invisible",
            f"A nickname cannot hold invisible characters ({shown}).",
            chars=shown,
        )
    wrong = sorted(
        {
            c
            for c in name
            if not (c.isalpha() or unicodedata.category(c) == "Nd" or c in NICKNAME_MARKS)
        }
    )
    if wrong:
        shown = " ".join(c if c.isprintable() else f"U+{ord(c):04X}" for c in wrong)
        raise Problem(
            "nickname_chars",
            f"A nickname holds only letters, digits, spaces and - _ . (not {shown}).",
            chars=shown,
        )
    if not any(
        (c.isalpha() or unicodedata.category(c) == "Nd") and not _looks_like_punctuation(c)
        for c in name
    ):
        raise Problem("nickname_no_letter", "A nickname needs at least one letter or digit.")
    if is_placeholder(name):
        raise Problem(
            "nickname_placeholder",
            "This is how the board shows a student when names are hidden: choose another.",
        )
    _check_scripts(name)
    return name


def _check_scripts(name: str) -> None:
    scripts = set(categories.unique_aliases(name)) - NEUTRAL_SCRIPTS
    if len(scripts) > 1 and not any(scripts <= mix for mix in MIXES):
        names = ", ".join(sorted(s.title() for s in scripts))
        raise Problem(
            "nickname_scripts",
            f"A nickname is written in one alphabet (this one mixes {names}).",
            scripts=names,
        )


@functools.lru_cache(maxsize=4096)
def _prototype(char: str) -> str:
    """The character a look-alike group is written as: its ASCII member if it has one (the
    lowest), else the lowest code point of the group."""
    group = [
        char,
        *(h["c"] for h in confusables.confusables_data.get(char, ()) if len(h["c"]) == 1),
    ]
    plain = [c for c in group if c.isascii()]
    return min(plain or group)


def _settled(text: str) -> str:
    """Each character's prototype, followed until it settles (the table is not transitive)."""
    for _ in range(4):
        mapped = "".join(_prototype(c) for c in text)
        if mapped == text:
            break
        text = mapped
    return text


@functools.lru_cache(maxsize=1)
def _punctuation_look_alikes() -> frozenset[str]:
    """Every single character the table lists as a look-alike of an ASCII punctuation mark."""
    return frozenset(
        h["c"]
        for mark in string.punctuation
        for h in confusables.confusables_data.get(mark, ())
        if len(h["c"]) == 1
    )


def _looks_like_punctuation(char: str) -> bool:
    settled = _settled(char)
    return (
        char in DASH_LETTERS
        or char in _punctuation_look_alikes()
        or (settled.isascii() and not settled.isalnum())
    )


def skeleton(nickname: str) -> str:
    """A nickname's canonical key: what it looks like, letter case and look-alikes aside
    (NFKC, the TR39 skeleton followed until it settles, case folded, "rn" as "m", I/l/1 and
    O/0 folded). Two nicknames with the same key are one nickname in a class."""
    name = unicodedata.normalize("NFKC", nickname)
    for _ in range(4):
        mapped = _settled(name).casefold().replace("rn", "m")
        if mapped == name:
            break
        name = mapped
    return name.translate(FOLDS)


@functools.lru_cache(maxsize=1)
def _placeholder() -> re.Pattern:
    words = "|".join(re.escape(skeleton(word)) for word in PLACEHOLDER_WORDS)
    return re.compile(rf"(?:{words})[ ._-]*[0-9lo]+")


def is_placeholder(nickname: str) -> bool:
    """Whether a nickname reads as a hidden-names seat label ("Student 7", "Aluno 12")."""
    return bool(_placeholder().fullmatch(skeleton(nickname)))
