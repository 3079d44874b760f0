"""Handing one email to the mail server: over SMTP when MAIL_SERVER is set, otherwise to the console log (demo
set-up). Only the outbox's sender calls this; everything else queues its email in the outbox."""

import logging
import smtplib
from email.message import EmailMessage

from flask import current_app

log = logging.getLogger(__name__)


class MailError(Exception):
    """The mail server could not take the message."""


def send_email(*, to: str, subject: str, body: str) -> None:
    """Send a plain-text email, raising MailError if the server refuses or cannot be reached."""
    config = current_app.config
    message = EmailMessage()
    message["From"] = config["MAIL_FROM"]
    message["To"] = to
    message["Subject"] = subject
    message.set_content(body)
    if not config["MAIL_SERVER"]:
        # The embedded demo has no mail server: show the message to the person running it.
        log.warning("MAIL_SERVER is not set; this email was not sent:\n%s", message.as_string())
        return
    try:
        with smtplib.SMTP(config["MAIL_SERVER"], config["MAIL_PORT"], timeout=10) as smtp:
            if config["MAIL_USE_TLS"]:
                smtp.starttls()
            if config["MAIL_USERNAME"]:
                smtp.login(config["MAIL_USERNAME"], config["MAIL_PASSWORD"])
            smtp.send_message(message)
    except (OSError, smtplib.SMTPException) as error:
        raise MailError(f"the mail server at {config['MAIL_SERVER']} did not accept the message ({error})") from error
