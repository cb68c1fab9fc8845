#!/usr/bin/env python3
"""Drives headless Chromium over the DevTools protocol for tests, one JSON command per line.

Reads commands on standard input and answers each with one JSON line on standard output:

  {"open": URL}                         load a page; waits for its load event
  {"wait": JS, "timeout": SECONDS}      waits until the expression is truthy, re-checked on every
                                        DOM change (a MutationObserver, no polling); answers its value
  {"eval": JS}                          answers the expression's value
  {"screenshot": PATH}                  writes a PNG of the page

Answers are {"ok": VALUE} or {"error": MESSAGE}. Chromium runs with --remote-debugging-pipe,
so no port or WebSocket is needed. The browser is `$CHROMIUM`, else chromium on the PATH. The
script's own arguments are passed to Chromium as further flags (e.g. --ignore-certificate-errors).
"""
import base64, json, os, select, shutil, subprocess, sys, tempfile, time

EXTRA_FLAGS = [flag for flag in sys.argv[1:] if flag.startswith("--")]

WAIT_JS = """new Promise(resolve => {
  const check = () => { let value; try { value = (%s); } catch (e) { value = undefined; }
    if (value) { observer.disconnect(); resolve(value); } };
  const observer = new MutationObserver(check);
  observer.observe(document, {subtree: true, childList: true, attributes: true, characterData: true});
  check();
})"""


class Browser:
    def __init__(self):
        binary = os.environ.get("CHROMIUM") or shutil.which("chromium") or shutil.which("chromium-browser")
        if not binary:
            raise SystemExit("chromium-driver: Chromium is not installed (apt-get install chromium)")
        to_browser_r, self.to_browser = os.pipe()
        self.from_browser, from_browser_w = os.pipe()
        self.profile = tempfile.TemporaryDirectory(prefix="chromium-driver-")

        def attach_pipe():  # in the child: the protocol pipe is fds 3 (commands) and 4 (answers)
            reader, writer = os.dup(to_browser_r), os.dup(from_browser_w)
            os.dup2(reader, 3)
            os.dup2(writer, 4)

        self.process = subprocess.Popen(
            [binary, "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
             "--no-first-run", "--no-default-browser-check", "--hide-scrollbars",
             "--remote-debugging-pipe", "--user-data-dir=" + self.profile.name,
             "--window-size=1100,760"] + EXTRA_FLAGS + ["about:blank"],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            close_fds=False, preexec_fn=attach_pipe)
        os.close(to_browser_r)
        os.close(from_browser_w)
        self.next_id = 0
        self.pending = b""
        self.events = []
        target = self.call("Target.createTarget", {"url": "about:blank"}, timeout=60)["targetId"]
        self.session = self.call("Target.attachToTarget", {"targetId": target, "flatten": True})["sessionId"]
        self.call("Page.enable", session=True)

    def send(self, method, params, session):
        self.next_id += 1
        message = {"id": self.next_id, "method": method, "params": params or {}}
        if session:
            message["sessionId"] = self.session
        os.write(self.to_browser, json.dumps(message).encode() + b"\0")
        return self.next_id

    def receive(self, deadline):
        while b"\0" not in self.pending:
            remaining = deadline - time.monotonic()
            if remaining <= 0 or not select.select([self.from_browser], [], [], remaining)[0]:
                raise TimeoutError("timed out")
            chunk = os.read(self.from_browser, 1 << 20)
            if not chunk:
                raise RuntimeError("Chromium exited")
            self.pending += chunk
        message, self.pending = self.pending.split(b"\0", 1)
        return json.loads(message)

    def call(self, method, params=None, session=False, timeout=30):
        call_id = self.send(method, params, session)
        deadline = time.monotonic() + timeout
        while True:
            message = self.receive(deadline)
            if message.get("id") == call_id:
                if "error" in message:
                    raise RuntimeError(message["error"].get("message", str(message["error"])))
                return message.get("result", {})
            if "method" in message:
                self.events.append(message)

    def wait_for_event(self, method, timeout):
        deadline = time.monotonic() + timeout
        while True:
            for index, event in enumerate(self.events):
                if event["method"] == method:
                    return self.events.pop(index)
            self.events.append(self.receive(deadline))

    def evaluate(self, expression, timeout=30):
        result = self.call("Runtime.evaluate", {"expression": expression, "awaitPromise": True,
                                                "returnByValue": True}, session=True, timeout=timeout)
        if "exceptionDetails" in result:
            raise RuntimeError(result["exceptionDetails"].get("text", "exception"))
        return result["result"].get("value")

    def handle(self, command):
        if "open" in command:
            self.events = []
            self.call("Page.navigate", {"url": command["open"]}, session=True)
            self.wait_for_event("Page.loadEventFired", command.get("timeout", 30))
            return True
        if "wait" in command:
            return self.evaluate(WAIT_JS % command["wait"], command.get("timeout", 30))
        if "eval" in command:
            return self.evaluate(command["eval"])
        if "screenshot" in command:
            png = self.call("Page.captureScreenshot", {"format": "png"}, session=True)["data"]
            with open(command["screenshot"], "wb") as file:
                file.write(base64.b64decode(png))
            return command["screenshot"]
        raise ValueError("unknown command")

    def close(self):
        self.process.kill()
        self.process.wait()
        self.profile.cleanup()


def main():
    browser = Browser()
    try:
        print(json.dumps({"ok": "ready"}), flush=True)
        for line in sys.stdin:
            if not line.strip():
                continue
            try:
                answer = {"ok": browser.handle(json.loads(line))}
            except Exception as error:
                answer = {"error": "%s: %s" % (type(error).__name__, error)}
            print(json.dumps(answer), flush=True)
    finally:
        browser.close()


if __name__ == "__main__":
    main()
