"""One app under a name discovery does not guess, plus an alias of it."""

from microframe import Microframe

my_app = Microframe(__name__)
same_app = my_app
