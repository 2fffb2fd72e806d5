"""E-mail through the clinic's SMTP server (BACKCARE_SMTP_*), for links and alerts.

Used by the web app and by `backcare reminders send`. Without a server
(`configured` is false) nothing is sent: the caller shows or lists the message
instead. Messages carry no health details: a link, or a pointer into backcare.
"""
from __future__ import annotations

import smtplib
from email.message import EmailMessage

# What a failed send raises: the caller reports it and keeps the message to send again.
MailError = (OSError, smtplib.SMTPException)


def configured(settings) -> bool:
    return bool(settings.smtp_host)


def send_mail(settings, to: str, subject: str, body: str) -> None:
    message = EmailMessage()
    message["Subject"] = subject
    message["From"] = settings.smtp_from or settings.smtp_user
    message["To"] = to
    message.set_content(body)
    with smtplib.SMTP(settings.smtp_host, settings.smtp_port, timeout=20) as smtp:
        if settings.smtp_starttls:
            smtp.starttls()
        if settings.smtp_user:
            smtp.login(settings.smtp_user, settings.smtp_password or "")
        smtp.send_message(message)
