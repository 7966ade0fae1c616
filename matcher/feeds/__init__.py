"""Live feeds: connectors that fetch new notices from public sources page by page, and the runner that stores
each page with its cursor (``matcher.services.feeds``) so a run can stop anywhere and resume.

``http`` is the one polite HTTP client; ``base`` the shape every connector has; ``ted``, ``worldbank`` and
``ocds`` the sources; ``connectors`` picks one by kind; ``runner`` runs configured feeds.
"""
