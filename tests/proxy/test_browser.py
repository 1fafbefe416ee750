"""A person logs in and walks the API tree in a real browser: pveproxy's
``/api2/html`` pages in headless Chromium (``tests.browser``), with the
whole API tree in pveproxy and pvedaemon, as on a node."""

import json
import os

from twisted.internet import defer, threads
from twisted.trial import unittest

from pve.access import shadow
from pve.api.tree import make_registry
from tests import browser
from tests.polling import poll
from tests.proxy.node import NODE, Node
from tests.proxy.test_server import start_daemon, start_proxy

PASSWORD = "correct horse"


def start_node(testcase, node):
    """pvedaemon and pveproxy with the real API tree (POST /access/ticket
    is a protected call), on free loopback ports; fires with pveproxy's
    port."""
    registry = make_registry()
    d = start_daemon(testcase, node, registry=registry)
    return d.addCallback(lambda daemon: start_proxy(
        testcase, node, daemon, registry=registry))


SEEN = """({
  title: document.title,
  status: performance.getEntriesByType('navigation')[0].responseStatus,
  path: location.pathname,
  login: !!document.querySelector('form#login'),
  error: (document.getElementById('error') || {}).textContent || '',
  realms: Array.from(document.querySelectorAll('#realm option'),
                     o => o.textContent),
  links: Array.from(document.querySelectorAll('main a[href^="/api2/html/"]'),
                    a => a.getAttribute('href')),
  text: document.body ? document.body.innerText : ''
})"""


def fill_login(username, password, realm):
    """JavaScript that types into the login form and presses Login."""
    return """(() => {
  const form = document.getElementById('login');
  form.elements.username.value = %s;
  form.elements.password.value = %s;
  form.elements.realm.value = %s;
  form.querySelector('button[type=submit]').click();
})()""" % tuple(json.dumps(v) for v in (username, password, realm))


class BrowserTests(unittest.TestCase):
    timeout = 120

    @defer.inlineCallbacks
    def setUp(self):
        binary = browser.find_binary()
        if binary is None:
            raise unittest.SkipTest(
                "chromium-headless-shell is not installed "
                "(./quickstart deps installs it)")
        self.node = yield Node.setup(self)
        # pve realm passwords: "alice" for alice@pve
        hashes = {"alice": shadow.hash_password(PASSWORD)}
        yield self.node.client.write(
            "priv/shadow.cfg", shadow.write_shadow_cfg(hashes).encode())
        self.port = yield start_node(self, self.node)
        tmp = self.mktemp()
        os.makedirs(tmp)
        self.browser = yield threads.deferToThread(browser.Browser, tmp,
                                                   binary)
        self.addCleanup(threads.deferToThread, self.browser.close)
        self.page = yield threads.deferToThread(self.browser.new_page)

    def page_call(self, method, *args):
        """A blocking Page method, in a thread."""
        return threads.deferToThread(getattr(self.page, method), *args)

    def url(self, path):
        return "https://127.0.0.1:%d%s" % (self.port, path)

    def seen(self):
        """What the page shows, as :data:`SEEN` tells."""
        return self.page_call("evaluate", SEEN)

    def click(self, href):
        """Click the link to *href*; fires when the page it opens loaded."""
        return self.page_call("evaluate_and_wait_load", (
            "document.querySelector('main a[href=%s]').click()"
            % json.dumps(href)))

    @defer.inlineCallbacks
    def login_form(self):
        """Open /api2/html/nodes without a ticket: the login form, once
        its realm list has come from /access/domains."""
        yield self.page_call("navigate", self.url("/api2/html/nodes"))
        seen = yield self.seen()
        self.assertEqual((seen["status"], seen["title"], seen["login"]),
                         (401, "Login Required", True))

        @defer.inlineCallbacks
        def realms_loaded():
            seen = yield self.seen()
            return any("(" in name for name in seen["realms"]) and seen
        seen = yield poll(realms_loaded, "the realms of /access/domains",
                          attempts=100)
        self.assertIn("pve (Proxmox VE authentication server)",
                      seen["realms"])

    @defer.inlineCallbacks
    def test_login_and_walk(self):
        """Log in with the form: the page reloads as the node list; a
        click on the node opens its page, with links further down."""
        yield self.login_form()
        yield self.page_call("evaluate_and_wait_load",
                             fill_login("alice", PASSWORD, "pve"))
        seen = yield self.seen()
        self.assertEqual((seen["status"], seen["path"], seen["login"]),
                         (200, "/api2/html/nodes", False))
        self.assertEqual(seen["title"], "Proxmox VE API")
        self.assertIn('"node" : "%s"' % NODE, seen["text"])
        child = "/api2/html/nodes/" + NODE
        self.assertIn(child, seen["links"])
        # no link to a parameter's template ({node})
        self.assertEqual([link for link in seen["links"] if "%7B" in link],
                         [])

        yield self.click(child)
        seen = yield self.seen()
        self.assertEqual((seen["status"], seen["path"], seen["login"]),
                         (200, child, False))
        self.assertIn('"name" : "status"', seen["text"])
        self.assertIn(child + "/status", seen["links"])

        yield self.click(child + "/status")
        seen = yield self.seen()
        self.assertEqual((seen["status"], seen["path"], seen["login"]),
                         (200, child + "/status", False))
        self.assertIn("Read node status", seen["text"])
        self.assertIn('"uptime" : ', seen["text"])

    @defer.inlineCallbacks
    def test_wrong_password(self):
        """A wrong password: the error under the form, no page change."""
        yield self.login_form()
        yield self.page_call("evaluate", fill_login("alice", "wrong", "pve"))

        @defer.inlineCallbacks
        def error_shown():
            seen = yield self.seen()
            return seen["error"] and seen
        seen = yield poll(error_shown, "the login error", attempts=100)
        self.assertEqual(seen["error"].strip(), "authentication failure")
        self.assertEqual((seen["status"], seen["path"], seen["login"]),
                         (401, "/api2/html/nodes", True))
        cookies = yield self.page_call("evaluate", "document.cookie")
        self.assertNotIn("PVEAuthCookie", cookies)
