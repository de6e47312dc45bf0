from django.urls import path

from patients import views
from patients.wizard import RestagingWizard

app_name = "patients"
restaging_wizard = RestagingWizard.as_view(url_name="patients:restaging_step", done_step_name="done")

urlpatterns = [
    path("", views.patient_list, name="list"),
    path("new/", views.patient_create, name="create"),
    path("import/", views.case_import, name="import"),
    path("<id:pk>/", views.patient_detail, name="detail"),
    path("<id:pk>/edit/", views.patient_edit, name="edit"),
    path("<id:pk>/lines/new/", views.line_create, name="line_create"),
    path("<id:pk>/lines/<id:line_pk>/", views.line_edit, name="line_edit"),
    path("<id:pk>/restagings/new/", views.restaging_start, name="restaging_start"),
    path("<id:pk>/restagings/<id:restaging_pk>/", views.restaging_detail, name="restaging"),
    path("<id:pk>/restagings/<id:restaging_pk>/wizard/", restaging_wizard, name="restaging_wizard"),
    path("<id:pk>/restagings/<id:restaging_pk>/wizard/<str:step>/", restaging_wizard, name="restaging_step"),
    path("<id:pk>/restagings/<id:restaging_pk>/correct/", views.restaging_correct, name="restaging_correct"),
    path("<id:pk>/restagings/<id:restaging_pk>/case.json", views.restaging_case_json, name="restaging_case"),
    path("<id:pk>/restagings/<id:restaging_pk>/save/", views.case_review_create, name="review_create"),
    path("reviews/<id:pk>/", views.case_review_detail, name="review"),
]
