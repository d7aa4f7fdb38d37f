"""Render a message about to be sent: the content engine, with its trigger kind's context.

The kind's hooks add what only it knows (a survey's link); this module never
asks which kind it renders.
"""

from care.content.engine import Rendered, TemplateCache
from care.content.engine import message_render as content_render
from care.models import Message
from care.outreach.triggers import kind_context


def message_render(message: Message, cache: TemplateCache) -> Rendered:
    """Raise care.content.engine.RenderError (MissingTemplate) when it cannot be rendered."""
    return content_render(message, cache, kind_context(message.trigger))
