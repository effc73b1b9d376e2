from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from embassy.consular.services import catalogue_load
from embassy.geo.boundaries import get_country_resolver
from embassy.geo.services import countries_sync
from embassy.geo.views import outlines_geojson
from embassy.listening.streams import standard_streams_load
from embassy.missions.loader import DataFileError
from embassy.missions.services import missions_load
from embassy.social.audience import audience_load
from embassy.social.services import accounts_load


class Command(BaseCommand):
    help = "Load reference data: countries (ISO 3166-1, names, calling codes) and the ministry's units."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--missions", default=str(Path(settings.DATA_DIR) / "missions.csv"))
        parser.add_argument("--social", default=str(Path(settings.DATA_DIR) / "social_accounts.csv"))
        parser.add_argument("--consular", default=str(Path(settings.DATA_DIR) / "consular_services.csv"))
        parser.add_argument("--internet-users", default=str(Path(settings.DATA_DIR) / "internet_users.csv"))
        parser.add_argument("--without-streams", action="store_true",
                            help="do not create the standard listening streams (the tests' reference data)")

    def handle(self, *args: Any, **options: Any) -> None:
        t0 = time.perf_counter()
        get_country_resolver()  # builds (first time) or loads the boundary index cache
        outlines_geojson()  # the map basemap, cached under var/cache/
        n = countries_sync()
        try:
            result = missions_load(path=Path(options["missions"]))
            social = Path(options["social"])
            accounts = accounts_load(path=social) if social.exists() else None
            consular = Path(options["consular"])
            catalogue = catalogue_load(path=consular) if consular.exists() else None
            internet = Path(options["internet_users"])
            audience = audience_load(path=internet) if internet.exists() else None
        except DataFileError as exc:
            raise CommandError(f"Nothing loaded: {exc}") from exc
        # The standard listening streams follow the missions and the account registry just loaded.
        streams = None if options["without_streams"] else standard_streams_load()
        self.stdout.write(
            f"reference data: {n} countries, {result['units']} units "
            f"({result['created']} new, {result['updated']} changed, {result['deactivated']} deactivated) "
            f"in {time.perf_counter() - t0:.1f}s"
        )
        if accounts is not None:
            self.stdout.write(
                f"social-media accounts: {accounts['accounts']} ({accounts['created']} new, {accounts['updated']} "
                f"changed, {accounts['deactivated']} deactivated)"
            )
        if catalogue is not None:
            self.stdout.write(f"consular services: {catalogue['services']} ({catalogue['created']} new, "
                              f"{catalogue['updated']} changed, {catalogue['deactivated']} deactivated)")
        if audience is not None:
            self.stdout.write(f"internet users: {audience} countries")
        if streams is not None:
            self.stdout.write(f"listening streams: {streams.created} new, {streams.updated} changed, "
                              f"{streams.deactivated} stopped")
