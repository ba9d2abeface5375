"""Tests for microframe/bodies.py: reading request bodies as werkzeug reads them."""

from __future__ import annotations

import random
from urllib.parse import parse_qsl

import pytest
from werkzeug.wsgi import get_content_length

from microframe.bodies import content_length, form_pairs


def test_form_bodies_split_as_parse_qsl_splits_them() -> None:

    rng = random.Random(3)
    samples = ["", "&", "a", "a=", "=b", "a=b=c", "a&&b=1&", ";a=1;b", "é=ü&x"]
    samples += [
        "".join(rng.choice("ab=&;é%+2F ") for _ in range(rng.randint(0, 14)))
        for _ in range(3000)
    ]
    for text in samples:
        expected = parse_qsl(text, keep_blank_values=True, errors="werkzeug.url_quote")
        assert form_pairs(text) == expected, text


@pytest.mark.parametrize(
    "length", [None, "0", "12", "007", " 12 ", "-3", "+4", "1_0", "x", "", "²", "١٢"]
)
@pytest.mark.parametrize("encoding", [None, "chunked", "gzip"])
def test_the_body_length_is_read_as_werkzeug_reads_it(
    length: str | None, encoding: str | None
) -> None:
    environ: dict[str, str] = {}
    if length is not None:
        environ["CONTENT_LENGTH"] = length
    if encoding is not None:
        environ["HTTP_TRANSFER_ENCODING"] = encoding
    assert content_length(environ) == get_content_length(environ)
