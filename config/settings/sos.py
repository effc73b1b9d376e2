"""The panic button: service levels, escalation, upload limits."""

from __future__ import annotations

import os

# --- SOS ----------------------------------------------------------------------------------------------------
# An unacknowledged case is green in the console for SOS_ACKNOWLEDGE_TARGET_SECONDS, amber until
# SOS_ESCALATE_AFTER_SECONDS, when it is escalated, then red.
SOS_ACKNOWLEDGE_TARGET_SECONDS = int(os.environ.get("SOS_ACKNOWLEDGE_TARGET_SECONDS", "120"))
SOS_ESCALATE_AFTER_SECONDS = int(os.environ.get("SOS_ESCALATE_AFTER_SECONDS", "300"))
# The duty officers' fan-out starts this long after the first alert that needs it (where the task backend can
# defer), so that alerts arriving together go out in one run: during a storm, a run per alert (each reading the
# duty rosters, the officers' addresses and the open crises) took a whole worker at 50 alerts a second.
SOS_ALERT_COALESCE_SECONDS = float(os.environ.get("SOS_ALERT_COALESCE_SECONDS", "0.25"))
SOS_MAX_PHOTO_BYTES = int(os.environ.get("SOS_MAX_PHOTO_BYTES", str(10 * 1024 * 1024)))
SOS_MAX_VIDEO_BYTES = int(os.environ.get("SOS_MAX_VIDEO_BYTES", str(50 * 1024 * 1024)))
# The largest upload a request may declare (an SOS video and its form); other bodies: DATA_UPLOAD_MAX_MEMORY_SIZE.
REQUEST_MAX_UPLOAD_BYTES = int(os.environ.get("REQUEST_MAX_UPLOAD_BYTES",
                                              str(max(SOS_MAX_PHOTO_BYTES, SOS_MAX_VIDEO_BYTES) + 1024 * 1024)))
