// The ballot choices a juror's browser keeps while a ballot is open (ballot_session.js keeps
// them, as `awards.ballot.<round>.<juror>`): they must not outlive the juror's use of the
// device, for the next person to read. Loaded on every page while a juror is logged in (base
// template), since the juror may log out from any of them:
// - logging out removes every kept ballot;
// - the juror's home page, which lists the rounds still open to the juror and not yet voted,
//   removes every other kept ballot (a round that closed before it was cast, a login that ended
//   without logging out, another juror's).
// The trackers cast.js keeps (`awards.trackers.`) stay: the juror checks them later.
// Loaded with `defer` before ballot_session.js, which uses DRAFT_PREFIX and forgetDrafts.
"use strict";

const DRAFT_PREFIX = "awards.ballot.";

// Storage may be switched off (a private window): then nothing is kept, nothing breaks.
// `keep(name)` says which kept ballots stay; without it, all go.
function forgetDrafts(keep = () => false) {
  try {
    Object.keys(localStorage)
      .filter((name) => name.startsWith(DRAFT_PREFIX) && !keep(name))
      .forEach((name) => localStorage.removeItem(name));
  } catch (error) {
    /* nothing kept */
  }
}

const openBallots = document.getElementById("open-ballots");
if (openBallots) {
  const { juror, rounds } = openBallots.dataset;
  const wanted = new Set(
    rounds.split(" ").filter(Boolean).map((round) => `${DRAFT_PREFIX}${round}.${juror}`)
  );
  forgetDrafts((name) => wanted.has(name));
}
document.querySelectorAll('form[action$="/logout"]').forEach((form) => {
  form.addEventListener("submit", () => forgetDrafts());
});
