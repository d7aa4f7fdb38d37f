"""Find what is wrong with a template's text before it is saved, naming the line.

A syntax error or an unknown filter (Django refuses both when compiling) and
a variable the trigger kind does not offer (Django would render it as a
blank: `{{ customer.nmae }}`) each become a `Problem` with its line number.
Pure: the text and the allowed variable names in, problems out.
"""

from collections.abc import Collection, Iterator
from dataclasses import dataclass

from django.template import Node, TemplateSyntaxError
from django.template.base import FilterExpression, TokenType, Variable
from django.template.defaulttags import ForNode, WithNode
from django.templatetags.i18n import BlockTranslateNode
from django.utils.translation import gettext as _

from care.content.sandbox import sandbox_engine

# A compile with debug on, so a syntax error carries its line.
CHECK_ENGINE = sandbox_engine(debug=True)
# Names the template language itself provides inside loops.
BUILT_IN = frozenset({"forloop", "True", "False", "None"})


@dataclass(frozen=True)
class Problem:
    line: int
    message: str

    def __str__(self) -> str:
        return _("line %(line)d: %(message)s") % {
            "line": self.line,
            "message": self.message,
        }


def template_problems(text: str, allowed: Collection[str]) -> list[Problem]:
    """Every problem of the template text: a syntax error alone, or each unknown variable."""
    if not text:
        return []
    try:
        template = CHECK_ENGINE.from_string(text)
    except TemplateSyntaxError as exc:
        debug = getattr(exc, "template_debug", None) or {}
        return [Problem(int(debug.get("line", 1)), str(exc))]
    nodes = template.nodelist.get_nodes_by_type(Node)
    bound = BUILT_IN | _bound_names(nodes)
    known = set(allowed) | {name.partition(".")[0] for name in allowed}
    problems = []
    for node in nodes:
        line = getattr(getattr(node, "token", None), "lineno", None) or 1
        for name in sorted(set(_variable_names(node))):
            if name.partition(".")[0] in bound or name in known:
                continue
            problems.append(
                Problem(line, _("unknown variable %(name)s") % {"name": name})
            )
    return problems


def _bound_names(nodes: list[Node]) -> set[str]:
    """Names the template binds itself ({% for x in %}, {% with x=... %})."""
    names: set[str] = set()
    for node in nodes:
        if isinstance(node, ForNode):
            names.update(node.loopvars)
        elif isinstance(node, (WithNode, BlockTranslateNode)):
            names.update(node.extra_context)
    return names


def _variable_names(node: Node) -> Iterator[str]:
    for expression in _expressions(vars(node), depth=0):
        yield from _expression_names(expression)
    if isinstance(node, BlockTranslateNode):
        # Inside {% blocktranslate %} the {{ names }} are tokens, not expressions.
        for token in [*node.singular, *(node.plural or [])]:
            if token.token_type == TokenType.VAR:
                yield token.contents.strip()


def _expressions(value: object, depth: int) -> Iterator[FilterExpression]:
    """Every FilterExpression a node holds (its variable, an if's conditions...)."""
    if depth > 12 or isinstance(value, (str, bytes, int, Node)):
        return
    if isinstance(value, FilterExpression):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from _expressions(item, depth + 1)
    elif isinstance(value, (list, tuple)):
        for item in value:
            yield from _expressions(item, depth + 1)
    elif hasattr(value, "__dict__") and type(value).__module__.startswith(
        "django.template"
    ):
        # smartif's operators and literals keep their operands as attributes.
        yield from _expressions(vars(value), depth + 1)


def _expression_names(expression: FilterExpression) -> Iterator[str]:
    variables = [expression.var]
    for _function, arguments in expression.filters:
        variables += [argument for lookup, argument in arguments if lookup]
    for variable in variables:
        if isinstance(variable, Variable) and variable.lookups:
            yield ".".join(variable.lookups)
