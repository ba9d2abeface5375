"""Tests for microframe/environment.py's rendering: the same text as Jinja, faster.

The app's environment calls plain functions directly, escapes output without
``Markup`` objects and reads ``dict`` keys without a failed attribute lookup. Each
template below is rendered by it and by a stock ``jinja2.Environment`` with the
same options; the two must agree character for character.
"""

from __future__ import annotations

import typing as t

import jinja2
import pytest
from markupsafe import Markup

from microframe import Microframe
from microframe.environment import Context, Template


class Html:
    def __html__(self) -> str:
        return "<b>safe</b>"


class HtmlInt(int):
    def __html__(self) -> str:
        return "<em>int</em>"


class Row:
    title = "<object attribute>"


class Keys(dict[str, t.Any]):
    """A dict subclass: may add attributes, so it takes Jinja's own lookup."""

    title = "class attribute wins"


class Greeter:
    def __call__(self, name: str) -> str:
        return f"hi <{name}>"

    def method(self, name: str) -> str:
        return f"method <{name}>"


def stops() -> str:
    raise StopIteration


@jinja2.pass_context
def from_context(context: t.Any, key: str) -> t.Any:
    return context.get(key, "missing")


@jinja2.pass_environment
def from_environment(environment: t.Any) -> str:
    return "env" if isinstance(environment, jinja2.Environment) else "?"


@jinja2.pass_eval_context
def autoescaping(eval_ctx: t.Any) -> str:
    return f"autoescape={eval_ctx.autoescape}"


VALUES: dict[str, t.Any] = {
    "text": "<script>alert('x') & \"y\"</script>",
    "markup": Markup("<i>kept</i>"),
    "html": Html(),
    "number": 42,
    "numbers": [-7, 0, 2**70, 1.5, float("nan"), True, HtmlInt(3)],
    "none": None,
    "row": {"title": "<Order 1 & co>", "items": "shadowed key", "get": 1},
    "rows": [{"id": i, "title": f"<{i}>"} for i in range(3)],
    "obj": Row(),
    "keys": Keys(title="key"),
    "greeter": Greeter(),
    "stops": stops,
    "from_context": from_context,
    "from_environment": from_environment,
    "autoescaping": autoescaping,
    "link": lambda endpoint, **values: f"/{endpoint}?{sorted(values.items())}&x",
}

TEMPLATES = {
    "output": "{{ text }}|{{ markup }}|{{ html }}|{{ number }}|{{ none }}",
    "numbers": "{% for n in numbers %}{{ n }},{{ loop.index }};{% endfor %}",
    "dict key": "{{ row.title }} {{ row.missing }} {{ row['title'] }}",
    "dict attribute wins over key": "{{ row.items }} {{ row.get }}",
    "dict attribute called": "{{ row.items() | list | length }}",
    "object attribute": "{{ obj.title }} {{ obj.nope }}",
    "dict subclass": "{{ keys.title }}",
    "loop calls": "{% for r in rows %}{{ link('order', id=r.id) }}"
    "{{ r.title }};{% endfor %}",
    "callable object and method": "{{ greeter('a') }} {{ greeter.method('b') }}",
    "builtins": "{{ range(3) | list }} {{ dict(a=1) }} {{ namespace(x='<n>').x }}"
    "{% set c = cycler('<a>', 'b') %}{{ c.next() }}{{ c.next() }}{{ c.next() }}",
    "StopIteration": "[{{ stops() }}]",
    "pass_context in a loop": "{% for x in [1] %}{% set y = 'set' %}"
    "{{ from_context('y') }}{{ from_context('x') }}{% endfor %}",
    "pass_environment": "{{ from_environment() }}",
    "pass_eval_context": "{{ autoescaping() }}"
    "{% autoescape false %}{{ autoescaping() }}{{ text }}{% endautoescape %}",
    "macro": "{% macro m(v) %}<p>{{ v }}</p>{% endmacro %}{{ m(text) }}{{ m(markup) }}",
    "caller": "{% macro wrap() %}<div>{{ caller() }}</div>{% endmacro %}"
    "{% call wrap() %}{{ text }}{% endcall %}",
    "set block": "{% set s %}{{ text }}<br>{% endset %}{{ s }}{{ s | upper }}",
    "filter block": "{% filter upper %}{{ text }}<i>{% endfilter %}",
    "concat operator": "{{ text ~ markup }} {{ (text ~ '') | length }}",
    "escape filters": "{{ text | e }} {{ text | safe }} {{ markup | string }}",
}


def _stock() -> jinja2.Environment:
    return jinja2.Environment(autoescape=True, extensions=["jinja2.ext.loopcontrols"])


@pytest.fixture
def env() -> jinja2.Environment:
    app = Microframe(__name__)
    return app.jinja_env


@pytest.mark.parametrize("name", sorted(TEMPLATES))
def test_renders_what_stock_jinja_renders(env: jinja2.Environment, name: str) -> None:
    source = TEMPLATES[name]
    expected = _stock().from_string(source).render(VALUES)
    assert env.from_string(source).render(VALUES) == expected


@pytest.mark.parametrize("name", sorted(TEMPLATES))
def test_streams_what_stock_jinja_streams(env: jinja2.Environment, name: str) -> None:
    source = TEMPLATES[name]
    expected = "".join(_stock().from_string(source).generate(VALUES))
    assert "".join(env.from_string(source).generate(VALUES)) == expected


def test_uses_its_own_context_and_template_classes(env: jinja2.Environment) -> None:
    template = env.from_string("{{ x }}")
    assert isinstance(template, Template)
    assert isinstance(template.new_context({}), Context)


def test_a_missing_dict_key_is_undefined_by_name() -> None:
    app = Microframe(__name__)
    app.jinja_env.undefined = jinja2.StrictUndefined
    with pytest.raises(jinja2.UndefinedError, match="has no attribute 'title'"):
        app.jinja_env.from_string("{{ row.title }}").render(row={})


def test_an_error_in_a_called_function_shows_the_template_line() -> None:
    app = Microframe(__name__)

    def fails() -> str:
        raise ValueError("the view's helper failed")

    template = app.jinja_env.from_string("line one\n{{ fails() }}")
    with pytest.raises(ValueError, match="helper failed") as caught:
        template.render(fails=fails)
    frames = [
        entry.lineno for entry in caught.traceback if "<template>" in str(entry.path)
    ]
    assert frames == [1]  # zero-based: the second line of the template


def test_templates_from_the_bytecode_cache_render_the_same(tmp_path: t.Any) -> None:
    app = Microframe(__name__)
    app.jinja_env.bytecode_cache = jinja2.FileSystemBytecodeCache(str(tmp_path))
    app.jinja_env.loader = jinja2.DictLoader({"page.html": TEMPLATES["output"]})
    first = app.jinja_env.get_template("page.html").render(VALUES)
    app.jinja_env.cache.clear()  # type: ignore[union-attr]
    assert list(tmp_path.iterdir())  # compiled code was written to the cache
    second = app.jinja_env.get_template("page.html")
    assert isinstance(second, Template)
    assert (
        second.render(VALUES)
        == first
        == _stock().from_string(TEMPLATES["output"]).render(VALUES)
    )


LAYOUT = {
    "base.html": "<title>{% block title %}{{ text }}{% endblock %}</title>"
    "{% block body %}{% endblock %}",
    "macros.html": "{% macro item(v) %}<li>{{ v }}</li>{% endmacro %}",
    "row.html": "<td>{{ row.title }}</td>",
    "page.html": "{% extends 'base.html' %}{% import 'macros.html' as m %}"
    "{% block title %}[{{ super() }}]{% endblock %}"
    "{% block body %}{{ m.item(text) }}{% include 'row.html' %}"
    "{{ self.title() }}{% endblock %}",
}


def test_inheritance_includes_and_imports_render_as_stock_jinja(
    env: jinja2.Environment,
) -> None:
    stock = _stock()
    stock.loader = env.loader = jinja2.DictLoader(LAYOUT)
    expected = stock.get_template("page.html").render(VALUES)
    assert "&lt;script&gt;" in expected
    assert env.get_template("page.html").render(VALUES) == expected
