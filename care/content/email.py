"""The finished email: an HTML part for every message, the unsubscribe link on marketing.

The campaign's HTML template is used when it has one; otherwise the plain text
is escaped into a small HTML layout, so every email is multipart.
"""

from django.template.loader import render_to_string
from django.utils import translation
from django.utils.html import escape, linebreaks, urlize
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _


def email_finish(
    body: str, html: str, locale: str, unsubscribe_url: str = ""
) -> tuple[str, str]:
    """Return the text and HTML parts, with the unsubscribe link when one is given."""
    url = unsubscribe_url
    with translation.override(locale):
        label = _("Unsubscribe from marketing emails")
        if url and url not in body:
            body = f"{body.rstrip()}\n\n{label}: {url}"
        if not html:
            html = render_to_string(
                "care/email/message.html",
                {
                    # Escaped, and every web address made a link.
                    "body": mark_safe(
                        linebreaks(
                            urlize(_strip_link(body, label, url), autoescape=True)
                        )
                    ),
                    "unsubscribe_url": url,
                    "unsubscribe_label": label,
                },
            )
        elif url and url not in html:
            footer = f'<p><a href="{escape(url)}">{escape(label)}</a></p>'
            html = (
                html.replace("</body>", footer + "</body>")
                if "</body>" in html
                else html + footer
            )
    return body, html.strip()


def _strip_link(body: str, label: str, url: str) -> str:
    # The HTML layout shows the link as a link, not as the text line.
    line = f"\n\n{label}: {url}"
    return body[: -len(line)] if url and body.endswith(line) else body
