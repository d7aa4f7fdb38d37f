"""The campaign's templates inline: a template that cannot go out is refused on save.

Refused, naming the line: a syntax error, an unknown tag or filter, a
variable the trigger does not offer (care.content.lint). Refused for the
campaign: a channel without a template in a language the audience contains
(its chosen languages; with none chosen, every language we write in).
The trigger, channels and languages are read from the same POST as the
campaign's own form, so the check follows what is on the screen, not what
was saved before.
"""

from django.contrib import admin
from django.core.exceptions import ValidationError
from django.forms.models import BaseInlineFormSet
from django.utils.translation import gettext_lazy

from care.admin.campaigns.forms import CHANNEL_FIELDS, posted_list
from care.content.checks import audience_locales, missing_templates
from care.content.lint import template_problems
from care.models import MessageTemplate
from care.outreach.triggers import variables_for
from care.outreach.validation import template_check

PARTS = ("subject", "body", "html_body")


class TemplateFormSet(BaseInlineFormSet):
    def clean(self) -> None:
        super().clean()
        trigger = self.data.get("trigger") or self.instance.trigger
        allowed = {variable.name for variable in variables_for(trigger)}
        present = set()
        for form in self.forms:
            data = getattr(form, "cleaned_data", None)
            if not data or data.get("DELETE"):
                continue
            present.add((data.get("channel"), data.get("locale")))
            for part in PARTS:
                for problem in template_problems(data.get(part) or "", allowed):
                    form.add_error(part, str(problem))
        missing = self._missing(present)
        if missing:
            raise ValidationError(missing)

    def _missing(self, present: set[tuple[str, str]]) -> list[str]:
        channels = [self.data.get(name) for name in CHANNEL_FIELDS]
        channels = [c for c in channels if c]
        if not self.data.get(CHANNEL_FIELDS[0]):  # not posted by the campaign form
            channels = list(self.instance.channels or [])
        audience = {"locales": posted_list(self.data, "locales")}
        return missing_templates(channels, audience_locales(audience), present)


class MessageTemplateInline(admin.StackedInline):
    model = MessageTemplate
    formset = TemplateFormSet
    extra = 0
    fields = [("channel", "locale"), "subject", "body", "html_body", "content_check"]
    readonly_fields = ["content_check"]

    @admin.display(description=gettext_lazy("check"))
    def content_check(self, obj: MessageTemplate) -> str:
        # Encoding and segments (SMS) for a sample customer, or what blocks activation.
        if obj is None or obj.pk is None:
            return "-"
        return template_check(obj).summary()
