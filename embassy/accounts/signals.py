"""Signals other apps listen to (accounts sits below them and may not call them).

citizen_user_verified(user): a one-time code proved that `user` is the citizen at that address (the account
was found or just created). Sent inside the verifying transaction, so what receivers write commits or rolls
back with the sign-in: citizens creates or links the citizen profile."""

from __future__ import annotations

from django.dispatch import Signal

citizen_user_verified = Signal()
