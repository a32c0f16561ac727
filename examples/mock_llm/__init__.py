"""A local mock of the OpenAI and Anthropic HTTP APIs, for the examples, demo and tests.

    with start_server(ServerConfig(seed=7)) as server:
        client = openai.OpenAI(base_url=server.openai_base_url, api_key="mock")

Or from a shell: ``python -m mock_llm --port 0`` prints the URL it serves on.
"""

from mock_llm.config import FaultProfile, LatencyProfile, ServerConfig, config_from_env
from mock_llm.server import RunningServer, start_server

__all__ = [
    "FaultProfile",
    "LatencyProfile",
    "RunningServer",
    "ServerConfig",
    "config_from_env",
    "start_server",
]
