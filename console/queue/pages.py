"""What the queue's pages show, built here so templates only print it: a service's queue settings."""

from collections.abc import Callable
from dataclasses import dataclass

from flask import Flask, current_app

from console.queue import reasons, terms
from console.queue import service as queue
from console.queue.forms import QueueSettingsForm, ReasonsForm, TermsForm
from console.queue.models import CannedReason, RiskTerm
from console.services.models import Service

SETTINGS_PARTS = "queue.settings_parts"  # where the app keeps other areas' parts of the settings page


def add_settings_part(app: Flask, name: str, template: str, values: Callable[..., object]) -> None:
    """Show another area's part on every service's queue settings page, after the queue's own (the platform's: its
    ingest secret and where decisions go). `values(service, **given)` is what `template` shows as `part.values`;
    `given` is what that area's own routes pass (a form sent back with mistakes, a secret to show once). The area
    registers its part, so the queue imports nothing of it."""
    app.extensions.setdefault(SETTINGS_PARTS, {})[name] = (template, values)


@dataclass(frozen=True)
class SettingsPart:
    """Another area's part of the settings page: its template and what it shows."""

    template: str
    values: object


@dataclass(frozen=True)
class SettingsPage:
    """A service's queue settings: its risk word lists, canned reasons and times, each with its form, then the parts
    other areas keep."""

    service: Service
    terms: dict[str, list[RiskTerm]]
    terms_form: TermsForm
    reasons: dict[str, list[CannedReason]]
    reason_kinds: dict[str, str]
    reasons_form: ReasonsForm
    times_form: QueueSettingsForm
    parts: list[SettingsPart]


def settings_page(service: Service, *, terms_form: TermsForm | None = None, reasons_form: ReasonsForm | None = None,
                  times_form: QueueSettingsForm | None = None, **given: dict) -> SettingsPage:
    """A service's settings page, with any form sent back with mistakes; `given` holds what each other area's part
    is given, by the part's name (`platform={"secret": ...}`)."""
    parts = current_app.extensions.get(SETTINGS_PARTS, {})
    return SettingsPage(
        service=service, terms=terms.terms_of(service), terms_form=terms_form or TermsForm(),
        reasons=reasons.reasons_of(service), reason_kinds=reasons.REASON_KINDS,
        reasons_form=reasons_form or ReasonsForm(),
        times_form=times_form or QueueSettingsForm(obj=queue.settings_of(service)),
        parts=[SettingsPart(template, values(service, **given.get(name, {})))
               for name, (template, values) in parts.items()])
