"""The small document set every test indexes."""

from llama_index.core import Document

DOCUMENTS = [
    Document(text="Paris is the capital of France.", id_="doc-paris"),
    Document(text="Berlin is the capital of Germany.", id_="doc-berlin"),
    Document(text="Madrid is the capital of Spain.", id_="doc-madrid"),
]
EMBED_DIM = 16
