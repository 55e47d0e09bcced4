"""Bad input for the spec reader and decode_text: clear errors naming the file, never a crash."""

from __future__ import annotations

import time

import pytest

from kanbanger_daemon.core.specs.decode import MAX_INPUT_BYTES, decode_text
from kanbanger_daemon.core.specs.parse import parse_spec
from kanbanger_daemon.errors import InputError

FIFTY_MB = 50 * 1024 * 1024


def test_decode_text_accepts_utf8_with_or_without_bom() -> None:
    assert decode_text("## Task 1: café\n".encode(), file="spec_x.md") == "## Task 1: café\n"
    assert decode_text(b"\xef\xbb\xbf# T\n", file="spec_x.md") == "# T\n"


def test_binary_content_names_the_file_and_line() -> None:
    with pytest.raises(InputError) as caught:
        decode_text(b"# Spec\n\n\x89PNG\x00\x00", file="spec_x.md")
    assert caught.value.file == "spec_x.md" and caught.value.line == 3
    assert "binary" in str(caught.value) and str(caught.value).startswith("spec_x.md:3:")


def test_non_utf8_names_the_byte_offset_and_line() -> None:
    with pytest.raises(InputError) as caught:
        decode_text(b"# Spec\n## Task 1: caf\xe9\n", file="spec_x.md")
    assert caught.value.line == 2
    # 7 + 14 bytes come before the bad one
    assert "not UTF-8" in str(caught.value) and "byte offset 21" in str(caught.value)


def test_utf16_is_refused_with_advice() -> None:
    with pytest.raises(InputError, match="UTF-8"):
        decode_text("# Spec\n".encode("utf-16"), file="spec_x.md")


def test_a_file_over_the_cap_is_refused_quickly() -> None:
    with pytest.raises(InputError, match="too large"):
        decode_text(b"a" * (MAX_INPUT_BYTES + 1), file="spec_x.md")
    started = time.perf_counter()
    spec = parse_spec("## Task 1: x\n" * (FIFTY_MB // 13), file="spec_big.md")
    assert time.perf_counter() - started < 5  # refused up front, not parsed
    assert spec.tasks == []
    (error,) = spec.diagnostics
    assert error.severity == "error" and "too large" in error.message


def test_a_large_file_under_the_cap_parses_in_linear_time() -> None:
    unit = "## Task 1: T\n- **Step [1]:** s\n  - **Critical:** true\n" + "x " * 40 + "\n"
    small, large = unit * 2_000, unit * 32_000  # ~0.3 MB and ~4.5 MB
    timings = []
    for text in (small, large):
        started = time.perf_counter()
        parse_spec(text, file="spec_x.md")
        timings.append(time.perf_counter() - started)
    # 16x the input must not cost anywhere near 16^2 = 256x the time (generous for noisy CI).
    assert timings[1] < max(timings[0], 0.01) * 80


@pytest.mark.parametrize(
    "line",
    [" " * 200_000 + "x", "#" * 100_000 + " " + "#" * 100_000, "`" * 200_000,
     "- Step 1.1: " + " " * 200_000 + "(critical)", "  - **" + "a" * 200_000 + ":** x",
     "*" * 200_000, "1" * 200_000 + ". x"],
)
def test_pathological_long_lines_are_quick(line: str) -> None:
    started = time.perf_counter()
    parse_spec(f"## Task 1: T\n{line}\n" * 20, file="spec_x.md")
    assert time.perf_counter() - started < 5


def test_empty_file_is_an_error() -> None:
    for text in ("", "\n\n   \n"):
        (error,) = parse_spec(text, file="spec_x.md").diagnostics
        assert (error.severity, error.line, error.message) == ("error", 1, "empty file")


def test_broken_markdown_still_yields_what_can_be_read() -> None:
    spec = parse_spec(
        "## Task 1: T\n- **Step [1:** unclosed\n### Task [: nothing\n####### Task 2: seven\n"
        "- **Step [2]:** fine\n  - **Critical:**\n", file="spec_x.md",
    )
    assert [t.id for t in spec.tasks] == ["1"]
    assert [s.id for s in spec.tasks[0].steps] == ["2"]


def test_many_problems_are_capped() -> None:
    spec = parse_spec("## Task 1: T\n" * 500, file="spec_x.md")
    assert len(spec.diagnostics) == 51
    assert spec.diagnostics[-1].message == "449 more problems not shown"
