from django.contrib import admin
from django.urls import path

from api.api import api
from care.surveys.views import survey_page

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/v1/", api.urls),
    path("s/<str:token>", survey_page, name="survey"),
]
