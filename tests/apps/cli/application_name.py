"""An app named ``application``."""

from microframe import Microframe

application = Microframe(__name__)
