// Reachout: the only part of the extension that talks to the server. The API token stays here
// (chrome.storage.local); the content script asks through messages and gets data or words back.
"use strict";

const PAGE_LIMIT = 500;
const MAX_PAGES = 20;

class ReachoutError extends Error {}

async function settings() {
  const { serverUrl = "", token = "" } = await chrome.storage.local.get(["serverUrl", "token"]);
  return { serverUrl: serverUrl.replace(/\/+$/, ""), token };
}

async function api(method, path, body) {
  const { serverUrl, token } = await settings();
  if (!serverUrl || !token) {
    throw new ReachoutError(
      "Reachout is not set up yet: enter the server URL and an API token in the extension's options."
    );
  }
  const init = {
    method,
    headers: { Authorization: `Bearer ${token}`, Accept: "application/json" },
  };
  if (body !== undefined) {
    init.headers["Content-Type"] = "application/json";
    init.body = JSON.stringify(body);
  }
  let response;
  try {
    response = await fetch(`${serverUrl}/api/v1${path}`, init);
  } catch (_e) {
    throw new ReachoutError(
      `Can't reach Reachout at ${serverUrl}. Check the server URL in the options and that the server is running.`
    );
  }
  if (response.ok) {
    return response.status === 204 ? null : response.json();
  }
  let problem = {};
  try {
    problem = await response.json();
  } catch (_e) {
    problem = {};
  }
  if (response.status === 401) {
    throw new ReachoutError("The API token was refused. Enter a valid token in the extension's options.");
  }
  if (response.status === 403) {
    throw new ReachoutError(`Not allowed: ${problem.detail || "your account may not do this"}.`);
  }
  if (response.status === 422) {
    throw new ReachoutError(`Reachout did not accept this: ${problem.detail || "the values are not valid"}.`);
  }
  if (response.status === 409) {
    throw new ReachoutError(`Already in Reachout: ${problem.detail || "a conflict"}.`);
  }
  const words = problem.detail || problem.title || response.statusText || "an error";
  throw new ReachoutError(`Reachout answered ${response.status}: ${words}.`);
}

async function allPages(path) {
  const items = [];
  let cursor = null;
  for (let i = 0; i < MAX_PAGES; i += 1) {
    const sep = path.includes("?") ? "&" : "?";
    const more = cursor ? `&cursor=${encodeURIComponent(cursor)}` : "";
    const page = await api("GET", `${path}${sep}limit=${PAGE_LIMIT}${more}`);
    items.push(...page.items);
    cursor = page.next_cursor;
    if (!cursor) break;
  }
  return items;
}

async function projects() {
  return allPages("/projects");
}

async function candidateView(candidate) {
  const [touchpoints, allProjects] = await Promise.all([
    allPages(`/touchpoints?candidate_id=${candidate.id}`),
    projects(),
  ]);
  const newestFirst = touchpoints
    .slice()
    .sort((a, b) => Date.parse(b.occurred_at) - Date.parse(a.occurred_at) || b.id - a.id);
  const lastOutreach = newestFirst.find((t) => t.kind === "outreach");
  const lastReply = newestFirst.find((t) => t.kind === "reply");
  const names = new Map(allProjects.map((p) => [p.id, p.name]));
  return {
    candidate,
    last_contacted: lastOutreach ? lastOutreach.occurred_at : null,
    latest_reply_status: lastReply ? lastReply.reply_status : null,
    projects: candidate.project_ids.map((id) => names.get(id) || `Project ${id}`),
    timeline: newestFirst.slice(0, 5),
    all_projects: allProjects.map((p) => ({ id: p.id, name: p.name })),
  };
}

async function lookup({ profileUrl }) {
  const page = await api("GET", `/candidates?linkedin_url=${encodeURIComponent(profileUrl)}&limit=1`);
  if (page.items.length === 0) {
    const allProjects = await projects();
    return { candidate: null, all_projects: allProjects.map((p) => ({ id: p.id, name: p.name })) };
  }
  return candidateView(page.items[0]);
}

async function addCandidate({ name, title, linkedin_url, project_id }) {
  const body = { name, linkedin_url };
  if (title) body.title = title;
  const candidate = await api("POST", "/candidates", body);
  if (project_id) {
    await api("POST", `/projects/${project_id}/candidates`, { candidate_ids: [candidate.id] });
    candidate.project_ids = [...candidate.project_ids, Number(project_id)];
  }
  return candidateView(candidate);
}

async function logActivity({ candidate_id, channel, kind, designation, reply_status, note }) {
  const body = { candidate_id, channel, kind };
  if (kind === "reply") body.reply_status = reply_status;
  else body.designation = designation || "auto";
  if (note) body.note = note;
  const touchpoint = await api("POST", "/touchpoints", body);
  const candidate = await api("GET", `/candidates/${candidate_id}`);
  const view = await candidateView(candidate);
  view.saved = touchpoint;
  return view;
}

async function testConnection() {
  const me = await api("GET", "/me");
  return { name: me.name || me.email, email: me.email, team: me.team ? me.team.name : "" };
}

const HANDLERS = { lookup, addCandidate, logActivity, testConnection };

chrome.runtime.onMessage.addListener((message, _sender, sendResponse) => {
  const handler = message && HANDLERS[message.type];
  if (!handler) return false;
  handler(message.payload || {})
    .then((data) => sendResponse({ ok: true, data }))
    .catch((error) =>
      sendResponse({
        ok: false,
        error: error instanceof ReachoutError ? error.message : `Something went wrong: ${error.message || error}`,
      })
    );
  return true;
});
