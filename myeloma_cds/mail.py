"""The e-mail backend a server falls back on when none is configured (see settings, EMAIL_BACKEND)."""

import copy
import logging
import re

from django.core.mail.backends.console import EmailBackend

logger = logging.getLogger(__name__)

WITHHELD = "[link withheld: this server has no e-mail backend]"
_LINK = re.compile(r"\b[a-z][a-z0-9+.-]*://\S+", re.IGNORECASE)


def withhold_links(text: str) -> str:
    return _LINK.sub(WITHHELD, text)


class LinkWithholdingConsoleBackend(EmailBackend):
    """Prints each e-mail like the console backend, but with every link withheld: a password-reset link in the
    log would let whoever reads the log take over the account. Each e-mail also logs a warning that it was not
    delivered, so an operator can tell why no reset e-mail arrives."""

    def write_message(self, message):
        # The links are removed from the message's text before it is encoded: in the encoded form (quoted-
        # printable, base64) a pattern could miss them.
        shown = copy.copy(message)
        shown.body = withhold_links(str(message.body))
        alternatives = getattr(message, "alternatives", None)
        if alternatives:
            shown.alternatives = [
                type(alternative)(withhold_links(str(alternative.content)), alternative.mimetype)
                for alternative in alternatives
            ]
        shown.attachments = []
        logger.warning(
            "E-mail %r to %s not delivered: EMAIL_BACKEND is the console backend with DEBUG off; its links are "
            "withheld from the log.",
            message.subject,
            ", ".join(message.recipients()),
        )
        super().write_message(shown)
