"""The camera's web page in a real headless Chromium (Playwright driving Debian's browser).

Opens /ui, waits for frames to arrive in the live view, signs in with the injected test
wallet (tests/browser/test_wallet.js), takes a photo with the page's button and waits for it
to appear, loaded, in the wallet's photo list. Saves a screenshot. Prints one JSON line of
what it saw; exits non-zero (with the reason) when a step fails or the page logged an error.
"""

import argparse
import json
import pathlib
import sys

from playwright.sync_api import sync_playwright

TIMEOUT_MS = 30_000


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--url", required=True, help="the API, e.g. http://127.0.0.1:5002")
    parser.add_argument("--seed-hex", required=True, help="the test wallet's 32-byte secret")
    parser.add_argument("--address", required=True, help="its base58 address")
    parser.add_argument("--public-key-hex", required=True, help="its public key")
    parser.add_argument("--screenshot", required=True, help="where to save the PNG")
    parser.add_argument("--chromium", default="/usr/bin/chromium")
    return parser.parse_args()


# What the page handles as documented: detections answer 503 while inference is down or
# loading, and the page shows "–".
EXPECTED_FAILURES = {("/api/face/detections", 503)}


def expected(url, status):
    return any(url.endswith(path) and status == code for path, code in EXPECTED_FAILURES)


def note_response(response, problems):
    if response.status >= 400 and not expected(response.url, response.status):
        problems.append(f"{response.status} for {response.url}")


def note_console(message, problems):
    if message.type != "error":
        return
    url = message.location.get("url", "") if message.location else ""
    # The browser logs every failed load; the expected ones are not the page's errors.
    if any(url.endswith(path) and str(code) in message.text for path, code in EXPECTED_FAILURES):
        return
    problems.append(f"console {message.type}: {message.text} ({url})")


def wallet_script(args):
    text = (pathlib.Path(__file__).parent / "test_wallet.js").read_text()
    return (
        text.replace("__SEED_HEX__", args.seed_hex)
        .replace("__ADDRESS__", args.address)
        .replace("__PUBLIC_KEY_HEX__", args.public_key_hex)
    )


def main():
    args = parse_args()
    problems = []
    seen = {}
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=args.chromium,
            args=["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"],
        )
        context = browser.new_context(viewport={"width": 1280, "height": 860})
        context.add_init_script(wallet_script(args))
        page = context.new_page()
        page.set_default_timeout(TIMEOUT_MS)
        page.on("pageerror", lambda error: problems.append(f"page error: {error}"))
        page.on("console", lambda message: note_console(message, problems))
        page.on("response", lambda response: note_response(response, problems))

        page.goto(f"{args.url}/ui")

        # Every script given to the page is a function: a bare expression would be evaluated with
        # eval(), which the page's Content-Security-Policy forbids.
        # Frames arrive: the MJPEG view decodes a picture, and the frame number moves on.
        page.wait_for_function("() => document.getElementById('live').naturalWidth > 0")
        seen["live_width"] = page.evaluate("() => document.getElementById('live').naturalWidth")
        page.wait_for_function(
            "() => Number(document.getElementById('stream-info').dataset.sequence) > 0"
        )
        first = int(page.get_attribute("#stream-info", "data-sequence"))
        page.wait_for_function(
            "(first) => Number(document.getElementById('stream-info').dataset.sequence) > first + 5",
            arg=first,
        )
        seen["frames_advanced"] = True

        # The first screen tells what the camera does to faces, before anything is toggled.
        page.wait_for_function("() => document.getElementById('privacy-badge').textContent !== '…'")
        seen["privacy"] = page.text_content("#privacy-badge")
        seen["boxes"] = page.text_content("#boxes-badge")

        # Signed out: no controls, no library.
        seen["photo_disabled_signed_out"] = page.is_disabled("#photo")
        seen["library_hidden_signed_out"] = page.is_hidden("#library")

        # Sign In With Solana through the wallet.
        page.click("#sign-in")
        page.wait_for_selector("#signed-in", state="visible")
        seen["wallet"] = page.get_attribute("#wallet-address", "title")
        seen["sign_ins"] = page.evaluate("() => window.__testWallet.signIns")

        # A photo, taken with the page's button, appears in the wallet's list, loaded.
        page.click("#photo")
        page.wait_for_selector("#message:has-text('Photo saved')")
        name = page.text_content("#message").split(": ", 1)[1].strip()
        seen["photo"] = name
        page.wait_for_function(
            """(name) => {
                const image = document.querySelector(`#photos figure[data-name="${name}"] img`);
                return image !== null && image.complete && image.naturalWidth > 0;
            }""",
            arg=name,
        )
        seen["photo_width"] = page.evaluate(
            """(name) => document.querySelector(`#photos figure[data-name="${name}"] img`).naturalWidth""",
            name,
        )
        # Detections and node health are filled in.
        page.wait_for_function("() => document.querySelectorAll('#nodes tbody tr').length > 0")
        seen["nodes"] = page.eval_on_selector_all(
            "#nodes tbody tr", "rows => rows.map(row => row.children[0].textContent)"
        )
        seen["faces"] = page.text_content("#faces")
        seen["health"] = page.text_content("#health-badge")

        page.screenshot(path=args.screenshot, full_page=True)
        browser.close()

    print(json.dumps({"seen": seen, "problems": problems}))
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
