// The juror's login and choices while a ballot is open (the ballot and review pages).
//
// - While the juror works on the page (types, taps, scrolls), a light request (the JSON API's
//   status of the round) now and then keeps the login alive; the answer says how long it lasts.
// - Before the login ends for want of activity, the page says so, with a button to go on; once
//   it has ended, the page says so, with a link to the juror login that leads back to the ballot.
// - The choices made on the ballot are kept in this browser's storage (never on the server),
//   filled in again when the ballot is opened afresh (after logging in again), and removed when
//   the ballot is cast (cast.js), when the juror clears them, and at logging out (drafts.js).
// Without this file the ballot works as before; only the keeping and the warning are missing.
// Loaded with `defer` after drafts.js (the base template's: DRAFT_PREFIX, forgetDrafts) and
// before ballot.js: it runs once the page is parsed, so that the choices it fills in are there
// when ballot.js sets up the page.
"use strict";

function draftKey(form) {
  return `${DRAFT_PREFIX}${form.dataset.round}.${form.dataset.juror}`;
}

// Storage may be switched off (a private window): then nothing is kept, nothing breaks.
function loadDraft(key) {
  try {
    return JSON.parse(localStorage.getItem(key));
  } catch (error) {
    return null;
  }
}

function saveDraft(key, value) {
  try {
    localStorage.setItem(key, JSON.stringify(value));
  } catch (error) {
    /* not kept */
  }
}

// {field name: [values]}: the ticked boxes and the filled-in numbers (the CSRF token is hidden).
function readChoices(form) {
  const fields = {};
  form.querySelectorAll("input[name]:not([type=hidden])").forEach((input) => {
    if (input.type === "checkbox" ? input.checked : input.value !== "") {
      (fields[input.name] = fields[input.name] || []).push(input.value);
    }
  });
  return fields;
}

function fillChoices(form, fields) {
  form.querySelectorAll("input[name]:not([type=hidden])").forEach((input) => {
    if (input.disabled) return; // a recused nominee stays out
    const kept = fields[input.name] || [];
    if (input.type === "checkbox") input.checked = kept.includes(input.value);
    else input.value = kept[0] || "";
  });
}

function setUpDraft(form) {
  const key = draftKey(form);
  const kept = loadDraft(key);
  // A ballot opened afresh takes the kept choices; one the server filled in (back from the
  // review page, or with mistakes to correct) is newer, and becomes what is kept.
  if (form.dataset.fresh === "yes" && kept && kept.fields && Object.keys(kept.fields).length) {
    fillChoices(form, kept.fields);
    document.querySelector(".restored").hidden = false;
  }
  const keep = () => saveDraft(key, { fields: readChoices(form) });
  keep();
  form.addEventListener("input", keep);
  form.addEventListener("change", keep);
  const forget = document.querySelector("button.forget-draft");
  forget.addEventListener("click", () => {
    form.removeEventListener("input", keep);
    form.removeEventListener("change", keep);
    forgetDrafts((name) => name !== key); // drafts.js
    window.location.assign(window.location.pathname); // the ballot, empty
  });
}

function clock(seconds) {
  const whole = Math.max(0, Math.ceil(seconds));
  return `${Math.floor(whole / 60)}:${String(whole % 60).padStart(2, "0")}`;
}

function setUpSession(box) {
  const lasts = Number(box.dataset.sessionSeconds) * 1000; // from the page's own request
  const pingGap = Math.min(60_000, lasts / 5); // the server refreshes at most once a minute
  const warnBefore = Math.min(120_000, lasts / 4);
  const warn = box.querySelector(".session-warn");
  const ended = box.querySelector(".session-ended");
  const left = box.querySelector(".left");
  let endsAt = Date.now() + lasts;
  let lastPing = Date.now();
  let pending = false;
  let over = false;

  const end = () => {
    over = true;
    warn.hidden = true;
    ended.hidden = false;
  };
  const show = () => {
    if (over) return;
    const remaining = endsAt - Date.now();
    if (remaining <= 0) {
      end();
      return;
    }
    warn.hidden = remaining > warnBefore;
    if (!warn.hidden) left.textContent = clock(remaining / 1000);
  };
  const ping = async () => {
    if (pending || over) return;
    pending = true;
    const sentAt = Date.now();
    lastPing = sentAt;
    try {
      const answer = await fetch(box.dataset.statusUrl, { headers: { accept: "application/json" } });
      if (answer.status === 401) {
        end();
        return;
      }
      if (answer.ok) endsAt = sentAt + (await answer.json()).session_seconds * 1000;
    } catch (error) {
      /* offline for a moment: the next activity tries again */
    } finally {
      pending = false;
      show();
    }
  };
  const activity = () => {
    if (!over && Date.now() - lastPing >= pingGap) ping();
  };
  // What the juror does, not what the page does: a "scroll" event also comes when the warning
  // itself shifts the page (scroll anchoring), and would hide it at once.
  ["input", "change", "click", "keydown", "touchstart", "touchmove", "wheel"].forEach((type) => {
    document.addEventListener(type, activity, { passive: true, capture: true });
  });
  document.addEventListener("visibilitychange", () => {
    if (document.visibilityState === "visible") activity();
  });
  box.querySelector("button.stay").addEventListener("click", () => {
    lastPing = 0;
    ping();
  });
  setInterval(show, 1000);
}

const ballotForm = document.getElementById("ballot");
if (ballotForm) setUpDraft(ballotForm);
const sessionBox = document.getElementById("session");
if (sessionBox) setUpSession(sessionBox);
