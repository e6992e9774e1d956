import { api } from "./api.js";
import { applyTexts, bindToggle, problemText, t } from "./i18n.js";

applyTexts();
bindToggle(document.getElementById("lang"));
const form = document.getElementById("login");
form.addEventListener("submit", async (event) => {
  event.preventDefault();
  const error = document.getElementById("error");
  error.hidden = true;
  try {
    // The gateway checks "next" (a path of this site only, after decoding) and answers where to go.
    const next = new URLSearchParams(location.search).get("next");
    const who = await api("/v1/auth/login", { method: "POST", json: {
      username: form.username.value, password: form.password.value, ...(next ? { next } : {}) } });
    location.href = who.next || (who.role === "head_office" ? "/head-office" : "/");
  } catch (e) {
    error.textContent = e.status === 401 ? t("login_failed") : problemText(e);
    error.hidden = false;
  }
});
