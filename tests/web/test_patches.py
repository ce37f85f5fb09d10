"""The live part's patches: only the lines that changed, and the page's side agrees."""

from __future__ import annotations

from hub.web.patches import LivePatches, apply_patch, line_patch, version_of


def test_a_patch_carries_only_the_changed_lines_and_rebuilds_the_new_text() -> None:
    old = ["<p>", "n = 12", "<svg>", "<g>a</g>", "<g>b</g>", "</svg>", "</p>"]
    new = ["<p>", "n = 13", "<svg>", "<g>a</g>", "<g>b2</g>", "<g>c</g>", "</svg>", "</p>"]
    patch = line_patch(old, new)
    assert patch == [[1, 2, ["n = 13"]], [4, 5, ["<g>b2</g>", "<g>c</g>"]]]
    assert apply_patch(old, patch) == new
    assert apply_patch(new, line_patch(new, old)) == old
    assert line_patch(new, new) == []


def test_the_hub_answers_a_known_version_with_a_patch_and_an_unknown_one_with_the_text() -> None:
    patches = LivePatches(keep=2)
    first = "<p>\nn = 1\n</p>"
    assert patches.answer(first, "") == {"version": version_of(first), "html": first}
    second = "<p>\nn = 2\n</p>"
    answer = patches.answer(second, version_of(first))
    assert answer == {"version": version_of(second), "patch": [[1, 2, ["n = 2"]]]}
    assert patches.answer(second, version_of(second))["patch"] == []
    for n in range(3, 6):  # older versions are forgotten: the whole text again
        patches.answer(f"<p>\nn = {n}\n</p>", "")
    assert "html" in patches.answer(first, version_of(first))
