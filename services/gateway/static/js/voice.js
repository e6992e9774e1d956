// The digital employee: text turns from the quick buttons, or speech (hold to talk: PCM16 at 16 kHz over
// the vosk-server protocol). Each spoken utterance ends the socket ({"eof": 1}); the next one resumes the
// same conversation with its session id.
import { el } from "./api.js";
import { currentLang, t } from "./i18n.js";

const $ = (id) => document.getElementById(id);
const RATE = 16000;
const QUICK = ["q_open_account", "q_cash", "q_fx", "q_staff"];
let ws = null;
let sessionId = "";
let branch = "";
let mic = null;
let holding = false;  // the talk button is held down (it may be released before the microphone is ready)

function log(who, text) {
  if (!text) return;
  $("voice-log").append(el("li", { class: who, text }));
  $("voice-log").lastChild.scrollIntoView({ block: "end" });
}

function onMessage(event) {
  let message;
  try { message = JSON.parse(event.data); } catch { return; }
  if (message.result !== undefined && message.text) log("me", message.text);
  const reply = message.reply;
  if (!reply) return;
  sessionId = reply.session_id || sessionId;
  log("bot", reply.reply);
  if (reply.ticket && reply.ticket.number) log("bot", `${t("your_number")}: ${reply.ticket.number}`);
  if (reply.audio_wav_base64) {
    const audio = $("voice-audio");
    audio.src = `data:audio/wav;base64,${reply.audio_wav_base64}`;
    audio.play().catch(() => {});
  }
}

function open() {
  return new Promise((resolve, reject) => {
    const scheme = location.protocol === "https:" ? "wss" : "ws";
    const query = new URLSearchParams({ branch_id: branch, lang: currentLang(), speak: "true" });
    if (sessionId) query.set("session_id", sessionId);
    const socket = new WebSocket(`${scheme}://${location.host}/v1/dialogue?${query}`);
    socket.onmessage = onMessage;
    socket.onopen = () => resolve(socket);
    socket.onerror = () => reject(new Error("voice"));
    socket.onclose = (event) => {
      if (ws === socket) ws = null;
      if (event.code === 1008 || event.code === 1011) {
        $("error").textContent = t("voice_down");
        $("error").hidden = false;
      }
    };
    ws = socket;
  });
}

async function socket() {
  if (ws && ws.readyState === WebSocket.OPEN) return ws;
  return open();
}

async function say(text, ctx) {
  log("me", text);
  try {
    (await socket()).send(JSON.stringify({ text }));
  } catch {
    ctx.showError(t("voice_down"));
  }
}

async function startTalking(ctx) {
  if (holding || mic) return;
  holding = true;
  try {
    const stream = await navigator.mediaDevices.getUserMedia({ audio: { channelCount: 1 }, video: false });
    const audio = new AudioContext();
    const source = audio.createMediaStreamSource(stream);
    const node = audio.createScriptProcessor(4096, 1, 1);
    const target = await socket();
    target.send(JSON.stringify({ config: { sample_rate: RATE } }));
    node.onaudioprocess = (event) => {
      const input = event.inputBuffer.getChannelData(0);
      const step = audio.sampleRate / RATE;
      const out = new Int16Array(Math.floor(input.length / step));
      for (let i = 0; i < out.length; i++) out[i] = Math.max(-1, Math.min(1, input[Math.floor(i * step)])) * 0x7fff;
      if (target.readyState === WebSocket.OPEN) target.send(out.buffer);
    };
    source.connect(node);
    node.connect(audio.destination);
    mic = { stream, audio, node, target };
    if (!holding) stopTalking();  // a short tap: released while the microphone was starting
  } catch {
    holding = false;
    ctx.showError(t("voice_down"));
  }
}

function stopTalking() {
  holding = false;
  if (!mic) return;
  mic.node.disconnect();
  mic.stream.getTracks().forEach((track) => track.stop());
  mic.audio.close();
  if (mic.target.readyState === WebSocket.OPEN) mic.target.send(JSON.stringify({ eof: 1 }));
  mic = null;
}

export function stopVoice() {
  stopTalking();
  if (ws) ws.close();
  ws = null;
  sessionId = "";
}

export function startVoice(kiosk, ctx) {
  stopVoice();
  branch = kiosk.branch;
  $("voice-log").replaceChildren();
  $("voice-quick").replaceChildren(...QUICK.map((key) => {
    const button = el("button", { type: "button", class: "alt", text: t(key) });
    button.addEventListener("click", () => say(t(key), ctx));
    return button;
  }));
  const talk = $("voice-talk");
  talk.onpointerdown = () => startTalking(ctx);
  talk.onpointerup = stopTalking;
  talk.onpointerleave = stopTalking;
  open().catch(() => ctx.showError(t("voice_down")));
}
