"""The blinker signals microframe sends, all with the app as sender.

Connect to them to observe what an app does::

    from microframe import template_rendered

    @template_rendered.connect_via(app)
    def log_template(sender, template, context, **extra):
        ...

=========================== ================================================
signal                      keyword arguments sent with it
=========================== ================================================
``template_rendered``       ``template``, ``context``
``before_render_template``  ``template``, ``context``
``request_started``         (none)
``request_finished``        ``response``
``request_tearing_down``    ``exc``
``got_request_exception``   ``exception``
``appcontext_tearing_down`` ``exc``
``appcontext_pushed``       (none)
``appcontext_popped``       (none)
``message_flashed``         ``message``, ``category``
=========================== ================================================

microframe only builds a signal's arguments when the signal has receivers, so an
unobserved signal costs a truthiness check.
"""

from __future__ import annotations

from blinker import Namespace

#: The namespace every built-in signal lives in. Extensions may define theirs here.
signals_namespace = Namespace()

#: Sent after a template was rendered, with ``template`` and ``context``.
template_rendered = signals_namespace.signal("template-rendered")
#: Sent before a template is rendered, with ``template`` and ``context``.
before_render_template = signals_namespace.signal("before-render-template")
#: Sent when a request starts, before the ``before_request`` hooks.
request_started = signals_namespace.signal("request-started")
#: Sent with the ``response`` once it is made, after ``after_request`` hooks.
request_finished = signals_namespace.signal("request-finished")
#: Sent when the request context is torn down, with ``exc`` (or ``None``).
request_tearing_down = signals_namespace.signal("request-tearing-down")
#: Sent with the ``exception`` when a request fails with an unhandled error.
got_request_exception = signals_namespace.signal("got-request-exception")
#: Sent when an app context is torn down, with ``exc`` (or ``None``).
appcontext_tearing_down = signals_namespace.signal("appcontext-tearing-down")
#: Sent when an app context is pushed.
appcontext_pushed = signals_namespace.signal("appcontext-pushed")
#: Sent when an app context is popped.
appcontext_popped = signals_namespace.signal("appcontext-popped")
#: Sent by :func:`~microframe.flash` with ``message`` and ``category``.
message_flashed = signals_namespace.signal("message-flashed")
