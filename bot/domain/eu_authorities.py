"""The EEA supervisory authorities, and which of them a breach under the EU GDPR must be notified to.

Pure: the table is data (bot/rules/eea_authorities.toml); this module reads it, parses the countries
where affected people live, and applies the rule for choosing authorities:
- with a main establishment in the EEA, the lead authority of that country (Art 56, one-stop shop);
- without one, every authority of a country where affected people live, whatever the Art 27
  representative (EDPB Guidelines 9/2022 para 73).

Each authority to be told runs its own clock, keyed `eu-gdpr:CC`, so the alert planning, the summary
and the register treat it like any other regime's clock.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

from bot.errors import BreachbotError

EU_REGIME = "eu-gdpr"
CLOCK_PREFIX = f"{EU_REGIME}:"
MAX_COUNT = 1_000_000_000
LANGUAGE_NAMES = {
    "bg": "Bulgarian", "cs": "Czech", "da": "Danish", "de": "German", "el": "Greek", "en": "English",
    "es": "Spanish", "et": "Estonian", "fi": "Finnish", "fr": "French", "ga": "Irish", "hr": "Croatian",
    "hu": "Hungarian", "is": "Icelandic", "it": "Italian", "lb": "Luxembourgish", "lt": "Lithuanian",
    "lv": "Latvian", "mt": "Maltese", "nl": "Dutch", "no": "Norwegian", "pl": "Polish", "pt": "Portuguese",
    "ro": "Romanian", "sk": "Slovak", "sl": "Slovenian", "sv": "Swedish",
}  # fmt: skip
_ENTRY = re.compile(r"^([A-Za-z]{2})(?:\s*:\s*(\d+))?$")


class InvalidCountries(BreachbotError):
    pass


@dataclass(frozen=True)
class Authority:
    country_code: str
    country: str
    name_en: str
    name_local: str
    short: str
    notify: str
    notify_url: str | None
    languages: tuple[str, ...]
    source: str
    checked: str
    needs_check: bool
    note: str
    several_authorities: bool = False

    @property
    def language_names(self) -> list[str]:
        return [LANGUAGE_NAMES.get(code, code) for code in self.languages]

    @property
    def addressed(self) -> str:
        """The name as it reads in a sentence: "the Data Protection Commission"."""
        return self.name_en if self.name_en.startswith("the ") else f"the {self.name_en}"

    @property
    def labelled(self) -> str:
        """Its short name with its country: "CNPD (Portugal)", since some short names repeat."""
        return f"{self.short} ({self.country})"

    @property
    def accepts_english(self) -> bool:
        return "en" in self.languages

    def to_dict(self) -> dict[str, Any]:
        return {
            "country": self.country_code,
            "country_name": self.country,
            "name": self.name_en,
            "name_local": self.name_local,
            "short": self.short,
            "notify": self.notify,
            "notify_url": self.notify_url,
            "languages": list(self.languages),
            "source": self.source,
            "checked": self.checked,
            "needs_check": self.needs_check,
            "note": self.note,
        }


@cache
def _table() -> dict[str, Any]:
    return tomllib.loads(resources.files("bot.rules").joinpath("eea_authorities.toml").read_text("utf-8"))


def german_authorities() -> dict[str, str]:
    """Germany's Land authorities (and the federal BfDI) by code: DE-BE -> its name."""
    return dict(_table()["german_authorities"]["names"])


def german_authority(text: str) -> str:
    """A chosen German authority: a code from the table (DE-BE) becomes its name; any other text is kept
    as typed, since the table is not confirmed and a person may know better."""
    return german_authorities().get(text.strip().upper(), text.strip())


def table_meta() -> dict[str, Any]:
    return dict(_table()["meta"])


@cache
def authorities() -> dict[str, Authority]:
    found = {}
    for code, row in _table()["authorities"].items():
        found[code] = Authority(
            country_code=code,
            country=row["country"],
            name_en=row["name_en"],
            name_local=row["name_local"],
            short=row["short"],
            notify=row["notify"],
            notify_url=row.get("notify_url"),
            languages=tuple(row["languages"]),
            source=row["source"],
            checked=row["checked"],
            needs_check=bool(row.get("needs_check", False)),
            note=row.get("note", ""),
            several_authorities=bool(row.get("several_authorities", False)),
        )
    return found


def authority(code: str) -> Authority:
    upper = code.strip().upper()
    try:
        return authorities()[upper]
    except KeyError:
        raise InvalidCountries(
            f"{code!r} is not an EEA country code: use one of {', '.join(sorted(authorities()))}"
        ) from None


def country_code(text: str) -> str:
    """One ISO 3166-1 alpha-2 code of an EEA state, upper-cased; 'GR' is accepted as 'EL' is not ISO."""
    code = text.strip().upper()
    if code == "EL":
        code = "GR"  # the EU's own abbreviation for Greece; ISO 3166 says GR
    if code == "UK" or code == "GB":
        raise InvalidCountries("the United Kingdom is not in the EEA: its clock is the ICO's (UK GDPR)")
    authority(code)
    return code


def parse_countries(text: str | None) -> dict[str, int | None]:
    """'FR:120,IE,DE:40' -> {'FR': 120, 'IE': None, 'DE': 40}: EEA countries where affected people live,
    with the number of them when known. Empty text means none. A country named twice is refused, so a
    typo cannot silently lose a count."""
    countries: dict[str, int | None] = {}
    for raw in (text or "").replace(";", ",").split(","):
        entry = raw.strip()
        if not entry:
            continue
        match = _ENTRY.match(entry)
        if not match:
            raise InvalidCountries(
                f"{entry[:40]!r} is not a country: give two-letter ISO codes with optional counts, e.g. FR:120,IE,DE:40"
            )
        code = country_code(match.group(1))
        if code in countries:
            raise InvalidCountries(f"{code} is given twice: give each country once")
        count = int(match.group(2)) if match.group(2) else None
        if count is not None and count > MAX_COUNT:
            raise InvalidCountries(f"{code}: {count:,} people is more than Breachbot accepts")
        countries[code] = count
    return countries


def format_countries(countries: dict[str, int | None]) -> str:
    """{'FR': 120, 'IE': None} -> 'FR:120,IE', by code (stored key order is not kept by PostgreSQL's JSONB)."""
    return ",".join(code if countries[code] is None else f"{code}:{countries[code]}" for code in sorted(countries))


@dataclass(frozen=True)
class EuPlan:
    """Which authorities must be told, and why (for the timeline, the drafts and the register)."""

    applies: bool
    countries: tuple[str, ...]  # authority country codes, in the order they will be shown
    basis: str


def plan_authorities(
    *, eu_gdpr: bool | None, main_establishment: str | None, affected: dict[str, int | None] | None
) -> EuPlan:
    """The authorities a breach must be notified to under the EU GDPR, from the organisation's profile
    and the countries where affected people live.

    `eu_gdpr` False means the organisation says the EU GDPR does not apply to it: no EU clocks, whatever
    the countries. None (not said) is treated as applying, so a missing profile never hides a duty.
    """
    meta = table_meta()
    if eu_gdpr is False:
        return EuPlan(False, (), "The organisation's profile says the EU GDPR does not apply to it.")
    if main_establishment:
        lead = authority(main_establishment)
        return EuPlan(
            True,
            (lead.country_code,),
            f"Main establishment in {lead.country}: the {lead.short} is the lead supervisory authority "
            f"({meta['one_stop_shop_source']}).",
        )
    codes = tuple(sorted(affected or {}, key=lambda code: authority(code).country))
    if not codes:
        return EuPlan(
            True,
            (),
            "No EEA main establishment and no affected EEA countries recorded yet: record the countries "
            "where affected people live to start each authority's clock.",
        )
    return EuPlan(
        True,
        codes,
        "No main establishment in the EEA: every supervisory authority of a country where affected people "
        f"live must be notified ({meta['no_establishment_source']}).",
    )


def expand_regimes(
    regimes: list[str],
    *,
    eu_gdpr: bool | None,
    main_establishment: str | None,
    countries: dict[str, int | None] | None,
) -> tuple[list[str], EuPlan]:
    """The incident's regimes with the EU GDPR expanded into one clock per authority to be told.

    The EU GDPR runs when it was asked for (`--regime eu-gdpr`, or an EU clock kept from before), or when
    the profile says it applies and EEA countries are named. A profile saying it does not apply wins over
    any countries and over asking for it: the plan's basis says so, for the record and a human to check
    (refusing would lose a report made under time pressure).
    """
    plan = plan_authorities(eu_gdpr=eu_gdpr, main_establishment=main_establishment, affected=countries)
    wanted = any(is_eu_clock(key) for key in regimes) or bool(eu_gdpr and countries)
    others = [key for key in regimes if not is_eu_clock(key)]
    if not (wanted and plan.applies):
        return others, plan
    return others + ([clock_key(code) for code in plan.countries] or [EU_REGIME]), plan


def clock_key(code: str) -> str:
    return f"{CLOCK_PREFIX}{code}"


def is_eu_clock(key: str) -> bool:
    return key == EU_REGIME or key.startswith(CLOCK_PREFIX)


def clock_country(key: str) -> str | None:
    """'eu-gdpr:FR' -> 'FR'; any other clock -> None."""
    return key[len(CLOCK_PREFIX) :] if key.startswith(CLOCK_PREFIX) else None
