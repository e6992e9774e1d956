// The digital employee: text turns from the quick buttons, or speech as PCM16 at 16 kHz over the
// vosk-server protocol ({"config": {"sample_rate"}} first, binary frames, {"eof": 1} at the end).
//
// Capture: an AudioWorklet (pcm-worklet.js) downmixes, resamples and converts off the main thread and posts
// ~100 ms chunks, sent here as binary WebSocket frames.
//
// Two ways to talk, both one utterance per socket ({"eof": 1} makes the voice service give the final result,
// the reply, then close; the next utterance resumes the same conversation with its session id):
// - hold to talk: the microphone is open while the button is held;
// - hands-free: the microphone stays open and an energy-based voice-activity detector cuts utterances
//   (speech starts → open a socket and stream, with the few chunks before the start; ~800 ms of silence →
//   eof). Between an utterance's end and its reply, and while the kiosk's reply audio plays (plus a short
//   tail), microphone chunks are dropped: the kiosk never hears itself as the customer.
// The live partial transcript shows while the customer speaks, in both modes.
//
// Text and touch work without any microphone or speech model: the text box (Enter sends) and the quick buttons
// send text turns ({"text": ...}) on the same socket; when the digital employee asks for an amount (phase
// "filling" with no amount yet) a numeric keypad appears whose digits are sent as the answer. The gateway's
// /dialogue/status says whether the voice service recognises speech in the page's language: when it does not
// ("not_configured") the page says so, hides the talk buttons and keeps the text box.
import { el } from "./api.js";
import { addTexts, currentLang, onLangChange, t } from "./i18n.js";
import { showPhoneLink } from "./kiosk-appointment.js";
import { Pcm16Chunker } from "./pcm-worklet.js";

const $ = (id) => document.getElementById(id);
const WORKLET = new URL("./pcm-worklet.js", import.meta.url).href;
const QUICK = ["q_open_account", "q_cash", "q_fx", "q_staff"];
const MAX_AMOUNT_DIGITS = 9;

addTexts(
  {
    type_here: "在此输入您要办理的业务", send: "发送", amount_label: "金额", yuan: "元", key_ok: "确定",
    asr_not_configured: "语音识别未配置：请在下方输入文字或点选按钮", amount_empty: "请先输入金额",
    say_yes: "是，确认", say_no: "不是，取消", yes_text: "是", no_text: "不是",
  },
  {
    type_here: "Type what you need here", send: "Send", amount_label: "Amount", yuan: "yuan", key_ok: "OK",
    asr_not_configured: "Speech recognition is not configured: please type below or tap a button",
    amount_empty: "Please enter an amount first", say_yes: "Yes, confirm", say_no: "No, cancel", yes_text: "yes",
    no_text: "no",
  },
);
export const VAD = {
  minLevel: 0.015,    // RMS (full scale 1) a chunk needs at least to count as speech
  floorRatio: 3,      // ... and this many times the background level, learned from the quiet chunks
  startChunks: 2,     // consecutive speech chunks (100 ms each) that start an utterance
  endChunks: 8,       // consecutive quiet chunks that end it (800 ms)
  preRoll: 5,         // chunks sent from before the start, so that the first syllable is not cut
  maxChunks: 150,     // an utterance ends after 15 s whatever happens
  echoTailMs: 400,    // after the kiosk's reply audio stops, before listening again
  replyWaitMs: 20000, // listening again if neither the reply nor the socket's close came
};

let ws = null;
let sessionId = "";
let branch = "";
let ctx = null;
let generation = 0;   // bumped by stopVoice: a microphone that finishes opening later is closed at once
let holding = false;  // the talk button is held down (it may be released before the microphone is ready)
let talk = null;      // hold to talk in progress: {capture, target, ready}
let hands = null;     // hands-free on: {capture, utterance, phase, loud, quiet, floor, preRoll, timer}
let quietUntil = 0;   // performance.now() until which the kiosk's own voice may still be in the room
let amount = "";      // the digits typed on the keypad
let customer = null;  // the kiosk: its identity (an approved KYC session) opens the customer's own accounts

function log(who, text) {
  if (!text) return;
  $("voice-log").append(el("li", { class: who, text }));
  $("voice-log").lastChild.scrollIntoView({ block: "end" });
}

// The hand-off's ticket slip: its phone page as a QR code (when the voice service passes the ticket's token).
function logPhoneLink(token) {
  const item = el("li", { class: "bot qr", "data-testid": "voice-ticket-qr" });
  const img = el("img", { alt: "", width: "216", height: "216" });
  const text = el("p", {});
  item.append(img, text);
  showPhoneLink(item, img, text, token);
  $("voice-log").append(item);
  item.scrollIntoView({ block: "end" });
}

function setText(node, key) {
  if (key) {
    node.dataset.i18n = key;  // applyTexts() keeps it in the chosen language
    node.textContent = t(key);
  } else {
    delete node.dataset.i18n;
    node.textContent = "";
  }
}

// What the customer sees of the microphone: #voice-status (words) and data-state on #voice (styling, tests).
function setStatus(state) {
  const section = $("voice");
  if (section.dataset.state === state) return;
  section.dataset.state = state;
  setText($("voice-status"), state === "off" ? "" : `vs_${state}`);
}

function showPartial(text) {
  $("voice-partial").textContent = text || "";
}

function renderToggle() {
  const toggle = $("voice-hands-free");
  toggle.setAttribute("aria-pressed", hands ? "true" : "false");
  setText(toggle, hands ? "hands_free_on" : "hands_free_off");
  $("voice-talk").disabled = Boolean(hands);
  $("voice").dataset.mic = hands || talk ? "on" : "off";
}

function kioskSpeaking() {
  const audio = $("voice-audio");
  return (!audio.paused && !audio.ended) || performance.now() < quietUntil;
}

function onMessage(event) {
  let message;
  try { message = JSON.parse(event.data); } catch { return; }
  if (message.partial !== undefined) showPartial(message.partial);
  if (message.result !== undefined) {
    showPartial("");
    if (message.text) log("me", message.text);
  }
  if (message.error) log("bot", message.reason === "rate_limited" ? t("p_429") : t("error"));
  const reply = message.reply;
  if (!reply) return;
  sessionId = reply.session_id || sessionId;
  log("bot", reply.reply);
  if (reply.screen) showResult(reply.screen);
  showPinPad(reply.screen && reply.screen.kind === "pin_entry" ? reply.screen : null);
  showKeypad(!pin && asksAmount(reply));
  $("voice-confirm").hidden = reply.phase !== "confirming";
  if (reply.ticket && reply.ticket.number) log("bot", `${t("your_number")}: ${reply.ticket.number}`);
  if (reply.ticket && reply.ticket.token) logPhoneLink(reply.ticket.token);
  if (reply.audio_wav_base64) {
    const audio = $("voice-audio");
    audio.src = `data:audio/wav;base64,${reply.audio_wav_base64}`;
    audio.play().catch(() => {});  // play() marks it playing at once: hands-free stops listening from here
    if (hands) setStatus("replying");
  }
}

function open() {
  return new Promise((resolve, reject) => {
    const scheme = location.protocol === "https:" ? "wss" : "ws";
    const query = new URLSearchParams({ branch_id: branch, lang: currentLang(), speak: "true" });
    if (sessionId) query.set("session_id", sessionId);
    const socket = new WebSocket(`${scheme}://${location.host}/v1/dialogue?${query}`);
    socket.binaryType = "arraybuffer";
    socket.onmessage = onMessage;
    socket.onopen = () => {
      if (customer && customer.identity) socket.send(JSON.stringify({ identity: customer.identity }));
      resolve(socket);
    };
    socket.onerror = () => reject(new Error("voice"));
    socket.onclose = (event) => {
      if (ws === socket) ws = null;
      if (event.code === 1011 && /^ASR unavailable/.test(event.reason || "")) {
        setSpeech("not_configured");  // the voice service is up; it recognises no speech in this language
      } else if (event.code === 1008 || event.code === 1011 || event.code === 1013) {  // 1013: store down, next message retries
        $("error").textContent = t("voice_down");
        $("error").hidden = false;
      }
      if (hands && hands.utterance === null && hands.phase === "thinking" && hands.waiting === socket) {
        listen(hands);  // the utterance's socket is done (reply or not): next utterance
      }
    };
    ws = socket;
  });
}

// The open socket for the next message; one that was sent {"eof": 1} is ending and takes no more.
async function socket() {
  if (ws && ws.readyState === WebSocket.OPEN && !ws.ended) return ws;
  return open();
}

function endSocket(target) {
  if (target.readyState === WebSocket.OPEN && !target.ended) target.send(JSON.stringify({ eof: 1 }));
  target.ended = true;
}

async function say(text) {
  log("me", text);
  try {
    (await socket()).send(JSON.stringify({ text }));
  } catch {
    ctx.showError(t("voice_down"));
  }
}

// --- text and touch ----------------------------------------------------------------------------------------

// The reply asks for an amount: the dialogue names the slot it waits for (pending_slot) or, without it, is
// filling a task's slots and has no amount yet (every task that needs more than its intent needs an amount first).
export function asksAmount(reply) {
  if (reply.pending_slot !== undefined && reply.pending_slot !== null) return reply.pending_slot === "amount";
  return reply.phase === "filling" && !(reply.slots && reply.slots.amount !== undefined && reply.slots.amount !== null);
}

function renderAmount() {
  $("voice-amount").textContent = amount ? Number(amount).toLocaleString(currentLang() === "zh" ? "zh-CN" : "en") : "—";
}

function showKeypad(visible) {
  amount = "";
  renderAmount();
  $("voice-keypad").hidden = !visible;
}

function pressDigit(digits) {
  amount = (amount + digits).replace(/^0+/, "").slice(0, MAX_AMOUNT_DIGITS);
  renderAmount();
}

function sendAmount() {
  if (!amount) {
    $("voice-amount").textContent = t("amount_empty");
    return;
  }
  const text = amount;
  showKeypad(false);
  say(text);
}

function buildKeypad() {
  const key = (label, onclick, extra = {}) => el("button", { type: "button", "data-key": label, onclick, ...extra }, label);
  const keys = ["1", "2", "3", "4", "5", "6", "7", "8", "9"].map((d) => key(d, () => pressDigit(d)));
  const del = el("button", { type: "button", class: "wide", "data-key": "del", "data-i18n": "delete_key",
    onclick: () => { amount = amount.slice(0, -1); renderAmount(); } }, t("delete_key"));
  const ok = el("button", { type: "button", class: "ok", "data-key": "ok", "data-i18n": "key_ok",
    "data-testid": "voice-amount-ok", onclick: sendAmount }, t("key_ok"));
  $("voice-keys").replaceChildren(...keys, del, key("0", () => pressDigit("0")), key("000", () => pressDigit("000")), ok);
}

function answer(key) {
  $("voice-confirm").hidden = true;
  say(t(key));
}

function bindTyping() {
  $("voice-yes").onclick = () => answer("yes_text");
  $("voice-no").onclick = () => answer("no_text");
  $("voice-type").onsubmit = (event) => {
    event.preventDefault();
    const input = $("voice-text");
    const text = input.value.trim();
    if (!text) return;
    input.value = "";
    say(text);
  };
}

// What the voice service can hear in the page's language: "ready", "not_configured" (text only) or "voice_down".
function setSpeech(state) {
  $("voice").dataset.speech = state;
  const note = $("voice-asr");
  if (state === "not_configured") {
    if (hands) handsFreeOff();
    setText(note, "asr_not_configured");
    note.hidden = false;
  } else {
    setText(note, null);
    note.hidden = true;
  }
}

async function checkSpeech() {
  if (!branch || !ctx) return;
  try {
    const status = await ctx.call(`/v1/branches/${encodeURIComponent(branch)}/dialogue/status?lang=${currentLang()}`);
    setSpeech(status.speech);
    if (status.speech === "voice_down") ctx.showError(t("voice_down"));
  } catch {
    setSpeech("unknown");  // the status could not be read: offer everything, the socket tells the rest
  }
}

// --- the PIN keypad ---------------------------------------------------------------------------------------
// A PIN change: the new PIN twice on this keypad only. The digits live in this closure until both entries are
// sent as {"pin": {"new", "repeat"}} on the dialogue socket; they are never logged, shown (dots only), put in
// the text box or spoken. The text box and the amount keypad are hidden while it is up.

addTexts(
  { pin_first: "请输入新的6位密码", pin_again: "请再输入一次新密码", pin_sent: "●●●●●● 已提交", pin_for: "账户" },
  { pin_first: "Enter the new six-digit PIN", pin_again: "Enter the new PIN once more", pin_sent: "●●●●●● sent",
    pin_for: "account" },
);
let pin = null;  // {account, first, digits}: the PIN entry under way

function renderPin() {
  if (!pin) return;
  $("voice-pin-step").textContent = t(pin.first === null ? "pin_first" : "pin_again");
  $("voice-pin-account").textContent = `(${t("pin_for")} ${pin.account})`;
  $("voice-pin-dots").textContent = "●".repeat(pin.digits.length) + "○".repeat(6 - pin.digits.length);
}

function showPinPad(screen) {
  pin = screen ? { account: screen.account, first: null, digits: "" } : null;
  $("voice-pin").hidden = !pin;
  $("voice-type").hidden = Boolean(pin);
  renderPin();
}

async function sendPin(first, repeat) {
  pin = null;
  $("voice-pin").hidden = true;
  log("me", t("pin_sent"));
  try {
    (await socket()).send(JSON.stringify({ pin: { new: first, repeat } }));
  } catch {
    ctx.showError(t("voice_down"));
  }
}

function pinKey(key) {
  if (!pin) return;
  if (key === "del") pin.digits = pin.digits.slice(0, -1);
  else if (key !== "ok" && pin.digits.length < 6) pin.digits += key;
  if (key === "ok" && pin.digits.length === 6) {
    if (pin.first === null) {
      pin.first = pin.digits;
      pin.digits = "";
    } else {
      sendPin(pin.first, pin.digits);
      return;
    }
  }
  renderPin();
}

function buildPinPad() {
  const key = (label, value, extra = {}) => el("button", { type: "button", "data-pin": value,
    onclick: () => pinKey(value), ...extra }, label);
  const digits = ["1", "2", "3", "4", "5", "6", "7", "8", "9"].map((d) => key(d, d));
  $("voice-pin-keys").replaceChildren(...digits,
    key(t("delete_key"), "del", { class: "wide", "data-i18n": "delete_key" }), key("0", "0"),
    key(t("key_ok"), "ok", { class: "ok", "data-i18n": "key_ok", "data-testid": "voice-pin-ok" }));
}

// --- capture ---------------------------------------------------------------------------------------------

class MicError extends Error {}

async function openCapture(onChunk) {
  let stream;
  try {
    stream = await navigator.mediaDevices.getUserMedia({
      audio: { channelCount: 1, echoCancellation: true, noiseSuppression: true }, video: false });
  } catch (error) {
    throw new MicError(error.message);
  }
  const audio = new AudioContext();
  try {
    const source = audio.createMediaStreamSource(stream);
    let node;
    let path;
    if (audio.audioWorklet && typeof AudioWorkletNode === "function") {
      await audio.audioWorklet.addModule(WORKLET);
      node = new AudioWorkletNode(audio, "pcm16");
      node.port.onmessage = (event) => onChunk(event.data);
      path = "worklet";
    } else {
      // Fallback ONLY for browsers without AudioWorklet: ScriptProcessorNode is deprecated and runs on the
      // main thread. The same chunker as the worklet's, so the server sees the same stream.
      const chunker = new Pcm16Chunker(audio.sampleRate);
      node = audio.createScriptProcessor(4096, 1, 1);
      node.onaudioprocess = (event) => chunker.push([event.inputBuffer.getChannelData(0)], onChunk);
      path = "script-processor";
    }
    source.connect(node);
    node.connect(audio.destination);  // pulls the graph; the node writes no output (silence)
    if (audio.state === "suspended") await audio.resume();
    $("voice").dataset.capture = path;
    return { stream, audio, source, node, path, rate: new Pcm16Chunker(audio.sampleRate).rate };
  } catch (error) {
    stream.getTracks().forEach((track) => track.stop());
    audio.close().catch(() => {});
    throw error;
  }
}

function stopCapture(capture) {
  if (capture.node.port) {
    capture.node.port.onmessage = null;
    capture.node.port.postMessage("stop");
  } else {
    capture.node.onaudioprocess = null;
  }
  capture.source.disconnect();
  capture.node.disconnect();
  capture.stream.getTracks().forEach((track) => track.stop());
  capture.audio.close().catch(() => {});
}

function captureFailed(error) {
  ctx.showError(t(error instanceof MicError ? "mic_unavailable" : "voice_down"));
}

// --- hold to talk ----------------------------------------------------------------------------------------

async function startTalking() {
  if (holding || talk || hands) return;
  holding = true;
  const started = generation;
  const audio = $("voice-audio");
  if (!audio.paused) audio.pause();  // the customer speaks over the reply: stop it
  setStatus("holding");
  try {
    const target = await socket();
    const session = { capture: null, target, ready: false };
    const capture = await openCapture((chunk) => {
      if (session.ready && target.readyState === WebSocket.OPEN && !target.ended) target.send(chunk.pcm);
    });
    if (started !== generation || hands) {
      stopCapture(capture);
      return;
    }
    target.send(JSON.stringify({ config: { sample_rate: capture.rate } }));
    session.capture = capture;
    session.ready = true;
    talk = session;
    renderToggle();
    if (!holding) stopTalking();  // a short tap: released while the microphone was starting
  } catch (error) {
    holding = false;
    if (!hands) setStatus("off");
    if (started === generation) captureFailed(error);
  }
}

function stopTalking() {
  holding = false;
  if (!talk) {
    if (!hands && $("voice").dataset.state === "holding") setStatus("off");
    return;
  }
  const { capture, target } = talk;
  talk = null;
  stopCapture(capture);
  endSocket(target);
  renderToggle();
  if (!hands) setStatus("off");
}

// --- hands-free ------------------------------------------------------------------------------------------

async function handsFreeOn() {
  if (hands) return;
  stopTalking();
  const started = generation;
  const state = { capture: null, utterance: null, phase: "listening", loud: 0, quiet: 0, floor: 0.005,
                  preRoll: [], timer: 0, waiting: null };
  hands = state;
  renderToggle();
  setStatus("listening");
  try {
    const capture = await openCapture((chunk) => onChunk(state, chunk));
    if (hands !== state || started !== generation) {
      stopCapture(capture);
      return;
    }
    state.capture = capture;
    renderToggle();
  } catch (error) {
    if (hands === state) handsFreeOff();
    if (started === generation) captureFailed(error);
  }
}

function handsFreeOff() {
  const state = hands;
  if (!state) return;
  hands = null;
  clearTimeout(state.timer);
  if (state.utterance) finishUtterance(state);  // what was said so far still gets its answer
  if (state.capture) stopCapture(state.capture);
  showPartial("");
  renderToggle();
  setStatus("off");
}

function listen(state) {
  clearTimeout(state.timer);
  state.phase = "listening";
  state.waiting = null;
  state.loud = 0;
  state.quiet = 0;
  state.preRoll = [];
  if (hands === state) setStatus("listening");
}

function onChunk(state, chunk) {
  if (hands !== state || state.phase === "thinking") return;
  if (kioskSpeaking()) {  // the kiosk's own voice: not the customer's
    if (state.utterance) finishUtterance(state);
    else {
      state.loud = 0;
      state.preRoll = [];
      setStatus("replying");
    }
    return;
  }
  if (state.phase !== "hearing") setStatus("listening");
  const threshold = Math.max(VAD.minLevel, state.floor * VAD.floorRatio);
  const loud = chunk.rms >= threshold;
  const utterance = state.utterance;
  if (!utterance) {
    state.preRoll.push(chunk.pcm);
    if (state.preRoll.length > VAD.preRoll) state.preRoll.shift();
    state.loud = loud ? state.loud + 1 : 0;
    if (!loud) state.floor = state.floor * 0.95 + chunk.rms * 0.05;
    if (state.loud >= VAD.startChunks) startUtterance(state);
    return;
  }
  send(utterance, chunk.pcm);
  utterance.chunks += 1;
  state.quiet = loud ? 0 : state.quiet + 1;
  if (state.quiet >= VAD.endChunks || utterance.chunks >= VAD.maxChunks) finishUtterance(state);
}

function send(utterance, pcm) {
  if (utterance.queue) utterance.queue.push(pcm);  // the socket is still opening
  else if (utterance.socket.readyState === WebSocket.OPEN && !utterance.socket.ended) utterance.socket.send(pcm);
}

function startUtterance(state) {
  const utterance = { queue: state.preRoll, socket: null, chunks: state.preRoll.length, ended: false };
  state.utterance = utterance;
  state.preRoll = [];
  state.loud = 0;
  state.quiet = 0;
  state.phase = "hearing";
  setStatus("hearing");
  socket().then((target) => {
    utterance.socket = target;
    if (hands !== state && !utterance.ended) {  // hands-free went off while the socket was opening
      utterance.queue = null;
      return;
    }
    target.send(JSON.stringify({ config: { sample_rate: state.capture.rate } }));
    for (const pcm of utterance.queue) target.send(pcm);
    utterance.queue = null;
    if (utterance.ended) {  // it ended while the socket was opening: its close means the answer is in
      endSocket(target);
      if (state.phase === "thinking" && state.waiting === null) state.waiting = target;
    }
  }).catch(() => {
    if (hands === state) handsFreeOff();
    ctx.showError(t("voice_down"));
  });
}

function finishUtterance(state) {
  const utterance = state.utterance;
  state.utterance = null;
  utterance.ended = true;
  if (utterance.socket && !utterance.queue) endSocket(utterance.socket);  // else once the socket is open
  state.phase = "thinking";
  state.waiting = utterance.socket;
  if (hands === state) setStatus("thinking");
  clearTimeout(state.timer);
  state.timer = setTimeout(() => { if (state.phase === "thinking") listen(state); }, VAD.replyWaitMs);
}

// --- the screen ------------------------------------------------------------------------------------------

// What the core answered, on screen: balances, a statement, rates or a posting's receipt. Account numbers come
// masked (6222****1234); every result is the SANDBOX core's and says so.
addTexts(
  { sandbox: "沙箱 SANDBOX · 演示数据，非真实账户", balance_title: "账户余额", statement_title: "交易明细",
    fx_title: "外汇牌价（每单位人民币）", interest_title: "利率", receipt_title: "交易回单", r_account: "账户",
    r_kind: "类型", r_balance: "余额", r_available: "可用", r_day: "日期", r_amount: "金额", r_currency: "币种",
    r_buys: "银行买入", r_sells: "银行卖出", r_product: "产品", r_rate: "年利率", r_from: "付款账户",
    r_to: "收款", r_posting: "流水号", r_replayed: "（同一笔，未重复扣款）", x_debit_card: "借记卡", x_savings: "储蓄",
    x_credit_card: "信用卡", x_loan: "贷款", x_opening: "开户", x_card_repayment: "信用卡还款", x_utility_payment: "缴费",
    x_transfer: "转账", x_reversal: "冲正" },
  { sandbox: "SANDBOX · demo data, not a real account", balance_title: "Balances", statement_title: "Transactions",
    fx_title: "FX rates (CNY per unit)", interest_title: "Interest rates", receipt_title: "Receipt", r_account: "Account",
    r_kind: "Type", r_balance: "Balance", r_available: "Available", r_day: "Day", r_amount: "Amount",
    r_currency: "Currency", r_buys: "We buy", r_sells: "We sell", r_product: "Product", r_rate: "Annual rate",
    r_from: "From", r_to: "To", r_posting: "Reference", r_replayed: "(the same payment, not taken twice)",
    x_debit_card: "Debit card", x_savings: "Savings", x_credit_card: "Credit card", x_loan: "Loan", x_opening: "Opening",
    x_card_repayment: "Card repayment", x_utility_payment: "Bill payment", x_transfer: "Transfer", x_reversal: "Reversal" },
);

function table(heads, rows) {
  return el("table", {}, el("thead", {}, el("tr", {}, ...heads.map((h) => el("th", { text: t(h) })))),
    el("tbody", {}, ...rows.map((cells) => el("tr", {}, ...cells.map((c) => el("td", { text: String(c) }))))));
}

const RESULTS = {
  balance: (s) => ["balance_title", table(["r_account", "r_kind", "r_balance", "r_available"],
    s.accounts.map((a) => [a.number, t(`x_${a.kind}`), `${a.balance} ${a.currency}`, `${a.available} ${a.currency}`]))],
  statement: (s) => ["statement_title", el("p", { text: `${s.account} · ${s.from} – ${s.to}` }),
    table(["r_day", "r_kind", "r_amount"], s.lines.map((l) => [l.day, t(`x_${l.kind}`), `${l.amount} ${l.currency}`]))],
  fx_rates: (s) => ["fx_title", table(["r_currency", "r_buys", "r_sells"],
    s.rates.map((r) => [r.currency, r.bank_buys, r.bank_sells]))],
  interest_rates: (s) => ["interest_title", table(["r_product", "r_rate"],
    s.rates.map((r) => [currentLang() === "zh" ? r.name_zh : r.product, `${r.annual_percent}%`]))],
  receipt: (s) => ["receipt_title", table(["r_posting", "r_amount", "r_from", "r_to"],
    [[`${s.posting_id}${s.replayed ? ` ${t("r_replayed")}` : ""}`, `${s.amount} ${s.currency}`, s.from, s.to]])],
  statement_print: (s) => ["print_title",
    el("p", { class: "printed", "data-testid": "printed", text: t("print_sent") }),
    el("p", { text: `${s.account} · ${s.from} – ${s.to} · ${t("r_balance")} ${s.balance} ${s.currency}` }),
    table(["r_day", "r_kind", "r_amount", "r_counterparty"],
      s.lines.map((l) => [l.day, t(`x_${l.kind}`), `${l.amount} ${l.currency}`, l.counterparty])),
    el("button", { type: "button", class: "big alt", "data-testid": "print-again", "data-i18n": "print_again",
      onclick: () => window.print() }, t("print_again"))],
  pension: (s) => ["pension_title", el("p", { text: `${s.from} – ${s.to} · ${t("r_total")} ${s.total} CNY` }),
    s.lines.length ? table(["r_day", "r_amount", "r_account"], s.lines.map((l) => [l.day, `${l.amount} ${l.currency}`,
      l.account])) : el("p", { text: t("pension_none") })],
  enrolment: (s) => [`e_${s.intent}`, table(["r_item", "r_value"],
    [[t("r_state"), `${t(`st_${s.state}`)}${s.replayed ? ` ${t("r_replayed_change")}` : ""}`],
      ...Object.entries(s.detail).map(([k, v]) => [t(`d_${k}`), v])])],
  pin_entry: () => ["pin_title", el("p", { text: t("pin_keypad_below") })],
  pin_changed: (s) => ["pin_title", el("p", { "data-testid": "pin-changed", text: `${s.account} · ${t("pin_done")}` })],
};
addTexts(
  { print_title: "对账单（打印）", print_sent: "已发送到打印机（沙箱：演示打印，请在出纸口取单）", print_again: "再打印一份",
    pension_title: "养老金入账", r_counterparty: "对方账户", r_total: "合计", r_account: "入账账户", pension_none: "近一年没有养老金入账",
    r_item: "项目", r_value: "内容", r_state: "状态", st_active: "已开通/已激活", st_inactive: "未激活",
    r_replayed_change: "（同一笔，未重复办理）", e_mobile_banking_activation: "开通手机银行",
    e_sms_alert_service: "短信通知", e_credit_card_activation: "信用卡激活", d_phone: "预留手机", d_account: "账户",
    d_threshold: "起点金额（元）", d_card: "信用卡", pin_title: "修改密码", pin_keypad_below: "请在屏幕密码键盘输入，勿说出密码",
    pin_done: "密码已修改", x_wallet_top_up: "钱包充值", x_pension_credit: "养老金" },
  { print_title: "Statement (printed)", print_sent: "Sent to the printer (SANDBOX: demo print, take it from the slot)",
    print_again: "Print again", r_counterparty: "Other side", pension_title: "Pension credits", r_total: "Total", r_account: "Paid to",
    pension_none: "No pension credits in the last year", r_item: "Item", r_value: "Value", r_state: "State",
    st_active: "On / active", st_inactive: "Not active", r_replayed_change: "(the same request, not done twice)",
    e_mobile_banking_activation: "Mobile banking", e_sms_alert_service: "SMS alerts",
    e_credit_card_activation: "Credit card activation", d_phone: "Registered phone", d_account: "Account",
    d_threshold: "From (CNY)", d_card: "Credit card", pin_title: "Change PIN",
    pin_keypad_below: "Use the on-screen PIN keypad; do not say the PIN", pin_done: "PIN changed",
    x_wallet_top_up: "Wallet top-up", x_pension_credit: "Pension" },
);

function showResult(screen) {
  const render = RESULTS[screen.kind];
  if (!render) return;
  const [title, ...body] = render(screen);
  $("voice-result").replaceChildren(el("p", { class: "sandbox", "data-testid": "sandbox-label", text: t("sandbox") }),
    el("h3", { text: t(title) }), ...body);
  $("voice-result").dataset.kind = screen.kind;
  if (screen.kind === "statement_print" && screen.printed) setTimeout(() => window.print(), 0);
  $("voice-result").hidden = false;
}

export function stopVoice() {
  generation += 1;
  if ($("voice-pin")) showPinPad(null);  // leaving forgets any PIN digits typed
  stopTalking();
  handsFreeOff();
  const audio = $("voice-audio");
  if (audio && !audio.paused) audio.pause();
  if (ws) ws.close();
  ws = null;
  sessionId = "";
}

export function startVoice(kiosk, context, first = "") {
  stopVoice();
  branch = kiosk.branch;
  customer = kiosk;
  ctx = context;
  $("voice-result").replaceChildren();
  $("voice-result").hidden = true;
  $("voice-log").replaceChildren();
  showPartial("");
  setStatus("off");
  $("voice-quick").replaceChildren(...QUICK.map((key) => {
    const button = el("button", { type: "button", class: "alt", "data-i18n": key, text: t(key) });
    button.addEventListener("click", () => say(t(key)));
    return button;
  }), el("button", { type: "button", class: "alt", "data-i18n": "have_appointment", "data-testid": "voice-to-code",
    text: t("have_appointment"), onclick: () => { stopVoice(); $("go-appointment").click(); } }));
  const button = $("voice-talk");
  button.onpointerdown = () => { if ($("voice").dataset.speech !== "not_configured") startTalking(); };
  button.onpointerup = stopTalking;
  button.onpointerleave = stopTalking;
  button.onpointercancel = stopTalking;
  $("voice-hands-free").onclick = () => (hands ? handsFreeOff() : handsFreeOn());
  const audio = $("voice-audio");
  const stopped = () => { quietUntil = performance.now() + VAD.echoTailMs; };
  audio.onended = stopped;
  audio.onpause = stopped;
  audio.onerror = stopped;
  renderToggle();
  bindTyping();
  buildKeypad();
  buildPinPad();
  showKeypad(false);
  $("voice-confirm").hidden = true;
  $("voice-text").value = "";
  setSpeech("unknown");
  checkSpeech();
  open().then(() => { if (first) say(first); }).catch(() => ctx.showError(t("voice_down")));
}

onLangChange(() => { if (!$("voice").hidden) checkSpeech(); renderAmount(); });

// Leaving the page (or the kiosk browser unloading it): no microphone stays open.
window.addEventListener("pagehide", stopVoice);
