from django.urls import URLPattern, path

from embassy.shelters import console

# Console pages (under /konsol/, namespace "console"); no public pages.
console_patterns: list[URLPattern] = [
    path("shelter/", console.index, name="shelters"),
    path("shelter/tambah/", console.shelter_add, name="shelter-add"),
    path("shelter/pemulangan/", console.board, name="shelter-board-all"),
    path("shelter/penghuni/<int:residence_id>/", console.residence_page, name="shelter-residence"),
    path("shelter/penghuni/<int:residence_id>/keluar/", console.check_out, name="shelter-check-out"),
    path("shelter/penghuni/<int:residence_id>/langkah/", console.step_record, name="shelter-step"),
    path("shelter/penghuni/<int:residence_id>/pemulangan/", console.repatriation_start, name="shelter-repatriate"),
    path("shelter/<int:shelter_id>/", console.shelter_page, name="shelter"),
    path("shelter/<int:shelter_id>/ubah/", console.shelter_edit, name="shelter-edit"),
    path("shelter/<int:shelter_id>/masuk/", console.check_in, name="shelter-check-in"),
    path("shelter/<int:shelter_id>/pemulangan/", console.board, name="shelter-board"),
    path("shelter/<int:shelter_id>/hunian/", console.occupancy_page, name="shelter-occupancy"),
    path("shelter/<int:shelter_id>/hunian.csv", console.occupancy_csv, name="shelter-occupancy-csv"),
]

urlpatterns: list[URLPattern] = []
