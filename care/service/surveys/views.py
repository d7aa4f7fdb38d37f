"""The customer's survey page, /s/<token>: public, signed, single use."""

from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import translation
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from care.service.surveys.forms import SurveyForm
from care.service.surveys.services import (
    SurveyError,
    SurveyLink,
    survey_answer,
    survey_from_token,
)
from care.service.surveys.tokens import BadToken

TEMPLATES = {
    "answered": ("care/survey/answered.html", 200),
    "expired": ("care/survey/expired.html", 410),
}


# No CSRF cookie: the signed token in the URL is the credential, so a forged
# cross-site post would need it already; and phones' in-app browsers that drop
# cookies must still be able to answer.
@csrf_exempt
@require_http_methods(["GET", "HEAD", "POST"])
def survey_page(request: HttpRequest, token: str) -> HttpResponse:
    try:
        link = survey_from_token(token)
    except BadToken:
        return render(request, "care/survey/invalid.html", status=400)
    with translation.override(link.survey.customer.locale):
        return _page(request, link)


def _state(link: SurveyLink) -> str:
    if link.survey.answered_at is not None:
        return "answered"
    if link.expired:
        return "expired"
    return ""


def _page(request: HttpRequest, link: SurveyLink) -> HttpResponse:
    survey = link.survey
    context = {"survey": survey, "lang": translation.get_language()}
    state = _state(link)
    if state:
        return _final(request, state, context)
    form = SurveyForm(request.POST if request.method == "POST" else None)
    if form.is_valid():
        data = form.cleaned_data
        try:
            survey_answer(
                survey=survey,
                csat=data["csat"],
                nps=data["nps"],
                comment=data["comment"],
            )
        except SurveyError as exc:
            return _final(request, exc.code, context)
        except ValidationError as exc:
            for field, errors in exc.message_dict.items():
                form.add_error(field if field in form.fields else None, errors)
        else:
            return render(request, "care/survey/thanks.html", context)
    return render(request, "care/survey/form.html", {**context, "form": form})


def _final(request: HttpRequest, state: str, context: dict) -> HttpResponse:
    template, status = TEMPLATES[state]
    return render(request, template, context, status=status)
