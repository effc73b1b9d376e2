"""The SOS benchmark's floor: `POST /api/v1/sos/floor` authenticates a bearer token the way the panic button
does and stores one row in one transaction — the cheapest possible "alert stored", the baseline that
benchmarks/bench_sos.py compares the real alert against. Installed only by benchmarks.floorapp.settings, which
bench_sos runs the server with; the product has neither the endpoint nor the table."""
