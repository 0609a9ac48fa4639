"""`python manage.py load_demo`: Temirtau and four settlements near it, with a lived-in queue.

Everything goes through the same services the portal uses, replayed in time order on `simulate`'s
replay clock (replay/clock.py, SPEC §11): three years of filings and benefit decisions, over-age archival on each 1 June, then
three weeks of releases, 18:00 bulletins, grants, claims, enrollments, extensions, cancellations,
one expiry and a few withdrawals, up to the real clock — or up to `--at` (ISO 8601, Astana time if no
offset), which every step then takes as `now`. A fixed seed makes it reproducible for a given moment;
a second run sees the Temirtau locality and changes nothing.
"""

from __future__ import annotations

import datetime as dt
import heapq
import itertools
import random
import time
from collections import Counter, defaultdict
from collections.abc import Callable

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group as AuthGroup
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.db.models import Count, F
from django.utils import timezone

from accounts.models import Cabinet
from accounts.services import cabinet_password_set
from audit.context import Actor, acting_as
from core.calendar import ASTANA, calendar_load, enrollment_year, local, reference_date
from core.errors import Refusal
from core.iin import iin_build
from core.moments import parse_moment
from notifications.models import Message
from notifications.services import deliveries_suspended
from placements.application_actions import application_withdraw, benefit_confirm, benefit_reject
from placements.claims import seat_claim
from placements.directions import direction_cancel, direction_enroll, direction_extend
from placements.models import Bulletin, Direction, Grant, Group, Kindergarten, Publication, Seat
from placements.seats import seat_release, seat_withdraw
from queues import services as queues
from queues.models import Application, Locality
from queues.selectors import queue_order
from replay.clock import ReplayClock

SEED = 20261122
PASSWORD = "indigo-demo"
APPLICATIONS = 2000  # including 40 archived over age, 18 SEN children with a PMPK conclusion, the demo family's 2
RECENT_DAYS = 21  # the seat traffic of the last three weeks
HISTORY = dt.timedelta(days=3 * 365)  # the filings of the last three years

LOCALITIES = [  # code, Russian, Kazakh, share of applications
    ("temirtau", "Темиртау", "Теміртау", 0.84),
    ("aktau", "Актау", "Ақтау", 0.06),  # settlement under the Temirtau akimat
    ("topar", "Топар", "Топар", 0.035),  # Abay district
    ("botakara", "Ботакара", "Ботақара", 0.035),  # Bukhar-Zhyrau district centre
    ("mustafin", "Габидена Мустафина", "Ғабиден Мұстафин", 0.03),  # Bukhar-Zhyrau district
]

# code, number, title, locality, address, languages ("kk", "ru", "kk+ru" = one group each, "both" = bilingual), extra kind, has 6–7
KINDERGARTENS = [
    ("arman", 9, "Арман", "temirtau", "г. Темиртау, ул. Мичурина, 57", "kk+ru", "", True),
    ("balapan", 3, "Балапан", "temirtau", "г. Темиртау, пр. Республики, 24", "kk", "", False),
    ("aigolek", 5, "Айгөлек", "temirtau", "г. Темиртау, 5 мкр., 18", "kk", "", True),
    ("bobek", 12, "Бөбек", "temirtau", "г. Темиртау, ул. Абая, 91", "kk+ru", "", False),
    ("erkemai", 14, "Еркемай", "temirtau", "г. Темиртау, 6 мкр., 7", "kk", "", False),
    ("botagoz", 17, "Ботагөз", "temirtau", "г. Темиртау, ул. Казахстанская, 45", "kk+ru", "", True),
    ("kunshuak", 19, "Күншуақ", "temirtau", "г. Темиртау, 7 мкр., 32", "kk", "", False),
    ("solnyshko", 21, "Солнышко", "temirtau", "г. Темиртау, пр. Металлургов, 11", "ru", "", False),
    ("skazka", 24, "Сказка", "temirtau", "г. Темиртау, ул. Чайковского, 8", "ru", "", True),
    ("raduga", 26, "Радуга", "temirtau", "г. Темиртау, 8 мкр., 20", "ru", "", False),
    ("teremok", 28, "Теремок", "temirtau", "г. Темиртау, ул. Гагарина, 15", "kk+ru", "", False),
    ("kulynshak", 30, "Құлыншақ", "temirtau", "г. Темиртау, 9 мкр., 4", "kk+ru", "special", True),
    ("akbota", 33, "Ақбота", "temirtau", "г. Темиртау, 3А мкр., 12", "kk", "", False),
    ("shugyla", 35, "Шұғыла", "temirtau", "г. Темиртау, пр. Республики, 77", "kk+ru", "", True),
    ("zhuldyz", 37, "Жұлдыз", "temirtau", "г. Темиртау, 10 мкр., 26", "kk", "", False),
    ("baldyrgan", 40, "Балдырған", "temirtau", "г. Темиртау, ул. Блюхера, 3", "kk+ru", "", False),
    ("kuanysh", 11, "Қуаныш", "temirtau", "г. Темиртау, ул. Фурманова, 2", "kk+ru", "sanatorium", False),
    ("berezka", 42, "Берёзка", "temirtau", "г. Темиртау, пр. Металлургов, 58", "ru", "special", False),
    ("nurai", 45, "Нұрай", "temirtau", "г. Темиртау, 4 мкр., 9", "kk", "", True),
    ("moldir", 47, "Мөлдір", "temirtau", "г. Темиртау, ул. Абая, 130", "kk+ru", "", False),
    ("ainalaiyn", 1, "Айналайын", "aktau", "п. Актау, ул. Бейбітшілік, 6", "both", "", True),
    ("kolobok", 2, "Колобок", "aktau", "п. Актау, ул. Школьная, 14", "ru", "", False),
    ("karlygash", 0, "Қарлығаш", "topar", "п. Топар, ул. Абая, 21", "both", "", False),
    ("balausa", 0, "Балауса", "botakara", "п. Ботакара, ул. Бухар жырау, 33", "kk", "", False),
    ("bolashak", 0, "Болашақ", "mustafin", "п. Габидена Мустафина, ул. Центральная, 10", "both", "", False),
]

STAGE = {1: "Ясельная группа", 2: "Младшая группа", 3: "Средняя группа", 4: "Старшая группа", 5: "Предшкольная группа", 6: "Предшкольная группа"}
KIND_STAGE = {"special": "Коррекционная группа", "sanatorium": "Санаторная группа"}
LANG_LABEL = {"kk": "каз.", "ru": "рус.", "both": "каз./рус."}
# The same names in Kazakh (issue 11: a group has a Kazakh name too).
STAGE_KK = {1: "Бөбекжай тобы", 2: "Кіші топ", 3: "Ортаңғы топ", 4: "Ересек топ", 5: "Мектепалды даярлық тобы", 6: "Мектепалды даярлық тобы"}
KIND_STAGE_KK = {"special": "Түзету тобы", "sanatorium": "Санаторийлік топ"}
LANG_LABEL_KK = {"kk": "қазақ тілінде", "ru": "орыс тілінде", "both": "қазақ және орыс тілдерінде"}
STREETS = {
    "temirtau": ["пр. Республики", "пр. Металлургов", "ул. Мичурина", "ул. Абая", "ул. Казахстанская", "ул. Гагарина", "5 мкр.", "7 мкр.", "8 мкр.", "9 мкр."],
    "aktau": ["ул. Бейбітшілік", "ул. Школьная", "ул. Шахтёрская"],
    "topar": ["ул. Абая", "ул. Энергетиков"],
    "botakara": ["ул. Бухар жырау", "ул. Сейфуллина"],
    "mustafin": ["ул. Центральная", "ул. Степная"],
}
PLACE = {"temirtau": "г. Темиртау", "aktau": "п. Актау", "topar": "п. Топар", "botakara": "п. Ботакара", "mustafin": "п. Габидена Мустафина"}

# First names, fathers' names (for patronymics), mothers' names and surnames (male form) of the families.
_NAME_LISTS = """
kk_boys: Әлихан Нұрсұлтан Айдар Ерасыл Алинұр Рамазан Санжар Әмір Ансар Темірлан Арсен Ислам Нұрислам Даниял Алдияр Мирас Ернұр Ақжол
kk_girls: Айару Амина Інжу Аружан Томирис Айлин Медина Асылым Дильназ Сафия Аяла Айым Жансая Інкәр Нұрай Мөлдір Аймира Раяна
kk_fathers: Ерлан Асқар Болат Нұрлан Серік Бауыржан Ержан Данияр Талғат Арман Қайрат Марат Жандос Ринат Дәурен Ғалым Медет Мұрат
kk_mothers: Айгерім Гүлнар Динара Жанар Әсел Мадина Салтанат Айгүл Назерке Ақмарал Гүлжан Сәуле
kk_surnames: Ахметов Серікбаев Жұмабеков Оспанов Ермеков Тұрсынов Қасымов Сәрсенбаев Нұрланов
kk_surnames: Әбдірахманов Байжанов Мұқанов Төлеуов Омаров Сейітов Құрманов Әлиев Жақсылықов
ru_boys: Артём Максим Михаил Александр Матвей Тимофей Иван Даниил Кирилл Егор Марк Лев Дмитрий Никита
ru_girls: София Анна Мария Алиса Виктория Ева Полина Варвара Дарья Ксения Вероника Милана
ru_mothers: Екатерина Ольга Татьяна Наталья Юлия Анастасия Елена Ирина Светлана
ru_surnames: Иванов Петров Смирнов Кузнецов Попов Васильев Соколов Михайлов Новиков Фёдоров Морозов Волков Лебедев Козлов
ru_invariant: Ким Шевченко Бойко Пак
"""
NAMES: dict[str, list[str]] = defaultdict(list)
for _line in _NAME_LISTS.strip().splitlines():
    _key, _words = _line.split(":")
    NAMES[_key] += _words.split()
KK_BOYS, KK_GIRLS, KK_FATHERS, KK_MOTHERS, KK_SURNAMES = (NAMES[k] for k in ("kk_boys", "kk_girls", "kk_fathers", "kk_mothers", "kk_surnames"))
RU_BOYS, RU_GIRLS, RU_MOTHERS, RU_SURNAMES, RU_INVARIANT = (NAMES[k] for k in ("ru_boys", "ru_girls", "ru_mothers", "ru_surnames", "ru_invariant"))
RU_FATHERS = [  # name, son's patronymic, daughter's patronymic
    ("Александр", "Александрович", "Александровна"),
    ("Сергей", "Сергеевич", "Сергеевна"),
    ("Андрей", "Андреевич", "Андреевна"),
    ("Дмитрий", "Дмитриевич", "Дмитриевна"),
    ("Алексей", "Алексеевич", "Алексеевна"),
    ("Евгений", "Евгеньевич", "Евгеньевна"),
    ("Владимир", "Владимирович", "Владимировна"),
    ("Игорь", "Игоревич", "Игоревна"),
    ("Олег", "Олегович", "Олеговна"),
    ("Виктор", "Викторович", "Викторовна"),
]
STAFF_ROLES = {"clerk": ("Динара", "Жұмабекова"), "supervisor": ("Ерлан", "Оспанов"), "auditor": ("Татьяна", "Морозова")}
OPERATOR_NAMES = [("Гүлнар", "Ахметова"), ("Ольга", "Смирнова"), ("Жанар", "Оспанова"), ("Елена", "Кузнецова"), ("Салтанат", "Қасымова")]

EXTRAORDINARY = [("military", 35), ("special_state_body", 15), ("pedagogue", 50)]
PRIORITY = [("large_family", 55), ("disabled_child_family", 12), ("disabled_parent", 12), ("orphan", 6), ("sen", 15)]
MOBILE_PREFIXES = ["701", "702", "705", "707", "747", "771", "775", "776", "777", "778"]

# A family whose cabinet the README can point to: the applicant's IIN and phone are fixed; the children's
# birth years follow the enrollment year (2021 and 2023 while E = 2026), so their IINs change each 1 June.
DEMO_PARENT = {
    "applicant_iin": iin_build(dt.date(1993, 4, 17), female=True, serial=4127),
    "applicant_last_name": "Серікбаева",
    "applicant_first_name": "Айгерім",
    "applicant_middle_name": "Болатқызы",
    "phone": "77017654321",
    "phone2": "77757654321",
}
DEMO_CHILDREN = [  # age in the enrollment year, birthday, girl, first name, patronymic
    (5, (2, 8), True, "Аружан", "Ерланқызы"),  # a 5–6 group: she gets a direction
    (3, (5, 14), False, "Әлихан", "Ерланұлы"),  # a 3–4 group: he waits in the queue
]


def _weighted(rng: random.Random, pairs: list[tuple[str, int]]) -> str:
    return rng.choices([p[0] for p in pairs], weights=[p[1] for p in pairs])[0]


class _Demo:
    def __init__(self, now: dt.datetime, out: Callable[[str], None], applications: int = APPLICATIONS) -> None:
        self.now = now
        self.start = now - HISTORY
        self.applications = applications
        self.out = out
        self.rng = random.Random(SEED)
        self.calendar = calendar_load()
        # People's actions wait in the heap; the scheduled work (over-age, expiry, promotion, the
        # 18:00 bulletin) is the replay clock's, as in `simulate` (replay/clock.py).
        self.heap: list = []
        self.clock = ReplayClock(self.start, on_bulletin=self.on_bulletin)
        self.seq = itertools.count()
        self.iins: set[str] = set()
        self.apps: dict[int, Application] = {}
        self.demo_ids: set[int] = set()
        self.demo_by_age: dict[int, int] = {}
        self.reserved_group: Group | None = None
        self.reserved_seats: set[int] = set()
        self.first_direction = True
        self.refusals: Counter[str] = Counter()

    # --- the world ---------------------------------------------------------------------------

    def world(self) -> None:
        self.localities = {code: Locality.objects.create(code=code, name=ru, name_kk=kk) for code, ru, kk, _ in LOCALITIES}
        users = get_user_model()
        password = make_password(PASSWORD)  # one hash for all: PBKDF2 per user would take seconds
        if not users.objects.filter(username="admin").exists():
            users.objects.create(username="admin", password=password, is_staff=True, is_superuser=True, email="admin@indigo.local")
        for role, (first, last) in STAFF_ROLES.items():  # department staff by role (accounts.roles, synced at migrate)
            if not users.objects.filter(username=role).exists():
                user = users.objects.create(username=role, password=password, first_name=first, last_name=last, is_staff=True)
                user.groups.add(*AuthGroup.objects.filter(name=role))
        self.kindergartens: dict[str, Kindergarten] = {}
        self.operators: dict[str, object] = {}
        self.groups: list[Group] = []
        for i, (code, number, title, loc, address, langs, extra, has_six) in enumerate(KINDERGARTENS):
            sanatorium = extra == "sanatorium"
            ru = f"{'Санаторный ясли-сад' if sanatorium else 'Ясли-сад'}{f' №{number}' if number else ''} «{title}»"
            kk = f"{f'№{number} ' if number else ''}«{title}» {'санаторийлік ' if sanatorium else ''}бөбекжай-бақшасы"
            phone = f"8 (7213) {91 + i % 9}-{10 + 3 * i:02d}-{40 + i:02d}"
            kg = Kindergarten.objects.create(code=code, name=ru, name_kk=kk, locality=self.localities[loc], address=address, phone=phone)
            first, last = OPERATOR_NAMES[i % len(OPERATOR_NAMES)]
            username = f"operator-{code}"
            operator = users.objects.filter(username=username).first() or users.objects.create(
                username=username, password=password, first_name=first, last_name=last, email=f"{code}@temirtau-edu.kz"
            )
            kg.operators.add(operator)
            self.kindergartens[code], self.operators[code] = kg, operator
            ages = [a for a in range(1, 7) if a < 6 or has_six]
            if sanatorium:
                ages = [2, 3, 4, 5]
            languages = {"kk+ru": ["kk", "ru"], "both": ["both"]}.get(langs, [langs])
            kind = "sanatorium" if sanatorium else "general"
            for age in ages:
                for language in languages:
                    self._group(kg, age, language, kind)
            if extra == "special":
                for age in (3, 4, 5):
                    self._group(kg, age, "ru" if code == "berezka" else "kk", "special")

    def _group(self, kg: Kindergarten, age: int, language: str, kind: str) -> None:
        stage = KIND_STAGE.get(kind, STAGE[age])
        code = f"{kg.code}-{age}{age + 1}-{language}{'' if kind == 'general' else '-' + kind}"
        capacity = 12 if kind == "special" else 15 if age == 1 or kind == "sanatorium" else self.rng.choice([20, 22, 25])
        name = f"{stage} ({age}–{age + 1}), {LANG_LABEL[language]}"
        name_kk = f"{KIND_STAGE_KK.get(kind, STAGE_KK[age])} ({age}–{age + 1}), {LANG_LABEL_KK[language]}"
        self.groups.append(
            Group.objects.create(
                code=code, kindergarten=kg, name=name, name_kk=name_kk, age_from=age, age_to=age + 1, language=language, kind=kind, capacity=capacity
            )
        )

    # --- the event loop (time order, like simulate) -------------------------------------------

    def push(self, moment: dt.datetime, action: Callable, *args) -> None:
        if moment <= self.now:
            heapq.heappush(self.heap, (moment, next(self.seq), action, args))

    def run(self) -> None:
        """Each action at its moment, after the scheduled work due by then (SPEC §11: scheduled work
        first at the same moment); one scheduled moment at a time, as a bulletin adds claims."""
        while True:
            upto = self.heap[0][0] if self.heap else self.now
            if self.clock.step(upto):
                continue
            if not self.heap:
                break
            moment, _, action, args = heapq.heappop(self.heap)
            try:
                action(moment, *args)
            except Refusal as refusal:  # a family or operator was told no: part of the story
                self.refusals[refusal.code] += 1

    def at(self, day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
        return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=ASTANA)

    def some_time(self, day: dt.date, first_hour: int = 8, last_hour: int = 21) -> dt.datetime:
        return self.at(day, self.rng.randint(first_hour, last_hour), self.rng.randrange(60)) + dt.timedelta(seconds=self.rng.randrange(60))

    # --- three years of filings ---------------------------------------------------------------

    def family(self, kazakh: bool) -> tuple[str, str]:
        """A family surname (male form) and the father's first name."""
        if kazakh:
            return self.rng.choice(KK_SURNAMES), self.rng.choice(KK_FATHERS)
        surname = self.rng.choice(RU_SURNAMES) if self.rng.random() < 0.85 else self.rng.choice(RU_INVARIANT)
        return surname, self.rng.choice(RU_FATHERS)[0]

    @staticmethod
    def surname(root: str, female: bool) -> str:
        return root + "а" if female and root not in RU_INVARIANT else root

    @staticmethod
    def patronymic(father: str, female: bool) -> str:
        for name, son, daughter in RU_FATHERS:
            if name == father:
                return daughter if female else son
        return father + ("қызы" if female else "ұлы")

    def phone(self) -> str:
        return f"7{self.rng.choice(MOBILE_PREFIXES)}{self.rng.randrange(10**7):07d}"

    def child_iin(self, birth: dt.date, female: bool) -> str:
        while True:
            iin = iin_build(birth, female=female, rng=self.rng)
            if iin not in self.iins:
                self.iins.add(iin)
                return iin

    def filing(self, birth: dt.date, *, locality: str, filed_at: dt.datetime, sen_pmpk: bool = False, queue_kinds=("general",), benefit=None) -> dict:
        rng = self.rng
        female = rng.random() < 0.49
        kazakh = rng.random() < 0.62
        root, father = self.family(kazakh)
        mother = rng.random() < 0.75
        grandfather = self.family(kazakh)[1]
        a_first = rng.choice(KK_MOTHERS if kazakh else RU_MOTHERS) if mother else father
        applicant_birth = birth - dt.timedelta(days=rng.randint(20 * 365, 40 * 365))
        if benefit is None:
            r = rng.random()
            benefit = ("extraordinary", _weighted(rng, EXTRAORDINARY)) if r < 0.05 else ("priority", _weighted(rng, PRIORITY)) if r < 0.20 else ("none", "")
        street = rng.choice(STREETS[locality])
        email = rng.random() < 0.12
        return {
            "child_iin": self.child_iin(birth, female),
            "birth_date": birth,
            "locality_code": locality,
            "now": filed_at,
            "benefit": benefit[0],
            "benefit_category": benefit[1],
            "queues": list(queue_kinds),
            "sen_pmpk": sen_pmpk,
            "child_last_name": self.surname(root, female),
            "child_first_name": rng.choice((KK_GIRLS if female else KK_BOYS) if kazakh else (RU_GIRLS if female else RU_BOYS)),
            "child_middle_name": self.patronymic(father, female),
            "birth_certificate": f"{rng.randrange(10**8, 10**9)}",
            "applicant_iin": iin_build(applicant_birth, female=mother, rng=rng),
            "applicant_last_name": self.surname(root, mother),
            "applicant_first_name": a_first,
            "applicant_middle_name": self.patronymic(grandfather, mother),
            "phone": self.phone(),
            "phone2": self.phone(),
            "email": f"parent.{len(self.iins):04d}@mail.kz" if email else "",
            "channel": "email" if email and rng.random() < 0.5 else "sms",
            "address": f"{PLACE[locality]}, {street}, д. {rng.randint(1, 120)}, кв. {rng.randint(1, 90)}",
            "language": "kk" if rng.random() < (0.75 if kazakh else 0.1) else "ru",
        }

    def plan_filings(self) -> None:
        rng, now, start = self.rng, self.now, self.start
        ref = reference_date(now)
        youngest = (now - dt.timedelta(days=40)).date()
        oldest = ref.replace(year=ref.year - 6) + dt.timedelta(days=1)  # not over age on R(now)
        localities = [code for code, *_ in LOCALITIES]
        shares = [share for *_, share in LOCALITIES]
        plans = []
        for n in range(self.applications - 60):
            birth = oldest + dt.timedelta(days=rng.randrange((youngest - oldest).days))
            earliest = max(self.at(birth, 0) + dt.timedelta(days=7), start)
            latest = now - dt.timedelta(hours=2)
            moment = earliest + (latest - earliest) * rng.random() ** 1.6  # most families file early
            filed_at = self.some_time(local(moment).date())
            filed_at = min(filed_at, latest - dt.timedelta(minutes=n % 97))
            plans.append(self.filing(birth, locality=rng.choices(localities, shares)[0], filed_at=filed_at))
        for _ in range(40):  # filed in time, archived over age on a later 1 June (SPEC §3)
            birth = oldest - dt.timedelta(days=rng.randint(1, 500))
            plans.append(self.filing(birth, locality="temirtau", filed_at=self.some_time((start + dt.timedelta(days=rng.randint(1, 150))).date())))
        for i in range(18):  # SEN with a PMPK conclusion, in the special and/or sanatorium queues
            birth = oldest + dt.timedelta(days=rng.randint(-300, 4 * 365))
            kinds = [("special",), ("sanatorium",), ("special", "sanatorium")][i % 3]
            benefit = ("priority", "sen") if i % 2 == 0 else ("priority", "disabled_child_family") if i % 5 == 1 else ("none", "")
            filed_at = self.some_time((max(self.at(birth, 0) + dt.timedelta(days=200), start) + dt.timedelta(days=rng.randint(0, 200))).date())
            plans.append(
                self.filing(birth, locality="temirtau", filed_at=min(filed_at, now - dt.timedelta(days=1)), sen_pmpk=True, queue_kinds=kinds, benefit=benefit)
            )
        year = enrollment_year(now)
        for age, (month, day), girl, first, patronymic in DEMO_CHILDREN:
            birth = dt.date(year - age, month, day)
            plan = self.filing(birth, locality="temirtau", filed_at=self.some_time((max(self.at(birth, 0), start) + dt.timedelta(days=40)).date(), 10, 12))
            plan.update(DEMO_PARENT, child_iin=iin_build(birth, female=girl, serial=777), child_last_name="Серікбаева" if girl else "Серікбаев")
            plan.update(child_first_name=first, child_middle_name=patronymic, benefit="priority", benefit_category="large_family", language="kk")
            plan.update(address="г. Темиртау, 7 мкр., д. 12, кв. 48", email="", channel="sms", demo=age)
            plans.append(plan)
        for plan in plans:  # over-age archival on each 1 June is the clock's
            self.push(plan["now"], self.do_file, plan)

    def do_file(self, t: dt.datetime, plan: dict) -> None:
        demo = plan.pop("demo", None)
        application = queues.application_file(**plan)
        self.apps[application.pk] = application
        if demo is not None:
            self.demo_ids.add(application.pk)
            self.demo_by_age[demo] = application.pk
            self.push(t + dt.timedelta(days=5), self.do_decide, application.pk, True)
        elif application.benefit != "none" and self.rng.random() < 0.92:
            decided = t + dt.timedelta(days=self.rng.randint(1, 15), hours=self.rng.randint(0, 6))
            self.push(decided, self.do_decide, application.pk, self.rng.random() < 0.93)

    def do_decide(self, t: dt.datetime, app_id: int, confirm: bool) -> None:
        if Application.objects.filter(pk=app_id, benefit_status="claimed").exists():
            (benefit_confirm if confirm else benefit_reject)(application=self.apps[app_id], now=t, reason="" if confirm else "документы не подтверждены")

    # --- three weeks of seats -----------------------------------------------------------------

    def plan_seats(self) -> None:
        rng, today = self.rng, local(self.now).date()
        general = [g for g in self.groups if g.kind == "general"]
        others = [g for g in self.groups if g.kind != "general"]
        # Seats kept for the demo family's elder child (born E − 5): a group that fits her at the release.
        reserved_at = self.at(today - dt.timedelta(days=12), 11, 5)
        age = enrollment_year(reserved_at) - (enrollment_year(self.now) - DEMO_CHILDREN[0][0])
        self.reserved_group = next(g for g in general if g.code == f"arman-{age}{age + 1}-kk")
        others_released = 0
        for back in range(RECENT_DAYS, -1, -1):
            day = today - dt.timedelta(days=back)
            if self.calendar.is_working_day(day):
                for _ in range(rng.randint(3, 6)):
                    group = rng.choice([g for g in general if g != self.reserved_group])
                    self.push(self.some_time(day, 9, 16), self.do_release, group, rng.randint(1, 3))
                if back % 4 == 0:  # special and sanatorium groups by turns: the protocol shows both, whatever the date
                    kind = ("special", "sanatorium")[others_released % 2]
                    others_released += 1
                    self.push(self.some_time(day, 9, 16), self.do_release, rng.choice([g for g in others if g.kind == kind]), 1)
        self.push(reserved_at, self.do_release, self.reserved_group, 3, True)
        self.push(min(self.at(today - dt.timedelta(days=1), 10, 20), self.now - dt.timedelta(hours=1)), self.do_demo_claim)
        for _ in range(8):  # withdrawn in the last five days (SPEC §8 counters)
            self.push(self.now - dt.timedelta(minutes=rng.randint(60, 5 * 24 * 60 - 60)), self.do_withdraw_someone)
        for back in (9, 3):
            self.push(self.some_time(today - dt.timedelta(days=back), 10, 15), self.do_withdraw_seat)
        # Released today after the last bulletin (18:00 today once it has run: SPEC §5), waiting for the next.
        last_bulletin = self.at(today, 18) if self.at(today, 18) <= self.now else self.now - dt.timedelta(days=1)
        for group in rng.sample(general, 2):
            self.push(max(self.now - dt.timedelta(minutes=rng.randint(5, 40)), last_bulletin), self.do_release, group, 1)

    def do_release(self, t: dt.datetime, group: Group, count: int, reserved: bool = False) -> None:
        code = group.kindergarten.code
        seats = seat_release(group=group, birth_year=enrollment_year(t) - group.age_from, count=count, now=t, by=self.operators[code])
        if reserved:
            self.reserved_seats.update(s.pk for s in seats)

    def on_bulletin(self, bulletin: Bulletin) -> None:
        """The clock published a bulletin at 18:00: families with a grant, and others once the
        priority window has passed, come to claim."""
        rng = self.rng
        publications = list(bulletin.publications.select_related("seat__group__kindergarten"))
        groups_of_queue = defaultdict(set)
        for p in publications:
            group = p.seat.group
            if group != self.reserved_group:
                groups_of_queue[(group.kind, group.kindergarten.locality_id, p.seat.birth_year)].add(group)
        for grant in Grant.objects.filter(bulletin=bulletin).select_related("application"):
            app = grant.application
            groups = sorted(groups_of_queue.get((grant.kind, app.locality_id, app.birth_year), ()), key=lambda g: g.pk)
            if groups and app.pk not in self.demo_ids and rng.random() < 0.7:
                window = min(grant.until_at - grant.from_at, dt.timedelta(hours=40))
                self.push(grant.from_at + window * rng.random() ** 2, self.do_claim, app.pk, rng.choice(groups))
        for p in publications:
            if p.seat_id not in self.reserved_seats and rng.random() < 0.6:
                self.push(p.priority_until + dt.timedelta(minutes=rng.randint(1, 30 * 60)), self.do_general_claim, p.seat.group)

    def do_general_claim(self, t: dt.datetime, group: Group) -> None:
        locality_id = group.kindergarten.locality_id
        order = queue_order(locality_id=locality_id, birth_year=enrollment_year(t) - group.age_from, kind=group.kind)
        candidates = [app_id for app_id in order[:6] if app_id not in self.demo_ids]
        if candidates:
            self.do_claim(t, self.rng.choice(candidates), group)

    def do_claim(self, t: dt.datetime, app_id: int, group: Group) -> None:
        direction = seat_claim(application=self.apps[app_id], group=group, now=t)  # expiry: the clock's
        if app_id in self.demo_ids:
            return
        rng, issued = self.rng, direction.issued_at
        if self.first_direction:  # one direction nobody acts on: it expires (SPEC §7)
            self.first_direction = False
            return
        if direction.status == Direction.Status.BENEFIT_CHECK:
            self.push(self.calendar.add_working_days(issued, 1), self.do_decide, app_id, rng.random() < 0.9)
        later = issued + dt.timedelta(days=1, hours=rng.randint(2, 30))
        r = rng.random()
        if direction.valid_until > self.now and r < 0.5:
            return  # still waiting for the family at first start
        if r < 0.08:
            self.push(later, self.do_parent, direction_cancel, app_id)
        elif r < 0.12:
            self.push(later, self.do_parent, application_withdraw, app_id)
        elif r < 0.25:
            self.push(later, self.do_parent, direction_extend, app_id)
            self.push(issued + dt.timedelta(days=rng.randint(8, 20)), self.do_parent, direction_enroll, app_id)
        else:
            enroll_at = self.calendar.add_working_days(issued, 2) + dt.timedelta(hours=rng.randint(1, 8))
            self.push(min(enroll_at, direction.valid_until - dt.timedelta(hours=1)), self.do_parent, direction_enroll, app_id)

    def do_parent(self, t: dt.datetime, service: Callable, app_id: int) -> None:
        service(application=self.apps[app_id], now=t)

    def do_demo_claim(self, t: dt.datetime) -> None:
        elder = self.demo_by_age[DEMO_CHILDREN[0][0]]
        temirtau = [g for g in self.groups if g.kind == "general" and g.kindergarten.locality.code == "temirtau"]
        for group in [self.reserved_group, *temirtau]:
            try:
                self.do_claim(t, elder, group)
                return
            except Refusal:
                continue
        self.out("warning: the demo family found no seat for its elder child")

    def do_withdraw_someone(self, t: dt.datetime) -> None:
        queued = list(Application.objects.filter(status="queued").exclude(pk__in=self.demo_ids).order_by("pk").values_list("pk", flat=True)[:400])
        application_withdraw(application=self.apps[self.rng.choice(queued)], now=t)

    def do_withdraw_seat(self, t: dt.datetime) -> None:
        seat = Seat.objects.filter(state__in=Seat.PUBLISHED_STATES).exclude(pk__in=self.reserved_seats).order_by("pk").first()
        if seat is not None:
            seat_withdraw(seat=seat, now=t)

    def build(self) -> None:
        first_message = Message.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
        self.world()
        self.plan_filings()
        self.plan_seats()
        self.run()  # up to now: what expired by now has expired, priority seats past their window are general
        # The demo parent has logged in before: IIN, an SMS code to the cabinet's phone (on
        # /demo-phone/), then this password. The cabinet opened with the family's first filing.
        cabinet = Cabinet.objects.get(iin=DEMO_PARENT["applicant_iin"])
        cabinet_password_set(cabinet=cabinet, password=PASSWORD, purpose="login", now=self.now - dt.timedelta(days=30))
        # The demo's history was delivered when it happened; nothing is left for the worker to send.
        Message.objects.filter(pk__gt=first_message, status=Message.Status.QUEUED).update(status=Message.Status.SENT, sent_at=F("created_at"))


class Command(BaseCommand):
    help = "Load the Temirtau demo: localities, kindergartens, users, ~2,000 applications, seats and directions. Idempotent."

    def add_arguments(self, parser):
        parser.add_argument("--applications", type=int, default=APPLICATIONS, help=f"how many applications (default {APPLICATIONS}, at least 100)")
        parser.add_argument("--at", help="the moment the demo is loaded up to (ISO 8601, Astana time if no offset); default now")

    def handle(self, *args, applications: int = APPLICATIONS, at: str | dt.datetime | None = None, **options):
        if Locality.objects.filter(code="temirtau").exists():
            self.stdout.write("Demo data already loaded (the locality «temirtau» exists): nothing changed.")
            return
        started = time.monotonic()
        try:
            now = timezone.now() if at is None else at if isinstance(at, dt.datetime) else parse_moment(at)
        except ValueError as exc:
            raise CommandError(f"--at: not an ISO 8601 moment: {at!r}") from exc
        if timezone.is_naive(now):
            now = now.replace(tzinfo=ASTANA)
        demo = _Demo(now, self.stdout.write, max(applications, 100))
        # One transaction: a failure leaves nothing half-loaded, and SQLite commits once.
        with acting_as(Actor(kind="system", label="load_demo")), deliveries_suspended(), transaction.atomic():
            demo.build()
        self._report(demo, time.monotonic() - started)

    def _report(self, demo: _Demo, seconds: float) -> None:
        def counts(qs, field: str) -> str:
            return ", ".join(f"{row[field]} {row['n']}" for row in qs.values(field).annotate(n=Count("pk")).order_by(field))

        write = self.stdout.write
        write(f"Demo loaded in {seconds:.1f} s (seed {SEED}, as of {local(demo.now):%d.%m.%Y %H:%M} Astana time).")
        write(f"  localities {Locality.objects.count()}, kindergartens {Kindergarten.objects.count()}, groups {Group.objects.count()}")
        write(f"  applications {Application.objects.count()}: {counts(Application.objects, 'status')}")
        write(f"  seats {Seat.objects.count()}: {counts(Seat.objects, 'state')}")
        write(f"  bulletins {Bulletin.objects.count()}, publications {Publication.objects.count()}, grants {Grant.objects.count()}")
        write(f"  directions {Direction.objects.count()}: {counts(Direction.objects, 'status')}")
        if demo.refusals:
            write("  refusals on the way (part of the story): " + ", ".join(f"{k} {v}" for k, v in sorted(demo.refusals.items())))
        write(f"Logins (password {PASSWORD} for all):")
        write("  /admin/     admin (staff superuser); clerk, supervisor, auditor (department staff roles)")
        write("  /operator/  operator-<kindergarten code>, e.g. operator-arman")
        parent = DEMO_PARENT
        write(f"  /cabinet/   parent {parent['applicant_last_name']} {parent['applicant_first_name']}: IIN {parent['applicant_iin']}, phone {parent['phone']}")
        for app in Application.objects.filter(pk__in=demo.demo_ids).order_by("number"):
            write(f"  child {app.child_first_name}, IIN {app.child_iin}, application №{app.number}: {app.status}")
