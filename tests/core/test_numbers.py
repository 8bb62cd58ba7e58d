"""One number formatter (core.numbers) for the reports and the app's texts (ui.i18n.number wraps
it: tests/ui/test_i18n.py, test_locale_numbers.py)."""

from __future__ import annotations

import math

from core import numbers


def test_a_number_in_each_language():
    assert (
        numbers.fixed(1234.5, 1, "pt") == "1.234,5" and numbers.fixed(1234.5, 1, "en") == "1,234.5"
    )
    assert numbers.fixed(0.5, 2, "pt") == "0,50"
    assert numbers.significant(31.2649, 4, "pt") == "31,26"
    assert numbers.significant(0.000015, 2, "en") == "1.5e-05"
    assert numbers.significant(123456.7, 4, "pt") == "123.457"  # whole, thousands separated
    assert numbers.significant(None, 4, "en") == numbers.significant(math.nan, 4, "pt") == "-"
    assert numbers.whole(12345.4, "pt") == "12.345" and numbers.whole(7, "en") == "7"
