"""Handing one email to the mail server: over SMTP when MAIL_SERVER is set, otherwise to the console log (demo
set-up). Only the outbox's sender calls this; everything else queues its email in the outbox. Every email is
plain text with an HTML alternative made from the same words by one template (templates/email/letter.html)."""

import logging
import re
import smtplib
from email.message import EmailMessage

from flask import current_app, render_template

log = logging.getLogger(__name__)


class MailError(Exception):
    """The mail server could not take the message."""


LINK = re.compile(r"(https?://\S+)")


def html_of(subject: str, body: str) -> str:
    """The HTML part of an email, made from its plain text with the one email template: the same words, its
    paragraphs and line breaks kept, its addresses made links, everything else escaped."""
    paragraphs = [[[(part, index % 2 == 1) for index, part in enumerate(LINK.split(line)) if part]
                   for line in block.splitlines()] for block in re.split(r"\n\s*\n", body.strip())]
    return render_template("email/letter.html", subject=subject, paragraphs=paragraphs)


def send_email(*, to: str, subject: str, body: str) -> None:
    """Send an email in plain text with an HTML alternative, raising MailError if the server refuses or cannot be
    reached."""
    config = current_app.config
    message = EmailMessage()
    message["From"] = config["MAIL_FROM"]
    message["To"] = to
    message["Subject"] = subject
    message.set_content(body)
    message.add_alternative(html_of(subject, body), subtype="html")
    if not config["MAIL_SERVER"]:
        # The embedded demo has no mail server: show the message to the person running it.
        log.warning("MAIL_SERVER is not set; this email was not sent:\nTo: %s\nSubject: %s\n\n%s", to, subject, body)
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
