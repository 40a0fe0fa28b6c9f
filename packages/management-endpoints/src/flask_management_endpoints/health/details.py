"""Who sees components and details: the ``never`` / ``when_authorized`` / ``always`` policy.

The overall status is never hidden, so probes never need credentials.
Components and details are shown per policy; ``when_authorized`` asks
:class:`flask_management_endpoints.auth.Authorizer`.
"""

from __future__ import annotations

import enum
from collections.abc import Callable


class Show(enum.Enum):
    NEVER = "never"
    WHEN_AUTHORIZED = "when_authorized"
    ALWAYS = "always"

    def allows(self, authorized: Callable[[], bool]) -> bool:
        if self is Show.ALWAYS:
            return True
        return self is Show.WHEN_AUTHORIZED and authorized()
