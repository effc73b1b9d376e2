from __future__ import annotations

import os

from config.settings.env import env_bool

# --- SOS ----------------------------------------------------------------------------------------------------
SOS_ESCALATE_AFTER_SECONDS = int(os.environ.get("SOS_ESCALATE_AFTER_SECONDS", "300"))
SOS_MAX_PHOTO_BYTES = int(os.environ.get("SOS_MAX_PHOTO_BYTES", str(10 * 1024 * 1024)))
SOS_MAX_VIDEO_BYTES = int(os.environ.get("SOS_MAX_VIDEO_BYTES", str(50 * 1024 * 1024)))
SOS_FLOOR_ENDPOINT = env_bool("SOS_FLOOR_ENDPOINT", False)
# The largest upload a request may declare (an SOS video and its form); other bodies: DATA_UPLOAD_MAX_MEMORY_SIZE.
REQUEST_MAX_UPLOAD_BYTES = int(os.environ.get("REQUEST_MAX_UPLOAD_BYTES",
                                              str(max(SOS_MAX_PHOTO_BYTES, SOS_MAX_VIDEO_BYTES) + 1024 * 1024)))
