"""Services over the store and the index: catalog, recommender, shortlists, subscriptions, access, awards."""
