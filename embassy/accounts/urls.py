from django.urls import path

from embassy.accounts import views

app_name = "accounts"
urlpatterns = [
    path("masuk/", views.signin, name="signin"),
    path("masuk/kode/", views.signin_verify, name="signin-verify"),
    path("keluar/", views.signout, name="signout"),
    path("bahasa/", views.set_language, name="set-language"),
    path("staf/masuk/", views.staff_login, name="staff-login"),
    path("staf/verifikasi/", views.staff_otp, name="staff-otp"),
]
