"""HTML compared by structure, for ``assert_contains(..., html=True)``.

Both sides are parsed into trees of ``(tag, attributes, children)`` tuples:
tag names and attribute order do not matter, runs of whitespace count as one
space, whitespace-only text is dropped, and ``class`` lists are compared as
sorted sets. Then the needle's nodes are counted in the haystack's tree.
"""

from __future__ import annotations

import typing as t
from html.parser import HTMLParser

#: An element ``(tag, sorted attributes, children)`` or a text node.
Node = tuple[str, tuple[tuple[str, str], ...], tuple[t.Any, ...]] | str

_VOID = frozenset(
    {
        *("area", "base", "br", "col", "embed", "hr", "img", "input"),
        *("link", "meta", "param", "source", "track", "wbr"),
    }
)


class _TreeBuilder(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        # Each open element: [tag, attributes, children].
        self.stack: list[list[t.Any]] = [["", (), []]]

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        normal = []
        for name, value in attrs:
            value = value or ""
            if name == "class":
                value = " ".join(sorted(value.split()))
            normal.append((name, " ".join(value.split())))
        element: list[t.Any] = [tag, tuple(sorted(normal)), []]
        if tag in _VOID:
            self.stack[-1][2].append(_freeze(element))
        else:
            self.stack.append(element)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)
        if tag not in _VOID:
            self.handle_endtag(tag)

    def handle_endtag(self, tag: str) -> None:
        tags = [element[0] for element in self.stack]
        if tag not in tags[1:]:
            return  # a stray end tag
        while True:
            element = self.stack.pop()
            self.stack[-1][2].append(_freeze(element))
            if element[0] == tag:
                return

    def handle_data(self, data: str) -> None:
        # Kept raw: text split by a comment or a character reference is joined
        # before its whitespace is normalized (see _freeze).
        self.stack[-1][2].append(data)

    def nodes(self) -> tuple[Node, ...]:
        self.close()
        while len(self.stack) > 1:
            element = self.stack.pop()
            self.stack[-1][2].append(_freeze(element))
        return _children(self.stack[0][2])


def _children(nodes: list[t.Any]) -> tuple[Node, ...]:
    children: list[Node] = []
    text: list[str] = []
    for node in [*nodes, None]:
        if isinstance(node, str):
            text.append(node)
            continue
        normal = " ".join("".join(text).split())
        if normal:
            children.append(normal)
        text.clear()
        if node is not None:
            children.append(node)
    return tuple(children)


def _freeze(element: list[t.Any]) -> Node:
    return (element[0], element[1], _children(element[2]))


def parse(html: str) -> tuple[Node, ...]:
    """The top-level nodes of ``html``."""
    builder = _TreeBuilder()
    builder.feed(html)
    return builder.nodes()


def count(needle: str, haystack: str) -> int:
    """How many times the HTML ``needle`` occurs in the HTML ``haystack``."""
    wanted = parse(needle)
    if not wanted:
        return 0
    return _count(wanted, parse(haystack))


def _count(wanted: tuple[Node, ...], nodes: tuple[Node, ...]) -> int:
    found = 0
    size = len(wanted)
    if size == 1 and isinstance(wanted[0], str):
        found += sum(node.count(wanted[0]) for node in nodes if isinstance(node, str))
    else:
        found += sum(
            1 for i in range(len(nodes) - size + 1) if nodes[i : i + size] == wanted
        )
    for node in nodes:
        if not isinstance(node, str):
            found += _count(wanted, node[2])
    return found
