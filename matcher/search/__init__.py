"""Finding candidates: encoders and their cache, the FAISS index and its folders, index sync, the lexical model,
retrieval, and code inference over the code labels."""
