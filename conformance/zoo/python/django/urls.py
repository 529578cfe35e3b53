from django.http import JsonResponse
from django.urls import path


def items(request):
    return JsonResponse({"items": [1, 2, 3]})


urlpatterns = [path("api/items", items)]
