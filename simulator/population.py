"""Synthetic bank customers for demos, docs, tests and benchmarks (deterministic per seed).

Names are Chinese, numbers are valid-format mainland mobiles (the ranges phonenumbers
accepts), and the attributes are the ones the shipped scripts use: points balance, star
level, AUM, branch and app-browsing tags. ``messy`` mixes in what real bank exports carry:
spaced and dashed numbers, +86/0086 prefixes, full-width digits, duplicates, broken rows.
"""

from __future__ import annotations

import csv
import random
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from kernel import customer_attrs

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉萍红建文辉力鹏飞斌宇浩凯欣怡晨阳梅琳雪婷颖佳俊峰波鑫雷琪淑兰晓东海燕"
BRANCHES = (
    "上海分行",
    "北京分行",
    "广州分行",
    "深圳分行",
    "杭州分行",
    "南京分行",
    "成都分行",
    "武汉分行",
    "西安分行",
    "重庆分行",
)
TAGS = customer_attrs.TAGS
MOBILE_PREFIXES = (
    "130",
    "131",
    "132",
    "133",
    "135",
    "136",
    "137",
    "138",
    "139",
    "150",
    "151",
    "152",
    "153",
    "155",
    "156",
    "157",
    "158",
    "159",
    "166",
    "176",
    "177",
    "178",
    "180",
    "181",
    "182",
    "183",
    "185",
    "186",
    "187",
    "188",
    "189",
    "198",
    "199",
)
HEADERS = ("客户号", "姓名", "手机号", "星级", "资产", "所属分行", "积分", "标签", "最近登录")


@dataclass(frozen=True)
class SyntheticCustomer:
    customer_id: str
    name: str
    mobile: str  # 11 national digits
    star_level: int
    aum: int
    branch: str
    points: int
    tags: tuple[str, ...]
    last_login: str

    def row(self) -> list[str]:
        return [
            self.customer_id,
            self.name,
            self.mobile,
            str(self.star_level),
            str(self.aum),
            self.branch,
            str(self.points),
            "|".join(self.tags),
            self.last_login,
        ]


STAR_WEIGHTS = (30, 25, 18, 12, 8, 5, 2)  # star levels 1..7


def draw_star(rng: random.Random) -> int:
    """A star level as the bank's book spreads them (most customers low)."""
    return rng.choices(range(1, customer_attrs.STAR_MAX + 1), STAR_WEIGHTS)[0]


def draw_aum(rng: random.Random) -> int:
    """Assets under management in CNY (log-normal: median about 36,000)."""
    return int(rng.lognormvariate(10.5, 1.6))


def customers(n: int, seed: int = 7) -> Iterator[SyntheticCustomer]:
    """``n`` distinct customers; the same seed gives the same people."""
    rng = random.Random(seed)
    used: set[int] = set()
    for i in range(n):
        while True:
            mobile = rng.choice(MOBILE_PREFIXES) + f"{rng.randrange(10**8):08d}"
            if int(mobile) not in used:
                used.add(int(mobile))
                break
        given = rng.choice(GIVEN) + (rng.choice(GIVEN) if rng.random() < 0.7 else "")
        aum = draw_aum(rng)
        yield SyntheticCustomer(
            customer_id=f"C{seed:03d}{i:09d}",
            name=rng.choice(SURNAMES) + given,
            mobile=mobile,
            star_level=draw_star(rng),
            aum=aum,
            branch=rng.choice(BRANCHES),
            points=int(rng.expovariate(1 / 8000)),
            tags=tuple(sorted(rng.sample(TAGS, rng.choice((0, 1, 1, 2, 2, 3))))),
            last_login=f"2026-{rng.randint(1, 11):02d}-{rng.randint(1, 28):02d}",
        )


def _messy_phone(mobile: str, rng: random.Random) -> str:
    style = rng.randrange(7)
    if style == 0:
        return f"{mobile[:3]} {mobile[3:7]} {mobile[7:]}"
    if style == 1:
        return f"{mobile[:3]}-{mobile[3:7]}-{mobile[7:]}"
    if style == 2:
        return "+86 " + mobile
    if style == 3:
        return "0086" + mobile
    if style == 4:
        return mobile.translate(str.maketrans("0123456789", "０１２３４５６７８９"))
    return mobile


def write_csv(
    path: Path, n: int, *, seed: int = 7, encoding: str = "utf-8", messy: float = 0.0
) -> dict[str, int]:
    """Writes a call list; returns how many rows of each planted kind it holds."""
    rng = random.Random(seed + 1)
    planted = {"rows": 0, "invalid": 0, "duplicates": 0}
    recent: list[SyntheticCustomer] = []
    with path.open("w", encoding=encoding, newline="") as fh:
        w = csv.writer(fh)
        w.writerow(HEADERS)
        for c in customers(n, seed):
            row = c.row()
            if messy and rng.random() < messy:
                row[2] = _messy_phone(c.mobile, rng)
            w.writerow(row)
            planted["rows"] += 1
            recent.append(c)
            if len(recent) > 50:
                recent.pop(0)
            if messy and rng.random() < messy / 10:
                kind = rng.randrange(3)
                if kind == 0:
                    bad = c.row()
                    bad[2] = "1" + bad[2][1:6]  # too short
                    w.writerow(bad)
                    planted["invalid"] += 1
                elif kind == 1:
                    w.writerow(c.row()[:4])  # broken row: cut off
                    planted["invalid"] += 1
                else:
                    w.writerow(rng.choice(recent).row())
                    planted["duplicates"] += 1
                planted["rows"] += 1
    return planted
