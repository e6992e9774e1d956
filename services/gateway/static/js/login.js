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
    const who = await api("/v1/auth/login", { method: "POST", json: {
      username: form.username.value, password: form.password.value } });
    const next = new URLSearchParams(location.search).get("next");
    const safe = next && next.startsWith("/") && !next.startsWith("//") ? next : null;
    location.href = safe || (who.role === "head_office" ? "/head-office" : "/");
  } catch (e) {
    error.textContent = e.status === 401 ? t("login_failed") : problemText(e);
    error.hidden = false;
  }
});
