"""URLs every host serves, whatever its tenant type."""

from django.templatetags.static import static
from django.urls import path
from django.views.generic import RedirectView
from django.views.i18n import JavaScriptCatalog

from tenants.views import account, auth, invitations, jobs, portal

urlpatterns = [
    path("login/", auth.login_view, name="login"),
    path("login/verify/", auth.login_verify, name="login-verify"),
    path("login/setup/", auth.login_setup, name="login-setup"),
    path("logout/", auth.logout_view, name="logout"),
    path("account/", account.account, name="account"),
    path("account/password/", account.password_change, name="account-password"),
    path("account/two-factor/", account.two_factor, name="account-two-factor"),
    path("switch/", portal.switch_tenant, name="switch-tenant"),
    path("jobs/", jobs.jobs, name="jobs"),
    path("jobs/new/", jobs.job_new, name="job-new"),
    path("jobs/<id:pk>/download/", jobs.job_download, name="job-download"),
    path("invitations/<token:secret>/", invitations.invitation_take, name="invitation"),
    path("views/", portal.saved_view_save_view, name="saved-view-save"),
    path("views/<id:pk>/delete/", portal.saved_view_delete_view, name="saved-view-delete"),
    path("i18n/setlang/", account.language_set, name="set_language"),
    path("jsi18n/", JavaScriptCatalog.as_view(), name="javascript-catalog"),
    path("favicon.ico", RedirectView.as_view(url=static("favicon.svg"), permanent=True), name="favicon"),
]

handler404 = "config.error_pages.not_found"
handler500 = "config.error_pages.server_error"
handler403 = "config.error_pages.forbidden"
