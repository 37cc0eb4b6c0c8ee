// Reachout: the panel on a LinkedIn profile page. It lives in an open shadow root so the page's
// styles do not reach it; it never holds the API token: the service worker does the talking.
"use strict";

(() => {
  if (window.__reachoutPanel) return;
  window.__reachoutPanel = true;

  const CSS = `
:host { all: initial; }
.panel {
  position: fixed; top: 72px; right: 16px; z-index: 2147483647;
  width: 320px; max-height: calc(100vh - 96px); overflow-y: auto;
  box-sizing: border-box; padding: 12px 14px;
  background: #fff; color: #1d2226; border: 1px solid #c7ccd1; border-radius: 8px;
  box-shadow: 0 4px 16px rgba(0, 0, 0, 0.18);
  font: 13px/1.4 system-ui, -apple-system, "Segoe UI", sans-serif; text-align: left;
}
h2 { font-size: 15px; margin: 0 0 6px; }
h3 { font-size: 13px; margin: 10px 0 4px; }
p { margin: 4px 0; }
dl { margin: 4px 0; display: grid; grid-template-columns: auto 1fr; gap: 2px 8px; }
dt { color: #56687a; }
dd { margin: 0; }
ol { margin: 4px 0; padding-left: 18px; }
li { margin: 2px 0; }
label { display: block; margin: 6px 0 2px; color: #38434f; }
input, select, textarea {
  box-sizing: border-box; width: 100%; font: inherit; padding: 4px 6px;
  border: 1px solid #8c959f; border-radius: 4px; background: #fff; color: #1d2226;
}
textarea { min-height: 48px; resize: vertical; }
button {
  font: inherit; margin-top: 8px; padding: 5px 12px; cursor: pointer;
  border: 1px solid #0a66c2; border-radius: 14px; background: #0a66c2; color: #fff;
}
button.secondary { background: #fff; color: #0a66c2; }
button + button { margin-left: 6px; }
.error { color: #b3261e; background: #fdecea; border-radius: 4px; padding: 6px 8px; }
.status { color: #0f6b2f; }
.brand { font-size: 11px; color: #56687a; text-transform: uppercase; letter-spacing: 0.04em; }
[hidden] { display: none !important; }
`;

  const CHANNELS = [
    ["inmail", "InMail"],
    ["text", "Text"],
    ["call", "Call"],
    ["email", "Email"],
  ];
  const ACTIVITIES = [
    ["auto", "Auto"],
    ["initial", "First reach out"],
    ["follow_up", "Follow-up"],
    ["reply", "Reply"],
  ];
  const REPLY_STATUSES = [
    ["interested", "Interested"],
    ["not_interested", "Not interested"],
    ["later", "Follow up later"],
  ];
  const CHANNEL_WORDS = Object.fromEntries(CHANNELS);
  const STATUS_WORDS = Object.fromEntries(REPLY_STATUSES);
  const DESIGNATION_WORDS = { initial: "First reach out", follow_up: "Follow-up" };

  // --- reading the page ---------------------------------------------------------------------

  function profileUrlOf(href) {
    let url;
    try {
      url = new URL(href);
    } catch (_e) {
      return null;
    }
    const match = url.pathname.match(/^\/in\/([^/]+)/);
    if (!match) return null;
    let slug;
    try {
      slug = decodeURIComponent(match[1]);
    } catch (_e) {
      slug = match[1];
    }
    slug = slug.toLowerCase();
    if (!/^[\p{L}\p{N}_-]+$/u.test(slug)) return null;
    return `https://www.linkedin.com/in/${slug}`;
  }

  function clean(text) {
    return (text || "").replace(/\s+/g, " ").trim();
  }

  function meta(property) {
    const el = document.querySelector(`meta[property="${property}"], meta[name="${property}"]`);
    return el ? clean(el.getAttribute("content")) : "";
  }

  function stripLinkedIn(text) {
    return clean(text.replace(/\s*[|\-–]\s*LinkedIn\s*$/i, "").replace(/^\(\d+\)\s*/, ""));
  }

  function readName() {
    const h1 = document.querySelector("main h1") || document.querySelector("h1");
    const fromH1 = h1 ? clean(h1.textContent) : "";
    if (fromH1) return fromH1;
    const fromTitle = stripLinkedIn(document.title || "");
    if (fromTitle && fromTitle.toLowerCase() !== "linkedin") return fromTitle.split(/\s+[-–]\s+/)[0];
    const og = stripLinkedIn(meta("og:title"));
    return og.split(/\s+[-–]\s+/)[0];
  }

  function readHeadline() {
    const body = document.querySelector(".text-body-medium");
    const fromBody = body ? clean(body.textContent) : "";
    if (fromBody) return fromBody;
    const og = meta("og:description") || meta("description");
    if (og) return og.slice(0, 200);
    const title = stripLinkedIn(meta("og:title") || document.title || "");
    const parts = title.split(/\s+[-–]\s+/);
    return parts.length > 1 ? parts.slice(1).join(" - ").slice(0, 200) : "";
  }

  // --- talking to the service worker ----------------------------------------------------------

  async function ask(type, payload) {
    let answer;
    try {
      answer = await chrome.runtime.sendMessage({ type, payload });
    } catch (e) {
      throw new Error(`The Reachout extension did not answer (${e.message}). Reload the page.`);
    }
    if (!answer) throw new Error("The Reachout extension did not answer. Reload the page.");
    if (!answer.ok) throw new Error(answer.error);
    return answer.data;
  }

  // --- the panel ------------------------------------------------------------------------------

  const host = document.createElement("div");
  host.id = "reachout-panel-host";
  const root = host.attachShadow({ mode: "open" });
  const style = document.createElement("style");
  style.textContent = CSS;
  const panel = document.createElement("section");
  panel.className = "panel";
  panel.setAttribute("aria-label", "Reachout");
  root.append(style, panel);
  (document.body || document.documentElement).append(host);

  function el(tag, attrs = {}, ...children) {
    const node = document.createElement(tag);
    for (const [key, value] of Object.entries(attrs)) {
      if (value === undefined || value === null || value === false) continue;
      if (key === "text") node.textContent = value;
      else if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
      else node.setAttribute(key, value === true ? "" : value);
    }
    for (const child of children) if (child) node.append(child);
    return node;
  }

  function select(id, options, selected) {
    const s = el("select", { id, name: id });
    for (const [value, label] of options) {
      s.append(el("option", { value, text: label, selected: value === selected }));
    }
    return s;
  }

  function when(iso) {
    if (!iso) return "never";
    const d = new Date(iso);
    return Number.isNaN(d.getTime()) ? iso : d.toLocaleString();
  }

  function entryWords(t) {
    const channel = CHANNEL_WORDS[t.channel] || t.channel;
    if (t.kind === "reply") {
      return `Reply (${channel}): ${STATUS_WORDS[t.reply_status] || t.reply_status || "no status"}`;
    }
    return `${channel}: ${DESIGNATION_WORDS[t.designation] || t.designation || "outreach"}`;
  }

  let current = { profileUrl: null, generation: 0 };

  function frame(...children) {
    panel.replaceChildren(el("div", { class: "brand", text: "Reachout" }), ...children);
  }

  function errorBox(message) {
    return el("p", { class: "error", role: "alert", text: message });
  }

  function showError(message, retry) {
    frame(
      errorBox(message),
      retry ? el("button", { type: "button", class: "secondary", text: "Try again", onclick: retry }) : null
    );
  }

  function showLoading() {
    frame(el("p", { text: "Looking this profile up in Reachout…" }));
  }

  function showCandidate(view, savedNote) {
    const c = view.candidate;
    const timeline = el("ol", { id: "reachout-timeline" });
    for (const t of view.timeline) {
      const li = el("li", { "data-touchpoint-id": String(t.id) });
      li.append(el("span", { text: entryWords(t) }), el("span", { text: ` · ${when(t.occurred_at)}` }));
      if (t.note) li.append(el("div", { text: t.note }));
      timeline.append(li);
    }
    const details = el(
      "dl",
      {},
      el("dt", { text: "Title" }),
      el("dd", { text: c.title || "—" }),
      el("dt", { text: "Company" }),
      el("dd", { text: c.company || "—" }),
      el("dt", { text: "Last contacted" }),
      el("dd", { text: when(view.last_contacted) }),
      el("dt", { text: "Latest reply" }),
      el("dd", { text: view.latest_reply_status ? STATUS_WORDS[view.latest_reply_status] : "none" }),
      el("dt", { text: "Projects" }),
      el("dd", { text: view.projects.length ? view.projects.join(", ") : "none" })
    );
    const formSlot = el("div");
    frame(
      el("h2", { id: "reachout-candidate-name", text: c.name }),
      details,
      savedNote ? el("p", { class: "status", role: "status", text: savedNote }) : null,
      el("button", {
        type: "button",
        text: "Log Activity",
        onclick: () => formSlot.replaceChildren(activityForm(view, formSlot)),
      }),
      formSlot,
      el("h3", { text: "Latest activity" }),
      view.timeline.length ? timeline : el("p", { text: "Nothing logged yet." })
    );
  }

  function activityForm(view, slot) {
    const form = el("form", { "aria-label": "Log Activity" });
    const type = select("reachout-type", CHANNELS, "inmail");
    const activity = select("reachout-activity", ACTIVITIES, "auto");
    const status = select("reachout-reply-status", REPLY_STATUSES, "interested");
    const statusRow = el("div", { hidden: true }, el("label", { for: "reachout-reply-status", text: "Reply Status" }), status);
    const note = el("textarea", { id: "reachout-note", name: "note" });
    const problem = el("div");
    activity.addEventListener("change", () => {
      statusRow.hidden = activity.value !== "reply";
    });
    const save = el("button", { type: "submit", text: "Save activity" });
    form.append(
      el("h3", { text: "Log Activity" }),
      el("label", { for: "reachout-type", text: "Type" }),
      type,
      el("label", { for: "reachout-activity", text: "Outreach/Reply" }),
      activity,
      statusRow,
      el("label", { for: "reachout-note", text: "Note (optional)" }),
      note,
      problem,
      save,
      el("button", { type: "button", class: "secondary", text: "Cancel", onclick: () => slot.replaceChildren() })
    );
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      const isReply = activity.value === "reply";
      const generation = current.generation;
      save.disabled = true;
      problem.replaceChildren();
      try {
        const next = await ask("logActivity", {
          candidate_id: view.candidate.id,
          channel: type.value,
          kind: isReply ? "reply" : "outreach",
          designation: isReply ? null : activity.value,
          reply_status: isReply ? status.value : null,
          note: note.value,
        });
        if (generation !== current.generation) return;
        showCandidate(next, `Saved: ${entryWords(next.saved)}.`);
      } catch (e) {
        problem.replaceChildren(errorBox(e.message));
        save.disabled = false;
      }
    });
    return form;
  }

  function showAdd(view, profileUrl) {
    const form = el("form", { "aria-label": "Add to Reachout" });
    const name = el("input", { id: "reachout-name", name: "name", value: readName(), required: true, maxlength: "200" });
    const headline = el("input", { id: "reachout-headline", name: "headline", value: readHeadline(), maxlength: "200" });
    const url = el("input", { id: "reachout-url", name: "linkedin_url", value: profileUrl, readonly: true });
    const project = select("reachout-project", [["", "No project"], ...view.all_projects.map((p) => [String(p.id), p.name])], "");
    const problem = el("div");
    const add = el("button", { type: "submit", text: "Add to Reachout" });
    form.append(
      el("p", { text: "This profile is not in Reachout yet." }),
      el("label", { for: "reachout-name", text: "Name" }),
      name,
      el("label", { for: "reachout-headline", text: "Headline" }),
      headline,
      el("label", { for: "reachout-url", text: "Profile URL" }),
      url,
      el("label", { for: "reachout-project", text: "Project (optional)" }),
      project,
      problem,
      add
    );
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      const generation = current.generation;
      add.disabled = true;
      problem.replaceChildren();
      try {
        const next = await ask("addCandidate", {
          name: name.value.trim(),
          title: headline.value.trim(),
          linkedin_url: profileUrl,
          project_id: project.value ? Number(project.value) : null,
        });
        if (generation !== current.generation) return;
        showCandidate(next, "Added to Reachout.");
      } catch (e) {
        problem.replaceChildren(errorBox(e.message));
        add.disabled = false;
      }
    });
    frame(form);
  }

  async function load(profileUrl) {
    current = { profileUrl, generation: current.generation + 1 };
    const generation = current.generation;
    showLoading();
    try {
      const view = await ask("lookup", { profileUrl });
      if (generation !== current.generation) return;
      if (view.candidate) showCandidate(view);
      else showAdd(view, profileUrl);
    } catch (e) {
      if (generation !== current.generation) return;
      showError(e.message, () => load(profileUrl));
    }
  }

  // --- following LinkedIn's in-page navigation -----------------------------------------------

  function check() {
    const profileUrl = profileUrlOf(location.href);
    if (!profileUrl) {
      host.style.display = "none";
      current = { profileUrl: null, generation: current.generation + 1 };
      return;
    }
    host.style.display = "";
    if (!host.isConnected) (document.body || document.documentElement).append(host);
    if (profileUrl !== current.profileUrl) load(profileUrl);
  }

  check();
  setInterval(check, 500);
  window.addEventListener("popstate", check);
})();
