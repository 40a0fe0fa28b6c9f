"""The ``/info`` endpoint's content: built-in and custom contributors.

Public surface: :func:`collect_info` (the document), :func:`validate_config`
(check the options at ``init_app``), :func:`register_contributor` (custom
sections) and :data:`MASK`.
"""

from flask_management_endpoints.info.collector import (
    collect_info,
    register_contributor,
    validate_config,
)
from flask_management_endpoints.info.masking import MASK
from flask_management_endpoints.info.options import InfoContributor

__all__ = [
    "MASK",
    "InfoContributor",
    "collect_info",
    "register_contributor",
    "validate_config",
]
