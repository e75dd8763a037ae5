// Keeps a juror's trackers in this browser until the juror has saved them, so that a double
// click, a reload, the back button or an answer lost on the way cannot lose them. The server
// keeps them nowhere with the juror: the review page hands out one token per category
// ("<tracker>.<signature>", see awards/trackers.py), the cast form carries them back, a repeated
// cast with the same tokens answers with the same trackers, and the "you have voted" page asks
// the server which of the kept trackers are in the ballot box. Without this file everything still
// works, except the keeping. Once the ballot is cast, the choices that ballot_session.js kept
// in this browser while the juror filled it in are removed.
"use strict";

const PREFIX = "awards.trackers.";

function storageKey(element, prefix = PREFIX) {
  return `${prefix}${element.dataset.round}.${element.dataset.juror}`;
}

// Storage may be switched off (a private window): then nothing is kept, nothing breaks.
function load(key) {
  try {
    return JSON.parse(localStorage.getItem(key));
  } catch (error) {
    return null;
  }
}

function save(key, value) {
  try {
    localStorage.setItem(key, JSON.stringify(value));
  } catch (error) {
    /* not kept */
  }
}

function forget(key) {
  try {
    localStorage.removeItem(key);
  } catch (error) {
    /* nothing kept */
  }
}

function sameFields(kept, names) {
  return kept && kept.fields && Object.keys(kept.fields).sort().join(" ") === names.sort().join(" ");
}

// The review page: the first tokens handed out for this round stay the ones cast, however often
// the juror goes back and reviews again; the cast button locks on the first click.
function setUpCastForm(form) {
  const key = storageKey(form);
  const inputs = [...form.querySelectorAll("input.tracker")];
  const kept = load(key);
  if (sameFields(kept, inputs.map((input) => input.name))) {
    inputs.forEach((input) => { input.value = kept.fields[input.name]; });
  } else {
    save(key, { fields: Object.fromEntries(inputs.map((input) => [input.name, input.value])) });
  }
  const button = form.querySelector("button[type=submit]");
  const label = button.textContent;
  form.addEventListener("submit", (event) => {
    if (form.dataset.sent) {
      event.preventDefault();
      return;
    }
    form.dataset.sent = "yes";
    button.disabled = true; // the submission under way goes on; a second click does nothing
    button.textContent = form.dataset.castingLabel;
  });
  // Back to this page from the browser's cache after a failed submission: cast again.
  window.addEventListener("pageshow", (event) => {
    if (event.persisted) {
      delete form.dataset.sent;
      button.disabled = false;
      button.textContent = label;
    }
  });
}

function offerToForget(section, key) {
  const button = section.querySelector("button.forget");
  const done = section.querySelector(".forgotten");
  button.addEventListener("click", () => {
    forget(key);
    button.closest("p").hidden = true;
    done.hidden = false;
  });
}

// The page shown after casting: the trackers are known to be stored, with their categories.
function setUpTrackers(section) {
  const key = storageKey(section);
  const rows = [...section.querySelectorAll("tr[data-field]")].filter((row) => row.dataset.token);
  if (!rows.length) return; // cast without tokens (no review page): nothing to keep
  save(key, {
    fields: Object.fromEntries(rows.map((row) => [row.dataset.field, row.dataset.token])),
    names: Object.fromEntries(rows.map((row) => [row.dataset.field, row.cells[0].textContent])),
    cast: true,
  });
  section.querySelector(".kept").hidden = false;
  offerToForget(section, key);
}

function showKept(section, rows) {
  const body = section.querySelector("tbody");
  rows.forEach(({ name, tracker }) => {
    const row = body.insertRow();
    row.insertCell().textContent = name;
    const code = document.createElement("code");
    code.className = "tracker";
    code.textContent = tracker;
    row.insertCell().append(code);
  });
  section.hidden = false;
}

// "You have voted": the trackers this browser kept, if they are really the ones in the box
// (they may come from a review that was never cast, when the juror cast on another device).
async function setUpKept(section) {
  const key = storageKey(section);
  const kept = load(key);
  if (!kept || !kept.fields) return;
  const names = { ...JSON.parse(section.dataset.names || "{}"), ...(kept.names || {}) };
  const fields = Object.keys(kept.fields);
  const tracker = (field) => kept.fields[field].split(".")[0]; // the token without its signature
  let stored = null;
  if (section.dataset.open === "yes") {
    const token = section.querySelector('input[name="_csrf_token"]').value;
    try {
      const answer = await fetch(section.dataset.checkUrl, {
        method: "POST",
        headers: { "content-type": "application/json", "x-csrftoken": token },
        body: JSON.stringify({ trackers: fields.map(tracker) }),
      });
      if (!answer.ok) return;
      stored = new Set((await answer.json()).stored);
    } catch (error) {
      return; // offline: nothing to show yet
    }
    if (stored.size === 0) {
      forget(key); // never cast from this browser
      return;
    }
  } else if (!kept.cast) {
    return; // closed: only what the trackers page confirmed
  }
  const rows = fields
    .filter((field) => stored === null || stored.has(tracker(field)))
    .map((field) => ({ name: names[field] || field, tracker: tracker(field) }));
  showKept(section, rows);
  offerToForget(section, key);
}

document.addEventListener("DOMContentLoaded", () => {
  const form = document.getElementById("cast-form");
  if (form) setUpCastForm(form);
  const trackers = document.getElementById("trackers");
  const kept = document.getElementById("kept");
  const voted = trackers || kept; // cast, here or on another device: no choices to keep
  if (voted) forget(storageKey(voted, "awards.ballot."));
  if (trackers) setUpTrackers(trackers);
  if (kept) setUpKept(kept);
  const stale = document.getElementById("stale"); // tokens the server did not take: drop them
  if (stale) forget(storageKey(stale));
});
