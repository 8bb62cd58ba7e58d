"""Nicknames a class can tell apart: what a student may call themselves, and when two nicknames
are the same person to the eye.

A nickname is NFKC-normalised (full-width "Ａｎａ" is "Ana"), holds letters of one script
(Unicode TR39's "single script": "Аna" with a Cyrillic А is refused; Japanese may mix Han,
Hiragana and Katakana, Korean Han and Hangul), digits, spaces and - _ . , and nothing a reader
cannot see: format characters (zero-width joiners, soft hyphens) and Hangul fillers (U+3164 and
its kin, which Unicode counts as letters yet draw nothing) are refused. Two nicknames are the
same when their confusable skeletons are (TR39's idea: each character mapped to the prototype
of its look-alikes, "l" and "1", "O" and "0", "rn" and "m"), from the confusables table of the
`confusable-homoglyphs` package. Uses core.messages only."""

from __future__ import annotations

import functools
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
    scripts = set(categories.unique_aliases(name)) - NEUTRAL_SCRIPTS
    if len(scripts) > 1 and not any(scripts <= mix for mix in MIXES):
        names = ", ".join(sorted(s.title() for s in scripts))
        raise Problem(
            "nickname_scripts",
            f"A nickname is written in one alphabet (this one mixes {names}).",
            scripts=names,
        )
    return name


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


def skeleton(nickname: str) -> str:
    """What a nickname looks like, letter case and look-alikes aside: two nicknames with the
    same skeleton are one nickname in a class."""
    name = unicodedata.normalize("NFKC", nickname)
    mapped = "".join(_prototype(c) for c in name).casefold()
    return "".join(_prototype(c) for c in mapped.replace("rn", "m")).casefold()
