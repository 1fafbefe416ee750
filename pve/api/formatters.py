"""Response bodies of ``/api2/json``, ``/api2/extjs`` and ``/api2/html``.

As pve-http-server's formatters write them (``Formatter/Standard.pm``,
``Formatter/HTML.pm``): json is ``{"data": ...}``, and on error
``{"data": null, "message": ..., "errors": {...}}`` with the message's first
line as the HTTP reason phrase; extjs always answers 200 with ``success``
0/1 and the error's ``status``; html is a page to browse the API with.
Booleans go out as 1/0.
"""

import html
import http
import json
from dataclasses import dataclass
from urllib.parse import quote

from twisted.python.failure import Failure

from pve.api.apidata import to_pretty_json
from pve.api.schema import APIError

FORMATS = ("json", "extjs", "htmljs", "html", "spiceconfig")
SPICE_TYPE = "application/x-virt-viewer;charset=UTF-8"
JSON_TYPE = "application/json;charset=UTF-8"
HTML_TYPE = "text/html;charset=UTF-8"


@dataclass(frozen=True)
class Response:
    code: int
    phrase: bytes
    content_type: str
    body: bytes


def status_message(code):
    try:
        return http.HTTPStatus(code).phrase
    except ValueError:
        return ""


_PLAIN = frozenset((str, int, float, type(None)))


def wire(data):
    """*data* with booleans as 1/0 (and tuples as lists), ready for JSON."""
    kind = type(data)
    if kind in _PLAIN:
        return data
    if kind is dict:
        return {k: v if type(v) in _PLAIN else wire(v)
                for k, v in data.items()}
    if isinstance(data, bool):
        return int(data)
    if isinstance(data, dict):
        return {k: wire(v) for k, v in data.items()}
    if isinstance(data, (list, tuple)):
        return [wire(v) for v in data]
    return data


def envelope(fmt, data=None, code=200, message=None, errors=None, total=None, changes=None):
    """(HTTP code, message, body object) as prepare_response_data builds them."""
    success = 1
    body = {"data": wire(data)}
    if errors:
        success = 0
        body["errors"] = dict(errors)
    failed = 400 <= code < 600
    if fmt in ("extjs", "htmljs"):
        if failed:
            success = 0
            body["message"] = message or status_message(code)
            body["status"] = code
            code, message = 200, None
        body["success"] = success
    elif fmt == "json" and failed:
        body["message"] = message or status_message(code)
    if success and total:
        body["total"] = wire(total)
    if success and changes:
        body["changes"] = wire(changes)
    return code, message, body


def reason(code, message):
    """The reason phrase: the message's first line, else the status text."""
    line = (message or "").split("\n", 1)[0].split("\r", 1)[0]
    return (line or status_message(code) or "Unknown").encode("utf-8")


def _json(obj):
    return json.dumps(obj, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def format_response(fmt, data=None, *, code=200, message=None, errors=None, total=None,
                    changes=None, endpoint=None, path="/api2/html", children=()):
    """A :class:`Response` in format *fmt* (one of :data:`FORMATS`).  For html,
    *path* is the page's URL path and *children* the names to link below it."""
    if fmt not in FORMATS:
        raise ValueError(f"no formatter for {fmt}")
    code, message, body = envelope(fmt, data, code, message, errors, total, changes)
    if fmt == "html":
        page = _html_page(body, code, message, endpoint, path, children)
        return Response(code, reason(code, message), HTML_TYPE, page.encode("utf-8"))
    if fmt == "spiceconfig":
        return Response(code, reason(code, message), SPICE_TYPE,
                        spice_config(body["data"]))
    if fmt == "htmljs":
        text = html.escape(json.dumps(body, separators=(",", ":"), ensure_ascii=False))
        return Response(code, reason(code, message), HTML_TYPE, text.encode("utf-8"))
    return Response(code, reason(code, message), JSON_TYPE, _json(body))


def spice_config(data):
    """A remote-viewer file (``[virt-viewer]`` then ``key=value`` lines)
    of the object *data*; empty for anything else, as Proxmox's."""
    if not isinstance(data, dict):
        return b""
    lines = ["[virt-viewer]\n"] + ["%s=%s\n" % (key, value)
                                  for key, value in data.items()
                                  if value is not None]
    return "".join(lines).encode("utf-8")


def format_error(fmt, error, *, endpoint=None, path="/api2/html"):
    """A Response for an exception or Failure: APIError keeps its code,
    message and errors; anything else is a 500 with its text."""
    if isinstance(error, Failure):
        error = error.value
    if isinstance(error, APIError):
        code, message, errors = error.code, error.message, error.errors
    else:
        code, message, errors = 500, f"{error}\n", None
    return format_response(fmt, None, code=code, message=message, errors=errors,
                           endpoint=endpoint, path=path)


def _el(tag, text="", **attrs):
    attr = "".join(f' {k.rstrip("_")}="{html.escape(str(v))}"' for k, v in attrs.items())
    return f"<{tag}{attr}>{text}</{tag}>"


def child_link(returns):
    """The ``{prop}`` of a list's child links (``returns.links``), or None."""
    if not returns or returns.get("type") != "array":
        return None
    for link in returns.get("links") or ():
        if link.get("rel") == "child" and link.get("href"):
            href = link["href"]
            if href.startswith("{") and href.endswith("}") and len(href) > 2:
                return href[1:-1]
            return None
    return None


def _html_page(body, code, message, endpoint, path, children):
    path = path.rstrip("/") or "/"
    parts = []
    if not 200 <= code < 300 or "errors" in body:
        text = f"Error {body.get('status', code)}: {body.get('message', message) or ''}"
        parts.append(_el("div", html.escape(text), class_="alert"))
    prop = None
    if endpoint is not None:
        parts.append(_el("h3", "Description"))
        parts.append(_el("p", html.escape(endpoint.description)))
        prop = child_link(endpoint.returns)
    data = body.get("data")
    if prop and isinstance(data, list) and body.get("success", 1) and "errors" not in body:
        items = []
        elems = [e for e in data if isinstance(e, dict) and e.get(prop) is not None]
        for elem in sorted(elems, key=lambda e: str(e[prop])):
            value = str(elem[prop])
            inner = _el("h4", html.escape(value)) + _el("pre", html.escape(to_pretty_json(elem)))
            items.append(_el("a", inner, href=f"{path}/{quote(value, safe='@:!=,+')}",
                             class_="list-group-item"))
        parts.append(_el("div", "".join(items), class_="list-group"))
    else:
        parts.append(_el("pre", html.escape(to_pretty_json(body))))
    # a parameter ("{node}") is no page to link to: the data links its values
    children = [name for name in children if not name.startswith("{")]
    if children:
        links = "".join(_el("li", _el("a", html.escape(name), href=f"{path}/{quote(name)}"))
                        for name in children)
        parts.append(_el("h3", "Children") + _el("ul", links))
    crumbs, href = [], ""
    components = [c for c in path.split("/") if c]
    for i, comp in enumerate(components):
        href += "/" + comp
        if i >= 2:  # after /api2/html
            crumbs.append(_el("a", html.escape(comp), href=href))
    base = "/" + "/".join(components[:2])
    nav = " / ".join([_el("a", "Home", href=base)] + crumbs)
    title = "Proxmox VE API"
    return ("<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\">"
            f"<title>{title}</title></head><body>"
            f"{_el('nav', nav)}<main>{''.join(parts)}</main></body></html>\n")


LOGIN_SCRIPT = """
async function realms() {
  const select = document.getElementById('realm');
  try {
    const r = await fetch('/api2/json/access/domains');
    const list = (await r.json()).data || [];
    select.innerHTML = '';
    for (const d of list) {
      const o = document.createElement('option');
      o.value = d.realm; o.textContent = d.comment ? d.realm + ' (' + d.comment + ')' : d.realm;
      if (d.default) o.selected = true;
      select.appendChild(o);
    }
  } catch (e) { /* keep the built-in pam/pve choices */ }
}
async function login(ev) {
  ev.preventDefault();
  const form = new URLSearchParams(new FormData(ev.target));
  const r = await fetch('/api2/extjs/access/ticket', {method: 'POST', body: form});
  const res = await r.json();
  if (!res.success) {
    document.getElementById('error').textContent = res.message || 'login failed';
    return;
  }
  document.cookie = 'PVEAuthCookie=' + encodeURIComponent(res.data.ticket) +
    '; path=/; secure; samesite=strict';
  window.location.reload();
}
realms();
document.getElementById('login').addEventListener('submit', login);
"""


def login_page(message="Login Required"):
    """The page the html format answers without a valid ticket: a login
    form that gets a ticket from ``/api2/extjs/access/ticket`` and keeps it
    in the ``PVEAuthCookie`` cookie, as Proxmox's pages do."""
    form = (
        "<form id=\"login\">"
        "<label>User name <input name=\"username\" autocomplete=\"username\""
        " required></label> "
        "<label>Password <input name=\"password\" type=\"password\""
        " autocomplete=\"current-password\" required></label> "
        "<label>Realm <select id=\"realm\" name=\"realm\">"
        "<option value=\"pam\">pam</option><option value=\"pve\">pve</option>"
        "</select></label> "
        "<button type=\"submit\">Login</button></form>"
        "<p id=\"error\" class=\"alert\"></p>")
    return ("<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\">"
            f"<title>{html.escape(message)}</title></head><body>"
            f"<h1>{html.escape(message)}</h1>{form}"
            f"<script>{LOGIN_SCRIPT}</script></body></html>\n").encode("utf-8")
