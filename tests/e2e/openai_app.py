"""An app using the real ``openai`` client against the mock server whose URL
is in MOCK_OPENAI_URL; run under ``opentelemetry-instrument``."""

import os

import openai

client = openai.OpenAI(base_url=os.environ["MOCK_OPENAI_URL"], api_key="sk-test-not-a-key")
reply = client.chat.completions.create(
    model="gpt-4o-mini", messages=[{"role": "user", "content": "What is 6 x 7?"}])
print(reply.choices[0].message.content)
