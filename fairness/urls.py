from django.urls import path

from fairness import views

app_name = "fairness"

urlpatterns = [path("", views.public_summary, name="summary")]
