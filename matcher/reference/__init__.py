"""Reference data every stage may read: the CPV and UNSPSC code lists and the ISO 3166 countries."""
