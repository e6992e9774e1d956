// Kiosk-side device login shared by the kiosk and the rating pad: the device key lives in localStorage,
// is exchanged for a short-lived session (cookie) and re-exchanged when that session expires.
import { api } from "./api.js";

const KEY = "bo-device-key";

export function storedDeviceKey() {
  return localStorage.getItem(KEY);
}

// The device's identity ({branch_id, kiosk_id}); a 401-like error when no key is stored.
export async function loginDevice() {
  const key = storedDeviceKey();
  if (!key) throw Object.assign(new Error("no device key"), { status: 401 });
  return api("/v1/auth/device", { method: "POST", headers: { "X-Device-Key": key } });
}

// api() that, on 401 (the session cookie expired), runs `login` again and retries once.
export function callWithRelogin(login) {
  return async (path, options) => {
    try {
      return await api(path, options);
    } catch (error) {
      if (error.status !== 401) throw error;
      await login();
      return api(path, options);
    }
  };
}

// A key given in the page address (#device=...) is stored and removed from the address; the setup form
// stores a typed key and runs `restart`.
export function bindDeviceSetup(byId, restart) {
  const hash = new URLSearchParams(location.hash.slice(1));
  if (hash.get("device")) {
    localStorage.setItem(KEY, hash.get("device"));
    history.replaceState(null, "", location.pathname + location.search);
  }
  byId("setup-form").addEventListener("submit", (event) => {
    event.preventDefault();
    localStorage.setItem(KEY, byId("device-key").value.trim());
    restart().catch(() => {});
  });
}
