"""The audit log as staff read it: each action by its name in words, who acted by name, what
changed as "field: old → new", filtered by action, actor and dates, a page at a time.

Nothing here changes an event or the chain (`awards.audit`); it only reads. Labels are message
ids, translated where the page is drawn. A stored action without a label (one added later)
shows its dotted name; a test keeps the table complete.
"""

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, Select, distinct, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from awards import audit
from awards.audit import Action
from awards.errors import FormInvalid
from awards.i18n import N_, Message, local_time
from awards.models import AuditEvent, Category, Drama, Juror, Nominee, Season, StaffUser

PAGE_SIZE = 50
JURORS = "jurors"
"""The actor filter's value for every juror at once (their events name them one by one)."""

ACTION_LABELS = {
    Action.SEASON_CREATED: N_("Season created"),
    Action.SEASON_UPDATED: N_("Season changed"),
    Action.SEASON_REMOVED: N_("Season removed"),
    Action.CATEGORY_CREATED: N_("Category created"),
    Action.CATEGORY_UPDATED: N_("Category changed"),
    Action.CATEGORY_PANELS_SET: N_("Category's panels set"),
    Action.CATEGORY_REORDERED: N_("Categories reordered"),
    Action.CATEGORY_REMOVED: N_("Category removed"),
    Action.DRAMA_CREATED: N_("Drama added"),
    Action.DRAMA_UPDATED: N_("Drama changed"),
    Action.DRAMA_DELETED: N_("Drama deleted"),
    Action.DRAMA_IMPORTED: N_("Dramas imported"),
    Action.NOMINEE_ADDED: N_("Nominee added"),
    Action.NOMINEE_REMOVED: N_("Nominee removed"),
    Action.NOMINEE_IMPORTED: N_("Nominees imported"),
    Action.PANEL_CREATED: N_("Panel created"),
    Action.PANEL_REMOVED: N_("Panel removed"),
    Action.JUROR_CREATED: N_("Juror added"),
    Action.JUROR_UPDATED: N_("Juror changed"),
    Action.JUROR_REMOVED: N_("Juror removed from the season"),
    Action.JUROR_IMPORTED: N_("Roster imported"),
    Action.JUROR_CODES_ISSUED: N_("Activation codes issued"),
    Action.JUROR_ACTIVATED: N_("Juror activated the account"),
    Action.JUROR_UNLOCKED: N_("Juror's logins unlocked"),
    Action.AFFILIATION_DECLARED: N_("Conflict of interest declared"),
    Action.AFFILIATION_WITHDRAWN: N_("Declaration withdrawn"),
    Action.RECUSAL_DECIDED: N_("Recusal decided by staff"),
    Action.ROUND_CREATED: N_("Round created"),
    Action.ROUND_CATEGORIES_SET: N_("Round's categories set"),
    Action.ROUND_CATEGORY_SETTINGS_SET: N_("Final round's counting settings set"),
    Action.ROUND_NOMINEE_ADDED: N_("Nominee added to the final round"),
    Action.ROUND_NOMINEE_REMOVED: N_("Nominee removed from the final round"),
    Action.ROUND_SCHEDULED: N_("Round scheduled"),
    Action.ROUND_UNSCHEDULED: N_("Round's schedule cancelled"),
    Action.ROUND_OPENED: N_("Round opened"),
    Action.ROUND_EXTENDED: N_("Round's closing time extended"),
    Action.ROUND_REMINDED: N_("Reminders sent to jurors who have not voted"),
    Action.ROUND_CLOSED: N_("Round closed"),
    Action.ROUND_SEALED: N_("Record and results sealed"),
    Action.ROUND_SCRUBBED: N_("Round's storage cleaned"),
    Action.ROUND_SHORTLISTED: N_("Final round made from the shortlist"),
    Action.ROUND_PUBLISHED: N_("Results published"),
    Action.ROUND_LAPSED: N_("Round lapsed"),
    Action.ROUND_OPEN_FAILED: N_("Round could not open"),
    Action.ROUND_CLOSE_FAILED: N_("Round could not close"),
    Action.ROUND_TRUSTEES_SET: N_("Trustees named"),
    Action.TRUSTEE_DOCUMENT_RECEIVED: N_("Trustee's document received"),
    Action.ROUND_KEY_MADE: N_("Election key made by the trustees"),
    Action.ROUND_BOX_SEALED: N_("Encrypted ballot box sealed and shuffled"),
    Action.STAFF_CREATED: N_("Staff account created"),
    Action.STAFF_CODE_ISSUED: N_("Staff one-time code issued"),
    Action.STAFF_ACTIVATED: N_("Staff member set the password"),
    Action.STAFF_LOGGED_IN: N_("Staff member logged in"),
    Action.STAFF_UNLOCKED: N_("Staff logins unlocked"),
    Action.STAFF_ROLE_CHANGED: N_("Staff role changed"),
    Action.STAFF_ENABLED: N_("Staff account enabled"),
    Action.STAFF_DISABLED: N_("Staff account disabled"),
    Action.STAFF_PASSWORD_RESET: N_("Staff password reset"),
    Action.STAFF_SECOND_FACTOR_STARTED: N_("Two-step login set-up started"),
    Action.STAFF_SECOND_FACTOR_ENROLLED: N_("Two-step login turned on"),
    Action.STAFF_SECOND_FACTOR_RESET: N_("Two-step login reset"),
    Action.STAFF_RECOVERY_CODES_RENEWED: N_("Recovery codes renewed"),
    Action.DEMO_LOADED: N_("Demo data loaded"),
}

# The fields events hold, by the words the pages use for them; others show their own name.
FIELD_LABELS = {
    "name": N_("Name"),
    "name_en": N_("English name"),
    "code": N_("Code"),
    "year": N_("Year"),
    "title": N_("Title"),
    "title_en": N_("English title"),
    "kind": N_("Kind"),
    "companies": N_("Companies"),
    "broadcaster": N_("Broadcaster"),
    "episodes": N_("Episodes"),
    "first_aired_on": N_("First aired"),
    "synopsis": N_("Synopsis"),
    "email": N_("E-mail"),
    "organisation": N_("Organisation"),
    "phone": N_("Phone"),
    "panels": N_("Panels"),
    "categories": N_("Categories"),
    "is_active": N_("In use"),
    "state": N_("State"),
    "opens_at": N_("Opens"),
    "closes_at": N_("Closes"),
    "method": N_("Method"),
    "winners": N_("Winners"),
    "max_choices": N_("Most choices"),
    "quorum": N_("Quorum"),
    "disclosure": N_("Disclosure"),
    "recused": N_("Recused"),
    "public_reason": N_("Public reason"),
    "private_note": N_("Private note"),
    "role": N_("Role"),
    "company": N_("Company"),
    "person_name": N_("Person"),
    "person_role": N_("Role in the work"),
    "source": N_("File"),
    "count": N_("Rows"),
    "jurors": N_("Jurors"),
    "days": N_("Days valid"),
    "juror_id": N_("Juror"),
    "nominee_id": N_("Nominee"),
    "drama_id": N_("Drama"),
    "category_id": N_("Category"),
    "season_id": N_("Season"),
}
# Actors that are no person: the machinery, named.
ACTOR_LABELS = {
    "schedule": N_("The schedule"),
    "cli": N_("Command line"),
    "demo": N_("Demo data"),
}
# What the id fields of events refer to: the id, then the words that name it.
_REFERENCES: dict[str, Select[Any]] = {
    "juror_id": select(Juror.id, Juror.name),
    "drama_id": select(Drama.id, Drama.title),
    "season_id": select(Season.id, Season.name),
    "category_id": select(Category.id, Category.name),
    # A nominee: "person（title）" for a person, the title for a work.
    "nominee_id": select(Nominee.id, Nominee.person_name, Drama.title).join(Nominee.drama),
}
_LISTS = ("jurors",)
"""Fields whose value is a plain list (the jurors given codes), not an [old, new] pair: a
changed list (a juror's panels, a round's categories) is a pair of lists."""
_LONGEST = 120  # characters of one value shown; the rest is in the event itself


@dataclass(frozen=True)
class Change:
    label: str  # a message id, or the field's own name
    old: str | Message | None  # None: nothing before (a new object, or a fact)
    new: str | Message | None  # None: nothing after (removed)


@dataclass(frozen=True)
class Line:
    """One event as a row of the page."""

    event: AuditEvent
    label: str
    actor: str | Message
    changes: list[Change]


@dataclass(frozen=True)
class AuditFilter:
    action: str = ""
    actor: str = ""
    since: date | None = None
    until: date | None = None

    @classmethod
    def parse(cls, action: str, actor: str, since: str, until: str) -> "AuditFilter":
        """The page's query, or FormInvalid naming each bad field."""
        errors: dict[str, str | Message] = {}
        if action and action not in audit.ACTIONS:
            errors["action"] = Message("No such action.")
        dates = {}
        for name, text in (("since", since), ("until", until)):
            try:
                dates[name] = date.fromisoformat(text) if text else None
            except ValueError:
                errors[name] = Message("Give a date as YYYY-MM-DD.")
        first, last = dates.get("since"), dates.get("until")
        if first and last and first > last:
            errors["until"] = Message("The end date is before the start date.")
        if errors:
            raise FormInvalid(errors)
        return cls(action, actor.strip(), first, last)

    def where(self, zone: str) -> list[ColumnElement[bool]]:
        """The conditions; dates are days in `zone`, both ends included."""
        conditions = []
        if self.action:
            conditions.append(AuditEvent.action == self.action)
        if self.actor == JURORS:
            conditions.append(AuditEvent.actor.like("juror:%"))
        elif self.actor:
            conditions.append(AuditEvent.actor == self.actor)
        if self.since:
            conditions.append(AuditEvent.occurred_at >= _midnight(self.since, zone))
        if self.until:
            conditions.append(
                AuditEvent.occurred_at < _midnight(self.until + timedelta(days=1), zone)
            )
        return conditions

    @property
    def query(self) -> dict[str, str]:
        """The filter as a page link's query (empty fields left out)."""
        values = {
            "action": self.action,
            "actor": self.actor,
            "since": self.since.isoformat() if self.since else "",
            "until": self.until.isoformat() if self.until else "",
        }
        return {k: v for k, v in values.items() if v}


@dataclass(frozen=True)
class LogPage:
    """One page of the log, newest first, with the state of the whole chain."""

    lines: list[Line]
    page: int
    pages: int
    matching: int
    report: audit.ChainReport
    actors: list[str] = field(default_factory=list)
    """Who may be chosen in the filter: each staff member and the machinery; jurors as one."""


async def log_page(session: AsyncSession, shown: AuditFilter, page: int, zone: str) -> LogPage:
    conditions = shown.where(zone)
    matching = (
        await session.scalar(select(func.count()).select_from(AuditEvent).where(*conditions)) or 0
    )
    pages = max(1, -(-matching // PAGE_SIZE))
    page = min(page, pages)
    events = list(
        await session.scalars(
            select(AuditEvent)
            .where(*conditions)
            .order_by(AuditEvent.seq.desc())
            .limit(PAGE_SIZE)
            .offset((page - 1) * PAGE_SIZE)
        )
    )
    names = await _account_names(session, [e.actor for e in events])
    bodies = [audit.event_body(e)["changes"] for e in events]
    referred = await _referred_names(session, bodies)
    lines = [
        Line(
            event,
            ACTION_LABELS.get(event.action, event.action),
            names.get(event.actor, event.actor),
            readable_changes(changes, zone, referred),
        )
        for event, changes in zip(events, bodies, strict=True)
    ]
    actors = await session.scalars(
        select(distinct(AuditEvent.actor))
        .where(AuditEvent.actor.not_like("juror:%"))
        .order_by(AuditEvent.actor)
    )
    return LogPage(lines, page, pages, matching, await audit.verify(session), list(actors))


def readable_changes(
    changes: dict[str, Any], zone: str, referred: dict[tuple[str, int], str] | None = None
) -> list[Change]:
    """What an event holds (its `changes`), field by field: [old, new] pairs as a change,
    anything else (an import's file and rows, the jurors given codes) as a fact. Times are
    shown in `zone`; ids of jurors, nominees and the like by the names in `referred`."""
    referred = referred or {}
    found = []
    for key, value in changes.items():
        label = FIELD_LABELS.get(key, key)
        if key == "id":
            continue  # the object's own id: the action's column names it
        if isinstance(value, list) and len(value) == 2 and key not in _LISTS:
            old, new = (referred.get((key, v), v) if isinstance(v, int) else v for v in value)
            if old is None and new in ("", None):
                continue  # an empty field of a new object
            found.append(Change(label, _shown(key, old, zone), _shown(key, new, zone)))
        elif key == "jurors" and isinstance(value, list):
            names = [referred.get(("juror_id", v), v) for v in value]
            found.append(Change(label, None, _shown(key, names, zone)))
        else:
            found.append(Change(label, None, _shown(key, value, zone)))
    return found


async def _referred_names(
    session: AsyncSession, bodies: list[dict[str, Any]]
) -> dict[tuple[str, int], str]:
    """(field, id) -> the name of what an id field of these events refers to, as it is now."""
    wanted: dict[str, set[int]] = {key: set() for key in _REFERENCES}
    for changes in bodies:
        for key, value in changes.items():
            if key in _LISTS or not isinstance(value, list):
                continue
            if key in wanted:
                wanted[key].update(v for v in value if isinstance(v, int))
        if isinstance(jurors := changes.get("jurors"), list):  # those given codes
            wanted["juror_id"].update(v for v in jurors if isinstance(v, int))
    found: dict[tuple[str, int], str] = {}
    for key, ids in wanted.items():
        if ids:
            query = _REFERENCES[key]
            rows = await session.execute(query.where(query.selected_columns[0].in_(ids)))
            for row_id, *parts in rows:
                # A person nominee: "person（title）"; anything else: its one name.
                name = f"{parts[0]}（{parts[1]}）" if len(parts) == 2 and parts[0] else parts[-1]
                found[(key, row_id)] = str(name)
    return found


def _shown(key: str, value: Any, zone: str) -> str | Message | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return Message("Yes") if value else Message("No")
    if isinstance(value, list):
        return "、".join(str(v) for v in value)
    text = str(value)
    if key.endswith("_at"):
        try:
            return local_time(datetime.fromisoformat(text), zone)
        except ValueError:
            return text
    return text if len(text) <= _LONGEST else text[:_LONGEST] + "…"


async def _account_names(session: AsyncSession, actors: list[str]) -> dict[str, str | Message]:
    """ "juror:7" -> the juror's name, "staff:3" -> the staff member's; the machinery by label."""
    wanted: dict[str, set[int]] = {"juror": set(), "staff": set()}
    for actor in actors:
        kind, _sep, number = actor.partition(":")
        if kind in wanted and number.isdigit():
            wanted[kind].add(int(number))
    names: dict[str, str | Message] = {a: Message(label) for a, label in ACTOR_LABELS.items()}
    # Logins name the staff member by user name, other events by display name: show one.
    for username, name in await session.execute(
        select(StaffUser.username, StaffUser.display_name).where(StaffUser.username.in_(actors))
    ):
        names[username] = name
    if wanted["juror"]:
        for juror_id, name in await session.execute(
            select(Juror.id, Juror.name).where(Juror.id.in_(wanted["juror"]))
        ):
            names[f"juror:{juror_id}"] = Message("Juror %(name)s", name=name)
    if wanted["staff"]:
        for staff_id, name in await session.execute(
            select(StaffUser.id, StaffUser.display_name).where(StaffUser.id.in_(wanted["staff"]))
        ):
            names[f"staff:{staff_id}"] = name
    return names


def _midnight(day: date, zone: str) -> datetime:
    return datetime.combine(day, time(0), tzinfo=ZoneInfo(zone))
