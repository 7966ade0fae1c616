"""Ranking: features (declared once), award-history priors, partner feedback, fusion, the re-ranker,
calibration and explanations."""
