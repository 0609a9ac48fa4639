from django.urls import path

from queues import staff_views
from queues.views import apply, apply_cabinet, cabinet, claim, directions, manage

app_name = "queues"

urlpatterns = [
    path("cabinet/", cabinet.cabinet, name="cabinet"),
    # Applying: no login needed; the wizard is in the session, nothing personal in these URLs.
    path("cabinet/apply/", apply.apply_phones, name="apply"),
    path("cabinet/apply/phone/", apply.apply_phone_send, name="apply_phone_send"),
    path("cabinet/apply/child/", apply.apply_child, name="apply_child"),
    path("cabinet/apply/child/birth-date/", apply.apply_birth_date, name="apply_birth_date"),
    path("cabinet/apply/benefit/", apply.apply_benefit, name="apply_benefit"),
    path("cabinet/apply/review/", apply.apply_review, name="apply_review"),
    path("cabinet/apply/done/", apply.apply_done, name="apply_done"),
    path("cabinet/apply/cancel/", apply.apply_cancel, name="apply_cancel"),
    path("cabinet/apply/cabinet/", apply_cabinet.apply_cabinet, name="apply_cabinet"),
    path("cabinet/apply/cabinet/code/", apply_cabinet.apply_cabinet_send, name="apply_cabinet_send"),
    # The cabinet's own phones (its codes go only to them).
    path("cabinet/phone/", manage.cabinet_phone, name="cabinet_phone"),
    path("cabinet/phone/code/", manage.cabinet_phone_send, name="cabinet_phone_send"),
    # One application of the logged-in parent (404 for anyone else's).
    path("cabinet/applications/<int:number>/", cabinet.application, name="application"),
    path("cabinet/applications/<int:number>/grants/", cabinet.grants, name="grants"),
    path("cabinet/applications/<int:number>/messages/", cabinet.messages_history, name="messages"),
    path("cabinet/applications/<int:number>/seats/", claim.seats, name="seats"),
    path("cabinet/applications/<int:number>/seats/<slug:group>/", claim.claim, name="claim"),
    path("cabinet/applications/<int:number>/seats/<slug:group>/code/", claim.claim_send, name="claim_send"),
    path("cabinet/applications/<int:number>/directions/", directions.directions, name="directions"),
    path("cabinet/applications/<int:number>/directions/extend/", directions.extend, name="extend"),
    path("cabinet/applications/<int:number>/directions/extend/code/", directions.extend_send, name="extend_send"),
    path("cabinet/applications/<int:number>/directions/cancel/", directions.cancel, name="cancel"),
    path("cabinet/applications/<int:number>/directions/cancel/code/", directions.cancel_send, name="cancel_send"),
    path("cabinet/applications/<int:number>/phone/", manage.phone_change, name="phone_change"),
    path("cabinet/applications/<int:number>/withdraw/", manage.withdraw, name="withdraw"),
    path("cabinet/applications/<int:number>/withdraw/code/", manage.withdraw_send, name="withdraw_send"),
    path("cabinet/directions/<int:direction>/print/", directions.direction_print, name="direction_print"),
    path("staff/documents/<int:pk>/", staff_views.benefit_document, name="benefit_document"),
]
