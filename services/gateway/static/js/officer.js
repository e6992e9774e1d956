// The officer's review of merchant onboarding cases (KYC through the gateway): the branch's cases in review,
// a case's fields prefilled with what was read (low-confidence fields highlighted, failed checks in red), the
// cross-checks, and approve / ask for more / reject. Edited fields go as corrections. ?blank=1 shows the
// form empty (the officer types every field: the baseline of bench/merchant_review.py).
import { api, el, fill } from "./api.js";
import { addTexts, applyTexts, bindToggle, onLangChange, problemText, t } from "./i18n.js";

addTexts(
  {
    officer_title: "商户开户审核", cases_to_review: "待审核", case: "案件", cross_checks: "交叉核验",
    reason: "理由（驳回、补件必填）", corrected: "已更正字段", approve: "通过", ask_more: "要求补件", reject: "驳回",
    no_cases: "暂无待审核案件", doc_licence: "营业执照", doc_portrait: "法定代表人身份证（人像面）",
    doc_emblem: "法定代表人身份证（国徽面）", col_field: "字段", col_value: "识别值", col_conf: "置信度",
    col_checks: "核验", low_conf: "低置信度，请核对", blocked: "以下核验未通过，不能通过审核：",
    done_approve: "已通过", done_reject: "已驳回", done_ask_more: "已要求补件", face: "人脸比对",
    liveness: "活体检测", similarity: "相似度", doc_image: "证件图像（已校正、已缩小；查看会记入审计）",
    no_images: "本网点未保留证件图像（隐私默认设置），请依据识别值与核验结果审核。",
    f_name: "名称/姓名", "f_licence.name": "名称", f_credit_code: "统一社会信用代码", f_type: "类型",
    f_legal_representative: "法定代表人", f_registered_capital: "注册资本", f_address: "住所/住址",
    f_established: "成立日期", "f_portrait.name": "姓名", f_sex: "性别", f_ethnicity: "民族", f_birth_date: "出生",
    f_id_number: "公民身份号码", f_issuing_authority: "签发机关", f_valid_from: "有效期起", f_valid_to: "有效期至",
    c_legal_representative_matches_id_name: "法定代表人与身份证姓名一致", c_credit_code_valid: "信用代码校验通过",
    c_id_number_valid: "身份证号校验通过", c_card_not_expired: "身份证在有效期内",
    c_licence_region_matches_address: "登记地区与住所一致", c_face_matches: "人脸与证件照一致",
    c_liveness_passed: "活体检测通过",
    k_credit_code_checksum: "校验位正确", k_credit_code_matches_address: "登记地区与住所一致",
    k_id_number_checksum: "校验位正确", k_id_number_region: "地区码有效", k_birth_date_matches_id: "与号码一致",
    k_sex_matches_id: "与号码一致", k_ethnicity_known: "民族名称有效", k_address_matches_id_region: "与号码地区一致",
    k_issuing_authority_police: "公安机关", k_issuing_authority_matches_id_region: "与号码地区一致",
    k_already_valid: "已生效", k_validity_well_formed: "格式正确", k_validity_matches_age: "期限与年龄相符",
    k_legal_representative_matches_id_name: "执照与身份证一致", k_card_not_expired: "未过期",
  },
  {
    officer_title: "Merchant onboarding review", cases_to_review: "To review", case: "Case", cross_checks: "Cross-checks",
    reason: "Reason (required to reject or ask for more)", corrected: "Fields corrected", approve: "Approve",
    ask_more: "Ask for more", reject: "Reject", no_cases: "No case waiting for review", doc_licence: "Business licence",
    doc_portrait: "Legal representative's ID card (portrait side)", doc_emblem: "Legal representative's ID card (emblem side)",
    col_field: "Field", col_value: "Read value", col_conf: "Confidence", col_checks: "Checks",
    low_conf: "low confidence: please check", blocked: "These checks failed; the case cannot be approved:",
    done_approve: "Approved", done_reject: "Rejected", done_ask_more: "More documents requested", face: "Face match",
    liveness: "Liveness", similarity: "similarity", doc_image: "Document image (straightened, downscaled; viewing is audited)",
    no_images: "This branch keeps no document images (the privacy default): review from the read values and the checks.",
    f_name: "Name", "f_licence.name": "Firm name", f_credit_code: "Unified social credit code", f_type: "Type",
    f_legal_representative: "Legal representative", f_registered_capital: "Registered capital", f_address: "Address",
    f_established: "Established", "f_portrait.name": "Name", f_sex: "Sex", f_ethnicity: "Ethnicity",
    f_birth_date: "Birth date", f_id_number: "ID number", f_issuing_authority: "Issuing authority",
    f_valid_from: "Valid from", f_valid_to: "Valid to",
    c_legal_representative_matches_id_name: "Legal representative = ID card name", c_credit_code_valid: "Credit code valid",
    c_id_number_valid: "ID number valid", c_card_not_expired: "ID card not expired",
    c_licence_region_matches_address: "Registration region matches address", c_face_matches: "Face matches the card",
    c_liveness_passed: "Liveness passed",
    k_credit_code_checksum: "check digit right", k_credit_code_matches_address: "region matches address",
    k_id_number_checksum: "check digit right", k_id_number_region: "region code valid",
    k_birth_date_matches_id: "matches the number", k_sex_matches_id: "matches the number",
    k_ethnicity_known: "a known ethnicity", k_address_matches_id_region: "in the number's region",
    k_issuing_authority_police: "a police authority", k_issuing_authority_matches_id_region: "of the number's region",
    k_already_valid: "in force", k_validity_well_formed: "well formed", k_validity_matches_age: "term fits the age",
    k_legal_representative_matches_id_name: "licence = ID card", k_card_not_expired: "not expired",
  },
);

const $ = (id) => document.getElementById(id);
const blank = new URLSearchParams(location.search).get("blank") === "1";
let branch = null;
let sheet = null;
let busy = false;

function showError(error) {
  $("error").hidden = !error;
  $("error").textContent = error ? `${problemText(error)}${error.body && error.body.reason ? ` (${error.body.reason})` : ""}` : "";
}

function fieldLabel(doc, name) {
  const specific = `f_${doc}.${name}`;
  return t(specific) !== specific ? t(specific) : t(`f_${name}`);
}

function checkLabel(name) {
  const short = name.split(".").pop();
  const key = `k_${short}`;
  return t(key) !== key ? t(key) : t(`c_${short}`) !== `c_${short}` ? t(`c_${short}`) : short;
}

function checkMarks(checks) {
  return Object.entries(checks).map(([name, ok]) =>
    el("div", { class: ok ? "ok-mark" : "bad-mark", text: `${ok ? "✓" : "✗"} ${checkLabel(name)}` }));
}

function row(field) {
  const key = `${field.document}.${field.name}`;
  const failed = Object.values(field.checks).some((ok) => ok === false);
  const input = el("input", {
    "data-testid": `field-${key}`, "data-key": key, "data-read": field.value ?? "", value: blank ? "" : field.value ?? "",
    "aria-label": fieldLabel(field.document, field.name), autocomplete: "off",
  });
  input.addEventListener("input", () => { input.closest("tr").classList.toggle("edited", input.value !== input.dataset.read); countCorrections(); });
  return el("tr", { class: [field.low_confidence && "low", failed && "failed"].filter(Boolean).join(" "), "data-testid": `row-${key}` },
    el("td", { class: "field", text: fieldLabel(field.document, field.name) }),
    el("td", {}, input),
    el("td", { class: "conf", title: field.low_confidence ? t("low_conf") : "", text: `${Math.round(field.confidence * 100)}%${field.low_confidence ? " ⚠" : ""}` }),
    el("td", { class: "field-checks" }, checkMarks(field.checks)));
}

// The document as photographed (straightened and downscaled by the KYC service, fetched with the session
// cookie, never cached); a click shows it larger.
function documentImage(doc) {
  const src = `/v1/kyc/merchant-cases/${encodeURIComponent(sheet.case_id)}/documents/${doc}`;
  const img = el("img", { src, alt: t(`doc_${doc}`), "data-testid": `image-${doc}`, loading: "lazy" });
  const figure = el("figure", { class: "doc-image" }, img, el("figcaption", { class: "muted", text: t("doc_image") }));
  img.addEventListener("click", () => figure.classList.toggle("large"));
  return figure;
}

function corrections() {
  const out = {};
  for (const input of document.querySelectorAll("#documents input[data-key]")) {
    if (input.value.trim() && input.value.trim() !== input.dataset.read) out[input.dataset.key] = input.value.trim();
  }
  return out;
}

// A failed blocking check keeps Approve off until the officer corrects a field: the service runs the checks
// again on the corrected values and refuses (blocking_checks_failed) when they still fail.
function countCorrections() {
  const count = Object.keys(corrections()).length;
  $("corrected").textContent = String(count);
  $("approve").disabled = Boolean(sheet && sheet.blocking.length > 0 && count === 0);
}

function renderSheet() {
  if (!sheet) { $("sheet").hidden = true; return; }
  $("sheet").hidden = false;
  $("done").hidden = true;
  $("case-id").textContent = sheet.case_id;
  const images = sheet.document_images || [];
  const groups = ["licence", "portrait", "emblem"].map((doc) =>
    el("section", { "data-testid": `doc-${doc}`, class: images.includes(doc) ? "doc with-image" : "doc" },
      el("h3", { text: t(`doc_${doc}`) }),
      el("div", { class: "doc-body" },
        el("table", {},
          el("thead", {}, el("tr", {}, ["col_field", "col_value", "col_conf", "col_checks"].map((k) => el("th", { text: t(k) })))),
          el("tbody", {}, sheet.fields.filter((f) => f.document === doc).map(row))),
        images.includes(doc) ? documentImage(doc) : null)));
  const face = sheet.face || {};
  fill($("documents"), images.length ? null : el("p", { class: "muted", "data-testid": "no-images", text: t("no_images") }), groups,
    el("p", { "data-testid": "face" }, `${t("face")}: `, el("strong", { text: face.decision ? t(face.decision) : "—" }),
      face.similarity !== undefined ? ` (${t("similarity")} ${face.similarity.toFixed(2)})` : "",
      ` · ${t("liveness")}: `, el("strong", { text: sheet.liveness && sheet.liveness.passed ? "✓" : "✗" })));
  fill($("cross"), Object.entries(sheet.cross_checks).map(([name, ok]) =>
    el("li", { class: ok ? "ok-mark" : "bad-mark", "data-testid": `cross-${name}`, text: `${ok ? "✓" : "✗"} ${t(`c_${name}`)}` })));
  $("blocking").hidden = sheet.blocking.length === 0;
  $("blocking").textContent = `${t("blocked")} ${sheet.blocking.map((n) => t(`c_${n}`)).join("、")}`;
  countCorrections();
}

async function openCase(caseId) {
  showError(null);
  for (const li of document.querySelectorAll("#cases li")) li.classList.toggle("active", li.dataset.case === caseId);
  sheet = await api(`/v1/kyc/merchant-cases/${encodeURIComponent(caseId)}/review`);
  $("reason").value = "";
  renderSheet();
}

async function loadCases() {
  const answer = await api(`/v1/branches/${encodeURIComponent(branch)}/merchant-cases`);
  const items = answer.cases.filter((c) => c.status === "review");
  fill($("cases"), items.length ? items.map((c) =>
    el("li", { "data-case": c.case_id, "data-testid": `case-${c.case_id}`, onclick: () => openCase(c.case_id).catch(showError) },
      el("div", {}, el("strong", { text: c.firm || "—" }), el("br"),
        el("small", { text: `${c.created_at.slice(11, 16)} · ⚠ ${c.low_confidence_fields} · ✗ ${c.failed_checks.length}` }))))
    : [el("li", { class: "empty", text: t("no_cases") })]);
  return items;
}

async function decide(action) {
  if (!sheet || busy) return;
  busy = true;
  showError(null);
  try {
    const body = { action, reason: $("reason").value.trim(), corrections: corrections() };
    const decided = await api(`/v1/kyc/merchant-cases/${encodeURIComponent(sheet.case_id)}/decision`, { method: "POST", json: body });
    sheet = null;
    renderSheet();
    $("done").hidden = false;
    $("done").textContent = `${decided.case_id}: ${t(`done_${action}`)}`;
    await loadCases();
  } catch (error) {
    showError(error);
  } finally {
    busy = false;
  }
}

async function main() {
  applyTexts();
  bindToggle($("lang"));
  onLangChange(() => renderSheet());
  $("logout").addEventListener("click", async () => { await api("/v1/auth/logout", { method: "POST" }).catch(() => {}); location.href = "/login"; });
  for (const [id, action] of [["approve", "approve"], ["ask-more", "ask_more"], ["reject", "reject"]]) {
    $(id).addEventListener("click", () => decide(action));
  }
  const me = await api("/v1/auth/me");
  branch = me.branch_id;
  $("branch-name").textContent = branch || "—";
  if (!branch) { showError({ status: 403 }); return; }
  const items = await loadCases();
  const wanted = new URLSearchParams(location.search).get("case");
  if (wanted) await openCase(wanted);
  else if (items.length) await openCase(items[0].case_id);
}

main().catch((e) => {
  if (e.status === 401) location.href = `/login?next=${encodeURIComponent(location.pathname + location.search)}`;
  else showError(e);
});
