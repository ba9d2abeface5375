"""An app, or anything with a name and a debug flag, is an ``AppLike``."""

from __future__ import annotations

import logging

from microframe import Microframe
from microframe.logging import create_logger
from microframe.typing import AppLike


class Named:
    name = "named"
    debug = False


app: AppLike = Microframe(__name__)
other: AppLike = Named()
logger: logging.Logger = create_logger(other)
