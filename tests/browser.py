"""A headless Chromium driven over the DevTools protocol, for tests that
check what a person sees in a browser.

Chromium is started with ``--remote-debugging-pipe``: it reads JSON
commands, each ending in a NUL byte, from its fd 3 and writes responses
and events the same way to its fd 4.  Everything here blocks (with a
timeout on every wait): tests call it in a thread, with
``threads.deferToThread``, so the reactor keeps serving the pages.
"""

import fcntl
import json
import os
import select
import shutil
import signal
import tempfile
import time

BINARIES = ("/usr/lib/chromium/chromium-headless-shell",
            "/usr/lib/chromium/headless_shell")
TIMEOUT = 30


class BrowserError(Exception):
    """The browser answered a command with an error, or did not answer."""


def find_binary():
    """The chromium-headless-shell program, or None if not installed."""
    for path in BINARIES:
        if os.access(path, os.X_OK):
            return path
    return None


def _high(fd):
    """*fd* moved to 10 or above, clear of the 3 and 4 it goes to."""
    high = fcntl.fcntl(fd, fcntl.F_DUPFD_CLOEXEC, 10)
    os.close(fd)
    return high


class Browser:
    """One Chromium process with a throw-away profile under *parent*;
    :meth:`close` kills it (its whole process group) and removes the
    profile."""

    def __init__(self, parent=None, binary=None):
        self.dir = tempfile.mkdtemp(prefix="chromium-", dir=parent)
        to_browser, self._out = map(_high, os.pipe())
        self._in, from_browser = map(_high, os.pipe())
        args = [binary or find_binary(), "--headless", "--no-sandbox",
                "--remote-debugging-pipe", "--ignore-certificate-errors",
                "--no-first-run", "--disable-gpu", "--disable-extensions",
                "--user-data-dir=" + os.path.join(self.dir, "profile"),
                "about:blank"]
        log = os.open(os.path.join(self.dir, "chromium.log"),
                      os.O_WRONLY | os.O_CREAT, 0o600)
        actions = [(os.POSIX_SPAWN_OPEN, 0, os.devnull, os.O_RDONLY, 0),
                   (os.POSIX_SPAWN_DUP2, log, 1),
                   (os.POSIX_SPAWN_DUP2, log, 2),
                   (os.POSIX_SPAWN_DUP2, to_browser, 3),
                   (os.POSIX_SPAWN_DUP2, from_browser, 4)]
        self.pid = None
        try:
            # in its own session, so that close kills its helpers too
            self.pid = os.posix_spawn(args[0], args, os.environ,
                                      file_actions=actions, setsid=True)
        finally:
            for fd in (log, to_browser, from_browser):
                os.close(fd)
            if self.pid is None:
                self.close()
        self._buffer = b""
        self._next_id = 0
        self.events = []

    def close(self):
        """Kill the browser and remove its directory; safe to call twice."""
        if self.pid is not None:
            try:
                os.killpg(self.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            try:
                os.waitpid(self.pid, 0)
            except ChildProcessError:
                pass
            self.pid = None
        for fd in (self._in, self._out):
            try:
                os.close(fd)
            except OSError:
                pass
        self._in = self._out = -1
        shutil.rmtree(self.dir, ignore_errors=True)

    # -- the protocol -----------------------------------------------------

    def _receive(self, deadline, what):
        """The next message, waiting until *deadline* (time.monotonic)
        for *what*."""
        while b"\0" not in self._buffer:
            left = deadline - time.monotonic()
            if left <= 0 or not select.select([self._in], [], [], left)[0]:
                raise BrowserError("no %s from the browser in time" % what)
            data = os.read(self._in, 65536)
            if not data:
                raise BrowserError("the browser closed its pipe")
            self._buffer += data
        message, self._buffer = self._buffer.split(b"\0", 1)
        return json.loads(message)

    def call(self, method, params=None, session=None, timeout=TIMEOUT):
        """Send a command, keep the events that arrive before its answer,
        return its result."""
        self._next_id += 1
        message = {"id": self._next_id, "method": method,
                   "params": params or {}}
        if session:
            message["sessionId"] = session
        data = json.dumps(message).encode() + b"\0"
        while data:
            data = data[os.write(self._out, data):]
        deadline = time.monotonic() + timeout
        while True:
            reply = self._receive(deadline, "answer to " + method)
            if reply.get("id") == self._next_id:
                if "error" in reply:
                    raise BrowserError("%s: %s" % (method, reply["error"]))
                return reply["result"]
            if "method" in reply:
                self.events.append(reply)

    def wait_event(self, method, session=None, timeout=TIMEOUT):
        """The first kept or next event *method* (of *session*), removed
        from :attr:`events`."""
        deadline = time.monotonic() + timeout
        while True:
            for event in self.events:
                if (event["method"] == method
                        and event.get("sessionId") == session):
                    self.events.remove(event)
                    return event["params"]
            self.events.append(self._receive(deadline, method + " event"))

    def new_page(self):
        """A new tab, as a :class:`Page`."""
        target = self.call("Target.createTarget", {"url": "about:blank"})
        session = self.call("Target.attachToTarget", {
            "targetId": target["targetId"], "flatten": True})["sessionId"]
        page = Page(self, session)
        page.call("Page.enable")
        return page


class Page:
    """A tab: navigate, evaluate JavaScript, wait for pages to load."""

    def __init__(self, browser, session):
        self.browser = browser
        self.session = session

    def call(self, method, params=None, timeout=TIMEOUT):
        return self.browser.call(method, params, self.session, timeout)

    def _forget_loads(self):
        self.browser.events = [
            e for e in self.browser.events
            if not (e["method"] == "Page.loadEventFired"
                    and e.get("sessionId") == self.session)]

    def wait_load(self, timeout=TIMEOUT):
        self.browser.wait_event("Page.loadEventFired", self.session, timeout)

    def navigate(self, url, timeout=TIMEOUT):
        """Open *url* and wait until the page has loaded."""
        self._forget_loads()
        result = self.call("Page.navigate", {"url": url}, timeout)
        if result.get("errorText"):
            raise BrowserError("navigating to %s: %s"
                               % (url, result["errorText"]))
        self.wait_load(timeout)

    def evaluate(self, expression, timeout=TIMEOUT):
        """The value of a JavaScript *expression* (promises awaited);
        a thrown exception raises BrowserError."""
        result = self.call("Runtime.evaluate", {
            "expression": expression, "returnByValue": True,
            "awaitPromise": True}, timeout)
        if "exceptionDetails" in result:
            details = result["exceptionDetails"]
            text = details.get("exception", {}).get("description")
            raise BrowserError(text or details.get("text"))
        return result["result"].get("value")

    def evaluate_and_wait_load(self, expression, timeout=TIMEOUT):
        """Evaluate *expression* (a click, a submit) and wait for the page
        it leads to."""
        self._forget_loads()
        self.evaluate(expression, timeout)
        self.wait_load(timeout)
