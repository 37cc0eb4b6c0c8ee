"""The web app's edge, shared by every domain's `pages.py`: session cookie, CSRF, templates."""
