"""Reference data every stage may read: the CPV and UNSPSC code lists, the ISO 3166 countries and the ISO 4217
currencies."""
