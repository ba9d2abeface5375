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

from werkzeug.routing import (
    BaseConverter,
    IntegerConverter,
    MapAdapter,
    ValidationError,
)
from werkzeug.routing import Map as MapBase
from werkzeug.routing import Rule as RuleBase

if t.TYPE_CHECKING:  # pragma: no cover
    from werkzeug.routing import RuleFactory

_StaticIndex = dict[str, tuple["RuleBase", ...]]
# The static index and the first path segments a non-indexed rule can start
# with (None: any), built together so that readers never mix two versions.
_Static = tuple[_StaticIndex, "frozenset[str] | None"]

# Bound adapters kept per map; more distinct hosts than this start a new cache.
_ADAPTER_CACHE_SIZE = 64


class RuleBuild(t.NamedTuple):
    """The one rule an endpoint builds from, and the subdomain it lives on."""

    rule: Rule
    subdomain: str
    #: The rule's arguments, all of which a build must be given ...
    arguments: frozenset[str]
    #: ... when the rule has no defaults (then nothing else decides).
    plain: bool
    #: werkzeug's compiled builder of the rule (path and query string), when the
    #: rule class builds with it unchanged; else None and ``rule.build`` is used.
    compiled: t.Callable[..., tuple[str, str]] | None


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
        self._index_lock = threading.Lock()
        self._static: _Static | None = None
        self._walker: _Walker | None = None
        self._adapters: dict[t.Hashable, MapAdapter] = {}
        self._build_plans: dict[str, RuleBuild | None] = {}
        super().__init__(*args, **kwargs)

    def add(self, rulefactory: RuleFactory) -> None:
        """Add a rule (or rule factory); the static index is rebuilt on next use.

        Rules may be added while requests are matched in other threads: the
        index and the walker are built from a settled map (never during an
        add) and keep their own copy of what they need, so a request in flight
        sees the rules from before or after the add, never half of it.
        """
        with self._index_lock, self._remap_lock:
            super().add(rulefactory)
            self._static = None
            self._walker = None
            self._adapters = {}
            self._build_plans = {}

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

    def build_plan(self, endpoint: str) -> RuleBuild | None:
        """The single rule ``url_for`` may build ``endpoint`` from directly.

        ``None`` when werkzeug must choose: the endpoint has several rules (or
        none), or its rule is a websocket or host rule, or the map matches
        hosts. Decided once per endpoint until a rule is added.
        """
        plans = self._build_plans
        try:
            return plans[endpoint]
        except KeyError:
            pass
        self.update()
        rules = self._rules_by_endpoint.get(endpoint, ())
        plan = None
        if len(rules) == 1 and not self.host_matching:
            rule = rules[0]
            if not rule.websocket and not rule.host:
                plan = RuleBuild(
                    t.cast(Rule, rule),
                    rule.subdomain or "",
                    frozenset(rule.arguments),
                    not rule.defaults,
                    rule._build_unknown if type(rule).build is RuleBase.build else None,
                )
        plans[endpoint] = plan
        return plan

    def match_dynamic(
        self, path: str, method: str
    ) -> tuple[RuleBase, dict[str, t.Any]] | None:
        """Match ``path`` the way werkzeug does, or return ``None`` to ask werkzeug.

        Walks werkzeug's own state machine in werkzeug's order, with its
        patterns compiled once, and gives up (``None``) on everything that is
        not a plain match: 404, 405, redirects, aliases, converter errors.
        Same conditions as :meth:`match_path`.
        """
        walker = self._walker
        if walker is None:
            with self._index_lock:
                walker = self._walker
                if walker is None:
                    walker = self._walker = _Walker.build(self)
        return walker.match(path, method)

    def match_path(
        self, path: str, method: str
    ) -> tuple[RuleBase, dict[str, t.Any]] | None:
        """Match a request path the way werkzeug does, or return ``None`` to ask it.

        A path with a static rule for ``method`` is answered from an index;
        any other goes to :meth:`match_dynamic`. ``None`` means "ask werkzeug":
        404, 405, redirects and anything else that is not a plain match. Only
        valid when neither host nor subdomain matching is in use (the app
        checks that).
        """
        static = self._static
        if static is None:
            static = self._build_static_index()
        rules = static[0].get(path)
        if rules is not None:
            for rule in rules:
                if rule.methods is None or method in rule.methods:
                    return rule, dict(rule.defaults) if rule.defaults else {}
        walker = self._walker
        if walker is None:
            return self.match_dynamic(path, method)
        return walker.match(path, method)

    def certainly_missing(self, path: str) -> bool:
        """Whether werkzeug would answer ``path`` with 404 whatever the method.

        True only when no static rule has the path (with or without a trailing
        slash) and no other rule can start with its first segment; anything
        doubtful returns False and goes to werkzeug.
        """
        static = self._static
        if static is None:
            static = self._build_static_index()
        index, first_segments = static
        if first_segments is None or "//" in path:
            return False
        if path.lstrip("/").partition("/")[0] in first_segments:
            return False
        if path in index or f"{path}/" in index:
            return False
        return not (path.endswith("/") and path[:-1] in index)

    def _build_static_index(self) -> _Static:
        with self._index_lock:
            static = self._static
            if static is not None:
                return static
            self.update()
            with_defaults = (
                {rule.endpoint for rule in self._rules if rule.defaults}
                if self.redirect_defaults
                else set()
            )
            # werkzeug answers a static path with the first rule of its state
            # that allows the method, so a path is indexed only when every
            # rule werkzeug keeps there is plain; one redirect, alias or the
            # like anywhere in that list leaves the whole path to werkzeug.
            by_path: dict[str, list[tuple[RuleBase, bool]]] = {}
            others: list[RuleBase] = []
            for rule in self._rules:
                if rule.build_only:
                    continue  # never matched
                # A rule's arguments include its defaults: ask for converters.
                if rule._converters or rule.subdomain != (self.default_subdomain or ""):
                    others.append(rule)
                    continue
                path = rule.rule
                if rule.merge_slashes:
                    path = re.sub("/{2,}", "/", path)
                plain = self._is_plain_static(rule, with_defaults)
                by_path.setdefault(path, []).append((rule, plain))
            index: _StaticIndex = {}
            for path, entries in by_path.items():
                if all(plain for _, plain in entries):
                    index[path] = tuple(rule for rule, _ in entries)
                else:
                    others.extend(rule for rule, _ in entries)
            firsts = [rule.rule.lstrip("/").partition("/")[0] for rule in others]
            anywhere = any(
                "<" in first or rule.host or rule.subdomain
                for first, rule in zip(firsts, others, strict=True)
            )
            static = self._static = (index, None if anywhere else frozenset(firsts))
            return static

    def _is_plain_static(self, rule: RuleBase, with_defaults: set[t.Any]) -> bool:
        # A rule werkzeug would answer with exactly (rule, defaults): no
        # converters, no redirect, no alias, no host or subdomain of its own,
        # and no sibling rule that could turn the match into a redirect.
        if rule.arguments or rule.build_only or rule.alias or rule.websocket:
            return False
        if rule.redirect_to is not None or rule.host:
            return False
        if not rule.rule.startswith("/") or "//" in rule.rule:
            return False
        siblings = self._rules_by_endpoint.get(rule.endpoint, ())
        return not (rule.endpoint in with_defaults and len(siblings) > 1)


class _GiveUp(Exception):
    """Raised inside the walk where werkzeug would redirect (slash required)."""


#: How a walk match becomes view arguments: (name, how to convert) pairs; see
#: :func:`_to_python`.
_Plan = tuple[tuple[str, t.Callable[[str], t.Any] | None], ...]
#: A rule's captured strings -> its view arguments (may raise ValidationError).
_Convert = t.Callable[[list[str]], dict[str, t.Any]]


def _converting(plan: _Plan) -> _Convert:
    """The function that turns a rule's captured strings into view arguments."""
    if len(plan) == 1:
        ((name, to_python),) = plan
        if to_python is None:
            return lambda values: {name: values[0]}
        return lambda values: {name: to_python(values[0])}

    def convert(values: list[str]) -> dict[str, t.Any]:
        return {
            name: value if to_python is None else to_python(value)
            for (name, to_python), value in zip(plan, values, strict=False)
        }

    return convert


def _to_python(converter: BaseConverter) -> t.Callable[[str], t.Any] | None:
    """How the walk turns a matched part into a value: ``None`` keeps the text.

    Decided when the walker is built: werkzeug's string-like converters return
    the text unchanged, and its plain ``int`` converter (no fixed digits, no
    bounds) returns ``int()`` of the digits its pattern matched.
    """
    cls = type(converter)
    if cls.to_python is BaseConverter.to_python:
        return None
    if (
        cls is IntegerConverter
        and not converter.fixed_digits  # type: ignore[attr-defined]
        and converter.min is None  # type: ignore[attr-defined]
        and converter.max is None  # type: ignore[attr-defined]
    ):
        return int
    return converter.to_python


def _part_test(
    pattern: re.Pattern[str], name: str
) -> tuple[t.Callable[[str], t.Any], str | None]:
    """How the walk tests one path segment against a part's pattern.

    werkzeug's default ``int`` and ``string`` parts (one group spanning the
    segment) are tested without the regex: ``\\d+`` matches exactly the
    strings :meth:`str.isdecimal` accepts (both mean Unicode category Nd), and
    ``[^/]{1,}`` any segment that is not empty (a segment holds no slash). Such a
    test returns a truth value, marked by a ``None`` group name; any other
    pattern is matched, and the group named ``name`` is the value.
    """
    if pattern.flags == re.UNICODE:
        if pattern.pattern == f"(?P<{name}>\\d+)\\Z":
            return str.isdecimal, None
        if pattern.pattern == f"(?P<{name}>[^/]{{1,}})\\Z":
            return bool, None
    return pattern.match, name


class _Node:
    """A copy of one werkzeug routing state, owned by a :class:`_Walker`."""

    __slots__ = ("any_method", "by_method", "dynamic", "plain", "rules", "static")

    def __init__(self) -> None:
        self.static: dict[str, _Node] = {}
        # (pattern, converter group names in order, final, suffixed, next node)
        self.dynamic: list[tuple[re.Pattern[str], tuple[str, ...], bool, bool, _Node]]
        self.dynamic = []
        self.rules: tuple[RuleBase, ...] = ()
        # The leading dynamic parts that match one segment into one value, as
        # (test, group name, next node); see _Walker._first_branch.
        self.plain: tuple[tuple[t.Callable[[str], t.Any], str | None, _Node], ...]
        self.plain = ()
        # The first rule here for each method some rule names, and for any
        # other method (see rule_for).
        self.by_method: dict[str, RuleBase | None] = {}
        self.any_method: RuleBase | None = None

    def settle(self) -> None:
        """Work out :attr:`plain` and the rule per method, once the state is copied."""
        plain = []
        for pattern, names, final, suffixed, next_node in self.dynamic:
            if final or suffixed or len(names) != 1:
                break
            plain.append((*_part_test(pattern, names[0]), next_node))
        self.plain = tuple(plain)
        named = {method for rule in self.rules for method in rule.methods or ()}
        self.by_method = {method: self._first_rule(method) for method in named}
        self.any_method = self._first_rule(None)

    def _first_rule(self, method: str | None) -> RuleBase | None:
        # The first rule (not a websocket) allowing ``method``; None: a method
        # no rule names, which only rules without a method list allow.
        for rule in self.rules:
            if not rule.websocket and (
                rule.methods is None or (method is not None and method in rule.methods)
            ):
                return rule
        return None

    def rule_for(self, method: str) -> RuleBase | None:
        """The first rule of this state that answers ``method``, if any."""
        return self.by_method.get(method, self.any_method)


class _Walker:
    """A faster walk of werkzeug's routing state machine, for plain matches.

    werkzeug's matcher recompiles (from its cache) each part's pattern and
    copies the remaining path segments at every step. This walk visits the
    same states in the same order — static transitions first, then dynamic
    ones by weight, with backtracking — so any match it finds is the one
    werkzeug finds. Rules whose match werkzeug post-processes (redirects,
    aliases, defaults redirects) are left to werkzeug.

    The walker copies the states when it is built: werkzeug changes its own
    in place when a rule is added (and re-sorts them), which a request being
    matched in another thread must not see.
    """

    def __init__(
        self, root: _Node | None, domain: str, plans: dict[int, _Convert]
    ) -> None:
        self.root = root
        self.domain = domain
        # For each rule the walk may answer (by id: rules are unhashable), how
        # its captured strings become view arguments; rules left to werkzeug
        # have none.
        self.plans = plans
        # Every path starts with the domain part and the empty part before its
        # first slash. When nothing can branch off those two states, the walk
        # may start below them (the result is the same, two steps sooner).
        self.start: _Node | None = None
        if root is not None and not root.dynamic:
            after_domain = root.static.get(domain)
            if after_domain is not None and not after_domain.dynamic:
                self.start = after_domain.static.get("")

    @classmethod
    def build(cls, url_map: Map) -> _Walker:
        url_map.update()
        state = getattr(getattr(url_map, "_matcher", None), "_root", None)
        if state is None:  # pragma: no cover -- a werkzeug without the state machine
            return cls(None, "", {})
        root = _Node()
        stack = [(state, root)]
        while stack:
            state, node = stack.pop()
            node.rules = tuple(state.rules)
            for key, next_state in state.static.items():
                node.static[key] = next_node = _Node()
                stack.append((next_state, next_node))
            for part, next_state in state.dynamic:
                pattern = re.compile(part.content)
                # werkzeug numbers a part's converter groups __werkzeug_0, 1, ...
                names = tuple(
                    sorted(
                        (
                            name
                            for name in pattern.groupindex
                            if name[:11] == "__werkzeug_"
                        ),
                        key=lambda name: int(name[11:]),
                    )
                )
                next_node = _Node()
                node.dynamic.append(
                    (pattern, names, part.final, part.suffixed, next_node)
                )
                stack.append((next_state, next_node))
            node.settle()
        plans: dict[int, _Convert] = {
            id(rule): _converting(
                tuple(
                    (name, _to_python(converter))
                    for name, converter in rule._converters.items()
                )
            )
            for rule in url_map._rules
            if not cls._post_processed(url_map, rule)
        }
        return cls(root, url_map.default_subdomain or "", plans)

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
        try:
            if self.start is not None and path[:1] == "/":
                # Below the domain: the path's own parts, its leading "" done.
                parts = path.split("/")
                found = self._first_branch(self.start, parts, method)
                if found is None:
                    found = self._walk(self.start, parts, 1, method, [])
            else:
                parts = [self.domain, *path.split("/")]
                found = self._walk(self.root, parts, 0, method, [])
        except _GiveUp:
            return None
        if found is None:
            return None
        rule, values = found
        convert = self.plans.get(id(rule))
        if convert is None:
            return None
        try:
            result = convert(values)
        except ValidationError:
            return None
        if rule.defaults:
            result.update(rule.defaults)
        return rule, result

    @staticmethod
    def _first_branch(
        node: _Node, parts: list[str], method: str
    ) -> tuple[RuleBase, list[str]] | None:
        # The first branch :meth:`_walk` tries, followed without recursion: at
        # each part the static transition, else the first dynamic one whose
        # pattern matches. Where that branch ends in a rule for the method, the
        # walk would return that rule too (it tries this branch first). None
        # means "walk in full": a dead end, a path-consuming, slash-suffixed or
        # many-valued part before a match, or an end without such a rule.
        values: list[str] = []
        for part in parts[1:]:
            next_node = node.static.get(part)
            if next_node is None:
                for test, name, candidate in node.plain:
                    found = test(part)  # a match object, or a truth value
                    if found:
                        values.append(part if name is None else found[name])
                        next_node = candidate
                        break
                else:
                    return None  # no plain part matched: the walk decides
            node = next_node
        rule = node.rule_for(method)
        return None if rule is None else (rule, values)

    def _walk(
        self, node: _Node, parts: list[str], i: int, method: str, values: list[str]
    ) -> tuple[RuleBase, list[str]] | None:
        if i == len(parts):
            answer = node.rule_for(method)
            if answer is not None:
                return answer, values
            slash_node = node.static.get("")
            if slash_node is not None:
                for rule in slash_node.rules:
                    if not rule.websocket and (
                        rule.methods is None or method in rule.methods
                    ):
                        if rule.strict_slashes:
                            raise _GiveUp
                        return rule, values
            return None
        part = parts[i]
        next_node = node.static.get(part)
        if next_node is not None:
            found = self._walk(next_node, parts, i + 1, method, values)
            if found is not None:
                return found
        for pattern, names, final, suffixed, next_node in node.dynamic:
            if final:
                target = "/".join(parts[i:])
                rest, j = parts, len(parts)
            else:
                target = part
                rest, j = parts, i + 1
            match = pattern.match(target)
            if match is not None:
                if suffixed and match.groups()[-1] == "/":
                    rest, j = [""], 0
                if len(names) == 1:  # the usual part: one converter
                    captured = [*values, match[names[0]]]
                else:
                    captured = values + [match[n] for n in names]
                found = self._walk(next_node, rest, j, method, captured)
                if found is not None:
                    return found
        if i == len(parts) - 1 and part == "":
            for rule in node.rules:
                if (
                    not rule.strict_slashes
                    and not rule.websocket
                    and (rule.methods is None or method in rule.methods)
                ):
                    return rule, values
        return None


def wsgi_path_info(environ: t.Mapping[str, t.Any]) -> str:
    """PATH_INFO as the str werkzeug routes on (WSGI latin-1 undone to UTF-8)."""
    return wsgi_text(environ.get("PATH_INFO") or "")


def wsgi_query_string(environ: t.Mapping[str, t.Any]) -> str:
    """QUERY_STRING decoded as ``bind_to_environ`` does, for redirect URLs."""
    return wsgi_text(environ.get("QUERY_STRING") or "")


def wsgi_text(value: str) -> str:
    """An environ path or query as text: WSGI's latin-1 undone, UTF-8 decoded."""
    if value.isascii():
        return value
    return value.encode("latin-1").decode(errors="replace")
