// Reachout options: the server URL and API token, kept in chrome.storage.local. Saving asks for
// host access to that one server (an optional permission, requested on the click).
"use strict";

const form = document.getElementById("options");
const serverInput = document.getElementById("server-url");
const tokenInput = document.getElementById("token");
const result = document.getElementById("result");

function say(text, ok) {
  result.textContent = text;
  result.className = ok ? "ok" : "error";
}

function originOf(value) {
  let url;
  try {
    url = new URL(value.trim());
  } catch (_e) {
    return null;
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") return null;
  return url;
}

async function saveSettings() {
  const url = originOf(serverInput.value);
  if (!url) {
    say("Enter the server's address, starting with https:// (or http://).", false);
    return false;
  }
  const token = tokenInput.value.trim();
  if (!token) {
    say("Enter an API token.", false);
    return false;
  }
  const serverUrl = (url.origin + url.pathname).replace(/\/+$/, "");
  // Asked during the click, so the browser may show its prompt; the saved settings stand either way.
  let granted = false;
  try {
    granted = await chrome.permissions.request({ origins: [`${url.origin}/*`] });
  } catch (e) {
    say(`Could not ask for access to ${url.origin}: ${e.message}`, false);
  }
  await chrome.storage.local.set({ serverUrl, token });
  if (!granted) {
    say(`Saved, but access to ${url.origin} was not granted: the extension cannot reach the server until it is.`, false);
    return false;
  }
  say("Saved.", true);
  return true;
}

async function testConnection() {
  say("Testing…", true);
  let answer;
  try {
    answer = await chrome.runtime.sendMessage({ type: "testConnection" });
  } catch (e) {
    say(`The extension did not answer: ${e.message}`, false);
    return;
  }
  if (answer && answer.ok) {
    const me = answer.data;
    say(`Connected as ${me.name} (${me.email}), team ${me.team}.`, true);
  } else {
    say(answer ? answer.error : "The extension did not answer.", false);
  }
}

form.addEventListener("submit", (event) => {
  event.preventDefault();
  saveSettings();
});

document.getElementById("test").addEventListener("click", async () => {
  // Test what is in the form: it is saved first (asking for access is the first thing done in
  // the click, while the browser still counts it as the user's gesture).
  if (await saveSettings()) testConnection();
});

// The saved settings fill the form, but never over what the user has typed meanwhile; the form
// says when they are in (data-loaded).
for (const input of [serverInput, tokenInput]) {
  input.addEventListener("input", () => { input.dataset.edited = "true"; });
}
chrome.storage.local.get(["serverUrl", "token"]).then(({ serverUrl = "", token = "" }) => {
  if (!serverInput.dataset.edited) serverInput.value = serverUrl;
  if (!tokenInput.dataset.edited) tokenInput.value = token;
  form.dataset.loaded = "true";
});
