"""Places and dates that the lapor diri tests share (real city centres: Kuala Lumpur, Johor Bahru, Singapore,
Jeddah)."""

import datetime as dt

KL = (3.1390, 101.6869)
JOHOR = (1.4927, 103.7414)
SINGAPORE = (1.2903, 103.8519)
JEDDAH = (21.5433, 39.1728)
START = dt.date(2026, 1, 1)
