"""The sample record the builder previews with (the data shape render.js documents)."""

from __future__ import annotations

import copy
from typing import Any

_PEOPLE = [
    ("Amara", "Okafor-Lindqvist", "F", "F35-39", "Malmö", "SWE", "Södermalm Runners"),
    ("Kenji", "Watanabe", "M", "M40-44", "Osaka", "JPN", ""),
    ("Lucía", "Fernández García", "F", "F25-29", "Valencia", "ESP", "Club Atletismo Turia"),
    ("Tomasz", "Wiśniewski", "M", "M30-34", "Kraków", "POL", "KB Wawel"),
    ("Grace", "Mwangi", "F", "F30-34", "Eldoret", "KEN", ""),
    ("Oliver", "Bennett", "M", "M45-49", "Leeds", "GBR", "Kirkstall Harriers"),
    ("Sofia", "Rossi", "F", "F40-44", "Torino", "ITA", ""),
    ("Mateus", "Oliveira", "M", "M25-29", "Porto", "POR", "FC Porto Atletismo"),
    ("Hannah", "Schmidt", "F", "F50-54", "Leipzig", "GER", "LG Leipzig"),
    ("Diego", "Ramírez", "M", "M35-39", "Monterrey", "MEX", ""),
    ("Aiyana", "Redcloud", "F", "F20-24", "Denver", "USA", "Mile High RC"),
    ("Pieter", "van der Berg", "M", "M55-59", "Utrecht", "NED", ""),
]


def _athlete(i: int, gun_ms: int, place: int) -> dict[str, Any]:
    first, last, gender, age_group, city, country, team = _PEOPLE[i % len(_PEOPLE)]
    return {
        "bib": str(1200 + i * 37),
        "first_name": first,
        "last_name": last,
        "name": f"{first} {last}",
        "gender": gender,
        "age_group": age_group,
        "city": city,
        "country": country,
        "city_country": f"{city}, {country}",
        "team": team,
        "message": "",
        "vip": False,
        "gun_time_ms": gun_ms,
        "chip_time_ms": gun_ms - 41_300 - i * 1_700,
        "ranking_time_ms": gun_ms - 41_300 - i * 1_700,  # a chip-timed course
        "place": {"overall": place, "gender": (place + 1) // 2, "age_group": max(1, place // 9)},
        "provisional": {"overall": False, "gender": False, "age_group": False},
    }


def sample_data() -> dict[str, Any]:
    """Preview data in the shape render.js documents: one athlete plus the two lists."""
    athlete = _athlete(0, 11_834_200, 412)
    athlete["message"] = "Go Mum! We are so proud of you"
    recent = [athlete] + [_athlete(i, 11_834_200 - i * 2_300, 412 - i) for i in range(1, 10)]
    leaders = [_athlete(i + 2, 8_095_400 + i * 61_000 + i * i * 4_000, i + 1) for i in range(10)]
    return {
        "athlete": copy.deepcopy(athlete),
        "recent": recent,
        "leaders": leaders,
        "clock": {"gun_epoch_ms": None},
    }
