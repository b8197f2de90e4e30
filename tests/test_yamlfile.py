"""The bounded YAML loader on libyaml's parser: the same limits and lines as before."""

from __future__ import annotations

import pytest
import yaml

from semwb.yamlfile import MAX_DEPTH, BoundedLoader, compose, safe_load


def test_events_come_from_libyaml_and_nodes_are_composed_in_python() -> None:
    if yaml.__with_libyaml__:
        assert yaml.CSafeLoader in BoundedLoader.__mro__
    assert BoundedLoader.__mro__[1] is yaml.composer.Composer  # its checks run on every node


def test_values_and_lines() -> None:
    assert safe_load("a: 1\nb: [x, {c: 2.5}]\nd: null\n") == {"a": 1, "b": ["x", {"c": 2.5}],
                                                               "d": None}
    root, _ = compose("a: 1\nb:\n  - x\n  - y\n")
    assert root is not None
    (key_a, _), (key_b, items) = root.value
    assert (key_a.start_mark.line, key_b.start_mark.line) == (0, 1)
    assert [n.start_mark.line for n in items.value] == [2, 3]


@pytest.mark.parametrize(("text", "line", "problem"), [
    ("a: &x 1\nb: *x\n", 2, "alias '*x' is not allowed"),
    ("a:\n" + "".join("  " * k + "- \n" for k in range(1, MAX_DEPTH + 5)), None,
     f"nested more than {MAX_DEPTH} levels"),
    ("x: " + "[" * 2000 + "]" * 2000 + "\n", 1, f"nested more than {MAX_DEPTH} levels"),
    ("a: b: c\n", 1, "mapping values are not allowed"),
    ("model: [m\n", 2, "did not find expected"),
    ("a: 1\nb:\n  c: 2\n  <<: {c: 3}\n", 4, "the merge key '<<' is not allowed"),
])
def test_refusals_name_their_line_and_rule(text: str, line: int | None, problem: str) -> None:
    with pytest.raises(yaml.YAMLError) as caught:
        safe_load(text)
    mark = getattr(caught.value, "problem_mark", None)
    assert mark is not None
    if line is not None:
        assert mark.line + 1 == line
    assert problem in str(getattr(caught.value, "problem", ""))
