"""OpenAI ``/v1/embeddings``: deterministic vectors, float or base64."""

from __future__ import annotations

from mock_llm.models import embedding_dimensions
from mock_llm.replies import BadRequest, EndpointContext, JsonReply
from mock_llm.textgen import count_tokens, embedding, embedding_base64


def embeddings(body: dict, ctx: EndpointContext) -> JsonReply:
    model = body.get("model")
    if not model:
        raise BadRequest("you must provide a model parameter")
    raw_input = body.get("input")
    if isinstance(raw_input, str):
        texts = [raw_input]
    elif isinstance(raw_input, list) and raw_input and all(isinstance(t, str) for t in raw_input):
        texts = raw_input
    else:
        raise BadRequest("'input' must be a string or a non-empty list of strings")
    dimensions = embedding_dimensions(model, body.get("dimensions"))
    as_base64 = body.get("encoding_format") == "base64"
    data = []
    for index, text in enumerate(texts):
        vector = embedding(text, dimensions)
        data.append(
            {
                "object": "embedding",
                "index": index,
                "embedding": embedding_base64(vector) if as_base64 else vector,
            }
        )
    tokens = sum(count_tokens(text) for text in texts)
    body_out = {
        "object": "list",
        "data": data,
        "model": model,
        "usage": {"prompt_tokens": tokens, "total_tokens": tokens},
    }
    return JsonReply(body_out)
