"""The web workspace in a real browser: `marketdesk demo` (simulator + serve in one process)
with a user added to its data directory, driven by Playwright through Debian's Chromium.

Needs target/debug/marketdesk (scripts/test's `browser` step builds it) and /usr/bin/chromium
(scripts/install-tools installs it). Screenshots go to target/ui-screens/.
"""

import json
import os
import pathlib
import queue
import re
import subprocess
import threading
import time
import urllib.request

import pytest
from playwright.sync_api import sync_playwright

ROOT = pathlib.Path(__file__).resolve().parents[2]
BINARY = ROOT / "target" / "debug" / "marketdesk"
SCREENS = ROOT / "target" / "ui-screens"
CHROMIUM = os.environ.get("MARKETDESK_CHROMIUM", "/usr/bin/chromium")
EMAIL = "agata@example.com"
PASSWORD = "haslo-do-testow-42"
AGENT = "Agata Agentka"


def wait_for(what, probe, timeout=45.0, every=0.25):
    """Calls probe() until it returns something truthy; fails naming `what` after timeout."""
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        last = probe()
        if last:
            return last
        time.sleep(every)
    raise AssertionError(f"timed out waiting for {what} (last: {last!r})")


class Desk:
    """The running demo: its addresses, the admin key it printed, and JSON helpers."""

    def __init__(self, api, sim, key, data):
        self.api, self.sim, self.key, self.data = api, sim, key, data

    def _call(self, url, body=None, headers=None, method=None):
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(url, data=data, headers=headers or {}, method=method)
        if data is not None:
            request.add_header("Content-Type", "application/json")
        with urllib.request.urlopen(request, timeout=10) as answer:
            text = answer.read()
            return json.loads(text) if text else None

    def api_get(self, path):
        return self._call(self.api + path, headers={"Authorization": f"Bearer {self.key}"})

    def api_send(self, method, path, body):
        return self._call(self.api + path, body=body, method=method,
                          headers={"Authorization": f"Bearer {self.key}"})

    def sim_get(self, path):
        return self._call(self.sim + "/__simulator" + path)

    def sim_post(self, path, body):
        return self._call(self.sim + "/__simulator" + path, body=body)

    def tickets(self, query=""):
        return self.api_get("/v1/tickets?limit=100" + query)["tickets"]

    def ticket_of_kind(self, kind):
        found = [t for t in self.tickets() if t["conversation"]["kind"] == kind]
        return found[0] if found else None


@pytest.fixture(scope="session")
def desk(tmp_path_factory):
    assert BINARY.exists(), f"{BINARY} is missing: cargo build -p marketdesk"
    data = tmp_path_factory.mktemp("desk-data")
    subprocess.run(
        [str(BINARY), "user", "create", "--tenant", "demo", "--email", EMAIL, "--name", AGENT,
         "--role", "admin", "--password-stdin", "--data", str(data), "--init"],
        input=PASSWORD + "\n", text=True, check=True, capture_output=True, timeout=60,
    )
    env = dict(os.environ, MARKETDESK_LOG="warn")
    process = subprocess.Popen(
        [str(BINARY), "demo", "--data", str(data), "--listen", "127.0.0.1:0",
         "--simulator-listen", "127.0.0.1:0", "--poll-interval", "500ms", "--pace", "3"],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env,
    )
    lines = queue.Queue()
    log = []

    def pump():
        for line in process.stdout:
            log.append(line)
            lines.put(line)

    threading.Thread(target=pump, daemon=True).start()
    found = {}
    patterns = {
        "sim": re.compile(r"marketplace simulator .* on (http://\S+)"),
        "api": re.compile(r"API on (http://[^\s]+)"),
        "key": re.compile(r"Admin API key .*: (mdk_\S+)"),
    }
    deadline = time.monotonic() + 60
    while len(found) < 3 and time.monotonic() < deadline:
        try:
            line = lines.get(timeout=1)
        except queue.Empty:
            assert process.poll() is None, "marketdesk demo stopped:\n" + "".join(log)
            continue
        for name, pattern in patterns.items():
            match = pattern.search(line)
            if match and name not in found:
                found[name] = match.group(1)
    assert len(found) == 3, "marketdesk demo did not start:\n" + "".join(log)
    desk = Desk(found["api"].rstrip("/"), found["sim"].rstrip("/"), found["key"], data)
    # The simulated buyers write in: both marketplaces, and a ticket the autoresponder answered.
    wait_for("an Allegro dispute", lambda: desk.ticket_of_kind("allegro_dispute"))
    wait_for("an EmpikPlace thread", lambda: desk.ticket_of_kind("empik_thread"))
    wait_for("an Allegro purchase problem", lambda: desk.ticket_of_kind("allegro_purchase_problem"))
    wait_for("a ticket the autoresponder answered",
             lambda: desk.tickets("&last_author=autoresponder"))
    try:
        yield desk
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@pytest.fixture(scope="session")
def browser():
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture(scope="session")
def screens():
    SCREENS.mkdir(parents=True, exist_ok=True)
    return SCREENS


def sign_in(page, desk):
    """Signs in through the form (Polish labels)."""
    page.goto(desk.api + "/")
    page.get_by_label("Adres e-mail").fill(EMAIL)
    page.get_by_label("Hasło").fill(PASSWORD)
    page.get_by_role("button", name="Zaloguj się").click()
    page.wait_for_url(re.compile(r"/tickets$"))


@pytest.fixture
def page(browser, desk):
    """A signed-in page in a fresh context."""
    context = browser.new_context(viewport={"width": 1280, "height": 860})
    page = context.new_page()
    sign_in(page, desk)
    try:
        yield page
    finally:
        context.close()
