"""Assertions on responses and exchanges that say what happened instead.

Each takes a response from the recording client (or its ``.exchange``, or an
exchange from a live server's history) first, raises :class:`AssertionError`
with "expected … but got …", and then lists what the request did: the status,
the endpoint, the templates rendered, the messages flashed, the redirect and
the exception. Status and body assertions also accept a plain test response.
"""

from __future__ import annotations

import json
import reprlib
import typing as t
from urllib.parse import urljoin, urlsplit

from . import _html
from .exchange import Exchange, RecordedResponse, _template_label

if t.TYPE_CHECKING:  # pragma: no cover
    from werkzeug.datastructures import Headers

#: What the assertions accept: a (recorded) test response or an exchange.
ResponseLike = t.Any

_REDIRECTS = frozenset({301, 302, 303, 305, 307, 308})
_BODY_PREVIEW = 300

_repr = reprlib.Repr()
_repr.maxstring = 80
_repr.maxother = 80


class _Subject:
    """The response under test and the exchanges that led to it, in order."""

    def __init__(self, target: ResponseLike, function: str) -> None:
        self.function = function
        self.exchange: Exchange | None
        self.chain: list[Exchange]
        if isinstance(target, Exchange):
            self.exchange = target
            self.chain = [target]
            self.response: t.Any = target.response
        else:
            if not hasattr(target, "status_code"):
                raise TypeError(
                    f"{function}() takes a response or an exchange first, not"
                    f" {type(target).__name__} {_repr.repr(target)}."
                )
            self.response = target
            self.exchange = target.__dict__.get("exchange")
            hops = [h.__dict__.get("exchange") for h in getattr(target, "history", ())]
            self.chain = [ex for ex in [*hops, self.exchange] if ex is not None]

    def need_exchange(self) -> Exchange:
        if self.exchange is None:
            raise TypeError(
                f"{self.function}() needs a recorded response, and"
                f" {_repr.repr(self.response)} has no exchange. Make the request"
                " with the client fixture or microframe_testing.RecordingClient(app)"
                " (and not inside client.paused())."
            )
        return self.exchange

    # -- reading the response --------------------------------------------------

    @property
    def status(self) -> str:
        return "no response" if self.response is None else str(self.response.status)

    @property
    def status_code(self) -> int | None:
        return None if self.response is None else int(self.response.status_code)

    @property
    def headers(self) -> Headers | None:
        return None if self.response is None else self.response.headers

    @property
    def body(self) -> bytes:
        response = self.response
        if response is None:
            return b""
        if isinstance(response, RecordedResponse):
            return response.body
        return response.get_data()  # type: ignore[no-any-return]

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", "replace")

    @property
    def location(self) -> str | None:
        headers = self.headers
        return None if headers is None else headers.get("Location")

    # -- what happened -----------------------------------------------------------

    def happened(self) -> str:
        """Lines describing the request(s), for the end of a failure message."""
        lines = ["What happened:"]
        if self.chain:
            lines.extend(f"  {exchange.summary()}" for exchange in self.chain)
            exception = self.chain[-1].exception
            if exception is not None:
                lines.append(f"  exception: {type(exception).__name__}: {exception}")
        else:
            lines.append(f"  {self.status} (not recorded: no endpoint or templates)")
        return "\n".join(lines)

    def preview(self) -> str:
        text = self.text
        if len(text) <= _BODY_PREVIEW:
            return f"Body: {text!r}"
        shown = text[:_BODY_PREVIEW]
        return f"Body (first {_BODY_PREVIEW} of {len(text)} chars): {shown!r}"

    def fail(self, message: str, *extra: str) -> t.NoReturn:
        __tracebackhide__ = True
        raise AssertionError("\n".join([message, *extra, self.happened()]))


def _describe_status(subject: _Subject) -> str:
    if subject.response is None and subject.exchange is not None:
        exc = subject.exchange.exception
        return f"an exception ({type(exc).__name__}: {exc})"
    location = subject.location
    if subject.status_code in _REDIRECTS and location:
        return f"a {subject.status} redirect to {location!r}"
    return subject.status


def assert_status(response: ResponseLike, code: int) -> None:
    """Fail unless the response has status ``code``."""
    __tracebackhide__ = True
    subject = _Subject(response, "assert_status")
    if subject.status_code != code:
        subject.fail(
            f"expected status {code} but got {_describe_status(subject)}",
            subject.preview(),
        )


def assert_contains(
    response: ResponseLike,
    text: str,
    count: int | None = None,
    status: int = 200,
    html: bool = False,
) -> None:
    """Fail unless the status is ``status`` and the body contains ``text``.

    ``count`` asks for exactly that many occurrences (``0`` for none).
    ``html=True`` compares HTML by structure: attribute order, whitespace and
    class order do not matter, and ``text`` must match whole elements.
    """
    __tracebackhide__ = True
    subject = _Subject(response, "assert_contains")
    if subject.status_code != status:
        subject.fail(
            f"expected status {status} (and {text!r} in the body) but got"
            f" {_describe_status(subject)}",
            subject.preview(),
        )
    body = subject.text
    found = _html.count(text, body) if html else body.count(text)
    kind = "the HTML" if html else "the text"
    if count is None and found == 0:
        subject.fail(
            f"expected {kind} {text!r} in the response body but got a body without it",
            subject.preview(),
        )
    if count is not None and found != count:
        subject.fail(
            f"expected {kind} {text!r} {count} time(s) in the response body but"
            f" got {found}",
            subject.preview(),
        )


def _same_location(actual: str, expected: str, base: str) -> bool:
    want = urlsplit(expected)
    got = urlsplit(urljoin(base, actual) if want.netloc else actual)
    if want.netloc and (got.scheme, got.netloc) != (want.scheme, want.netloc):
        return False
    if not want.netloc and got.netloc and urlsplit(base).netloc != got.netloc:
        return False
    return (got.path or "/", got.query, got.fragment) == (
        want.path or "/",
        want.query,
        want.fragment,
    )


def assert_redirects(response: ResponseLike, location: str, status: int = 302) -> None:
    """Fail unless the response (or a redirect it followed) sends to ``location``.

    ``location`` may be a path (``"/login"``, compared to the ``Location``
    header whether that is relative or on the request's host) or a full URL.
    """
    __tracebackhide__ = True
    subject = _Subject(response, "assert_redirects")
    hops: list[t.Any] = [subject.response]
    if subject.status_code not in _REDIRECTS:
        hops = list(getattr(subject.response, "history", ()))[:1] or hops
    hop = hops[0]
    if hop is None or hop.status_code not in _REDIRECTS:
        subject.fail(
            f"expected a {status} redirect to {location!r} but got"
            f" {_describe_status(subject)}",
            subject.preview(),
        )
    actual = hop.headers.get("Location") or ""
    if isinstance(hop, RecordedResponse) and subject.exchange is not None:
        base = subject.exchange.request.url
    else:
        base = hop.request.url
    if hop.status_code != status or not _same_location(actual, location, base):
        subject.fail(
            f"expected a {status} redirect to {location!r} but got a"
            f" {hop.status} redirect to {actual!r}"
        )


def _template_names(exchange: Exchange) -> str:
    names = [_template_label(tpl) for tpl in exchange.templates]
    return ", ".join(names) if names else "no template"


def assert_template_used(
    response: ResponseLike, name: str, context: dict[str, t.Any] | None = None
) -> None:
    """Fail unless the template ``name`` was rendered (with ``context`` ⊆ its context).

    For a response that followed redirects, the final request's templates count.
    """
    __tracebackhide__ = True
    subject = _Subject(response, "assert_template_used")
    exchange = subject.need_exchange()
    rendered = [tpl for tpl in exchange.templates if tpl.name == name]
    if not rendered:
        subject.fail(
            f"expected template {name!r} to be rendered but got"
            f" {_template_names(exchange)} rendered"
        )
    if context is None:
        return
    for tpl in rendered:
        if all(k in tpl.context and tpl.context[k] == v for k, v in context.items()):
            return
    got = rendered[0].context
    differences = [
        f"  {key}: expected {value!r} but got "
        + (repr(got[key]) if key in got else "(not in the context)")
        for key, value in context.items()
        if key not in got or got[key] != value
    ]
    subject.fail(
        f"expected template {name!r} rendered with a context including"
        f" {context!r} but got a different context:",
        *differences,
    )


def assert_template_not_used(response: ResponseLike, name: str) -> None:
    """Fail if the template ``name`` was rendered."""
    __tracebackhide__ = True
    subject = _Subject(response, "assert_template_not_used")
    exchange = subject.need_exchange()
    if any(tpl.name == name for tpl in exchange.templates):
        subject.fail(
            f"expected template {name!r} not to be rendered but got"
            f" {_template_names(exchange)} rendered"
        )


def assert_flashed(
    response: ResponseLike, message: str, category: str | None = None
) -> None:
    """Fail unless ``message`` was flashed (in ``category``, if given).

    Flashes of every request of a followed redirect chain count, since a view
    usually flashes and then redirects.
    """
    __tracebackhide__ = True
    subject = _Subject(response, "assert_flashed")
    subject.need_exchange()
    flashes = [flash for exchange in subject.chain for flash in exchange.flashes]
    for flashed_category, flashed_message in flashes:
        if flashed_message == message and category in (None, flashed_category):
            return
    wanted = repr(message) if category is None else f"{message!r} ({category!r})"
    got = ", ".join(f"{m!r} ({c!r})" for c, m in flashes) or "nothing flashed"
    subject.fail(f"expected {wanted} to be flashed but got {got}")


def _subset_difference(expected: t.Any, actual: t.Any, path: str) -> str | None:
    if isinstance(expected, dict):
        if not isinstance(actual, dict):
            return f"at {path}: expected an object but got {_repr.repr(actual)}"
        for key, value in expected.items():
            if key not in actual:
                return f"at {path}: missing key {key!r}"
            found = _subset_difference(value, actual[key], f"{path}.{key}")
            if found:
                return found
        return None
    if isinstance(expected, list):
        if not isinstance(actual, list) or len(actual) != len(expected):
            want_list, got_value = _repr.repr(expected), _repr.repr(actual)
            return f"at {path}: expected {want_list} but got {got_value}"
        for index, (want, got) in enumerate(zip(expected, actual, strict=True)):
            found = _subset_difference(want, got, f"{path}[{index}]")
            if found:
                return found
        return None
    if expected != actual or isinstance(expected, bool) != isinstance(actual, bool):
        return f"at {path}: expected {expected!r} but got {_repr.repr(actual)}"
    return None


def assert_json(response: ResponseLike, expected_subset: t.Any) -> t.Any:
    """Fail unless the body is JSON that contains ``expected_subset``; return it.

    Objects match when every expected key is there with a matching value
    (extra keys are fine); lists must have the same length and match item by
    item; other values must be equal.
    """
    __tracebackhide__ = True
    subject = _Subject(response, "assert_json")
    try:
        data = json.loads(subject.body)
    except ValueError:
        headers = subject.headers
        mimetype = headers.get("Content-Type") if headers is not None else None
        subject.fail(
            f"expected a JSON body containing {expected_subset!r} but got a body"
            f" that is not JSON (Content-Type {mimetype!r})",
            subject.preview(),
        )
    difference = _subset_difference(expected_subset, data, "$")
    if difference:
        subject.fail(
            f"expected JSON containing {expected_subset!r} but got {_repr.repr(data)}",
            f"  {difference}",
        )
    return data
