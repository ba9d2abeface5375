"""URL rules and the URL map, with an index that answers static paths in one lookup.

werkzeug's :class:`~werkzeug.routing.Map` matches with a state machine and must
be bound to each request's environ first. Most requests in a typical app hit a
rule without converters (``/``, ``/health``, ``/api/items``); for those the map
keeps a dict from path to rules, built when rules change, and the app skips
binding altogether. Every other case — converters, redirects, 404, 405, host
and subdomain matching — goes through werkzeug unchanged.
"""

from __future__ import annotations

import re
import threading
import typing as t

from werkzeug.routing import Map as MapBase
from werkzeug.routing import MapAdapter, ValidationError
from werkzeug.routing import Rule as RuleBase

if t.TYPE_CHECKING:  # pragma: no cover
    from werkzeug.routing import RuleFactory

_StaticIndex = dict[str, tuple["RuleBase", ...]]

# Bound adapters kept per map; more distinct hosts than this start a new cache.
_ADAPTER_CACHE_SIZE = 64


class Rule(RuleBase):
    """A URL rule that also remembers whether OPTIONS is answered automatically."""

    provide_automatic_options: bool = False

    def empty(self) -> Rule:
        """An unbound copy of this rule, keeping ``provide_automatic_options``."""
        rv = t.cast(Rule, super().empty())
        rv.provide_automatic_options = self.provide_automatic_options
        return rv


class Map(MapBase):
    """A werkzeug URL map that indexes its static rules and caches bound adapters."""

    def __init__(self, *args: t.Any, **kwargs: t.Any) -> None:
        super().__init__(*args, **kwargs)
        self._static_index: _StaticIndex | None = None
        # First path segments a non-indexed rule can start with; None: any.
        self._first_segments: frozenset[str] | None = frozenset()
        self._walker: _Walker | None = None
        self._adapters: dict[t.Hashable, MapAdapter] = {}
        self._index_lock = threading.Lock()

    def add(self, rulefactory: RuleFactory) -> None:
        """Add a rule (or rule factory); the static index is rebuilt on next use."""
        super().add(rulefactory)
        self._static_index = None
        self._walker = None
        self._adapters = {}

    def cached_adapter(
        self, key: t.Hashable, bind: t.Callable[[], MapAdapter]
    ) -> MapAdapter:
        """Return the adapter bound for ``key``, binding it with ``bind()`` once."""
        adapters = self._adapters
        adapter = adapters.get(key)
        if adapter is None:
            adapter = bind()
            if len(adapters) >= _ADAPTER_CACHE_SIZE:
                adapters = self._adapters = {}
            adapters[key] = adapter
        return adapter

    def match_static(
        self, path: str, method: str
    ) -> tuple[RuleBase, dict[str, t.Any]] | None:
        """Match ``path`` against rules without converters, or return ``None``.

        ``None`` means "ask werkzeug": the path has no static rule, or none of
        its static rules allows ``method``. Only valid when neither host nor
        subdomain matching is in use (the app checks that).
        """
        index = self._static_index
        if index is None:
            index = self._build_static_index()
        rules = index.get(path)
        if rules is not None:
            for rule in rules:
                if rule.methods is None or method in rule.methods:
                    return rule, dict(rule.defaults) if rule.defaults else {}
        return None

    def match_dynamic(
        self, path: str, method: str
    ) -> tuple[RuleBase, dict[str, t.Any]] | None:
        """Match ``path`` the way werkzeug does, or return ``None`` to ask werkzeug.

        Walks werkzeug's own state machine in werkzeug's order, with its
        patterns compiled once, and gives up (``None``) on everything that is
        not a plain match: 404, 405, redirects, aliases, converter errors.
        Same conditions as :meth:`match_static`.
        """
        walker = self._walker
        if walker is None:
            walker = self._walker = _Walker.build(self)
        return walker.match(path, method)

    def certainly_missing(self, path: str) -> bool:
        """Whether werkzeug would answer ``path`` with 404 whatever the method.

        True only when no static rule has the path (with or without a trailing
        slash) and no other rule can start with its first segment; anything
        doubtful returns False and goes to werkzeug.
        """
        index = self._static_index
        if index is None:
            index = self._build_static_index()
        first_segments = self._first_segments
        if first_segments is None or "//" in path:
            return False
        if path.lstrip("/").partition("/")[0] in first_segments:
            return False
        if path in index or f"{path}/" in index:
            return False
        return not (path.endswith("/") and path[:-1] in index)

    def _build_static_index(self) -> _StaticIndex:
        with self._index_lock:
            self.update()
            index: dict[str, list[RuleBase]] = {}
            with_defaults = (
                {rule.endpoint for rule in self._rules if rule.defaults}
                if self.redirect_defaults
                else set()
            )
            first_segments: set[str] | None = set()
            for rule in self._rules:
                if self._is_plain_static(rule, with_defaults):
                    index.setdefault(rule.rule, []).append(rule)
                elif first_segments is not None:
                    first = rule.rule.lstrip("/").partition("/")[0]
                    if "<" in first or rule.host or rule.subdomain:
                        first_segments = None
                    else:
                        first_segments.add(first)
            frozen = {path: tuple(rules) for path, rules in index.items()}
            self._first_segments = (
                None if first_segments is None else frozenset(first_segments)
            )
            self._static_index = frozen
            return frozen

    def _is_plain_static(self, rule: RuleBase, with_defaults: set[t.Any]) -> bool:
        # A rule werkzeug would answer with exactly (rule, defaults): no
        # converters, no redirect, no alias, no host or subdomain of its own,
        # and no sibling rule that could turn the match into a redirect.
        if rule.arguments or rule.build_only or rule.alias or rule.websocket:
            return False
        if rule.redirect_to is not None or rule.host:
            return False
        if rule.subdomain != (self.default_subdomain or ""):
            return False
        if not rule.rule.startswith("/") or "//" in rule.rule:
            return False
        siblings = self._rules_by_endpoint.get(rule.endpoint, ())
        return not (rule.endpoint in with_defaults and len(siblings) > 1)


class _GiveUp(Exception):
    """Raised inside the walk where werkzeug would redirect (slash required)."""


class _Walker:
    """A faster walk of werkzeug's routing state machine, for plain matches.

    werkzeug's matcher recompiles (from its cache) each part's pattern and
    copies the remaining path segments at every step. This walk visits the
    same states in the same order — static transitions first, then dynamic
    ones by weight, with backtracking — so any match it finds is the one
    werkzeug finds. Rules whose match werkzeug post-processes (redirects,
    aliases, defaults redirects) are left to werkzeug.
    """

    def __init__(
        self,
        root: t.Any,
        domain: str,
        patterns: dict[int, tuple[re.Pattern[str], tuple[str, ...]]],
        delegated: set[int],
    ) -> None:
        self.root = root
        self.domain = domain
        self.patterns = patterns
        self.delegated = delegated

    @classmethod
    def build(cls, url_map: Map) -> _Walker:
        url_map.update()
        root = getattr(getattr(url_map, "_matcher", None), "_root", None)
        if root is None:  # pragma: no cover -- a werkzeug without the state machine
            return cls(None, "", {}, set())
        patterns: dict[int, tuple[re.Pattern[str], tuple[str, ...]]] = {}
        stack = [root]
        while stack:
            state = stack.pop()
            stack.extend(state.static.values())
            for part, next_state in state.dynamic:
                pattern = re.compile(part.content)
                names = tuple(
                    name
                    for name in sorted(pattern.groupindex)
                    if name[:11] == "__werkzeug_"
                )
                patterns[id(part)] = (pattern, names)
                stack.append(next_state)
        delegated = set()  # ids: rules compare by value and are unhashable
        for rule in url_map._rules:
            if cls._post_processed(url_map, rule):
                delegated.add(id(rule))
        return cls(root, url_map.default_subdomain or "", patterns, delegated)

    @staticmethod
    def _post_processed(url_map: Map, rule: RuleBase) -> bool:
        # Rules whose matches werkzeug turns into redirects afterwards.
        if rule.redirect_to is not None or rule.alias or rule.websocket:
            return True
        return url_map.redirect_defaults and any(
            other.provides_defaults_for(rule)
            for other in url_map._rules_by_endpoint[rule.endpoint]
        )

    def match(self, path: str, method: str) -> tuple[RuleBase, dict[str, t.Any]] | None:
        if self.root is None:  # pragma: no cover -- see build()
            return None
        parts = [self.domain, *path.split("/")]
        try:
            found = self._walk(self.root, parts, 0, method, [])
        except _GiveUp:
            return None
        if found is None:
            return None
        rule, values = found
        if id(rule) in self.delegated:
            return None
        converters = rule._converters
        result: dict[str, t.Any] = {}
        try:
            for name, value in zip(converters, values, strict=False):
                result[name] = converters[name].to_python(value)
        except ValidationError:
            return None
        if rule.defaults:
            result.update(rule.defaults)
        return rule, result

    def _walk(
        self, state: t.Any, parts: list[str], i: int, method: str, values: list[str]
    ) -> tuple[RuleBase, list[str]] | None:
        if i == len(parts):
            for rule in state.rules:
                if not rule.websocket and (
                    rule.methods is None or method in rule.methods
                ):
                    return rule, values
            slash_state = state.static.get("")
            if slash_state is not None:
                for rule in slash_state.rules:
                    if not rule.websocket and (
                        rule.methods is None or method in rule.methods
                    ):
                        if rule.strict_slashes:
                            raise _GiveUp
                        return rule, values
            return None
        part = parts[i]
        next_state = state.static.get(part)
        if next_state is not None:
            found = self._walk(next_state, parts, i + 1, method, values)
            if found is not None:
                return found
        for test_part, next_state in state.dynamic:
            if test_part.final:
                target = "/".join(parts[i:])
                rest, j = parts, len(parts)
            else:
                target = part
                rest, j = parts, i + 1
            pattern, names = self.patterns[id(test_part)]
            match = pattern.match(target)
            if match is not None:
                if test_part.suffixed and match.groups()[-1] == "/":
                    rest, j = [""], 0
                found = self._walk(
                    next_state, rest, j, method, values + [match[n] for n in names]
                )
                if found is not None:
                    return found
        if i == len(parts) - 1 and part == "":
            for rule in state.rules:
                if (
                    not rule.strict_slashes
                    and not rule.websocket
                    and (rule.methods is None or method in rule.methods)
                ):
                    return rule, values
        return None


def wsgi_path_info(environ: t.Mapping[str, t.Any]) -> str:
    """PATH_INFO as the str werkzeug routes on (WSGI latin-1 undone to UTF-8)."""
    value: str = environ.get("PATH_INFO") or ""
    if value.isascii():
        return value
    return value.encode("latin-1").decode(errors="replace")
