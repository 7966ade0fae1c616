"""Pure normalisation: text, dates and amounts, codes, currencies, supplier names, contract nature, openness."""
