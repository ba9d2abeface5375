"""The benchmark app in Falcon, rendering its page with Jinja2 directly."""

import falcon
import jinja2

from benchmarks.apps._common import ITEMS, NOT_FOUND_HTML, TEMPLATES

templates = jinja2.Environment(
    loader=jinja2.FileSystemLoader(TEMPLATES), autoescape=jinja2.select_autoescape()
)


class Hello:
    def on_get(self, req, resp):
        resp.content_type = falcon.MEDIA_HTML
        resp.text = "Hello, World!"


class User:
    def on_get(self, req, resp, uid):
        resp.media = {"id": uid, "name": f"user{uid}"}


class Page:
    def on_get(self, req, resp, name):
        resp.content_type = falcon.MEDIA_HTML
        resp.text = templates.get_template("page.html").render(name=name, items=ITEMS)


class Echo:
    def on_post(self, req, resp):
        resp.media = req.get_media()


def not_found(req, resp, ex, params):
    resp.status = falcon.HTTP_404
    resp.content_type = falcon.MEDIA_HTML
    resp.text = NOT_FOUND_HTML


app = falcon.App()
app.add_route("/", Hello())
app.add_route("/users/{uid:int}", User())
app.add_route("/users/{uid:int}/jsonify", User())
app.add_route("/page/{name}", Page())
app.add_route("/echo", Echo())
app.add_route("/echo/jsonify", Echo())
app.add_error_handler(falcon.HTTPNotFound, not_found)
