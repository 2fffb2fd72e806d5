"""The clinic's own details: what handouts and letters print, and its time zone."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo, available_timezones

from pydantic import BaseModel, ConfigDict, EmailStr, Field, field_validator

from ..safetext import SHORT, SafeText
from ..storage.models import Clinic
from .base import Actor, RecordsBase, validated


@dataclass(frozen=True)
class ClinicDetails:
    name: str
    address: str
    phone: str
    email: str
    website: str
    timezone: str
    jurisdiction: str = "CA-ON"
    locale: str = "en_GB"
    idle_minutes: int = 90

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @property
    def contact_line(self) -> str:
        """One line for a handout's header: address, phone, e-mail, website (whatever is recorded)."""
        return " · ".join(x for x in (self.address, self.phone, self.email, self.website) if x)


MIN_IDLE, MAX_IDLE = 10, 480  # minutes
# The locales a clinic may choose for its dates: the language of the month's name and the order of day, month, year.
LOCALES = ("en_GB", "en_IE", "en_US", "en_CA", "en_AU", "en_NZ", "en_ZA", "de_DE", "de_AT", "de_CH", "fr_FR", "fr_CA",
           "nl_NL", "es_ES", "it_IT", "pt_PT", "sv_SE", "da_DK", "nb_NO", "fi_FI")


def time_zones() -> list[str]:
    return sorted(z for z in available_timezones() if "/" in z and not z.startswith(("Etc/", "SystemV/"))) + ["UTC"]


class ClinicIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    name: SafeText(SHORT, 1)
    address: SafeText(300) = ""
    phone: SafeText(50) = Field(default="", pattern=r"^[0-9 +()\-.]*$")
    email: EmailStr | None = Field(default=None, max_length=254)
    website: SafeText(SHORT) = ""
    timezone: SafeText(64, 1) = "UTC"
    jurisdiction: SafeText(20, 1) = "CA-ON"
    locale: SafeText(20, 1) = "en_GB"
    # Long enough for a treatment; short enough that a tablet left in a room closes.
    idle_minutes: int = Field(default=90, ge=MIN_IDLE, le=MAX_IDLE)

    @field_validator("jurisdiction")
    @classmethod
    def _known_law(cls, value: str) -> str:
        from ..retention.rules import jurisdictions

        if value not in jurisdictions():
            raise ValueError(f"choose one of: {', '.join(j.name for j in jurisdictions().values())}")
        return value

    @field_validator("locale")
    @classmethod
    def _known_locale(cls, value: str) -> str:
        if value not in LOCALES:
            raise ValueError("choose a date format from the list")
        return value

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        if value not in available_timezones():
            raise ValueError("choose a time zone from the list, such as Europe/London")
        return value


def _details(clinic: Clinic) -> ClinicDetails:
    return ClinicDetails(clinic.name, clinic.address or "", clinic.phone or "", clinic.email or "", clinic.website or "",
                         clinic.timezone or "UTC", clinic.jurisdiction or "CA-ON", clinic.locale or "en_GB",
                         clinic.idle_minutes or 90)


class ClinicsMixin(RecordsBase):
    def clinic_details(self, actor: Actor) -> ClinicDetails:
        with self.read_sessions() as db:
            return _details(db.get(Clinic, actor.clinic_id))

    def update_clinic(self, actor: Actor, data: dict[str, Any]) -> ClinicDetails:
        self._require_admin(actor)
        clinic_in: ClinicIn = validated(ClinicIn, data)
        with self._tx() as db:
            clinic = db.get(Clinic, actor.clinic_id)
            values = clinic_in.model_dump()
            values["email"] = values["email"] or ""
            for key, value in values.items():
                setattr(clinic, key, value)
            self._audit(db, actor, "clinic.update", detail=", ".join(sorted(values)))
            return _details(clinic)
