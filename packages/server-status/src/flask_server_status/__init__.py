"""A status page for a Flask app, fed by its real traffic."""
