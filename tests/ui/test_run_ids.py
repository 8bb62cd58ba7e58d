"""The run picker's prefixed ids: built and read back in one place."""

import pytest

from ui.runs import ids


def test_each_kind_reads_back_as_built():
    for build, kind in ((ids.zoo, "zoo"), (ids.saved, "saved"), (ids.interrupted, "interrupted")):
        assert ids.parse(build("deep-30")) == (kind, "deep-30")


def test_ids_keep_the_picker_and_link_spelling():
    # saved links and sessions hold these strings: the spelling must not change
    assert ids.zoo("standard") == "zoo:standard"
    assert ids.saved("my run") == "saved:my run"
    assert ids.interrupted("x") == "interrupted:x"


def test_a_session_run_or_anything_else_has_no_kind():
    for other in ("3fa85f64", "", None, "http://x", "unknown:name"):
        assert ids.parse(other) == (None, other or "")
    assert ids.parse("saved:a:b") == ("saved", "a:b")  # only the first colon splits


def test_examples_and_shareable_ids():
    assert ids.is_example("zoo:vae") and not ids.is_example("saved:vae")
    assert ids.is_shareable("zoo:vae") and ids.is_shareable("saved:vae")
    assert not ids.is_shareable("interrupted:vae") and not ids.is_shareable("abc123")
    assert not ids.is_example(None)


def test_an_unknown_kind_is_refused():
    with pytest.raises(ValueError):
        ids.make("lesson", "x")
