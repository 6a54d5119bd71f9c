from django.urls import path

from . import views, views_tokens

app_name = "accounts"
urlpatterns = [
    path("login/", views.login_view, name="login"),
    path("logout/", views.logout_view, name="logout"),
    path("audit/", views.audit_log_view, name="audit_log"),
    path("audit/auditors/", views.auditor_grant_view, name="auditor_grant"),
    path("inbox/", views.inbox_view, name="inbox"),
    path("tokens/", views_tokens.my_tokens, name="tokens"),
    path("tokens/<int:pk>/revoke/", views_tokens.my_token_revoke, name="token_revoke"),
    path("password/", views.PasswordChangeView.as_view(), name="password_change"),
]
