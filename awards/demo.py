"""Demo data for a first run on an empty database: the 2024 season, its categories, a catalogue
and nominees, and one staff account whose password is random and shown once.

The dramas named in the association's announcement (归队, 小日子, 凡人歌, 六姊妹) are there with
others of the same year; companies are illustrative, not a statement about who produced what.
"""

import secrets
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from awards import audit
from awards.accounts import activation, staff_accounts
from awards.audit import Action
from awards.catalogue import categories, dramas, nominees, seasons
from awards.jury import conflicts, jurors
from awards.models import Category, Drama, Season
from awards.models.base import utcnow
from awards.models.staff import ADMIN
from awards.trustees import demo as demo_trustees
from awards.voting import opening, round_categories, rounds

ACTOR = "demo"
DEMO_STAFF = "demo-admin"

# title, kind, broadcaster, episodes, first aired, companies
DRAMAS = [
    ("归队", "tv", "中央电视台综合频道", 30, "2024-04-25", "北京演示影视文化有限公司"),
    ("小日子", "tv", "湖南卫视", 32, "2024-03-11", "上海演示传媒有限公司"),
    (
        "凡人歌",
        "tv",
        "中央电视台电视剧频道",
        34,
        "2024-08-27",
        "北京演示影视文化有限公司；示例网络科技有限公司",
    ),
    ("六姊妹", "tv", "中央电视台综合频道", 40, "2025-01-20", "贵州演示影视有限公司"),
    ("南来北往", "tv", "中央电视台综合频道", 36, "2024-01-18", "北京演示影视文化有限公司"),
    ("小巷人家", "tv", "中央电视台电视剧频道", 40, "2024-10-22", "上海演示传媒有限公司"),
    ("城中之城", "tv", "中央电视台综合频道", 40, "2024-05-07", "浙江演示影业有限公司"),
    ("承欢记", "tv", "东方卫视", 32, "2024-04-28", "浙江演示影业有限公司"),
    (
        "我的阿勒泰",
        "tv",
        "中央电视台综合频道",
        8,
        "2024-05-07",
        "新疆演示影视有限公司；示例网络科技有限公司",
    ),
    ("西北岁月", "tv", "中央电视台综合频道", 38, "2024-06-11", "陕西演示影视有限公司"),
    ("问苍茫", "tv", "中央电视台综合频道", 38, "2024-01-13", "湖南演示广播影视集团"),
    ("山花烂漫时", "tv", "中央电视台综合频道", 28, "2024-12-04", "云南演示影视有限公司"),
    ("春色寄情人", "tv", "东方卫视", 30, "2024-06-18", "上海演示传媒有限公司"),
    ("大江大河之岁月如歌", "tv", "东方卫视", 30, "2024-09-22", "正午演示影业有限公司"),
    ("我是刑警", "tv", "中央电视台综合频道", 38, "2024-01-06", "北京演示影视文化有限公司"),
    (
        "庆余年第二季",
        "web",
        "腾讯视频",
        36,
        "2024-05-16",
        "示例网络科技有限公司；新丽演示传媒有限公司",
    ),
    ("边水往事", "web", "优酷", 24, "2024-08-16", "示例网络科技有限公司"),
    ("白夜破晓", "web", "优酷", 32, "2024-07-08", "北京演示影视文化有限公司"),
    ("微暗之火", "web", "爱奇艺", 24, "2024-12-22", "示例网络科技有限公司"),
    ("永夜星河", "web", "腾讯视频", 32, "2024-11-14", "示例网络科技有限公司"),
    ("墨雨云间", "web", "优酷", 40, "2024-06-10", "浙江演示影业有限公司"),
    ("度华年", "web", "爱奇艺", 40, "2024-05-18", "上海演示传媒有限公司"),
    (
        "典籍里的中国 第三季",
        "other",
        "中央电视台综合频道",
        12,
        "2024-02-10",
        "中央广播电视演示总台",
    ),
    ("中国诗词大会 2024", "other", "中央电视台综合频道", 10, "2024-02-12", "中央广播电视演示总台"),
    ("国家宝藏·展演季", "other", "中央电视台综合频道", 10, "2024-03-02", "中央广播电视演示总台"),
]

# code, name, name_en, subject, method, winners, extra
CATEGORIES = [
    (
        "best-tv-drama",
        "年度优秀电视剧",
        "Outstanding TV Drama",
        "work",
        "approval",
        10,
        {"max_choices": 10},
    ),
    (
        "best-web-drama",
        "年度优秀网络剧",
        "Outstanding Web Drama",
        "work",
        "approval",
        3,
        {"max_choices": 3},
    ),
    (
        "best-programme",
        "年度优秀其他节目",
        "Outstanding Other Programme",
        "work",
        "score_mean",
        1,
        {"score_min": 1, "score_max": 10},
    ),
    ("best-director", "年度优秀导演", "Outstanding Director", "person", "irv", 1, {}),
    ("best-actor", "年度优秀男演员", "Outstanding Actor", "person", "schulze", 1, {}),
    ("best-actress", "年度优秀女演员", "Outstanding Actress", "person", "borda", 1, {}),
    (
        "best-screenplay",
        "年度优秀编剧",
        "Outstanding Screenplay",
        "person",
        "score_trimmed_mean",
        1,
        {"score_min": 1, "score_max": 10, "trim": 1},
    ),
]

# category code -> (drama title, person, role); people are illustrative.
PEOPLE = {
    "best-director": [
        ("归队", "演示导演甲", "导演"),
        ("凡人歌", "演示导演乙", "导演"),
        ("小巷人家", "演示导演丙", "导演"),
        ("我的阿勒泰", "演示导演丁", "导演"),
    ],
    "best-actor": [
        ("归队", "演示演员甲", "主演"),
        ("南来北往", "演示演员乙", "主演"),
        ("城中之城", "演示演员丙", "主演"),
        ("问苍茫", "演示演员丁", "主演"),
    ],
    "best-actress": [
        ("小日子", "演示演员戊", "主演"),
        ("六姊妹", "演示演员己", "主演"),
        ("承欢记", "演示演员庚", "主演"),
        ("小巷人家", "演示演员辛", "主演"),
    ],
    "best-screenplay": [
        ("凡人歌", "演示编剧甲", "编剧"),
        ("小日子", "演示编剧乙", "编剧"),
        ("山花烂漫时", "演示编剧丙", "编剧"),
    ],
}


JURORS = [
    ("张评委", "中国电视剧制作产业协会", "juror1@example.org"),
    ("李评委", "北京演示影视文化有限公司", "juror2@example.org"),
    ("王评委", "上海戏剧学院（演示）", "juror3@example.org"),
    ("赵评委", "中国传媒大学（演示）", "juror4@example.org"),
]


@dataclass(frozen=True)
class DemoLogin:
    username: str
    password: str
    juror_codes: list[tuple[str, str]] = field(default_factory=list)
    """(e-mail, activation code), shown once."""
    trustee_keys: list[Path] = field(default_factory=list)
    """The demo trustees' key files (`awards.trustees.demo`)."""


async def is_empty(session: AsyncSession) -> bool:
    return not await session.scalar(select(func.count()).select_from(Season))


async def load(
    session: AsyncSession, staff_password_hash: str, password: str, trustee_dir: Path
) -> DemoLogin:
    """`trustee_dir`: where the demo trustees' key files go (the final round is sealed)."""
    season = await seasons.create_season(
        session, seasons.SeasonForm(code="2024", name="2024 年度推优", year=2024), ACTOR
    )
    forms = [
        dramas.DramaForm(
            title=title,
            title_en=None,
            kind=kind,
            companies="\n".join(dramas.split_companies(companies)),
            broadcaster=broadcaster,
            episodes=episodes,
            first_aired_on=date.fromisoformat(aired),
            synopsis="",
        )
        for title, kind, broadcaster, episodes, aired, companies in DRAMAS
    ]
    await dramas.add_dramas(session, season.id, forms, ACTOR, source="demo data")
    by_title = dict((await session.execute(select(Drama.title, Drama.id))).tuples().all())
    kinds = {title: kind for title, kind, *_ in DRAMAS}
    for code, name, name_en, subject, method, winners, extra in CATEGORIES:
        form = categories.CategoryForm(
            code=code,
            name=name,
            name_en=name_en,
            subject=subject,
            method=method,
            winners=winners,
            max_choices=extra.get("max_choices"),
            score_min=extra.get("score_min"),
            score_max=extra.get("score_max"),
            trim=extra.get("trim"),
            quorum=1,
            disclosure="counts",
            shortlist_size=None,
        )
        category: Category = await categories.create_category(session, season, form, ACTOR)
        wanted = {"best-tv-drama": "tv", "best-web-drama": "web", "best-programme": "other"}
        if code in wanted:
            picks = [(t, "", "") for t, k in kinds.items() if k == wanted[code]]
        else:
            picks = PEOPLE[code]
        for title, person, role in picks:
            await nominees.add_nominee(
                session, category, nominees.NomineeForm(by_title[title], person, role), ACTOR
            )
    await staff_accounts.create_staff(
        session, DEMO_STAFF, "演示管理员", staff_password_hash, role=ADMIN, actor=ACTOR
    )
    panel = await jurors.create_panel(
        session, season, jurors.PanelForm("main", "评审委员会"), ACTOR
    )
    for category in await categories.list_categories(session, season.id):
        await categories.set_panels(session, category, [panel.code], ACTOR)
    members = [
        await jurors.save_juror(
            session, season, jurors.JurorForm(name, organisation, email, "", (panel.code,)), ACTOR
        )
        for name, organisation, email in JURORS
    ]
    # The second juror works for a production company: the recusal shows on the ballot.
    await conflicts.declare(
        session, members[1].id, company="北京演示影视文化有限公司", role="制片人"
    )
    now = utcnow()
    codes = await activation.issue_codes(session, members, now, 30, ACTOR)
    final = await rounds.create_round(
        session, season, rounds.RoundForm("final", "2024 年度终评", "final"), ACTOR
    )
    await round_categories.set_categories(
        session, final, [c.id for c in await categories.list_categories(session, season.id)], ACTOR
    )
    keys = await demo_trustees.seal(session, final, trustee_dir, ACTOR)
    await opening.schedule(
        session, final, rounds.ScheduleForm(now, now + timedelta(days=14)), ACTOR
    )
    await opening.open_round(session, final, now, ACTOR)
    await audit.record(
        session, actor=ACTOR, action=Action.DEMO_LOADED, object_type="season", object_id=season.id
    )
    return DemoLogin(DEMO_STAFF, password, [(c.juror.email, c.code) for c in codes], keys)


def random_password() -> str:
    return secrets.token_urlsafe(12)
