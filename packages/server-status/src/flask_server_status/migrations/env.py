"""Alembic environment of flask-server-status.

Runs only through :mod:`flask_server_status.migrate`, which passes an open
connection in ``config.attributes["connection"]``, or for offline SQL
(``--sql``) the database URL in ``config.attributes["url"]``.
Only ``server_status_`` tables are compared, and the version table is
``server_status_alembic_version``, so this history never mixes with the host
app's own migrations.
"""

from __future__ import annotations

from alembic import context

from flask_server_status.migrate import VERSION_TABLE, include_object
from flask_server_status.models import metadata

offline = context.is_offline_mode()
context.configure(
    # Offline SQL names values inline: the script is read and run by a person.
    url=context.config.attributes["url"] if offline else None,
    literal_binds=offline,
    connection=None if offline else context.config.attributes["connection"],
    target_metadata=metadata,
    version_table=VERSION_TABLE,
    include_object=include_object,
    render_as_batch=True,
    compare_type=True,
)
with context.begin_transaction():
    context.run_migrations()
