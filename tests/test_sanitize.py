"""Untrusted text made safe for a terminal."""

from annotator.sanitize import printable


def test_controls_become_visible() -> None:
    assert printable("a\x1b]0;t\x07b") == "a␛]0;t␇b"
    assert printable("x\x9by\x7f") == "x⟨U+009B⟩y␡"
    assert printable("keep\ttabs\nand lines") == "keep\ttabs\nand lines"
    assert printable("one\ntwo\tthree", single_line=True) == "one two three"


def test_markup_is_untouched_text() -> None:
    assert printable("[b]x[/b] [@click=app.quit]q[/]") == "[b]x[/b] [@click=app.quit]q[/]"
