// KYC at the kiosk: photo of the ID card, then selfie frames while the customer follows the liveness
// challenge. Frames go to the gateway (and on to the KYC service); the kiosk keeps none of them.

import { el, fill } from "./api.js";
import { problemText, t } from "./i18n.js";

const $ = (id) => document.getElementById(id);
const FRAMES_PER_ACTION = 4;
const FRAME_GAP_MS = 350;
let media = null;
let flow = null;

export function stopKyc() {
  showFields(null);
  if (media) media.getTracks().forEach((track) => track.stop());
  media = null;
  flow = null;
}

function grab(type = "image/jpeg") {
  const video = $("kyc-video");
  const canvas = $("kyc-canvas");
  canvas.width = video.videoWidth || 640;
  canvas.height = video.videoHeight || 480;
  canvas.getContext("2d").drawImage(video, 0, 0, canvas.width, canvas.height);
  return new Promise((resolve) => canvas.toBlob(resolve, type, 0.9));
}

async function base64(blob) {
  const bytes = new Uint8Array(await blob.arrayBuffer());
  let binary = "";
  for (let i = 0; i < bytes.length; i += 0x8000) binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(binary);
}

// What was read, as the KYC service masked it in the session (name 张*, number 3201**********1234): a
// screen in the banking hall never shows the full name or ID number.
function showFields(fields) {
  const shown = ["name", "id_number"].filter((key) => fields && fields[key]);
  fill($("kyc-fields"), shown.map((key) => el("p", { "data-field": key }, `${t(`kyc_${key}`)} `,
    el("strong", { text: fields[key] }))));
  $("kyc-fields").hidden = shown.length === 0;
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

async function selfie(kiosk, session, ctx, mine) {
  $("kyc-step").textContent = t("kyc_selfie");
  $("kyc-capture").hidden = true;
  const frames = [];
  const started = performance.now();
  for (const action of session.challenge || []) {
    if (flow !== mine) return;  // the customer left: no frames of a stopped camera go out
    $("kyc-prompt").textContent = t(action);
    await sleep(800);
    for (let i = 0; i < FRAMES_PER_ACTION; i++) {
      frames.push({ image: await base64(await grab()), t_ms: Math.round(performance.now() - started) });
      await sleep(FRAME_GAP_MS);
    }
  }
  if (flow !== mine) return;
  $("kyc-prompt").textContent = "…";
  const result = await ctx.call(`/v1/kyc/sessions/${session.session_id}/selfie`, { method: "POST", json: { frames } });
  if (flow !== mine) return;
  const decision = result.decision || "review";
  $("kyc-prompt").textContent = t(decision);
  // Approved: the session names this customer to the digital employee (the core checks it on every call).
  if (decision === "approved") kiosk.identity = session.session_id;
  // The customer's next step, never the technical reasons (those go to staff with the session).
  $("kyc-step").textContent = decision === "approved" ? t("kyc") : t(`${decision}_next`);
  if (decision === "approved" && ctx.onVerified) ctx.onVerified();
}

export async function startKyc(kiosk, ctx) {
  stopKyc();
  $("kyc-step").textContent = t("kyc_card");
  $("kyc-prompt").textContent = "";
  $("kyc-capture").hidden = false;
  try {
    media = await navigator.mediaDevices.getUserMedia({ video: { width: 1280, height: 720 }, audio: false });
  } catch {
    ctx.showError(t("camera_denied"));
    return;
  }
  $("kyc-video").srcObject = media;
  const mine = (flow = {});
  let session;
  try {
    session = await ctx.call("/v1/kyc/sessions", { method: "POST", json: { doc_type: "id_card" } });
  } catch (error) {
    ctx.showError(`${t("kyc_error")} (${problemText(error)})`);
    return;
  }
  $("kyc-capture").onclick = async () => {
    $("kyc-capture").disabled = true;
    try {
      const photo = await grab();
      const read = await ctx.call(`/v1/kyc/sessions/${session.session_id}/documents`,
        { method: "POST", body: photo, headers: { "Content-Type": "image/jpeg" } });
      if (flow !== mine) return;
      const side = read.session && read.session.documents && read.session.documents[read.side];
      showFields(side && side.fields);
      if (!read.session || read.session.status !== "awaiting_selfie") {
        $("kyc-prompt").textContent = t("kyc_portrait_side");  // the back was read: the selfie needs the front
        return;
      }
      await selfie(kiosk, session, ctx, mine);
    } catch (error) {
      ctx.showError(`${t("kyc_error")} (${problemText(error)})`);
    } finally {
      $("kyc-capture").disabled = false;
    }
  };
}

