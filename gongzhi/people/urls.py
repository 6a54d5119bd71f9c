from django.http import Http404
from django.urls import path

app_name = "people"


def _todo(request, *args, **kwargs):
    raise Http404


urlpatterns = [
    path("residents/", _todo, name="residents"),
    path("residents/<int:pk>/", _todo, name="resident"),
    path("import/", _todo, name="import"),
    path("households/<int:pk>/", _todo, name="household"),
]
