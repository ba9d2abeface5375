"""Embedding: running an app inside another program.

- :mod:`~microframe.embedding.serving`: ``serve()`` and the :class:`Server` handle;
- :mod:`~microframe.embedding.backends`: binding the socket, the waitress backend;
- :mod:`~microframe.embedding.httpserver`: the default threaded HTTP server;
- :mod:`~microframe.embedding.access`: the ``Host``/``Origin``/token guard;
- :mod:`~microframe.embedding.mounting`: URL prefixes and the proxy fix.

Nothing is imported here, so ``import microframe`` stays cheap; the stable
paths users import are ``microframe.serving``, ``microframe.mounting``,
``microframe.access`` and ``microframe.backends``.
"""
