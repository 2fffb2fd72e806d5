"""What backcare e-mails about the home programme: the weekly check-in reminders and the clinic's
alert when a check-in points to an emergency. Used by the web app (the alert, at once) and by
`backcare reminders send` (reminders, and any alert the web app could not send).

Each message is claimed in the database before it is sent, so several servers
never send one twice; one that fails is released to be tried again. No health
details go by e-mail: a reminder carries the client's link, an alert points
into backcare.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from ...records import DueReminder, Records
from ..mail import MailError, configured, send_mail


@dataclass
class Sent:
    held: bool = True  # False: another server held the lock, and this run did nothing
    mailing: bool = True  # False: no SMTP server, so `due` is only listed
    due: list[DueReminder] = field(default_factory=list)
    sent: list[DueReminder] = field(default_factory=list)
    without_email: list[DueReminder] = field(default_factory=list)
    failed: list[tuple[DueReminder, str]] = field(default_factory=list)
    alerts: int = 0
    alerts_failed: int = 0


def reminder_text(client_name: str, clinic: str, url: str) -> tuple[str, str]:
    first = (client_name.split() or [""])[0]
    return (f"{clinic}: your weekly check-in",
            f"Hello {first},\n\nIt is time for this week's check-in on your home programme. It takes a minute:\n{url}\n\n"
            "If you notice numbness around your bottom or genitals, new trouble with your bladder or bowels, or weakness "
            f"in your legs that is getting worse, do not wait: go to an emergency department now.\n\n{clinic}\n")


def send_clinic_alerts(records: Records, settings, base_url: str) -> tuple[int, int]:
    """E-mail each clinic about its flagged check-ins not yet e-mailed; returns (sent, failed)."""
    if not configured(settings):
        return 0, 0
    sent = failed = 0
    for alert in records.pending_clinic_alerts():
        if not records.claim_clinic_alert(alert):
            continue  # another server has it
        what = "an emergency" if alert.urgency == "emergency" else "an urgent referral"
        body = (f"A client's weekly check-in to {alert.clinic} points to {what}: they were told what to do at once.\n\n"
                f"Open backcare now and acknowledge it once you have acted:\n{base_url.rstrip('/')}/clients/{alert.client_id}/homecare\n\n"
                "This message holds no health details; read them in backcare.\n")
        try:
            send_mail(settings, alert.clinic_email, f"backcare: a check-in needs attention now ({alert.urgency})", body)
            sent += 1
        except MailError:
            records.release_clinic_alert(alert)
            failed += 1
    return sent, failed


def run_reminders(records: Records, settings, base_url: str, now: datetime | None = None) -> Sent:
    """What `backcare reminders send` does: under the lock, send the reminders due (or, without SMTP, list them)."""
    with records.job_lock("reminders") as held:
        if not held:
            return Sent(held=False)
        if not configured(settings):
            return Sent(mailing=False, due=records.due_reminders(now))
        return send_reminders(records, settings, base_url, now)


def send_reminders(records: Records, settings, base_url: str, now: datetime | None = None) -> Sent:
    """Send every reminder due (those whose client has no e-mail address are left for the clinic to send)."""
    result = Sent()
    for due in records.due_reminders(now):
        result.due.append(due)
        if not due.email:
            result.without_email.append(due)
            continue
        token = records.claim_reminder(due, now)
        if token is None:
            continue  # claimed by another server in the meantime
        subject, body = reminder_text(due.client_name, due.clinic, f"{base_url.rstrip('/')}/home/{token}")
        try:
            send_mail(settings, due.email, subject, body)
            result.sent.append(due)
        except MailError as exc:
            records.release_reminder(due, token)
            result.failed.append((due, exc.__class__.__name__))
    result.alerts, result.alerts_failed = send_clinic_alerts(records, settings, base_url)
    return result
