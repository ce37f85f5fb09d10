"""The one module that speaks SMTP (standard library smtplib): one mail per notice, over
STARTTLS, TLS or a plain local relay as ``[notify] security`` says."""

from __future__ import annotations

import smtplib
import ssl
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import formatdate, parseaddr
from typing import Any

from hub.notify.settings import NotifySection


class DeliveryError(Exception):
    """A notice could not be delivered now; the message says why, for the alerts page."""


def compose(settings: NotifySection, notice: dict[str, Any]) -> EmailMessage:
    message = EmailMessage()  # the default policy writes UTF-8 headers as RFC 2047 words
    message["From"] = settings.mail_from
    message["To"] = notice["recipient"]
    message["Subject"] = notice["subject"]
    message["Date"] = formatdate(localtime=False)
    domain = parseaddr(settings.mail_from)[1].rpartition("@")[2] or "hailong.invalid"
    # The same notice always carries the same Message-ID: a mail sent again after a crash
    # mid-send can be recognised as the same one by the reader's client.
    message["Message-ID"] = f"<hailong-alert-{notice['alert_id']}-{notice['id']}@{domain}>"
    message.set_content(notice["body"])
    return message


def send_mail(settings: NotifySection, notice: dict[str, Any]) -> None:
    """Send one notice, or raise :class:`DeliveryError` with the server's reason."""
    message = compose(settings, notice)
    host, port, timeout = settings.smtp_host, settings.smtp_port, settings.timeout
    try:
        client: smtplib.SMTP
        if settings.security == "tls":
            client = smtplib.SMTP_SSL(host, port, timeout=timeout,
                                      context=ssl.create_default_context())
        else:
            client = smtplib.SMTP(host, port, timeout=timeout)
        with client:
            if settings.security == "starttls":
                client.starttls(context=ssl.create_default_context())
            if settings.user:
                client.login(settings.user, settings.password.get_secret_value())
            client.send_message(message, to_addrs=[Address(addr_spec=notice["recipient"])
                                                   .addr_spec])
    except smtplib.SMTPResponseException as exc:
        text = exc.smtp_error.decode("utf-8", "replace") if isinstance(exc.smtp_error, bytes) \
            else str(exc.smtp_error)
        raise DeliveryError(f"the mail server refused: {exc.smtp_code} {text}") from None
    except smtplib.SMTPRecipientsRefused as exc:
        codes = "; ".join(f"{code} {reason.decode('utf-8', 'replace')}"
                          for code, reason in exc.recipients.values())
        raise DeliveryError(f"the mail server refused the address: {codes}") from None
    except smtplib.SMTPNotSupportedError:
        raise DeliveryError("the mail server does not offer STARTTLS: set security = \"tls\" "
                            "or, for a local relay only, \"none\"") from None
    except (TimeoutError, smtplib.SMTPException, OSError, ssl.SSLError) as exc:
        raise DeliveryError(f"cannot reach the mail server {host}:{port}: "
                            f"{exc.__class__.__name__}: {exc}") from None
